"""The records the repository holds, read from the change events.

Every object that was ever published is a record: published ones with
metadata, withdrawn ones as deleted records (kept for good, hence
``deletedRecord`` = persistent). A record's datestamp is the time of its
latest change event, and lists run in the order of that event's id: a record
changed while a harvester pages through moves behind its cursor and is sent
again, never skipped.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Select, exists, func, or_, select
from sqlalchemy.orm import Session, aliased, selectinload

from glampub.models import ChangeEvent, CollectionObject, Institution, User
from glampub.statuses import ObjectStatus

#: The reuse classes (see glampub.rights.vocabulary), each a set ``reuse:<class>``.
REUSE_CLASSES = {
    "free": "Free to reuse (public domain, CC0, CC BY, CC BY-SA)",
    "conditions": "Reuse under conditions (non-commercial, no derivatives, educational)",
    "permission": "Reuse needs permission (in copyright or rights not yet determined)",
}
REUSE_PREFIX = "reuse:"


@dataclass(frozen=True)
class Selection:
    """Which records a list asks for."""

    institution_id: int | None = None
    reuse: str | None = None
    start: datetime | None = None
    before: datetime | None = None
    #: Only records whose rights are among these URIs (deleted records always).
    rights_uris: tuple[str, ...] | None = None
    #: True when the set named matches nothing (an unknown set).
    empty: bool = False


@dataclass(frozen=True)
class Entry:
    """One record of a list: the event it is listed by, and its object."""

    event_id: int
    at: datetime
    obj: CollectionObject

    @property
    def deleted(self) -> bool:
        return self.obj.status != ObjectStatus.PUBLISHED


def set_selection(session: Session, set_spec: str | None) -> tuple[int | None, str | None, bool]:
    """(institution id, reuse class, unknown) for a ``set`` argument."""
    if set_spec is None:
        return None, None, False
    if set_spec.startswith(REUSE_PREFIX):
        reuse = set_spec[len(REUSE_PREFIX) :]
        return None, reuse, reuse not in REUSE_CLASSES
    institution_id = session.scalar(select(Institution.id).where(Institution.slug == set_spec))
    return institution_id, None, institution_id is None


def _latest_events(selection: Selection) -> Select:  # type: ignore[type-arg]
    """Each object's latest change event, with the filters of ``selection``."""
    later = aliased(ChangeEvent)
    superseded = exists().where(later.object_id == ChangeEvent.object_id, later.id > ChangeEvent.id)
    stmt = (
        select(ChangeEvent.id, ChangeEvent.at, ChangeEvent.object_id)
        .join(CollectionObject, CollectionObject.id == ChangeEvent.object_id)
        .where(~superseded)
    )
    if selection.institution_id is not None:
        stmt = stmt.where(ChangeEvent.institution_id == selection.institution_id)
    if selection.reuse is not None:
        stmt = stmt.where(CollectionObject.rights_reuse == selection.reuse)
    if selection.start is not None:
        stmt = stmt.where(ChangeEvent.at >= selection.start)
    if selection.before is not None:
        stmt = stmt.where(ChangeEvent.at < selection.before)
    if selection.rights_uris is not None:
        stmt = stmt.where(
            or_(
                CollectionObject.status != ObjectStatus.PUBLISHED,
                CollectionObject.rights_uri.in_(selection.rights_uris),
            )
        )
    return stmt


def list_page(session: Session, selection: Selection, after: int, size: int) -> list[Entry]:
    """Up to ``size`` records listed after event ``after``, with their objects and images."""
    if selection.empty:
        return []
    rows = session.execute(
        _latest_events(selection).where(ChangeEvent.id > after).order_by(ChangeEvent.id).limit(size)
    ).all()
    objects = _objects(session, [row.object_id for row in rows])
    return [Entry(row.id, row.at, objects[row.object_id]) for row in rows]


def count(session: Session, selection: Selection) -> int:
    """How many records the whole list holds (asked once, on its first page)."""
    if selection.empty:
        return 0
    return (
        session.scalar(select(func.count()).select_from(_latest_events(selection).subquery())) or 0
    )


def find_entry(session: Session, slug: str, identifier: str) -> Entry | None:
    """The record of one object, or None when no such object was ever published."""
    obj = session.scalar(
        select(CollectionObject)
        .join(Institution)
        .where(Institution.slug == slug, CollectionObject.identifier == identifier)
        .options(selectinload(CollectionObject.images))
    )
    if obj is None:
        return None
    event = session.execute(
        select(ChangeEvent.id, ChangeEvent.at)
        .where(ChangeEvent.object_id == obj.id)
        .order_by(ChangeEvent.id.desc())
        .limit(1)
    ).first()
    if event is None:
        return Entry(0, obj.updated_at, obj)
    return Entry(event.id, event.at, obj)


def earliest_datestamp(session: Session) -> datetime | None:
    return session.scalar(select(func.min(ChangeEvent.at)))


def institutions(session: Session) -> Sequence[tuple[str, str]]:
    """(slug, name) of every institution, by slug."""
    rows = session.execute(select(Institution.slug, Institution.name).order_by(Institution.slug))
    return [(row.slug, row.name) for row in rows]


def _objects(session: Session, ids: list[int]) -> dict[int, CollectionObject]:
    if not ids:
        return {}
    found = session.scalars(
        select(CollectionObject)
        .where(CollectionObject.id.in_(ids))
        .options(selectinload(CollectionObject.images), selectinload(CollectionObject.institution))
    ).all()
    return {obj.id: obj for obj in found}


def first_admin_email(session: Session) -> str | None:
    """The oldest enabled administrator's address: Identify's adminEmail when none is configured."""
    return session.scalar(
        select(User.email)
        .where(User.is_admin.is_(True), User.disabled_at.is_(None))
        .order_by(User.id)
        .limit(1)
    )
