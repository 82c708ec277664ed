"""IIIF collections: every institution, one institution's objects, in pages.

Each is built once per version (the institutions' revisions and the newest
change event) and stored like every document (see glampub.publishing.documents).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, func, select, text
from sqlalchemy.orm import InstrumentedAttribute, Session

from glampub.errors import NotFound
from glampub.iiif.collection import (
    InstitutionEntry,
    ManifestEntry,
    institution_collection,
    institution_page,
    page_count,
    top_collection,
)
from glampub.iiif.urls import IiifUrls
from glampub.institutions.registry import get_institution
from glampub.models import ChangeEvent, CollectionObject, Image, Institution
from glampub.publishing.documents import Document, cache_base, cached_document, store_document
from glampub.publishing.object_values import institution_info
from glampub.statuses import ObjectStatus


def _has_canvas() -> ColumnElement[bool]:
    """The object has an image with a size: a canvas, so a manifest.

    Asked of each object in turn, by the image index (OFFSET 0 keeps
    PostgreSQL from making it a join): joined, it hashed every sized image
    of the database and then sorted the listed objects by identifier again,
    where a walk of the listing index comes in that order already.
    """
    return (
        select(Image.id)
        .where(Image.object_id == CollectionObject.id, Image.width.is_not(None))
        .offset(0)
        .exists()
    )


def _listed(institution_id: int) -> tuple[ColumnElement[bool], ...]:
    """The institution's objects a collection lists: published, with at least one canvas."""
    return (
        CollectionObject.institution_id == institution_id,
        CollectionObject.status == ObjectStatus.PUBLISHED,
        _has_canvas(),
    )


def _manifest_entries(
    session: Session,
    institution_id: int,
    limit: int,
    start: str | None = None,
    end: str | None = None,
) -> list[ManifestEntry]:
    """``limit`` listed objects in identifier order, from identifier ``start``
    on and before ``end`` (where the next page starts)."""
    # Only what an entry shows, as plain rows: loading a thousand objects and
    # their images as ORM objects took longer than the rest of the page.
    thumbnail = (
        select(Image.public_id)
        .where(Image.object_id == CollectionObject.id, Image.width.is_not(None))
        .order_by(Image.position, Image.id)
        .limit(1)
        .scalar_subquery()
    )
    query = select(CollectionObject.identifier, CollectionObject.title, thumbnail).where(
        *_listed(institution_id)
    )
    if start is not None:
        query = query.where(CollectionObject.identifier >= start)
    if end is not None:
        # Both ends bound the index range: the scan reads the page's rows
        # and no more, whatever the planner guesses of the image condition.
        query = query.where(CollectionObject.identifier < end)
    rows = session.execute(query.order_by(CollectionObject.identifier).limit(limit))
    return [ManifestEntry(identifier, title or {}, image) for identifier, title, image in rows]


@dataclass(frozen=True)
class Paging:
    """How an ordered listing divides into pages at one version."""

    total: int
    #: The value of the ordering column each page starts at.
    starts: list[Any]

    def bounds(self, page: int) -> tuple[Any, Any]:
        """Where page ``page`` (from 1) starts, and where the next one does
        (None after the last page): the page is the range between."""
        end = self.starts[page] if page < len(self.starts) else None
        return self.starts[page - 1], end


def ordered_paging(
    session: Session,
    key: str,
    version: str,
    column: InstrumentedAttribute[Any],
    where: Sequence[ColumnElement[bool]],
    page_size: int,
) -> Paging:
    """How many rows ``where`` selects and the ``column`` value (unique) each
    page starts at, in ``column`` order: counted once per version, cached as ``key``.

    An import counts them for the version it publishes before its commit
    (:func:`store_paging`), so the first visitor after it finds them stored.
    """
    stored = cached_document(
        session, key, "", version, lambda: _count_pages(session, column, where, page_size)
    )
    data = json.loads(stored.body)
    return Paging(data["total"], data["starts"])


def store_paging(
    session: Session,
    key: str,
    version: str,
    column: InstrumentedAttribute[Any],
    where: Sequence[ColumnElement[bool]],
    page_size: int,
) -> Paging:
    """Count what :func:`ordered_paging` counts, now, and store it as ``key`` at
    ``version`` in the caller's transaction (an import's, before its commit)."""
    data = _count_pages(session, column, where, page_size)
    store_document(session, key, "", version, data)
    return Paging(data["total"], data["starts"])


