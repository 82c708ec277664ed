"""The published objects a dataset holds, read in key-set pages.

Pages follow the object id (``WHERE id > last ORDER BY id LIMIT n``), never
an OFFSET, and each page's objects leave the session once their rows are
written: memory stays the same at a hundred objects or a hundred thousand.
Withdrawn objects are no part of any dataset.
"""

from __future__ import annotations

from collections.abc import Iterator

from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from glampub.models import CollectionObject, Institution
from glampub.statuses import ObjectStatus

PAGE_SIZE = 500


def published_objects(
    session: Session, institution_id: int | None = None, page_size: int = PAGE_SIZE
) -> Iterator[CollectionObject]:
    """Every published object (of one institution, or of all), by id.

    An object yielded is valid until the next page is read: the session is
    cleared between pages, so use it before asking for the next.
    """
    last = 0
    while True:
        stmt = (
            select(CollectionObject)
            .where(CollectionObject.status == ObjectStatus.PUBLISHED, CollectionObject.id > last)
            .options(
                selectinload(CollectionObject.images), selectinload(CollectionObject.institution)
            )
            .order_by(CollectionObject.id)
            .limit(page_size)
        )
        if institution_id is not None:
            stmt = stmt.where(CollectionObject.institution_id == institution_id)
        page = session.scalars(stmt).all()
        if not page:
            return
        yield from page
        last = page[-1].id
        # The page's objects (and their images) are done with: let them go.
        session.expunge_all()


def published_count(session: Session, institution_id: int | None = None) -> int:
    stmt = select(func.count(CollectionObject.id)).where(
        CollectionObject.status == ObjectStatus.PUBLISHED
    )
    if institution_id is not None:
        stmt = stmt.where(CollectionObject.institution_id == institution_id)
    return session.scalar(stmt) or 0


def institutions(session: Session) -> list[Institution]:
    """Every institution, by slug: each has a dataset, even while it publishes nothing."""
    return list(session.scalars(select(Institution).order_by(Institution.slug)))
