"""The names of object type facet values, in every language the data gives.

An object type facet counts concepts (see importers/object_types.py): its
values are concept keys, a URI or a record's terms. The page names each in
the reader's language, so for every key counted, the labels the objects give
that concept are gathered here, from a few objects that have it.
"""

from __future__ import annotations

from sqlalchemy import column, select, table
from sqlalchemy.orm import Session

from glampub.models import CollectionObject
from glampub.statuses import ObjectStatus
from importers.base import LangMap
from importers.object_types import concepts_of

_FACETS = table("object_facet", column("object_id"), column("kind"), column("value"))
#: Objects read per key: enough to find every language a collection uses for
#: one concept, few enough that a page of facets stays a handful of reads.
OBJECTS_PER_KEY = 20


def object_type_labels(session: Session, keys: list[str]) -> dict[str, LangMap]:
    """``{key: {lang: [label, …]}}`` for each key that a published object has."""
    labels: dict[str, LangMap] = {}
    for key in keys:
        having = (
            select(_FACETS.c.object_id)
            .where(_FACETS.c.kind == "object_type", _FACETS.c.value == key)
            .limit(OBJECTS_PER_KEY)
        )
        merged: LangMap = {}
        for stored in session.scalars(
            select(CollectionObject.object_type).where(
                CollectionObject.id.in_(having), CollectionObject.status == ObjectStatus.PUBLISHED
            )
        ):
            for concept in concepts_of(stored):
                if concept["key"] != key:
                    continue
                for lang, terms in (concept.get("label") or {}).items():
                    values = merged.setdefault(lang, [])
                    values.extend(t for t in terms if t not in values)
        labels[key] = merged
    return labels
