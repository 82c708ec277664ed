"""Result pages by key-set: a page starts right after the last row of the page before.

With OFFSET, page 200 walked the 4,776 matches before it, each one matched
again, to throw them away. A page that knows where the page before it ended
(its *position*: the sort value and the id of its last row) is instead one
range of the sort's index, as cheap as the first page. Positions are
remembered per data version, query and sort (:class:`PageStarts`), so a
reader or a crawler going through the pages one after another seeks every
time; a jump to a page no position is known for skips from the nearest
known one (or the first row) by OFFSET, and notes where that page ends.

Every sort but best match orders by one column and then by id, descending
(see ``search_sql.order_by``); best match is bounded (``RANKED_AT_MOST``)
and sorts every match whatever the page, so it keeps OFFSET.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Hashable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, func, select, true, type_coerce
from sqlalchemy.orm import Session
from sqlalchemy.types import NullType

from glampub.models import CollectionObject


@dataclass(frozen=True)
class SortKey:
    """The column a sort orders by before the id."""

    column: Any
    descending: bool
    #: Whether the column may be NULL: NULLs come last in either direction.
    nullable: bool


#: The sorts pages can seek in; the tie after the column is always id, descending.
SORT_KEYS = {
    "newest": SortKey(CollectionObject.updated_at, descending=True, nullable=False),
    "date-asc": SortKey(CollectionObject.date_earliest, descending=False, nullable=True),
    "date-desc": SortKey(CollectionObject.date_earliest, descending=True, nullable=True),
    "identifier": SortKey(CollectionObject.identifier, descending=False, nullable=False),
}

#: A row's place in a sort: its column's value as the database stores it, and its id.
Position = tuple[Any, int]


def _raw(expression: Any) -> Any:
    """The expression with no type processing either way: a value read through
    it is compared again exactly as stored (SQLite keeps timestamps as text,
    which a datetime read back and bound again need not spell the same)."""
    return type_coerce(expression, NullType())


def parts_after(sort: str, position: Position | None) -> list[ColumnElement[bool]]:
    """The rows after ``position`` in the sort, as consecutive ranges in order.

    Each is one range of the sort's index (the column equal and a lower id;
    the column beyond; then the NULLs): the id runs the other way from the
    date in the date sorts, so no single row comparison covers them, and an
    OR of them would not be a range the index can start at.
    """
    if position is None:
        return [true()]
    key = SORT_KEYS[sort]
    column, ids = _raw(key.column), CollectionObject.id
    value, last_id = position
    if value is None:
        return [and_(key.column.is_(None), ids < last_id)]
    beyond = column < value if key.descending else column > value
    parts = [and_(column == value, ids < last_id), beyond]
    if key.nullable:
        parts.append(key.column.is_(None))
    return parts


@dataclass(frozen=True)
class Walked:
    """What one walk read."""

    #: The ids of the rows asked for, in order.
    ids: list[int]
    #: The position of the last of them, when as many came as were asked for
    #: (a whole page: where the next one starts).
    end: Position | None


def walk(
    session: Session,
    matches: Select,
    order: list[ColumnElement[Any]],
    sort: str,
    after: Position | None,
    skip: int,
    take: int,
) -> Walked:
    """The ids of ``take`` rows of ``matches`` (a select of ids) in ``order``
    (the sort's ORDER BY), ``skip`` rows after ``after`` (None: from the first).

    Each part is read only as far as the rows still wanted; the rows skipped
    are skipped by the database (OFFSET), which walks an index-only range
    faster than it could number the rows or send them here.
    """
    value = _raw(SORT_KEYS[sort].column).label("sort_value")
    parts = parts_after(sort, after)
    read: list[Any] = []
    for index, part in enumerate(parts):
        need = take - len(read)
        if need <= 0:
            break
        ordered = matches.add_columns(value).where(part).order_by(*order)
        rows = session.execute(ordered.offset(skip).limit(need) if skip else ordered.limit(need))
        found = rows.all()
        read += found
        if found or not skip:
            skip = 0
        elif index < len(parts) - 1:
            # The part ended before the rows to skip did: the next part
            # skips what is left of them.
            ended = ordered.limit(skip).subquery()
            skip -= session.scalar(select(func.count()).select_from(ended)) or 0
    end = (read[-1].sort_value, read[-1].id) if read and len(read) == take else None
    return Walked([row.id for row in read], end)


class PageStarts:
    """Where pages end, per (database, data version, query, sort): bounded by
    the number of positions kept (a walk to page 1,000 notes a thousand),
    least recently used first out."""

    POSITIONS = 100_000

    def __init__(self) -> None:
        self._items: OrderedDict[Hashable, dict[int, Position]] = OrderedDict()
        self._positions = 0
        self._lock = threading.Lock()

    def nearest(self, key: Hashable, page: int) -> tuple[int, Position | None]:
        """The last page before ``page`` whose end is known, and that end
        (0 and None: none is, start from the first row)."""
        with self._lock:
            ends = self._items.get(key)
            if ends is None:
                return 0, None
            self._items.move_to_end(key)
            if page - 1 in ends:
                return page - 1, ends[page - 1]
            known = [n for n in ends if n < page]
            if not known:
                return 0, None
            best = max(known)
            return best, ends[best]

    def note(self, key: Hashable, ends: dict[int, Position]) -> None:
        if not ends:
            return
        with self._lock:
            kept = self._items.setdefault(key, {})
            self._positions -= len(kept)
            kept.update(ends)
            self._positions += len(kept)
            self._items.move_to_end(key)
            while self._positions > self.POSITIONS and len(self._items) > 1:
                _key, dropped = self._items.popitem(last=False)
                self._positions -= len(dropped)

    def clear(self) -> None:
        with self._lock:
            self._items.clear()
            self._positions = 0


#: The page ends this process has seen.
PAGE_ENDS = PageStarts()


def applies(dialect: str, sort: str, estimated: bool) -> bool:
    """Whether a page is found by key-set rather than OFFSET.

    Only where depth costs: on PostgreSQL with more matches than are counted
    exactly (``estimated``), a page walks a sort index, and OFFSET walked (and
    matched) every row before the page. Fewer matches are found first and
    sorted, whatever the page; best match scores and sorts all of its (a
    bounded number); and SQLite walks its index checking each row against the
    words' row ids, collected once per statement, which a key-set's two or
    three ranges would collect two or three times.
    """
    return dialect == "postgresql" and sort in SORT_KEYS and estimated


def page_ids(
    session: Session,
    matches: Select,
    order: list[Any],
    sort: str,
    key: Hashable,
    page: int,
    page_size: int,
) -> list[int]:
    """The ids of page ``page``, read after where the page before it ended (a
    seek), or else after the nearest page before it whose end is known under
    ``key``, skipping the pages between; where this page ends is remembered
    for the next."""
    known, position = PAGE_ENDS.nearest(key, page)
    walked = walk(
        session,
        matches,
        order,
        sort,
        position,
        skip=(page - 1 - known) * page_size,
        take=page_size,
    )
    if walked.end is not None:
        PAGE_ENDS.note(key, {page: walked.end})
    return walked.ids
