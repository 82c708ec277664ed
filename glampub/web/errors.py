"""Errors as HTTP answers: JSON for IIIF and API clients, a page for people."""

from __future__ import annotations

from flask import Flask, Response, jsonify, render_template, request
from flask_babel import gettext
from werkzeug.exceptions import HTTPException

from glampub.errors import GlampubError
from glampub.languages import N_

JSON_PREFIXES = ("/iiif/", "/api/")


#: The titles people see on an error page, in their language (Werkzeug's names).
PAGE_TITLES = (
    N_("Bad Request"),
    N_("Unauthorized"),
    N_("Forbidden"),
    N_("Not Found"),
    N_("Method Not Allowed"),
    N_("Conflict"),
    N_("Gone"),
    N_("Request Entity Too Large"),
    N_("Too Many Requests"),
    N_("Internal Server Error"),
    N_("Service Unavailable"),
)


def wants_json() -> bool:
    return request.path.startswith(JSON_PREFIXES)


def error_response(status: int, title: str, message: str) -> tuple[Response | str, int]:
    if wants_json():
        response = jsonify({"error": title, "status": status, "message": message})
        response.headers["Access-Control-Allow-Origin"] = "*"
        return response, status
    # JSON clients get the English title; people get theirs in their language.
    title = gettext(title) if title in PAGE_TITLES else title
    return render_template("error.html", status=status, title=title, message=message), status


def register_error_handlers(app: Flask) -> None:
    @app.errorhandler(GlampubError)
    def glampub_error(exc: GlampubError):  # type: ignore[no-untyped-def]
        titles = {403: "Forbidden", 404: "Not Found", 410: "Gone", 409: "Conflict"}
        status = exc.http_status
        return error_response(status, titles.get(status, "Bad Request"), exc.for_web())

    @app.errorhandler(HTTPException)
    def http_error(exc: HTTPException):  # type: ignore[no-untyped-def]
        return error_response(exc.code or 500, exc.name, exc.description or exc.name)
