"""Helpers for the staff tests: accounts, CSRF tokens, waiting for background jobs."""

from __future__ import annotations

import re
import time
import zipfile
from pathlib import Path

from flask import Flask
from flask.testing import FlaskClient

from glampub.accounts.store import add_user, create_token
from glampub.institutions.registry import add_institution
from glampub.models import Upload

REPO = Path(__file__).resolve().parents[1]
KESTREL = REPO / "sample_collections" / "kestrel-museum"
PASSWORD = "correct horse battery staple"
#: Staff of the Kestrel Museum and of the Harbour Museum (`make_two_institutions_staff`).
STAFF = "registrar@kestrel.example"
OTHER = "curator@harbour.example"


def make_staff(app: Flask, slug: str, email: str, *, admin: bool = False) -> str:
    """An institution (created if new) with a staff account; returns an API token."""
    database = app.extensions["glampub.db"]
    with app.app_context(), database.transaction() as session:
        add_institution(session, slug, slug.replace("-", " ").title(), Path(app.config["DATA_DIR"]))
        add_user(session, email, slug, PASSWORD, admin=admin)
        return create_token(session, email)


def make_two_institutions_staff(app: Flask) -> Flask:
    """``app`` with STAFF at kestrel-museum and OTHER at harbour-museum."""
    make_staff(app, "kestrel-museum", STAFF)
    make_staff(app, "harbour-museum", OTHER)
    return app


def csrf_token(html: str) -> str:
    match = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html) or re.search(
        r'name="csrf_token" value="([^"]+)"', html
    )
    assert match, "no CSRF token on the page"
    return match.group(1)


def form_action(html: str, marker: str = 'enctype="multipart/form-data"') -> str:
    """The action URL of the page's form that carries ``marker``, as a browser would post to."""
    import html as html_module

    match = re.search(r"<form[^>]*" + re.escape(marker) + r'[^>]*action="([^"]+)"', html)
    assert match, "no such form on the page"
    return html_module.unescape(match.group(1))


def login(client: FlaskClient, email: str, password: str = PASSWORD):  # type: ignore[no-untyped-def]
    token = csrf_token(client.get("/staff/login").get_data(as_text=True))
    return client.post(
        "/staff/login", data={"email": email, "password": password, "csrf_token": token}
    )


def signed_in(app: Flask, email: str) -> FlaskClient:
    """A new client of ``app``, signed in as ``email`` (the sign-in must succeed)."""
    client = app.test_client()
    assert login(client, email).status_code == 302
    return client


def stored_upload(app: Flask, status: str) -> int:
    """The Kestrel sample export stored as an upload by its registrar, in ``status``."""
    from glampub.importing.uploads import store_upload
    from glampub.institutions.registry import get_institution

    make_staff(app, "kestrel-museum", "registrar@kestrel.example")
    database = app.extensions["glampub.db"]
    with app.app_context(), database.transaction() as session:
        with (KESTREL / "objects.csv").open("rb") as handle:
            row = store_upload(
                session,
                Path(app.config["DATA_DIR"]),
                get_institution(session, "kestrel-museum"),
                None,
                handle,
                "objects.csv",
            )
        row.status = status
        return row.id


def wait_for_upload(app: Flask, upload_id: int, timeout: float = 120) -> Upload:
    """Until the upload's background job has finished (previewed, published or failed)."""
    database = app.extensions["glampub.db"]
    deadline = time.monotonic() + timeout
    while True:
        with app.app_context():
            session = database.session()
            upload = session.get(Upload, upload_id)
            assert upload is not None
            status = upload.status
            session.close()
        if status not in ("previewing", "publishing"):
            for thread in app.extensions.get("glampub.jobs", []):
                thread.join(timeout=30)
            return upload
        assert time.monotonic() < deadline, f"upload {upload_id} still {status}"
        time.sleep(0.05)


def sample_zip(tmp_path: Path) -> Path:
    """The Kestrel sample export with its images, in one ZIP as a museum sends it."""
    import importlib.util

    spec = importlib.util.spec_from_file_location(
        "sample_images", REPO / "sample_collections" / "make_images.py"
    )
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    import sys

    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    images = tmp_path / "images"
    module.make_images(KESTREL, images)
    archive = tmp_path / "kestrel-export.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        zf.write(KESTREL / "objects.csv", "export/objects.csv")
        for path in sorted(images.iterdir()):
            zf.write(path, f"export/images/{path.name}")
    return archive


def post_multipart(client: FlaskClient, url: str, data: dict, headers: dict | None = None):  # type: ignore[no-untyped-def]
    """POST a multipart form, closing the encoded body afterwards.

    Werkzeug's test client spools bodies over 500 KB to a temporary file and
    closes only a wrapper of it; built here, the file itself is closed.
    """
    from werkzeug.test import EnvironBuilder

    builder = EnvironBuilder(
        path=url, method="POST", data=data, headers=headers, base_url="http://localhost"
    )
    environ = builder.get_environ()
    builder.close()
    try:
        response = client.open(environ)
        response.get_data()
        return response
    finally:
        environ["wsgi.input"].close()
