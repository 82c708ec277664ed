"""Small helpers the views share."""

from __future__ import annotations

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
    return IiifUrls(base)
