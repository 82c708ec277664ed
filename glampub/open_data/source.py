"""The published objects a dataset holds, read in key-set pages.

Pages follow the object id (``WHERE id > last ORDER BY id LIMIT n``), never
an OFFSET, and each page's objects leave the session once their rows are
written: memory stays the same at a hundred objects or a hundred thousand.
Withdrawn objects are no part of any dataset.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from glampub.models import ChangeEvent, CollectionObject, Institution
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


#: The date of a site with no institution yet: its (empty) package changes with nothing.
NO_DATA = datetime(1970, 1, 1, tzinfo=UTC)


def _utc(moment: datetime) -> datetime:
    # SQLite gives back the stored UTC time without its zone.
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def data_dates(session: Session) -> dict[str | None, datetime]:
    """When each dataset's data last changed, by institution slug (None: the
    whole site's): the latest change event of its objects (a publication, an
    update, a withdrawal), or the institution's creation when later. A package
    dated so comes out byte for byte the same until its data changes, unlike
    one dated when it was written (the static export relies on this)."""
    latest = dict(
        session.execute(
            select(ChangeEvent.institution_id, func.max(ChangeEvent.at)).group_by(
                ChangeEvent.institution_id
            )
        ).all()
    )
    dates: dict[str | None, datetime] = {}
    for institution in institutions(session):
        moments = [_utc(institution.created_at)]
        if latest.get(institution.id) is not None:
            moments.append(_utc(latest[institution.id]))
        dates[institution.slug] = max(moments)
    dates[None] = max(dates.values(), default=NO_DATA)
    return dates
