"""Small helpers the views share."""

from __future__ import annotations

from functools import lru_cache

from flask import abort, current_app, request
from sqlalchemy.orm import Session

from glampub.db import LARGEST_ID, get_db
from glampub.iiif.urls import IiifUrls
from glampub.web.fast_documents import environ_base

#: The deepest page of a paged list a URL may ask for: far past any real list,
#: and its offset is a number every database takes.
MAX_PAGE_NUMBER = 1_000_000


def page_arg(maximum: int = MAX_PAGE_NUMBER) -> int:
    """The ``page`` parameter: 1 when absent or not a number, 400 past ``maximum``."""
    page = request.args.get("page", 1, type=int) or 1
    if page > maximum:
        abort(400, description=f"page must be a number from 1 to {maximum:,}, not {page:,}.")
    return max(page, 1)


def id_arg(name: str) -> int | None:
    """A row id given as a parameter; 404 for one no id column holds."""
    value = request.args.get(name, type=int)
    if value is not None and not 0 <= value <= LARGEST_ID:
        abort(404, description=f"there is no {name} {value}")
    return value


def session() -> Session:
    database = get_db()
    assert database.session is not None
    return database.session()


def request_urls() -> IiifUrls:
    """IIIF ids from GLAMPUB_BASE_URL, or from the request when it is unset."""
    config = current_app.config
    # The static export renders pages with the ids of its own files.
    static = bool(config.get("STATIC_URLS"))
    if config.get("BASE_URL"):
        return _urls(config["BASE_URL"], static)
    # What request.url_root gives, without its IRI round trip: this runs on
    # every IIIF request.
    return _urls(environ_base(request.environ), static)


@lru_cache(maxsize=64)
def _urls(base: str, static: bool) -> IiifUrls:
    return IiifUrls(base.rstrip("/"), static=static)
