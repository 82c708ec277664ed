"""Accounts under attack: concurrent password guessing, replayed session cookies,
tokens that outlive what they were made for, disabled and removed accounts.

The commands run through the CLI on the app's own database (its data folder),
the site through HTTP; on SQLite and, with GLAMPUB_TEST_DATABASE_URL, on
PostgreSQL.
"""

from __future__ import annotations

import io
import json
import re
import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import pytest
from click.testing import CliRunner
from sqlalchemy import select, text

import glampub.accounts.store
from glampub.accounts import store as accounts
from glampub.cli import main
from glampub.models import ApiToken, Upload, User
from tests.staff_helpers import (
    OTHER,
    PASSWORD,
    STAFF,
    csrf_token,
    login,
    make_two_institutions_staff,
    post_multipart,
    signed_in,
    wait_for_upload,
)

HOME = "/staff/kestrel-museum/"


@pytest.fixture
def staff_app(app):
    return make_two_institutions_staff(app)


@pytest.fixture
def cli(staff_app, monkeypatch: pytest.MonkeyPatch):  # type: ignore[no-untyped-def]
    """``glampub ARGS…`` on the staff app's database, as an operator runs it there."""
    monkeypatch.setenv("GLAMPUB_DATA_DIR", staff_app.config["DATA_DIR"])
    monkeypatch.delenv("GLAMPUB_DATABASE_URL", raising=False)
    runner = CliRunner()

    def run(*args: str, input: str | None = None):  # type: ignore[no-untyped-def]
        return runner.invoke(main, list(args), input=input)

    return run


def _user(app, email: str) -> User:  # type: ignore[no-untyped-def]
    with app.app_context():
        session = app.extensions["glampub.db"].session()
        user = session.scalar(select(User).where(User.email == email))
        session.close()
        return user


def _api(app, token: str):  # type: ignore[no-untyped-def]
    return app.test_client().get(
        "/api/v1/institutions", headers={"Authorization": f"Bearer {token}"}
    )


def _new_token(cli, email: str, *options: str) -> tuple[str, int]:  # type: ignore[no-untyped-def]
    made = cli("token", "create", email, *options)
    assert made.exit_code == 0, made.output
    match = re.fullmatch(
        rf"Token (\d+) for {re.escape(email)} \([a-z-]+\), expires .+\n", made.stderr
    )
    assert match, made.stderr
    return made.stdout.strip(), int(match.group(1))


def _state(cli, email: str, token_id: int) -> str:  # type: ignore[no-untyped-def]
    """What ``glampub token list EMAIL`` says of the token."""
    lines = cli("token", "list", email).stdout.splitlines()
    return next(line for line in lines if line.startswith(f"{token_id} ")).split()[-1]


def _signed_in(app, email: str = STAFF):  # type: ignore[no-untyped-def]
    client = signed_in(app, email)
    assert client.get(HOME).status_code == 200
    return client


def _replayed(app, cookie: str):  # type: ignore[no-untyped-def]
    """A fresh browser holding a copy of a session cookie."""
    attacker = app.test_client()
    attacker.set_cookie("session", cookie)
    return attacker.get(HOME)


# Finding 7: the login throttle held for one attempt at a time only.


def test_concurrent_wrong_passwords_are_checked_at_most_the_limit(staff_app, monkeypatch) -> None:
    checked = []
    lock = threading.Lock()
    real_check = glampub.accounts.store.check_password_hash

    def counting_check(pwhash: str, password: str) -> bool:
        with lock:
            checked.append(password)
        return real_check(pwhash, password)

    monkeypatch.setattr(glampub.accounts.store, "check_password_hash", counting_check)
    attempts = 40
    clients = [staff_app.test_client() for _ in range(attempts)]
    tokens = [csrf_token(c.get("/staff/login").get_data(as_text=True)) for c in clients]
    start = threading.Barrier(attempts)

    def guess(number: int) -> int:
        data = {"email": STAFF, "password": f"guess {number}", "csrf_token": tokens[number]}
        start.wait()
        return clients[number].post("/staff/login", data=data).status_code

    with ThreadPoolExecutor(attempts) as pool:
        statuses = list(pool.map(guess, range(attempts)))
    limit = staff_app.config["LOGIN_LIMIT_PER_ACCOUNT"]
    assert len(checked) == limit
    assert sorted(statuses) == [401] * limit + [429] * (attempts - limit)
    # The right password too is refused now, without being checked.
    assert login(staff_app.test_client(), STAFF).status_code == 429
    assert len(checked) == limit


