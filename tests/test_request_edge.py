"""What every request passes before a view runs (glampub.web.edge), over HTTP.

Who may send an upload's body is known before a byte of it is read; no NUL
character reaches a view through the path, the query string, a form, a JSON
body or an uploaded file's name; no integer in a URL is beyond what the
database holds. The route walks cover every rule the app registers, so a new
route is covered the day it is added; run them on PostgreSQL too
(GLAMPUB_TEST_DATABASE_URL), where a NUL or a huge number used to end in a
server error.
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote

import pytest
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.routing import IntegerConverter, Rule
from werkzeug.test import EnvironBuilder

from tests.staff_helpers import csrf_token, form_action, login, make_staff, post_multipart

STAFF = "registrar@kestrel.example"
ADMIN = "admin@glampub.example"
OTHER = "curator@harbour.example"
UPLOAD = "/staff/kestrel-museum/upload"
API_UPLOAD = "/api/v1/institutions/kestrel-museum/uploads"
CSV = b"identifier,title\nK-1,One\n"


@pytest.fixture
def edge_app(app: Flask) -> Flask:
    make_staff(app, "kestrel-museum", STAFF)
    make_staff(app, "harbour-museum", OTHER)
    app.config["TOKENS"] = {
        "admin": make_staff(app, "kestrel-museum", ADMIN, admin=True),
        "other": make_staff(app, "harbour-museum", "robot@harbour.example"),
    }
    return app


# --- Uploads: the sender is known before the body is read --------------------------


class CountingInput(io.RawIOBase):
    """A request body that counts what the app reads of it."""

    def __init__(self, raw: io.BufferedIOBase) -> None:
        self.raw, self.bytes_read = raw, 0

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True  # the test client rewinds the body before it sends it

    def seek(self, offset: int, whence: int = 0) -> int:
        return self.raw.seek(offset, whence)

    def tell(self) -> int:
        return self.raw.tell()

    def readinto(self, buffer) -> int:  # type: ignore[no-untyped-def,override]
        data = self.raw.read(len(buffer))
        buffer[: len(data)] = data
        self.bytes_read += len(data)
        return len(data)


def _send_upload(
    client: FlaskClient,
    url: str,
    *,
    declared: int | None = None,
    headers: dict[str, str] | None = None,
    csrf: str | None = None,
):  # type: ignore[no-untyped-def]
    """POST a multipart export of 1 MB (declaring ``declared`` bytes); returns
    the answer and how many bytes of the body the app read."""
    data: dict[str, object] = {"export": (io.BytesIO(CSV + b"K-2,x\n" * 170_000), "big.csv")}
    if csrf:
        data["csrf_token"] = csrf
    builder = EnvironBuilder(
        path=url, method="POST", data=data, headers=headers, base_url="http://localhost"
    )
    environ = builder.get_environ()
    builder.close()
    body = CountingInput(environ["wsgi.input"])
    environ["wsgi.input"] = body
    if declared is not None:
        environ["CONTENT_LENGTH"] = str(declared)
    try:
        response = client.open(environ)
        response.get_data()
        return response, body.bytes_read
    finally:
        body.raw.close()


def _incoming(app: Flask) -> list[Path]:
    return [p for p in (Path(app.config["DATA_DIR"]) / "uploads").rglob("*") if p.is_file()]


def test_an_anonymous_upload_is_answered_before_its_body_is_read(edge_app) -> None:
    client = edge_app.test_client()
    for declared in (None, 2 * 1024**3):  # the real size, and a declared 2 GB
        response, read = _send_upload(client, UPLOAD, declared=declared)
        assert response.status_code == 302
        assert response.headers["Location"].startswith("/staff/login?next=")
        assert read == 0
        # Of any institution, existing or not.
        response, read = _send_upload(client, "/staff/no-such-museum/upload", declared=declared)
        assert (response.status_code, read) == (302, 0)
        api, read = _send_upload(client, API_UPLOAD, declared=declared)
        assert (api.status_code, read) == (401, 0)
        assert api.headers["WWW-Authenticate"] == 'Bearer realm="glampub"'
    assert _incoming(edge_app) == []


def test_a_signed_in_upload_needs_the_csrf_token_before_its_body(edge_app) -> None:
    client = edge_app.test_client()
    login(client, STAFF)
    page = client.get(UPLOAD).get_data(as_text=True)
    token = csrf_token(page)
    # A forged form (another site's page makes the browser post it) cannot
    # know the token: refused before the body, even with one inside it.
    response, read = _send_upload(client, UPLOAD, csrf=token)
    assert (response.status_code, read) == (400, 0)
    assert "The CSRF token is missing." in response.get_data(as_text=True)
    response, read = _send_upload(client, f"{UPLOAD}?csrf_token=forged", csrf=token)
    assert (response.status_code, read) == (400, 0)
    assert "The CSRF token is invalid." in response.get_data(as_text=True)
    assert _incoming(edge_app) == []
    # The page's own form carries it in its address, as a browser posts it...
    action = form_action(page)
    assert action == f"{UPLOAD}?csrf_token={token}"
    response, read = _send_upload(client, action, csrf=token)
    assert response.status_code == 302, response.get_data(as_text=True)
    assert re.search(r"/staff/kestrel-museum/uploads/\d+$", response.headers["Location"])
    assert read > 1_000_000
    # ...and a script may send it as Flask-WTF's header instead.
    response, _ = _send_upload(client, UPLOAD, csrf=token, headers={"X-CSRFToken": token})
    assert response.status_code == 302
    _wait_for_jobs(edge_app)


def test_another_institutions_staff_are_refused_before_the_body(edge_app) -> None:
    client = edge_app.test_client()
    login(client, OTHER)
    token = csrf_token(client.get("/staff/harbour-museum/upload").get_data(as_text=True))
    response, read = _send_upload(client, f"{UPLOAD}?csrf_token={token}")
    assert (response.status_code, read) == (403, 0)
    other = edge_app.config["TOKENS"]["other"]
    api, read = _send_upload(client, API_UPLOAD, headers={"Authorization": f"Bearer {other}"})
    assert (api.status_code, read) == (403, 0)
    assert api.get_json()["message"] == (
        "This belongs to another institution; you cannot see or change it."
    )
    assert _incoming(edge_app) == []


def _wait_for_jobs(app: Flask) -> None:
    for thread in app.extensions.get("glampub.jobs", []):
        thread.join(timeout=120)


# --- The route walks -------------------------------------------------------------

#: A value for each URL variable that names something that may exist.
PLAIN_VALUES = {
    "institution": "kestrel-museum",
    "identifier": "1923.5",
    "image_id": "abc",
    "region": "full",
    "size": "max",
    "rotation": "0",
    "quality": "default",
    "fmt": "jpg",
    "ext": "jpg",
    "filename": "glampub.js",
}
HUGE = "99999999999999999999"
VARIABLE = re.compile(r"<(?:(\w+)(?:\([^)]*\))?:)?(\w+)>")


def _is_int(rule: Rule, name: str) -> bool:
    return isinstance(rule._converters[name], IntegerConverter)


def _url(rule: Rule, values: dict[str, str]) -> str:
    def fill(match: re.Match[str]) -> str:
        converter, name = match.group(1), match.group(2)
        return quote(values[name], safe="/" if converter == "path" else "")

    return VARIABLE.sub(fill, rule.rule)


def _plain(rule: Rule) -> dict[str, str]:
    return {n: "1" if _is_int(rule, n) else PLAIN_VALUES.get(n, "x") for n in rule.arguments}


def _requests(app: Flask) -> Iterator[tuple[Rule, str]]:
    for rule in sorted(app.url_map.iter_rules(), key=lambda r: r.rule):
        for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}):
            yield rule, method


class Walker:
    """Requests as a signed-in admin with a valid CSRF token and API token, so that
    without the edge's checks each would reach its view and its queries."""

    def __init__(self, app: Flask) -> None:
        self.client = app.test_client()
        login(self.client, ADMIN)
        self.csrf = csrf_token(self.client.get("/staff/kestrel-museum/").get_data(as_text=True))
        self.bearer = {"Authorization": f"Bearer {app.config['TOKENS']['admin']}"}
        self.failures: list[str] = []

    def send(self, rule: Rule, method: str, url: str, form: dict[str, str] | None = None):  # type: ignore[no-untyped-def]
        extra = {"csrf_token": self.csrf}
        try:
            if method == "GET":
                return self.client.get(url, headers=self.bearer)
            separator = "&" if "?" in url else "?"
            url = f"{url}{separator}csrf_token={quote(self.csrf)}"
            if rule.endpoint.startswith("api."):
                return self.client.post(url, json=form or {}, headers=self.bearer)
            return self.client.post(url, data=extra | (form or {}), headers=self.bearer)
        except Exception as exc:  # TESTING propagates a view's error: note it, go on
            self.failures.append(f"{method} {url}: {type(exc).__name__}: {exc}")
            return None

    def expect(self, response, status: int, text: str, what: str) -> None:  # type: ignore[no-untyped-def]
        if response is None:
            return
        body = response.get_data(as_text=True)
        if response.status_code != status or text not in body:
            self.failures.append(f"{what}: {response.status_code} {body[:200]!r}")


