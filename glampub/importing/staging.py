"""The identifiers one import has met, kept in the database rather than in memory.

A temporary table on the import's own connection holds each identifier with
the line (or record number) where it first appeared. It answers the two
questions that need every identifier of the file at once, in flat memory:
is this identifier a duplicate within the file, and (for ``--full``) which
published objects did the file not list. Each row also names the batch that
brought it, so the stored objects of a batch are found by a join on the
batch number rather than by a long ``IN (...)`` list. Being temporary and created inside
the import's transaction, it vanishes with the transaction or the connection,
whatever way the import ends; nobody else ever sees it.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

from sqlalchemy import (
    Column,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    bindparam,
    exists,
    insert,
    select,
    text,
)
from sqlalchemy.orm import Session

from glampub.importing.bulk_sql import BulkStatement
from glampub.models import CollectionObject
from glampub.statuses import ObjectStatus
from importers.base import SourceRecord

OBJECTS = CollectionObject.__table__


class SeenIdentifiers:
    def __init__(self, session: Session, run_id: int) -> None:
        self.session = session
        self.table = Table(
            f"glampub_import_{run_id}_seen",
            MetaData(),
            Column("identifier", String(500), primary_key=True),
            Column("line", Integer),
            Column("batch", Integer),
            Index(f"glampub_import_{run_id}_seen_batch", "batch"),
            prefixes=["TEMPORARY"],
            postgresql_on_commit="DROP",
        )
        connection = session.connection()
        self.table.create(connection)
        self._insert = BulkStatement(
            connection, insert(self.table), ("identifier", "line", "batch")
        )
        self.batch = 0
        self.statistics = PlannerStatistics(session, self.table.name)
        seen = self.table
        # Built once: a statement built per batch leaves a reference cycle (its
        # bound parameter and the batch's values) for the garbage collector,
        # which an import tunes to run rarely.
        self._known = select(seen.c.identifier, seen.c.line).where(
            seen.c.identifier.in_(bindparam("identifiers", expanding=True))
        )
        self._unseen = (
            select(OBJECTS.c.id, OBJECTS.c.revision, OBJECTS.c.identifier)
            .where(
                OBJECTS.c.institution_id == bindparam("institution"),
                OBJECTS.c.status == ObjectStatus.PUBLISHED,
                OBJECTS.c.id > bindparam("after"),
                ~exists().where(seen.c.identifier == OBJECTS.c.identifier),
            )
            .order_by(OBJECTS.c.id)
            .limit(bindparam("page"))
        )
        # From the batch's rows into the objects' unique (institution, identifier)
        # index. SQLite's planner, without statistics on a temporary table, would
        # rather scan every object of the institution per batch; CROSS JOIN is
        # its documented way to fix the join order. PostgreSQL's planner needs
        # statistics on both tables (see PlannerStatistics).
        join = "CROSS JOIN" if connection.dialect.name == "sqlite" else "JOIN"
        self._stored = text(
            f"SELECT o.id, o.identifier, o.content_hash, o.revision, o.status, o.held_by_staff "
            f"FROM {seen.name} AS s {join} {OBJECTS.name} AS o "
            "ON o.institution_id = :institution AND o.identifier = s.identifier "
            "WHERE s.batch = :batch"
        )

    def first_sightings(
        self, records: Sequence[SourceRecord]
    ) -> tuple[list[SourceRecord], list[tuple[SourceRecord, int | None]]]:
        """The records whose identifier is new to this import, and the duplicates
        with the line where their identifier was first seen.

        The new ones are recorded under a new batch number (see :meth:`stored`).
        """
        self.batch += 1
        identifiers = list({record.identifier for record in records})
        known: dict[str, int | None] = dict(
            self.session.execute(self._known, {"identifiers": identifiers}).all()
        )
        fresh: list[SourceRecord] = []
        duplicates: list[tuple[SourceRecord, int | None]] = []
        for record in records:
            if record.identifier in known:
                duplicates.append((record, known[record.identifier]))
            else:
                known[record.identifier] = record.line
                fresh.append(record)
        batch = self.batch
        self._insert.execute([(record.identifier, record.line, batch) for record in fresh])
        self.statistics.wrote(len(fresh))
        return fresh, duplicates

    def stored(self, institution_id: int, batch: int | None = None) -> dict[str, Any]:
        """Id, hash, revision, status and staff hold of the stored objects of
        ``batch`` (default: the last one)."""
        rows = self.session.execute(
            self._stored,
            {"institution": institution_id, "batch": self.batch if batch is None else batch},
        )
        return {row.identifier: row for row in rows}

    def unseen_published(self, institution_id: int, batch: int) -> Iterator[list[Any]]:
        """Batches of (id, revision, identifier) of published objects this import has not seen.

        Keyset-paged by id, so a full export that withdraws a great many
        objects still reads them a batch at a time.
        """
        after = 0
        while True:
            rows = self.session.execute(
                self._unseen, {"institution": institution_id, "after": after, "page": batch}
            ).all()
            if not rows:
                return
            yield rows
            after = rows[-1].id

    def drop(self) -> None:
        self.table.drop(self.session.connection())


class PlannerStatistics:
    """PostgreSQL's statistics of the tables an import fills, kept in step with it.

    An import writes in one transaction, which autovacuum cannot see into (and
    it never analyses temporary tables at all), so the planner goes on
    believing a table holds what it held before the import. With no
    statistics it looked up each batch's stored objects by institution only,
    comparing identifiers row by row, and scanned the whole staging table for
    each batch's duplicates: both grew with the import, so a 10,000-record
    import spent two thirds of its time there and a million-record one slowed
    to a crawl; the search index's triggers look up their own tables the same
    way. ``ANALYZE`` inside the transaction sees its own rows; it runs after
    the first batch and whenever the import has doubled what it wrote, about
    twenty times for a million records, on the tables the import itself
    reads as it goes. :meth:`finish` analyses every table the import filled
    once more at its end, as autovacuum would (and this server may run
    without it): the site's queries plan on the statistics the commit
    publishes with the rows. SQLite needs nothing of the kind (see
    SeenIdentifiers).
    """

    #: At its end, an import that wrote at least this many rows analyses the
    #: tables it filled, every column.
    FINISH_FROM = 1000

    def __init__(self, session: Session, *tables: str, columns: Sequence[str] = ()) -> None:
        self.session = session
        self.tables = tables
        #: What the analyses during the import cover (all columns if empty): the
        #: ones its own queries join and filter on. Every other column's
        #: statistics (a search page's) wait for :meth:`finish`; computing
        #: them for wide text columns each time cost more than the rest.
        self.during = f" ({', '.join(columns)})" if columns else ""
        self.enabled = session.get_bind().dialect.name == "postgresql"
        self.written = 0
        self.next_at = 1

    def wrote(self, count: int) -> None:
        if not self.enabled or count == 0:
            return
        self.written += count
        if self.written >= self.next_at:
            for table in self.tables:
                self.session.execute(text(f"ANALYZE {table}{self.during}"))
            self.next_at = self.written * 2

    def changed(self, count: int) -> None:
        """Rows changed in place (updated, withdrawn): counted for :meth:`finish` only."""
        self.written += count

    def finish(self, *tables: str) -> None:
        """After a big load, analyse every column of this one's tables and ``tables``."""
        if not self.enabled or self.written < self.FINISH_FROM:
            return
        for table in dict.fromkeys((*self.tables, *tables)):
            self.session.execute(text(f"ANALYZE {table}"))
