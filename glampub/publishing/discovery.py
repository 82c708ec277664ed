"""The change stream harvesters read: every real change to a published
manifest, from the change events imports and rights decisions write."""

from __future__ import annotations

from sqlalchemy import ColumnElement, select
from sqlalchemy.orm import Session

from glampub.errors import NotFound
from glampub.iiif.discovery import Activity, changes_collection, changes_page, page_count
from glampub.iiif.urls import IiifUrls
from glampub.models import ChangeEvent, CollectionObject, Image, Institution
from glampub.publishing.collections import Paging, last_change, ordered_paging, store_paging
from glampub.publishing.documents import Document, cached_document


def _with_manifest() -> ColumnElement[bool]:
    """Events of objects that have (or had, if withdrawn) a manifest: objects
    without any stored image never had one, so harvesters never hear of them.

    Asked of each event in turn, by the index of sized images (OFFSET 0 keeps
    PostgreSQL from making it a join): joined, it hashed every sized image and
    sorted the events by id again, where the id index walks them in order.
    """
    return (
        select(Image.id)
        .where(Image.object_id == ChangeEvent.object_id, Image.width.is_not(None))
        .offset(0)
        .exists()
    )


def _paging(session: Session, version: str, page_size: int) -> Paging:
    """How many events the stream holds and the event id each page starts at."""
    key = _paging_key(page_size)
    return ordered_paging(session, key, version, ChangeEvent.id, [_with_manifest()], page_size)


def _paging_key(page_size: int) -> str:
    return f"discovery-paging:{page_size}"


def _version(session: Session, page_size: int) -> str:
    """The stream's version: its newest event (and the page size it is cut in)."""
    return f"{last_change(session)}.{page_size}"


def store_discovery_paging(session: Session, page_size: int) -> Paging:
    """Count the stream's pages for the events the caller's transaction sees
    (an import's, its own events written) and store them before its commit."""
    key, version = _paging_key(page_size), _version(session, page_size)
    return store_paging(session, key, version, ChangeEvent.id, [_with_manifest()], page_size)


def changes_document(session: Session, urls: IiifUrls, page_size: int) -> Document:
    version = _version(session, page_size)
    return cached_document(
        session,
        "discovery",
        _base(urls),
        version,
        lambda: changes_collection(_paging(session, version, page_size).total, page_size, urls),
    )


def changes_page_document(session: Session, urls: IiifUrls, page_size: int, page: int) -> Document:
    version = _version(session, page_size)

    def build() -> dict:  # type: ignore[type-arg]
        paging = _paging(session, version, page_size)
        pages = page_count(paging.total, page_size)
        if not 1 <= page <= pages:
            raise NotFound(f"the change stream has no page {page}")
        # An empty stream still has its first page, with nothing on it.
        start, end = paging.bounds(page) if paging.starts else (0, None)
        query = (
            select(ChangeEvent.kind, ChangeEvent.at, CollectionObject.identifier, Institution.slug)
            .join(CollectionObject, ChangeEvent.object_id == CollectionObject.id)
            .join(Institution, ChangeEvent.institution_id == Institution.id)
            .where(_with_manifest(), ChangeEvent.id >= start)
        )
        if end is not None:
            # The page's range of the id index, closed at both ends.
            query = query.where(ChangeEvent.id < end)
        rows = session.execute(query.order_by(ChangeEvent.id).limit(page_size)).all()
        activities = [
            Activity(row.kind, urls.manifest(row.slug, row.identifier), row.at) for row in rows
        ]
        return changes_page(page, pages, page_size, activities, urls)

    return cached_document(session, f"discovery:{page}", _base(urls), version, build)


def _base(urls: IiifUrls) -> str:
    return f"{urls.base}#static" if urls.static else urls.base
