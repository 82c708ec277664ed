"""Small helpers the views share."""

from __future__ import annotations

from contextlib import AbstractContextManager

from flask import abort, current_app, request
from sqlalchemy.orm import Session

from glampub.db import LARGEST_ID, current_session, get_db
from glampub.iiif.urls import IiifUrls
from glampub.web.fast_documents import iiif_urls

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
    """The request's session."""
    return current_session()


def transaction() -> AbstractContextManager[Session]:
    """The request's session in one transaction: committed when the block ends,
    rolled back on any error. The one owner of transactions, as in the CLI
    (glampub.db.Database.transaction); views never commit themselves."""
    return get_db().transaction()


def request_urls() -> IiifUrls:
    """IIIF ids from GLAMPUB_BASE_URL, or from the request when it is unset."""
    return iiif_urls(request.environ, current_app.config)
