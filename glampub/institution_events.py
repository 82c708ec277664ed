"""An institution edit its manifests show is an Update of each of its objects.

Renaming an institution or changing its logo, homepage, courtesy statement,
image policy or credit line template changes every one of its manifests;
Change Discovery must say so, or harvesters keep the old ones. Listeners on
every session: the edit is seen before the flush, the activities are written
after it, in one INSERT ... SELECT however many objects the institution has.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import DateTime, event, insert, inspect, literal, select
from sqlalchemy.orm import Session

from glampub.models import (
    ChangeEvent,
    CollectionObject,
    CreditTemplate,
    Institution,
    ObjectStatus,
    utcnow,
)

#: What of an institution its objects' manifests show.
SHOWN_IN_MANIFESTS = (
    "name",
    "homepage",
    "logo_path",
    "logo_width",
    "logo_height",
    "courtesy_statement",
    "full_images_in_copyright",
)
_PENDING = "institutions_shown_changed"


@event.listens_for(Session, "before_flush")
def _note_shown_changes(session: Session, _context: Any, _instances: Any) -> None:
    pending = session.info.setdefault(_PENDING, set())
    for obj in session.dirty:
        if isinstance(obj, Institution):
            state = inspect(obj)
            if any(state.attrs[name].history.has_changes() for name in SHOWN_IN_MANIFESTS):
                pending.add(obj.id)
    # The credit line template, kept in a table of its own, is in every manifest too.
    for obj in (*session.new, *session.dirty, *session.deleted):
        if isinstance(obj, CreditTemplate):
            pending.add(obj.institution_id)


@event.listens_for(Session, "after_flush")
def _announce_shown_changes(session: Session, _context: Any) -> None:
    changed = session.info.pop(_PENDING, set())
    if not changed:
        return
    objects = CollectionObject.__table__
    rows = select(
        objects.c.institution_id,
        objects.c.id,
        literal("Update"),
        objects.c.revision,
        literal(utcnow(), DateTime(timezone=True)),
    ).where(objects.c.institution_id.in_(changed), objects.c.status == ObjectStatus.PUBLISHED)
    session.connection().execute(
        insert(ChangeEvent.__table__).from_select(
            ["institution_id", "object_id", "kind", "revision", "at"], rows
        )
    )