def test_a_nul_in_any_url_variable_is_refused_at_the_edge(edge_app) -> None:
    walker = Walker(edge_app)
    checked = 0
    for rule, method in _requests(edge_app):
        for name in rule.arguments:
            if _is_int(rule, name):
                continue  # a NUL matches no number: not this route
            values = _plain(rule) | {name: "a\x00b"}
            url = _url(rule, values)
            response = walker.send(rule, method, url)
            walker.expect(response, 400, "NUL character", f"{method} {url}")
            checked += 1
    assert checked >= 45
    assert walker.failures == []


def test_a_nul_in_any_query_parameter_is_refused_at_the_edge(edge_app) -> None:
    walker = Walker(edge_app)
    for rule, method in _requests(edge_app):
        url = _url(rule, _plain(rule)) + "?page=1&q=a%00b"
        walker.expect(walker.send(rule, method, url), 400, "NUL character", f"{method} {url}")
    assert walker.failures == []


def test_a_nul_in_any_form_field_or_json_value_is_refused_at_the_edge(edge_app) -> None:
    walker = Walker(edge_app)
    posts = [(rule, method) for rule, method in _requests(edge_app) if method == "POST"]
    assert len(posts) >= 12
    for rule, method in posts:
        url = _url(rule, _plain(rule))
        for form in ({"statement": "a\x00b"}, {"note": "ok", "name\x00": "x"}):
            response = walker.send(rule, method, url, form)
            walker.expect(response, 400, "NUL character", f"{method} {url} {form!r}")
    assert walker.failures == []