def test_a_successful_sign_in_forgives_the_accounts_failures_not_more(staff_app) -> None:
    client = staff_app.test_client()
    for _ in range(4):
        assert login(client, STAFF, "wrong").status_code == 401
    assert login(client, STAFF).status_code == 302
    for _ in range(5):
        assert login(staff_app.test_client(), STAFF, "wrong again").status_code == 401
    assert login(staff_app.test_client(), STAFF, "wrong again").status_code == 429


# Findings 13 and 16: session cookies carried password-hash material and
# outlived signing out.


def test_the_session_cookie_carries_only_the_account_and_its_session_version(staff_app) -> None:
    client = _signed_in(staff_app)
    cookie = client.get_cookie("session")
    assert cookie is not None and client.get_cookie("remember_token") is None
    payload = staff_app.session_interface.get_signing_serializer(staff_app).loads(cookie.value)
    user = _user(staff_app, STAFF)
    shown = json.dumps(payload) + cookie.value
    pieces = {user.password_hash[i : i + 8] for i in range(len(user.password_hash) - 7)}
    assert not [piece for piece in pieces if piece in shown]
    assert payload["_user_id"] == f"{user.id}:{user.session_version}"


def test_a_session_cookie_stops_working_when_its_owner_signs_out(staff_app) -> None:
    client = _signed_in(staff_app)
    elsewhere = _signed_in(staff_app)  # the same account in another browser
    stolen = client.get_cookie("session").value
    assert _replayed(staff_app, stolen).status_code == 200
    token = csrf_token(client.get(HOME).get_data(as_text=True))
    assert client.post("/staff/logout", data={"csrf_token": token}).status_code == 302
    replayed = _replayed(staff_app, stolen)
    assert replayed.status_code == 302
    assert replayed.headers["Location"].startswith("/staff/login?next=")
    # Signing out ends the account's sessions everywhere.
    assert elsewhere.get(HOME).status_code == 302
    assert _signed_in(staff_app).get(HOME).status_code == 200


def test_a_password_reset_ends_sessions_and_revokes_tokens(staff_app, cli) -> None:
    client = _signed_in(staff_app)
    token, _token_id = _new_token(cli, STAFF)
    assert _api(staff_app, token).status_code == 200
    reset = cli(
        "user",
        "add",
        STAFF,
        "--institution",
        "kestrel-museum",
        "--password-stdin",
        input="a new long password\n",
    )
    assert reset.exit_code == 0, reset.output
    assert reset.stdout == (
        f"Updated account {STAFF} (kestrel-museum)\n"
        "Its sessions have ended and its API tokens are revoked.\n"
    )
    assert client.get(HOME).status_code == 302
    refused = _api(staff_app, token)
    assert refused.status_code == 401
    assert refused.get_json()["message"] == (
        "this token was revoked; `glampub token create EMAIL` makes a new one"
    )
    assert login(staff_app.test_client(), STAFF, "a new long password").status_code == 302


# Finding 9: tokens and accounts could not be revoked.


