"""Web hardening: security headers, cookies, request size limits, proxies, uploads, logs.

SECURITY.md describes the threat model; each promise it makes about HTTP is
checked here against the real app (demo data, the test client).
"""

from __future__ import annotations

import io
import logging
from pathlib import Path

import pytest
from sqlalchemy import select

from glampub import create_app
from glampub.models import Upload
from glampub.web.security import CONTENT_SECURITY_POLICY, HSTS, VIEWER_INLINE_STYLE
from tests.browser_support import missing
from tests.conftest import database
from tests.staff_helpers import PASSWORD, csrf_token, login, make_staff, post_multipart

STAFF = "registrar@kestrel.example"

PAGES = [
    "/",
    "/search?q=tulips",
    "/objects/kestrel-museum/1923.5",
    "/staff/login",
    "/objects/kestrel-museum/no-such-object",
]
DOCUMENTS = [
    "/iiif/3/collection",
    "/iiif/3/kestrel-museum/1923.5/manifest",
    "/api/v1/openapi.json",
]


@pytest.mark.parametrize("path", PAGES + DOCUMENTS)
def test_every_answer_carries_the_security_headers(demo_client, path: str) -> None:
    # Twice: the second IIIF answer comes from the fast path in front of Flask.
    for _ in range(2):
        response = demo_client.get(path)
        assert response.status_code in (200, 404), path
        headers = response.headers
        assert headers["Content-Security-Policy"] == CONTENT_SECURITY_POLICY
        assert headers["X-Content-Type-Options"] == "nosniff"
        assert headers["X-Frame-Options"] == "SAMEORIGIN"
        assert headers["Referrer-Policy"] == "strict-origin-when-cross-origin"
        # Plain HTTP: no HSTS (a browser ignores it there, and localhost would be pinned).
        assert "Strict-Transport-Security" not in headers


def test_the_policy_allows_no_inline_script_style_plugin_or_foreign_frame() -> None:
    directives = dict(part.split(" ", 1) for part in CONTENT_SECURITY_POLICY.split("; "))
    assert directives["script-src"] == "'self'"
    assert directives["style-src"] == (
        "'self' 'sha256-9xTiqzfwFaL2SGb1rmr8gysEwVVjIvqWAgmZgqFqpEE='"
    )
    assert directives["object-src"] == "'none'"
    assert directives["frame-ancestors"] == "'self'"
    assert "unsafe" not in CONTENT_SECURITY_POLICY


def test_the_one_inline_style_allowed_is_the_viewers(tmp_path: Path) -> None:
    """The hash in the policy matches the style the pinned viewer really adds."""
    from glampub.web.vendor import AssetUnavailable, install

    try:
        root = install(tmp_path)
    except AssetUnavailable as exc:
        missing(str(exc))
    script = (root / "openseadragon.min.js").read_text("utf-8")
    assert f'.textContent="{VIEWER_INLINE_STYLE}"' in script


@pytest.mark.parametrize("path", PAGES)
def test_pages_have_no_inline_script_handlers_or_styles(demo_client, path: str) -> None:
    """What the policy forbids must not be needed: no inline code in any template."""
    from lxml import html as lxml_html

    text = demo_client.get(path).get_data(as_text=True)
    tree = lxml_html.fromstring(text)
    for script in tree.iter("script"):
        # Either a file of our own, or data (JSON-LD), which is never executed.
        assert script.get("src") or script.get("type") == "application/ld+json", path
    for element in tree.iter():
        if not isinstance(element.tag, str):
            continue
        attributes = set(element.attrib)
        assert "style" not in attributes, (path, element.tag)
        assert not {a for a in attributes if a.startswith("on")}, (path, element.tag)
        for name in ("href", "src", "action"):
            assert not (element.get(name) or "").strip().lower().startswith("javascript:")
    assert tree.find(".//style") is None


def test_hsts_is_sent_on_https(demo_client) -> None:
    response = demo_client.get("/", base_url="https://museum.example")
    assert response.headers["Strict-Transport-Security"] == HSTS
    manifest = "/iiif/3/kestrel-museum/1923.5/manifest"
    for _ in range(2):  # also from the fast path
        answer = demo_client.get(manifest, base_url="https://museum.example")
        assert answer.headers["Strict-Transport-Security"] == HSTS


def test_forwarded_proto_is_believed_only_from_configured_proxies(tmp_path: Path) -> None:
    forwarded = {"X-Forwarded-Proto": "https", "X-Forwarded-Host": "museum.example"}
    direct = create_app({"DATA_DIR": str(tmp_path / "a"), "TESTING": True})
    behind = create_app({"DATA_DIR": str(tmp_path / "b"), "TESTING": True, "PROXIES": 1})
    try:
        # Straight to the app, anyone can send the header: it changes nothing.
        plain = direct.test_client().get("/iiif/3/collection", headers=forwarded)
        assert "Strict-Transport-Security" not in plain.headers
        assert plain.get_json()["id"].startswith("http://localhost/")
        # Behind one proxy, the proxy's word is taken: HTTPS and the public host.
        proxied = behind.test_client().get("/iiif/3/collection", headers=forwarded)
        assert proxied.headers["Strict-Transport-Security"] == HSTS
        assert proxied.get_json()["id"] == "https://museum.example/iiif/3/collection"
    finally:
        database(direct).dispose()
        database(behind).dispose()


