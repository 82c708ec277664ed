"""What a worker has just served, kept in memory while nothing was published since.

The documents are already stored in the database (see document_cache), but
finding one there costs an ORM query or two: about a millisecond, ten times
what answering takes. So each worker keeps what it served, tagged with the
*publication stamp* it was valid for, and checks that stamp with one cheap
query per request.

The stamp is (newest change event, institutions' revisions). It moves on
every change to anything published: every create, update and withdrawal of an
object writes a change event (Change Discovery relies on that already), and
every edit of an institution bumps its revision. A moved stamp drops nothing
eagerly; entries simply stop matching and are rebuilt, from the stored
documents, on their next request. Because the stamp is read from the
database, changes written by other processes (an import on the command line,
another worker) are seen at once.

Memory is bounded by bytes, not entries, so a worker stays small whatever the
number of objects: the least recently used entries go first.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Generic, TypeVar

from sqlalchemy import Engine

T = TypeVar("T")
Stamp = tuple[int, int, int]

_STAMP_SQL = (
    "SELECT (SELECT max(id) FROM change_event),"
    " (SELECT sum(revision) FROM institution),"
    " (SELECT count(*) FROM institution)"
)


def publication_stamp(engine: Engine) -> Stamp:
    """One small query: changes whenever anything published may have changed.

    Institution revisions only grow, so their sum (with the count, for new
    institutions) changes whenever one of them does.
    """
    # A pooled DB-API connection: a third of the cost of a Core statement,
    # and this runs on every IIIF request.
    connection = engine.raw_connection()
    try:
        cursor = connection.cursor()
        cursor.execute(_STAMP_SQL)
        row = cursor.fetchone()
        cursor.close()
    finally:
        connection.close()
    return (row[0] or 0, row[1] or 0, row[2] or 0)


class ServedCache(Generic[T]):
    """A thread-safe LRU of values valid for one publication stamp, bounded in bytes."""

    def __init__(self, max_bytes: int, size_of: Callable[[T], int]) -> None:
        self.max_bytes = max_bytes
        self._size_of = size_of
        self._entries: OrderedDict[Hashable, tuple[Stamp, T, int]] = OrderedDict()
        self._bytes = 0
        self._lock = threading.Lock()

    @property
    def bytes(self) -> int:
        return self._bytes

    def __len__(self) -> int:
        return len(self._entries)

    def get(self, key: Hashable, stamp: Stamp) -> T | None:
        with self._lock:
            entry = self._entries.get(key)
            if entry is None or entry[0] != stamp:
                return None
            self._entries.move_to_end(key)
            return entry[1]

    def put(self, key: Hashable, stamp: Stamp, value: T) -> None:
        size = self._size_of(value)
        if size > self.max_bytes // 4:
            return  # one huge document must not push out everything else
        with self._lock:
            old = self._entries.pop(key, None)
            if old is not None:
                self._bytes -= old[2]
            self._entries[key] = (stamp, value, size)
            self._bytes += size
            while self._bytes > self.max_bytes:
                _key, (_stamp, _value, dropped) = self._entries.popitem(last=False)
                self._bytes -= dropped

    def fetch(self, key: Hashable, stamp: Stamp, build: Callable[[], T]) -> T:
        """The value for ``key`` at ``stamp``, built (and kept) when missing."""
        value = self.get(key, stamp)
        if value is None:
            # Built after the stamp was read, so it is at least as new as the stamp.
            value = build()
            self.put(key, stamp, value)
        return value