def _count_pages(
    session: Session,
    column: InstrumentedAttribute[Any],
    where: Sequence[ColumnElement[bool]],
    page_size: int,
) -> dict[str, Any]:
    """The total and the page starts, as stored.

    The database numbers the rows in one ordered pass and returns only every
    ``page_size``-th value; each page is then one range of the column's index.
    With OFFSET every page walked all the rows before it, and counted them all
    again: at a million objects the last of a thousand collection pages took
    17 s to build. (Streaming every value to Python instead took 4.7 times as
    long as the database counting them.)
    """
    if session.get_bind().dialect.name == "postgresql":
        # A walk of two indexes, once per version: its estimated cost sets
        # off JIT compiling, which took a tenth of the walk's time at
        # 100,000 objects and saves nothing on a plan this simple.
        session.execute(text("SET LOCAL jit = off"))
    numbered = (
        select(column.label("value"), func.row_number().over(order_by=column).label("n"))
        .where(*where)
        .subquery()
    )
    starts = list(
        session.scalars(
            select(numbered.c.value)
            .where((numbered.c.n - 1) % page_size == 0)
            .order_by(numbered.c.n)
        )
    )
    # The total is every page but the last, full, and the last page's rows:
    # a count over the whole window kept every row to count them first.
    total = 0
    if starts:
        last = select(column).where(*where, column >= starts[-1]).subquery()
        total = (len(starts) - 1) * page_size + (
            session.scalar(select(func.count()).select_from(last)) or 0
        )
    return {"total": total, "starts": starts}


def _paging_key(institution_id: int, page_size: int) -> str:
    return f"collection-paging:{institution_id}:{page_size}"


def _paging(session: Session, institution_id: int, version: str, page_size: int) -> Paging:
    """The number of listed objects and the identifier each page starts at."""
    return ordered_paging(
        session,
        _paging_key(institution_id, page_size),
        version,
        CollectionObject.identifier,
        _listed(institution_id),
        page_size,
    )


def store_collection_paging(session: Session, institution_id: int, page_size: int) -> Paging:
    """Count the institution's collection pages for the data as the caller's
    transaction holds it, and store them for that version before its commit.

    The version is final there: it is the institution's revision and its
    newest change event, which an import writes before it counts.
    """
    institution = session.get(Institution, institution_id)
    assert institution is not None
    return store_paging(
        session,
        _paging_key(institution_id, page_size),
        _version(session, institution),
        CollectionObject.identifier,
        _listed(institution_id),
        page_size,
    )


def last_change(session: Session, institution_id: int | None = None) -> int:
    """The id of the newest change event (of one institution, or of all): a
    cheap version for every document that lists objects."""
    query = select(func.max(ChangeEvent.id))
    if institution_id is not None:
        query = query.where(ChangeEvent.institution_id == institution_id)
    return session.scalar(query) or 0


def top_collection_document(session: Session, urls: IiifUrls, page_size: int) -> Document:
    institutions = list(session.scalars(select(Institution).order_by(Institution.name)))
    version = f"{last_change(session)}." + ",".join(f"{i.id}:{i.revision}" for i in institutions)

    def build() -> dict[str, Any]:
        entries = []
        for institution in institutions:
            listed = _paging(session, institution.id, _version(session, institution), page_size)
            count = listed.total
            first = _manifest_entries(session, institution.id, 1)
            thumb = first[0].thumbnail_image_id if first else None
            entries.append(InstitutionEntry(institution_info(institution), count, thumb))
        return top_collection(entries, urls)

    return cached_document(session, "collection", cache_base(urls), version, build)


def institution_collection_document(
    session: Session, slug: str, urls: IiifUrls, page_size: int, page: int | None = None
) -> Document:
    institution = get_institution(session, slug)
    data_version = _version(session, institution)

    def build() -> dict[str, Any]:
        info = institution_info(institution)
        paging = _paging(session, institution.id, data_version, page_size)
        total = paging.total
        if page is None:
            first = _manifest_entries(
                session, institution.id, page_size if total <= page_size else 1
            )
            thumb = first[0].thumbnail_image_id if first else None
            if total > page_size:
                first = []
            published = _published_count(session, institution.id)
            return institution_collection(
                info, total, page_size, urls, first, thumb, published=published
            )
        pages = page_count(total, page_size)
        if not 1 <= page <= pages or total <= page_size:
            raise NotFound(f"collection {slug!r} has no page {page}")
        entries = _manifest_entries(session, institution.id, page_size, *paging.bounds(page))
        return institution_page(info, page, pages, entries, urls)

    key = f"collection:{institution.id}" + ("" if page is None else f":{page}")
    return cached_document(session, key, cache_base(urls), f"{data_version}.{page_size}", build)


def _published_count(session: Session, institution_id: int) -> int:
    """The institution's published objects, with an image or not."""
    return (
        session.scalar(
            select(func.count())
            .select_from(CollectionObject)
            .where(
                CollectionObject.institution_id == institution_id,
                CollectionObject.status == ObjectStatus.PUBLISHED,
            )
        )
        or 0
    )


def _version(session: Session, institution: Institution) -> str:
    """What every document listing the institution's objects is built from."""
    return f"{institution.revision}.{last_change(session, institution.id)}"