def test_proxies_setting_must_be_a_whole_number(tmp_path: Path, monkeypatch) -> None:
    from glampub.errors import UsageError

    monkeypatch.setenv("GLAMPUB_PROXIES", "one")
    with pytest.raises(UsageError, match="GLAMPUB_PROXIES must be a whole number"):
        create_app({"DATA_DIR": str(tmp_path), "TESTING": True})


def test_flask_defaults_are_replaced_by_limits_and_same_site_cookies(app) -> None:
    # Flask's own defaults are no limit and no SameSite attribute.
    assert app.config["MAX_CONTENT_LENGTH"] == 8 * 1024**3
    assert app.config["MAX_REQUEST_BYTES"] == 16 * 1024**2
    assert app.config["SESSION_COOKIE_SAMESITE"] == "Lax"
    assert app.config["SESSION_COOKIE_HTTPONLY"] is True
    assert app.config["REMEMBER_COOKIE_HTTPONLY"] is True


def test_a_large_body_is_refused_outside_the_upload_endpoints(app) -> None:
    app.config["MAX_REQUEST_BYTES"] = 1000
    token = make_staff(app, "kestrel-museum", STAFF)
    client = app.test_client()
    # Before any form is parsed (the CSRF check would read it): 413, not 400.
    response = client.post("/staff/login", data={"email": STAFF, "password": "x" * 5000})
    assert response.status_code == 413
    api = client.post(
        "/api/v1/institutions/kestrel-museum/review",
        data=b"[" + b'"x",' * 2000 + b'"x"]',
        content_type="application/json",
        headers={"Authorization": f"Bearer {token}"},
    )
    assert api.status_code == 413
    assert api.get_json()["error"] == "Request Entity Too Large"


def test_an_upload_may_be_larger_than_other_requests(app) -> None:
    app.config["MAX_REQUEST_BYTES"] = 1000
    token = make_staff(app, "kestrel-museum", STAFF)
    export = b"identifier,title\n" + b"".join(b"K-%d,Object %d\n" % (n, n) for n in range(300))
    response = post_multipart(
        app.test_client(),
        "/api/v1/institutions/kestrel-museum/uploads",
        {"export": (io.BytesIO(export), "big.csv")},
        headers={"Authorization": f"Bearer {token}"},
    )
    assert response.status_code == 202, response.get_data(as_text=True)
    _wait_for_jobs(app)


def _wait_for_jobs(app) -> None:  # type: ignore[no-untyped-def]
    for thread in app.extensions.get("glampub.jobs", []):
        thread.join(timeout=120)


def test_uploads_are_stored_outside_the_web_root_under_generated_names(app) -> None:
    token = make_staff(app, "kestrel-museum", STAFF)
    client = app.test_client()
    hostile_name = "../../static/evil<script>.csv"
    response = post_multipart(
        client,
        "/api/v1/institutions/kestrel-museum/uploads",
        {"export": (io.BytesIO(b"identifier,title\nK-1,One\n"), hostile_name)},
        headers={"Authorization": f"Bearer {token}"},
    )
    assert response.status_code == 202, response.get_data(as_text=True)
    _wait_for_jobs(app)
    data_dir = Path(app.config["DATA_DIR"]).resolve()
    static_dir = Path(app.static_folder or "").resolve()
    with app.app_context():
        upload = database(app).session().scalar(select(Upload))
        assert upload is not None
        stored = (data_dir / upload.export_path).resolve()
        # Shown to staff (escaped), never used as a path.
        assert upload.original_name == "evil<script>.csv"
    assert stored.is_file() and stored.is_relative_to(data_dir / "uploads")
    assert not stored.is_relative_to(static_dir)
    assert "evil" not in str(stored) and "script" not in str(stored)
    assert not list(static_dir.rglob("evil*"))
    # Nothing under the data folder is reachable through the static or viewer routes.
    relative = stored.relative_to(data_dir)
    for path in (f"/static/../{relative}", f"/viewer/../{relative}", f"/static/{relative}"):
        assert client.get(path).status_code == 404, path


