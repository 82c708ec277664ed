"""How many of an institution's published objects are not offered as ``edm``,
and why, for its staff page.

A record whose rights Europeana does not accept (glampub.harvesting.europeana_rights)
is left out of every ``edm`` list; staff see the count here, grouped by the
reason, with the rights that make it up, so they know what to change.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from glampub.harvesting.europeana_rights import (
    NATIONAL_PORT,
    OTHER_LICENCE,
    OTHER_STATEMENT,
    UNDETERMINED,
    accepted_uris,
    refusal_reason,
)
from glampub.models import CollectionObject, Institution
from glampub.rights import lookup
from glampub.statuses import ObjectStatus

#: The order reasons are shown in: what staff can fix first.
REASON_ORDER = (UNDETERMINED, OTHER_STATEMENT, NATIONAL_PORT, OTHER_LICENCE)


@dataclass(frozen=True)
class Refusal:
    """``count`` objects left out of edm for one ``reason``, under these rights."""

    reason: str
    count: int
    #: The rights' labels (e.g. "No Known Copyright"), most objects first.
    labels: tuple[str, ...]


@dataclass(frozen=True)
class EdmCoverage:
    published: int
    refusals: tuple[Refusal, ...]

    @property
    def not_offered(self) -> int:
        return sum(refusal.count for refusal in self.refusals)


def edm_coverage(session: Session, institution: Institution) -> EdmCoverage:
    """The institution's published objects, and those Europeana would refuse, by reason."""
    published = CollectionObject.status == ObjectStatus.PUBLISHED
    mine = CollectionObject.institution_id == institution.id
    total = session.scalar(select(func.count(CollectionObject.id)).where(mine, published)) or 0
    rows = session.execute(
        select(CollectionObject.rights_uri, func.count(CollectionObject.id))
        .where(mine, published)
        .where(
            CollectionObject.rights_uri.is_(None)
            | CollectionObject.rights_uri.not_in(accepted_uris())
        )
        .group_by(CollectionObject.rights_uri)
    ).all()
    by_reason: dict[str, list[tuple[int, str]]] = {}
    for uri, count in rows:
        reason = refusal_reason(uri)
        if reason is None:  # a URI in a form the list does not hold: accepted all the same
            continue
        term = lookup(uri) if uri else None
        by_reason.setdefault(reason, []).append((count, term.label if term else uri or ""))
    refusals = tuple(
        Refusal(
            reason,
            sum(count for count, _ in by_reason[reason]),
            tuple(
                label
                for _, label in sorted(by_reason[reason], key=lambda x: (-x[0], x[1]))
                if label
            ),
        )
        for reason in REASON_ORDER
        if reason in by_reason
    )
    return EdmCoverage(total, refusals)
