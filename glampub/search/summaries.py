"""Search totals and facet counts kept in the database, for every process to share.

Counting the facets is the costly part of a search page (up to a second over
100,000 objects, more under load), and a publish makes every count stale at
once. Kept only in each process's memory, the first searches after a large
import all counted afresh, in every web worker, while tiles and manifests
waited for the processor: seconds-long answers right after the commit.

So the counts are stored here per set of filters, tagged with the data
version they were counted at, and the import itself counts again, inside its
own transaction, the filters searched for most recently: its commit publishes
the objects and their counts together, and the first reader after it finds
them ready. Filters not among those are counted by the first search that asks,
then stored for the others.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Engine, delete, select
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm import Session

from glampub.db import brief_write_wait
from glampub.models import SearchSummary

#: How many of the most recently asked filter sets an import counts again.
REFRESHED_AT_PUBLISH = 24
#: And for how long at most, so a huge collection does not hold its commit long.
REFRESH_BUDGET_SECONDS = 20.0
#: Rows kept: the least recently asked go first.
KEPT = 2000


def filters_key(filters: dict[str, Any]) -> str:
    return json.dumps(sorted(filters.items()), ensure_ascii=False, separators=(",", ":"))


#: The shape of a stored body; a new shape leaves the rows stored before it
#: unread (they are counted again), as a new data version does. 2: object
#: types counted per concept, each value with its labels per language. 3: whether
#: the counts are estimates (PostgreSQL, many matches).
BODY_FORMAT = 3


def version_key(version: tuple[Any, ...]) -> str:
    return json.dumps([f"format-{BODY_FORMAT}", *version], default=str)


#: Longer filter sets (a pasted page of text as the query) are counted, never stored.
MAX_FILTERS_LENGTH = 1000


def load(session: Session, filters: str, version: str) -> str | None:
    """The stored counts for ``filters`` at ``version``, if counted there."""
    if len(filters) > MAX_FILTERS_LENGTH:
        return None
    row = session.execute(
        select(SearchSummary.version, SearchSummary.body).where(SearchSummary.filters == filters)
    ).first()
    return row.body if row is not None and row.version == version else None


def store(engine: Engine, filters: str, version: str, body: str) -> None:
    """Store counts a search has just made, from a session of its own (the
    request's transaction is left alone). Best effort: with SQLite's write lock
    held by an import it is skipped, and the import counts these filters anew."""
    if len(filters) > MAX_FILTERS_LENGTH:
        return
    with Session(engine) as session:
        try:
            with brief_write_wait(session):  # the write lock is taken by the flush
                _put(session, filters, version, body, asked=True)
            session.commit()
        except IntegrityError:
            session.rollback()  # another process stored them first
        except OperationalError as exc:
            if "locked" not in str(exc.orig):
                raise
            session.rollback()


def refresh(session: Session, version: str, count: Callable[[dict[str, Any]], str]) -> int:
    """Count again, in ``session``'s transaction, the filters asked for most
    recently; ``count`` gives a summary's body for a filter set. Returns how
    many were counted."""
    started = time.monotonic()
    recent = session.scalars(
        select(SearchSummary.filters)
        .order_by(SearchSummary.asked_at.desc(), SearchSummary.id.desc())
        .limit(REFRESHED_AT_PUBLISH)
    ).all()
    done = 0
    for filters in recent:
        if time.monotonic() - started > REFRESH_BUDGET_SECONDS:
            break
        _put(session, filters, version, count(dict(json.loads(filters))), asked=False)
        done += 1
    _forget_the_oldest(session)
    return done


def _put(session: Session, filters: str, version: str, body: str, *, asked: bool) -> None:
    row = session.scalar(select(SearchSummary).where(SearchSummary.filters == filters))
    if row is None:
        row = SearchSummary(filters=filters)
        session.add(row)
    row.version, row.body = version, body
    if asked or row.asked_at is None:
        row.asked_at = datetime.now(UTC)
    session.flush()


def _forget_the_oldest(session: Session) -> None:
    cutoff = session.scalar(
        select(SearchSummary.asked_at)
        .order_by(SearchSummary.asked_at.desc())
        .offset(KEPT - 1)
        .limit(1)
    )
    if cutoff is not None:
        session.execute(delete(SearchSummary).where(SearchSummary.asked_at < cutoff))
