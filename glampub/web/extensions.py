"""The Flask extensions glampub uses, bound to an app in :func:`init_extensions`."""

from __future__ import annotations

from flask import Flask, request
from flask_babel import Babel
from flask_wtf.csrf import CSRFProtect

from glampub.web.auth import init_auth
from glampub.web.requests import StreamingRequest

csrf = CSRFProtect()
babel = Babel()
#: Interface languages with a translation; English is the source text.
INTERFACE_LANGUAGES = ["en"]


def interface_locale() -> str:
    # ?lang= asks for the content's language too; the interface follows when it can.
    wanted = request.args.get("lang")
    if wanted in INTERFACE_LANGUAGES:
        return wanted
    return request.accept_languages.best_match(INTERFACE_LANGUAGES) or "en"


def init_extensions(app: Flask) -> None:
    app.request_class = StreamingRequest
    csrf.init_app(app)
    babel.init_app(app, locale_selector=interface_locale)
    init_auth(app)