def test_tokens_are_listed_with_institution_expiry_and_last_use_and_revoked(staff_app, cli) -> None:
    token, token_id = _new_token(cli, STAFF, "--expires-days", "30")
    _other, other_id = _new_token(cli, OTHER)
    assert _api(staff_app, token).status_code == 200
    listed = cli("token", "list")
    assert listed.exit_code == 0, listed.output
    lines = listed.stdout.splitlines()
    assert lines[0].split() == [
        "ID",
        "ACCOUNT",
        "INSTITUTION",
        "CREATED",
        "EXPIRES",
        "LAST",
        "USED",
        "STATE",
    ]
    mine = next(line for line in lines if line.startswith(f"{token_id} "))
    with staff_app.app_context():
        row = staff_app.extensions["glampub.db"].session().get(ApiToken, token_id)
        created, expires, used = (
            accounts.aware(moment) for moment in (row.created_at, row.expires_at, row.last_used_at)
        )
    assert expires - created == timedelta(days=30)
    assert mine.split() == [
        str(token_id), STAFF, "kestrel-museum",
        *created.strftime("%Y-%m-%d %H:%M UTC").split(),
        *expires.strftime("%Y-%m-%d %H:%M UTC").split(),
        *used.strftime("%Y-%m-%d %H:%M UTC").split(),
        "active",
    ]  # fmt: skip
    theirs = next(line for line in lines if line.startswith(f"{other_id} "))
    assert theirs.split()[1:3] == [OTHER, "harbour-museum"] and theirs.split()[-2:] == [
        "never",
        "active",
    ]
    only_mine = [line.split() for line in cli("token", "list", STAFF).stdout.splitlines()[1:]]
    assert {row[1] for row in only_mine} == {STAFF} and str(token_id) in {r[0] for r in only_mine}

    revoked = cli("token", "revoke", str(token_id))
    assert (revoked.exit_code, revoked.stdout) == (
        0,
        f"Revoked token {token_id} of {STAFF} (kestrel-museum)\n",
    )
    refused = _api(staff_app, token)
    assert refused.status_code == 401
    assert refused.headers["WWW-Authenticate"] == 'Bearer realm="glampub"'
    assert _state(cli, STAFF, token_id) == "revoked"
    again = cli("token", "revoke", str(token_id))
    assert again.stdout == f"Token {token_id} of {STAFF} (kestrel-museum) was already revoked\n"
    unknown = cli("token", "revoke", "999")
    assert (unknown.exit_code, unknown.stderr) == (
        2,
        "Error: no token 999; `glampub token list` shows them\n",
    )
    assert cli("token", "list", "nobody@kestrel.example").exit_code == 2


def test_a_token_expires(staff_app, cli, monkeypatch) -> None:
    token, token_id = _new_token(cli, STAFF, "--expires-days", "1")
    assert _api(staff_app, token).status_code == 200
    later = accounts.now_utc() + timedelta(days=1, minutes=1)
    monkeypatch.setattr(accounts, "now_utc", lambda: later)
    refused = _api(staff_app, token)
    assert refused.status_code == 401
    assert refused.get_json()["message"].startswith("this token has expired;")
    assert _state(cli, STAFF, token_id) == "expired"
    for days in ("0", "3651"):
        wrong = cli("token", "create", STAFF, "--expires-days", days)
        assert (wrong.exit_code, wrong.stderr) == (
            2,
            f"Error: a token expires after 1 to 3650 days, not {days}\n",
        )


def test_a_token_does_not_follow_its_account_to_another_institution(staff_app, cli) -> None:
    token, token_id = _new_token(cli, STAFF)
    moved = cli(
        "user", "add", STAFF, "--institution", "harbour-museum", "--password-stdin",
        input=PASSWORD + "\n",
    )  # fmt: skip
    assert moved.exit_code == 0, moved.output
    refused = _api(staff_app, token)
    assert refused.status_code == 401
    # Bound to its institution even were it not revoked (an account moved by SQL).
    with staff_app.app_context():
        engine = staff_app.extensions["glampub.db"].engine
    with engine.begin() as connection:
        connection.execute(text("UPDATE api_token SET revoked_at = NULL"))
    refused = _api(staff_app, token)
    assert refused.status_code == 401
    assert refused.get_json()["message"].startswith(
        "this token was made for another institution than its account's;"
    )
    assert _state(cli, STAFF, token_id) == "moved"


