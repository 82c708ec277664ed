"""What staff do to one published object: withdraw it, or publish it again.

A withdrawn object answers 410 Gone, leaves search, collections and
manifests, and is announced as a Delete in IIIF Change Discovery; publishing
it again is a new Create, as when an import brings an object back. What staff
withdraw stays withdrawn through later imports (which still keep its record
up to date) until staff publish it again.
"""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from glampub.errors import UsageError
from glampub.models import ChangeEvent, CollectionObject, Institution
from glampub.statuses import ObjectStatus

PAGE_SIZE = 50


def set_published(session: Session, obj: CollectionObject, published: bool) -> bool:
    """Withdraw (False) or republish (True); returns whether anything changed."""
    wanted = ObjectStatus.PUBLISHED if published else ObjectStatus.WITHDRAWN
    if obj.status == wanted:
        return False
    if obj.status not in tuple(ObjectStatus):
        raise UsageError(f"object {obj.identifier!r} is {obj.status}; it cannot be changed here")
    now = datetime.now(UTC)
    obj.status = wanted
    obj.held_by_staff = not published
    obj.revision += 1
    obj.updated_at = now
    session.add(
        ChangeEvent(
            institution_id=obj.institution_id,
            object_id=obj.id,
            kind="Create" if published else "Delete",
            revision=obj.revision,
            at=now,
        )
    )
    session.flush()
    return True


def status_counts(session: Session, institution: Institution) -> dict[str, int]:
    """How many of the institution's objects are published, how many withdrawn."""
    rows = session.execute(
        select(CollectionObject.status, func.count(CollectionObject.id))
        .where(CollectionObject.institution_id == institution.id)
        .group_by(CollectionObject.status)
    )
    return {status: count for status, count in rows}


def list_objects(
    session: Session, institution: Institution, status: str | None, text: str, page: int
) -> tuple[list[CollectionObject], int]:
    """The institution's objects for the staff list, by identifier, with the total."""
    stmt = select(CollectionObject).where(CollectionObject.institution_id == institution.id)
    if status in tuple(ObjectStatus):
        stmt = stmt.where(CollectionObject.status == status)
    if text.strip():
        needle = text.strip().lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        stmt = stmt.where(CollectionObject.search_text.like(f"%{needle}%", escape="\\"))
    total = session.scalar(select(func.count()).select_from(stmt.subquery())) or 0
    objects = session.scalars(
        stmt.order_by(CollectionObject.identifier)
        .offset((max(page, 1) - 1) * PAGE_SIZE)
        .limit(PAGE_SIZE)
        .options(selectinload(CollectionObject.images))
    ).all()
    return list(objects), total
