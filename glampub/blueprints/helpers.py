"""Small helpers the views share."""

from __future__ import annotations

import gzip
from functools import lru_cache

from flask import current_app, request
from sqlalchemy.orm import Session

from glampub.db import get_db
from glampub.iiif.urls import IiifUrls


def session() -> Session:
    database = get_db()
    assert database.session is not None
    return database.session()


def request_urls() -> IiifUrls:
    """IIIF ids from GLAMPUB_BASE_URL, or from the request when it is unset."""
    base = current_app.config.get("BASE_URL") or request.url_root.rstrip("/")
    # The static export renders pages with the ids of its own files.
    return IiifUrls(base, static=bool(current_app.config.get("STATIC_URLS")))


@lru_cache(maxsize=256)
def gzipped(etag: str, body: str) -> bytes:
    """The gzip form of a stored document, kept per ETag: popular manifests are
    compressed once, not per request."""
    return gzip.compress(body.encode("utf-8"), compresslevel=6, mtime=0)