def test_a_disabled_account_has_no_sign_in_session_or_token(staff_app, cli) -> None:
    client = _signed_in(staff_app)
    token, _token_id = _new_token(cli, STAFF)
    disabled = cli("user", "disable", STAFF)
    assert (disabled.exit_code, disabled.stdout) == (
        0,
        f"Disabled account {STAFF}: its sessions have ended, 2 API tokens revoked\n",
    )
    assert client.get(HOME).status_code == 302
    assert _api(staff_app, token).status_code == 401
    refused = login(staff_app.test_client(), STAFF)
    assert refused.status_code == 401
    assert "That e-mail and password do not match an account." in refused.get_data(as_text=True)
    no_token = cli("token", "create", STAFF)
    assert (no_token.exit_code, no_token.stderr) == (
        2,
        f"Error: the account {STAFF} is disabled; enable it first\n",
    )
    enabled = cli("user", "enable", STAFF)
    assert (enabled.exit_code, enabled.stdout) == (0, f"Enabled account {STAFF}\n")
    assert login(staff_app.test_client(), STAFF).status_code == 302
    assert _api(staff_app, token).status_code == 401  # its old tokens stay revoked
    fresh, _fresh_id = _new_token(cli, STAFF)
    assert _api(staff_app, fresh).status_code == 200


def test_a_removed_account_is_gone_and_its_uploads_stay(staff_app, cli) -> None:
    client = _signed_in(staff_app)
    token, _token_id = _new_token(cli, STAFF)
    stored = post_multipart(
        staff_app.test_client(),
        "/api/v1/institutions/kestrel-museum/uploads",
        {"export": (io.BytesIO(b"identifier,title\n1,Jug\n"), "objects.csv")},
        headers={"Authorization": f"Bearer {token}"},
    )
    assert stored.status_code == 202
    wait_for_upload(staff_app, stored.get_json()["id"])
    removed = cli("user", "remove", STAFF)
    assert (removed.exit_code, removed.stdout) == (
        0,
        f"Removed account {STAFF} and its 2 API tokens\n",
    )
    assert client.get(HOME).status_code == 302
    refused = _api(staff_app, token)
    assert (refused.status_code, refused.get_json()["message"]) == (401, "unknown token")
    assert login(staff_app.test_client(), STAFF).status_code == 401
    with staff_app.app_context():
        upload = staff_app.extensions["glampub.db"].session().get(Upload, stored.get_json()["id"])
        assert upload is not None and upload.user_id is None
    again = cli("user", "remove", STAFF)
    assert again.exit_code == 2
    assert again.stderr.startswith(f"Error: no account '{STAFF}'")


def test_last_use_is_not_waited_for_while_sqlite_is_locked(staff_app, cli) -> None:
    """An import holds SQLite's one write lock for its whole run: API calls that
    poll it must still answer, leaving the token's last use for later."""
    token, token_id = _new_token(cli, STAFF)
    with staff_app.app_context():
        engine = staff_app.extensions["glampub.db"].engine
    if engine.dialect.name != "sqlite":
        pytest.skip("SQLite's database-wide write lock")
    with engine.connect() as importer:
        importer.exec_driver_sql("BEGIN IMMEDIATE")
        assert _api(staff_app, token).status_code == 200
        importer.rollback()
    with staff_app.app_context():
        row = staff_app.extensions["glampub.db"].session().get(ApiToken, token_id)
        assert row.last_used_at is None
    assert _api(staff_app, token).status_code == 200
    lines = cli("token", "list", STAFF).stdout.splitlines()
    assert "never" not in next(line for line in lines if line.startswith(f"{token_id} "))
