"""Which interface language a request gets, and what a page says about it.

The choice, first match wins:

1. ``?lang=`` (the language switcher's links, and any link someone shares);
2. the remembered choice: the cookie the switcher's link sets;
3. the browser's ``Accept-Language``;
4. the default language of the institution whose page this is (staff settings);
5. English.

An HTML answer says which language it is in (``Content-Language``) and that
it varies with ``Accept-Language`` and the cookie, so that no shared cache
hands one visitor's language to another. JSON documents (IIIF manifests,
the API) carry language maps and do not vary.
"""

from __future__ import annotations

from urllib.parse import quote, urlencode

from flask import Flask, Response, g, request
from flask_babel import get_locale
from sqlalchemy.exc import SQLAlchemyError

from glampub.institutions.settings import default_language
from glampub.languages import DEFAULT_LANGUAGE, LANGUAGE_NAMES, SHIPPED_LANGUAGES, shipped
from glampub.web.blueprints.helpers import session

#: The remembered choice. Not a secret and read by no script: a plain cookie.
LANGUAGE_COOKIE = "glampub_lang"
COOKIE_MAX_AGE = 365 * 24 * 3600


def interface_locale() -> str:
    """Flask-Babel's locale selector: the order in the module's docstring."""
    chosen = shipped(request.args.get("lang")) or shipped(request.cookies.get(LANGUAGE_COOKIE))
    if chosen:
        return chosen
    if request.accept_languages:
        best = request.accept_languages.best_match(SHIPPED_LANGUAGES)
        if best:
            return best
    return _institution_default() or DEFAULT_LANGUAGE


def _institution_default() -> str | None:
    slug = (request.view_args or {}).get("institution")
    if not isinstance(slug, str):
        return None
    if "institution_language" not in g:
        try:
            g.institution_language = shipped(default_language(session(), slug))
        except SQLAlchemyError:
            # An error page for a failed query must still render: in English then.
            g.institution_language = None
    return g.institution_language


def current_language() -> str:
    """The language the page is being written in."""
    locale = get_locale()
    return locale.language if locale else DEFAULT_LANGUAGE


def language_url(language: str | None, *, absolute: bool = False) -> str:
    """This page in ``language`` (None: without ``lang``, for hreflang's x-default);
    ``absolute`` for hreflang alternates, which search engines want whole."""
    params = [(k, v) for k, v in request.args.items(multi=True) if k != "lang"]
    if language:
        params.append(("lang", language))
    # The path as the address bar has it: an identifier may hold spaces or "?".
    path = quote(request.script_root + request.path, safe="/:@!$&'()*+,;=-._~")
    url = f"{path}?{urlencode(params)}" if params else path
    return request.host_url.rstrip("/") + url if absolute else url


def language_links() -> list[dict[str, object]]:
    """The switcher's links and the page's hreflang alternates."""
    here = current_language()
    return [
        {
            "code": code,
            "name": LANGUAGE_NAMES[code],
            "url": language_url(code),
            "absolute_url": language_url(code, absolute=True),
            "current": code == here,
        }
        for code in SHIPPED_LANGUAGES
    ]


def mark_language(response: Response) -> Response:
    """Content-Language and Vary on every HTML answer; remembers ``?lang=``."""
    if response.mimetype != "text/html":
        return response
    language = current_language()
    response.headers["Content-Language"] = language
    response.vary.update(("Accept-Language", "Cookie"))
    asked = shipped(request.args.get("lang"))
    if asked and request.cookies.get(LANGUAGE_COOKIE) != asked:
        response.set_cookie(
            LANGUAGE_COOKIE,
            asked,
            max_age=COOKIE_MAX_AGE,
            samesite="Lax",
            secure=request.is_secure,
            httponly=True,
        )
    return response


def init_language(app: Flask) -> None:
    app.after_request(mark_language)

    @app.context_processor
    def language_names() -> dict[str, object]:
        return {
            "interface_language": current_language(),
            "language_links": language_links,
            "language_url": language_url,
        }