def test_secrets_are_never_logged(app, caplog) -> None:
    """Not even with SQL logging on, as an operator debugging the database would have it."""
    caplog.set_level(logging.DEBUG)
    caplog.set_level(logging.INFO, logger="sqlalchemy.engine")
    token = make_staff(app, "kestrel-museum", STAFF)
    client = app.test_client()
    assert login(client, STAFF).status_code == 302
    login(app.test_client(), STAFF, "a wrong password, also secret")
    client.get("/api/v1/institutions", headers={"Authorization": "Bearer not-a-token"})
    answer = client.get("/api/v1/institutions", headers={"Authorization": f"Bearer {token}"})
    assert answer.status_code == 200
    # A failing background job reports its error; the token it ran for must not be in it.
    post_multipart(
        client,
        "/api/v1/institutions/kestrel-museum/uploads",
        {"export": (io.BytesIO(b"\x00\x01 not an export"), "broken.csv")},
        headers={"Authorization": f"Bearer {token}"},
    )
    _wait_for_jobs(app)
    assert any(r.name.startswith("sqlalchemy.engine") for r in caplog.records)
    logged = caplog.text + "".join(str(r.args) for r in caplog.records)
    assert "api_token" in logged and "login_counter" in logged  # the queries are there
    for secret in (PASSWORD, "a wrong password, also secret", token, app.config["SECRET_KEY"]):
        assert secret not in logged
    session_cookie = client.get_cookie("session")
    assert session_cookie is not None and session_cookie.value not in logged
    page = client.get("/staff/login").get_data(as_text=True)
    assert app.config["SECRET_KEY"] not in page and csrf_token(page)


@pytest.mark.parametrize(
    ("target", "expected"),
    [
        ("/staff/kestrel-museum/upload", "/staff/kestrel-museum/upload"),
        ("//evil.example/", "/staff/"),
        ("https://evil.example/", "/staff/"),
        ("/%09/evil.example/", "/staff/"),  # a browser drops the tab: //evil.example
        ("/%0A/evil.example/", "/staff/"),
        ("/%5Cevil.example/", "/staff/"),  # a backslash reads as a slash
    ],
)
def test_sign_in_redirects_only_to_this_site(app, target: str, expected: str) -> None:
    make_staff(app, "kestrel-museum", STAFF)
    client = app.test_client()
    token = csrf_token(client.get("/staff/login").get_data(as_text=True))
    response = client.post(
        f"/staff/login?next={target}",
        data={"email": STAFF, "password": PASSWORD, "csrf_token": token},
    )
    assert response.status_code == 302
    assert response.headers["Location"] == expected


def test_a_failed_uploads_message_names_no_file_of_the_data_folder(app) -> None:
    """Not even relative to it: ``uploads/<folder>/images.zip`` told where uploads
    are kept and under which names."""
    import zipfile

    from tests.staff_helpers import wait_for_upload

    token = make_staff(app, "kestrel-museum", STAFF)
    bomb = io.BytesIO()
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        archive.writestr("K-1.tif", b"\0" * (20 * 1024**2))
    response = post_multipart(
        app.test_client(),
        "/api/v1/institutions/kestrel-museum/uploads",
        {
            "export": (io.BytesIO(b"identifier,title,image\nK-1,One,K-1.tif\n"), "objects.csv"),
            "images": (io.BytesIO(bomb.getvalue()), "pictures.zip"),
        },
        headers={"Authorization": f"Bearer {token}"},
    )
    assert response.status_code == 202, response.get_data(as_text=True)
    upload = wait_for_upload(app, response.get_json()["id"])
    assert upload.status == "failed"
    assert upload.message is not None
    assert upload.message.startswith("images: the images ZIP looks like a ZIP bomb: K-1.tif")
    folder = Path(upload.export_path).parent.name
    for leak in ("uploads", folder, "images.zip", app.config["DATA_DIR"]):
        assert leak not in upload.message


def test_staff_and_api_answers_are_never_cached(app) -> None:
    token = make_staff(app, "kestrel-museum", STAFF)
    client = app.test_client()
    assert client.get("/staff/login").headers["Cache-Control"] == "no-store"
    login(client, STAFF)
    for path in ("/staff/kestrel-museum/", "/staff/kestrel-museum/objects", "/staff/nowhere/"):
        assert client.get(path).headers["Cache-Control"] == "no-store", path
    api = client.get("/api/v1/institutions", headers={"Authorization": f"Bearer {token}"})
    assert api.headers["Cache-Control"] == "no-store"
    # Public pages and IIIF documents stay cacheable.
    assert "Cache-Control" not in client.get("/").headers
    assert client.get("/iiif/3/collection").headers["Cache-Control"] == "public, max-age=300"


def test_the_sqlite_database_and_the_secret_key_are_readable_by_their_owner_only(
    tmp_path: Path,
) -> None:
    import os

    data_dir = tmp_path / "data"
    app = create_app(
        {
            "DATA_DIR": str(data_dir),
            "TESTING": True,
            # Not the default name: SQLite even when the suite runs on PostgreSQL.
            "DATABASE_URL": f"sqlite:///{data_dir / 'site.sqlite3'}",
        }
    )
    try:
        make_staff(app, "kestrel-museum", STAFF)
        files = sorted(data_dir.glob("site.sqlite3*")) + [data_dir / "secret_key"]
        assert data_dir / "site.sqlite3-wal" in files  # WAL files take the same mode
        for path in files:
            assert os.stat(path).st_mode & 0o777 == 0o600, path
    finally:
        database(app).dispose()
