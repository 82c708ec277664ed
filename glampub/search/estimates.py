"""How many objects a search matches on PostgreSQL: exactly when few, estimated when many.

Counting a million matches and their facets exactly took PostgreSQL seconds
(every match read, joined to its facet rows and grouped), and a visitor's
first search waited for all of it. So a search's matches are first counted
no further than a threshold (a ``LIMIT`` under the ``count``: bounded work
whatever the collection's size). Up to it, everything is counted exactly.
Beyond it, the total and the facet counts are counted in a sample of the
objects' table (``TABLESAMPLE SYSTEM``: whole pages picked at random, a
fixed number of them however large the table) and scaled up; the page shows
them as "about 120,000".

The sample is the same for every search (``REPEATABLE`` with one seed), so
the estimates of one data version agree with each other, and its pages stay
in the database's cache between searches.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import Select, func, literal, select, tablesample, text
from sqlalchemy.orm import Session, aliased

from glampub.models import CollectionObject

#: Table pages read for an estimate (8 KB each: 16 MB). At a million LIDO
#: objects this is some 2% of the table: a word in 1% of the records is then
#: seen some 200 times, enough for a count shown as "about".
SAMPLE_PAGES = 2000
_SEED = 23


@dataclass(frozen=True)
class Sample:
    """The objects' table sampled: ``objects`` is an alias to select from, and
    a count over it times ``scale`` estimates the count over the whole table."""

    objects: Any
    scale: float


def count_up_to(session: Session, matches: Select, limit: int) -> int:
    """The number of rows of ``matches``, counted no further than ``limit + 1``."""
    bounded = matches.order_by(None).limit(limit + 1).subquery()
    return int(session.scalar(select(func.count()).select_from(bounded)) or 0)


def sample(session: Session) -> Sample:
    """A sample of about :data:`SAMPLE_PAGES` pages of the objects' table."""
    # The table's size now (pg_class.relpages is only as new as its last
    # ANALYZE, and a first import has had none), and the planner's own
    # figures for it: the rows per page its last ANALYZE or VACUUM found.
    pages, counted_rows, counted_pages = session.execute(
        text(
            "SELECT pg_relation_size('collection_object') / current_setting('block_size')::bigint,"
            " reltuples, relpages FROM pg_class WHERE oid = 'collection_object'::regclass"
        )
    ).one()
    percent = min(100.0, 100.0 * SAMPLE_PAGES / max(int(pages or 1), 1))
    sampled = tablesample(
        CollectionObject.__table__,
        func.system(literal(percent)),
        name="sampled_object",
        seed=literal(_SEED),
    )
    scale = 100.0 / percent
    if counted_rows > 0 and counted_pages > 0:
        # Scaled by rows, not pages: the sample takes each page with the same
        # chance, so it holds a few more or fewer pages than asked, and a
        # search matching every object was "about 310,000" of 300,000. The
        # rows the table holds now (as the planner reckons them) over the rows
        # the sample holds is exact for such a search, and takes out the
        # sample's own size from every other estimate.
        rows_now = counted_rows / counted_pages * int(pages or 0)
        seen = session.scalar(select(func.count()).select_from(sampled))
        if seen:
            scale = rows_now / seen
    return Sample(objects=aliased(CollectionObject, sampled), scale=scale)


def about(count: float) -> int:
    """An estimate rounded to two significant figures (123,456 → 120,000)."""
    whole = round(count)
    if whole < 100:
        return whole
    step = 10 ** (len(str(whole)) - 2)
    return round(whole / step) * step