PUBLIC_NUL_URLS = [
    "/objects/a/x%00y",
    "/objects/a/x%00y/source",
    "/iiif/3/a/x%00/manifest",
    "/iiif/3/a/x%00/record",
    "/iiif/3/collection/a%00b",
    "/iiif/image/3/ab%00cd/info.json",
    "/iiif/image/3/ab%00cd/full/max/0/default.jpg",
    "/iiif/download/ab%00cd.jpg",
    "/search?q=a%00b",
    "/search?institution=a%00b",
    "/search?licence=a%00b",
    "/search?type=a%00b",
    "/search?creator=a%00b",
    "/search?sort=a%00b",
]


@pytest.mark.parametrize("url", PUBLIC_NUL_URLS)
def test_the_reviewers_public_urls_with_a_nul_answer_400(demo_client, url: str) -> None:
    for _ in range(2):  # IIIF answers come from the fast path the second time
        response = demo_client.get(url)
        assert response.status_code == 400
        if url.startswith("/iiif/"):
            assert response.get_json()["error"] == "Bad Request"
            assert "NUL character" in response.get_json()["message"]
        else:
            assert "NUL character (%00)" in response.get_data(as_text=True)


def test_the_review_api_refuses_a_nul_in_the_statement_or_the_note(edge_app) -> None:
    client = edge_app.test_client()
    bearer = {"Authorization": f"Bearer {edge_app.config['TOKENS']['admin']}"}
    url = "/api/v1/institutions/kestrel-museum/review"
    for body, where in (
        ({"statement": "a\x00b", "target": "InC"}, "the member 'statement'"),
        ({"statement": "ab", "target": "InC", "note": "n\x00"}, "the member 'note'"),
    ):
        response = client.post(url, json=body, headers=bearer)
        assert response.status_code == 400
        assert response.get_json()["message"] == (
            f"In the JSON body, {where} holds a NUL character (\\u0000)."
        )


def test_an_upload_whose_file_name_holds_a_nul_is_refused_and_leaves_no_file(edge_app) -> None:
    client = edge_app.test_client()
    bearer = {"Authorization": f"Bearer {edge_app.config['TOKENS']['admin']}"}
    response = post_multipart(
        client, API_UPLOAD, {"export": (io.BytesIO(CSV), "a\x00b.csv")}, headers=bearer
    )
    assert response.status_code == 400
    assert response.get_json()["message"] == (
        "The name of the file sent as 'export' holds a NUL character."
    )
    login(client, STAFF)
    page = client.get(UPLOAD).get_data(as_text=True)
    data = {"csrf_token": csrf_token(page), "export": (io.BytesIO(CSV), "a\x00b.csv")}
    assert post_multipart(client, form_action(page), data).status_code == 400
    assert _incoming(edge_app) == []
    with edge_app.app_context():
        from glampub.models import Upload

        assert edge_app.extensions["glampub.db"].session().query(Upload).count() == 0


