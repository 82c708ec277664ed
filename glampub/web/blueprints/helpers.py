"""Small helpers the views share."""

from __future__ import annotations

from collections.abc import Callable, Hashable
from functools import lru_cache
from typing import Any, TypeVar

from flask import abort, current_app, request
from sqlalchemy.orm import Session

from glampub.db import LARGEST_ID, get_db
from glampub.iiif.urls import IiifUrls
from glampub.publishing.served_cache import ServedCache
from glampub.web.fast_documents import environ_base, stamp_for

T = TypeVar("T")

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


def served(cache_name: str, key: Hashable, build: Callable[[], T]) -> T:
    """``build()``, or what this worker built for ``key`` while nothing was published since.

    The publication stamp is read once per request, however many lookups it makes.
    """
    stamp = stamp_for(request.environ, get_db().engine)
    caches: dict[str, ServedCache[Any]] = current_app.extensions["glampub.served"]
    return caches[cache_name].fetch(key, stamp, build)


def served_caches(document_bytes: int, image_entries: int) -> dict[str, ServedCache[Any]]:
    """The per-worker caches: documents bounded by bytes, image records by count."""
    return {
        # Documents, and the answers made of them (see fast_documents), by their size.
        "documents": ServedCache(
            document_bytes, lambda value: 2 * len(getattr(value, "doc", value).body) + 400
        ),
        # A ServedImage is a few hundred bytes; counting each as 1 bounds the entries.
        "images": ServedCache(image_entries, lambda _image: 1),
    }
