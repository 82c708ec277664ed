"""The Flask extensions glampub uses, bound to an app in :func:`init_extensions`."""

from __future__ import annotations

from flask import Flask
from flask_babel import Babel, format_decimal
from flask_wtf.csrf import CSRFProtect

from glampub.languages import SHIPPED_LANGUAGES, TRANSLATIONS_DIR
from glampub.web.auth import init_auth
from glampub.web.language import init_language, interface_locale
from glampub.web.requests import StreamingRequest

csrf = CSRFProtect()
babel = Babel()
#: Interface languages with a translation; English is the source text.
INTERFACE_LANGUAGES = list(SHIPPED_LANGUAGES)


def init_extensions(app: Flask) -> None:
    app.request_class = StreamingRequest
    app.config.setdefault("BABEL_TRANSLATION_DIRECTORIES", str(TRANSLATIONS_DIR))
    csrf.init_app(app)
    babel.init_app(app, locale_selector=interface_locale)
    # Counts in the reader's way of writing numbers (1,234 · 1.234 · 1 234).
    app.jinja_env.filters["number"] = format_decimal
    init_language(app)
    init_auth(app)