def test_a_stored_upload_whose_row_cannot_be_written_leaves_no_file(app) -> None:
    """The service takes its files back when the database refuses the row."""
    from sqlalchemy.exc import IntegrityError

    from glampub.errors import UsageError
    from glampub.importing.uploads import store_upload
    from glampub.models import Institution

    data_dir = Path(app.config["DATA_DIR"])
    ghost = Institution(id=424242, slug="ghost", name="Ghost")  # no such row
    with app.app_context():
        session = app.extensions["glampub.db"].session()
        with pytest.raises(IntegrityError):
            store_upload(session, data_dir, ghost, None, io.BytesIO(CSV), "export.csv")
        session.rollback()
        with pytest.raises(UsageError, match="the file name 'a\\\\x00b.csv' holds a NUL"):
            store_upload(session, data_dir, ghost, None, io.BytesIO(CSV), "a\x00b.csv")
    assert [p for p in (data_dir / "uploads").rglob("*") if p.name != "incoming"] == []


# --- Integers in URLs and parameters ---------------------------------------------


def test_an_integer_beyond_the_database_in_any_url_variable_is_not_found(edge_app) -> None:
    walker = Walker(edge_app)
    checked = 0
    for rule, method in _requests(edge_app):
        for name in rule.arguments:
            if not _is_int(rule, name):
                continue
            url = _url(rule, _plain(rule) | {name: HUGE})
            response = walker.send(rule, method, url)
            if response is not None and response.status_code != 404:
                walker.failures.append(f"{method} {url}: {response.status_code}")
            checked += 1
    assert checked >= 10
    # The largest an integer column holds is still a number to look for.
    largest = walker.client.get("/staff/kestrel-museum/uploads/2147483647")
    assert largest.status_code == 404
    assert "no upload 2147483647" in largest.get_data(as_text=True)
    assert walker.client.get("/staff/kestrel-museum/profiles/edit?id=" + HUGE).status_code == 404
    assert walker.failures == []


def test_page_numbers_are_bounded_with_a_message_naming_the_limit(edge_app) -> None:
    from tests.staff_helpers import wait_for_upload

    admin = edge_app.config["TOKENS"]["admin"]
    bearer = {"Authorization": f"Bearer {admin}"}
    client = edge_app.test_client()
    created = post_multipart(
        client, API_UPLOAD, {"export": (io.BytesIO(CSV), "one.csv")}, headers=bearer
    )
    assert created.status_code == 202
    upload = wait_for_upload(edge_app, created.get_json()["id"])
    assert upload.status == "previewed", upload.message
    run = upload.preview_run_id
    login(client, ADMIN)
    message = "page must be a number from 1 to 1,000,000, not 9,223,372,036,854,775,807."
    for url in (
        "/staff/kestrel-museum/objects",
        f"/staff/kestrel-museum/uploads/{upload.id}",
        f"/staff/kestrel-museum/imports/{run}",
        f"/api/v1/institutions/kestrel-museum/imports/{run}",
    ):
        response = client.get(f"{url}?page=9223372036854775807", headers=bearer)
        assert response.status_code == 400, url
        assert message in response.get_data(as_text=True), url
        # The deepest page allowed is simply empty.
        assert client.get(f"{url}?page=1000000", headers=bearer).status_code == 200, url
    # Search pages are capped where people stop reading.
    assert client.get("/search?page=9223372036854775807").status_code == 200


def test_an_over_long_review_statement_is_refused_naming_the_limit(edge_app) -> None:
    client = edge_app.test_client()
    bearer = {"Authorization": f"Bearer {edge_app.config['TOKENS']['admin']}"}
    url = "/api/v1/institutions/kestrel-museum/review"
    response = client.post(url, json={"statement": "s" * 3000, "target": "InC"}, headers=bearer)
    assert response.status_code == 400
    assert response.get_json()["message"] == (
        "the statement or pattern is 3,000 characters long; a rule keeps at most 2,000"
    )
    response = client.post(
        url, json={"statement": "s", "target": "InC", "note": "n" * 2001}, headers=bearer
    )
    assert response.status_code == 400
    assert response.get_json()["message"] == (
        "the note is 2,001 characters long; a rule keeps at most 2,000"
    )
    # The staff form says the same on the review page.
    login(client, ADMIN)
    token = csrf_token(client.get("/staff/kestrel-museum/review").get_data(as_text=True))
    response = client.post(
        "/staff/kestrel-museum/review",
        data={"csrf_token": token, "statement": "s" * 3000, "target": "needs-review"},
        follow_redirects=True,
    )
    assert "a rule keeps at most 2,000" in response.get_data(as_text=True)
    # Exactly the limit is kept.
    ok = client.post(url, json={"statement": "s" * 2000, "target": "InC"}, headers=bearer)
    assert ok.status_code == 200, ok.get_data(as_text=True)
