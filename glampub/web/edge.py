"""What every request must pass before a view runs, in one place.

Checked in this order, before any other hook (Flask-WTF's CSRF hook reads
the form, and reading the form reads the body):

1. No NUL character in the path or the query string. No name, identifier or
   parameter of glampub holds one; PostgreSQL cannot store or even compare
   text with one (it answers with an error, not with "no such row"), and
   SQLite would only say "not found". Refusing it here gives one answer on
   both databases and keeps it away from every query.
2. The size of the body. Any request may send ``MAX_REQUEST_BYTES``; only the
   two upload endpoints may send more (``MAX_CONTENT_LENGTH``), and only once
   their sender is known from what precedes the body: the staff form's
   signed-in session and a CSRF token in its action URL (or Flask-WTF's
   header), the API's bearer token; both for the institution of the URL.
   Anyone else is answered before a byte of the body is read, so nothing an
   anonymous client sends reaches the data folder.
3. No NUL character in the fields of a form or JSON body, nor in the name of
   an uploaded file.

Integers in URLs are bounded by their converter (:class:`DatabaseInteger`):
a number no database column holds does not match the route (404).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from flask import Flask, abort, current_app, request
from flask_login import current_user
from flask_wtf.csrf import validate_csrf
from werkzeug.routing import IntegerConverter, Map
from werkzeug.wrappers import Response
from wtforms import ValidationError

from glampub.db import LARGEST_ID

#: Endpoints that accept a whole export (with its images): they get the full
#: ``MAX_CONTENT_LENGTH`` once their sender is known; every other request gets
#: ``MAX_REQUEST_BYTES``.
UPLOAD_ENDPOINTS = frozenset({"staff.upload", "api.create_upload"})

NUL = "\x00"


class DatabaseInteger(IntegerConverter):
    """``<int:…>`` in URLs, from 0 up to what an integer column holds.

    Werkzeug's own converter takes any number of digits, and a database asked
    for row 99999999999999999999 fails (SQLite cannot bind it; PostgreSQL says
    "integer out of range") instead of finding nothing.
    """

    def __init__(
        self, map: Map, fixed_digits: int = 0, min: int | None = None, max: int | None = None
    ) -> None:
        super().__init__(map, fixed_digits, min, LARGEST_ID if max is None else max)


def init_edge(app: Flask) -> None:
    """Bound URL integers and put :func:`check_request` before every other hook.

    Call before the blueprints are registered: a rule takes its converter then.
    """
    app.url_map.converters["int"] = DatabaseInteger
    app.before_request_funcs.setdefault(None, []).insert(0, check_request)


def check_request() -> Response | None:
    """The three checks of this module, in order; an answer ends the request."""
    refuse_nul_in_url()
    answer = limit_body()
    if answer is not None:
        return answer
    if request.method not in ("GET", "HEAD", "OPTIONS"):
        # (no view reads the body of these: not worth parsing on the hot path)
        refuse_nul_in_body()
    return None


def refuse_nul_in_url() -> None:
    if NUL in request.path:
        abort(
            400, description="The address holds a NUL character (%00); no name in glampub has one."
        )
    for name, value in request.args.items(multi=True):
        if _holds_nul(name, value):
            abort(400, description=f"The parameter {_shown(name)} holds a NUL character (%00).")


def limit_body() -> Response | None:
    """Which size limit applies; an unknown sender of an upload is answered at once."""
    if request.endpoint not in UPLOAD_ENDPOINTS or request.method != "POST":
        # A login form or a JSON body cannot be gigabytes just because an
        # export upload may be.
        request.max_content_length = current_app.config["MAX_REQUEST_BYTES"]
        return None
    if request.endpoint == "api.create_upload":
        from glampub.web.blueprints.api import authenticate_upload

        return authenticate_upload()
    return _staff_upload_sender()


def _staff_upload_sender() -> Response | None:
    from glampub.web.auth import require_institution

    if not current_user.is_authenticated:
        return current_app.login_manager.unauthorized()  # type: ignore[attr-defined,no-any-return]
    require_institution((request.view_args or {}).get("institution", ""))
    config = current_app.config
    if not config.get("WTF_CSRF_ENABLED", True):
        return None  # switched off (some tests do), as Flask-WTF's own check is
    field = config.get("WTF_CSRF_FIELD_NAME", "csrf_token")
    token = request.args.get(field) or next(
        (request.headers[h] for h in config.get("WTF_CSRF_HEADERS", []) if h in request.headers),
        None,
    )
    try:
        validate_csrf(token)
    except ValidationError as exc:
        abort(400, description=f"{exc.args[0]} Open the upload page again and send the file.")
    return None


def refuse_nul_in_body() -> None:
    for name, value in request.form.items(multi=True):
        if _holds_nul(name, value):
            abort(400, description=f"The form field {_shown(name)} holds a NUL character.")
    for name, upload in request.files.items(multi=True):
        if _holds_nul(name, upload.filename):
            abort(
                400,
                description=f"The name of the file sent as {_shown(name)} holds a NUL character.",
            )
    if request.is_json:
        for where in _nul_places(request.get_json(silent=True), "the body itself"):
            abort(400, description=f"In the JSON body, {where} holds a NUL character (\\u0000).")


def _holds_nul(*texts: str | None) -> bool:
    # (Werkzeug gives None for a multipart part's name it cannot read)
    return any(NUL in text for text in texts if text)


def _nul_places(value: Any, where: str) -> Iterator[str]:
    """Where in a parsed JSON value a string holds a NUL character."""
    if isinstance(value, str):
        if NUL in value:
            yield where
    elif isinstance(value, dict):
        for key, item in value.items():
            if NUL in key:
                yield f"the name {_shown(key)}"
            yield from _nul_places(item, f"the member {_shown(key)}")
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _nul_places(item, f"item {index} of {where}")


def _shown(name: str | None) -> str:
    """A parameter's name as a message shows it: NUL spelt out, never too long."""
    text = (name or "").replace(NUL, "\\0")
    return repr(text if len(text) <= 60 else text[:57] + "...")
