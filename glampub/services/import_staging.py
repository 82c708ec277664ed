"""The identifiers one import has met, kept in the database rather than in memory.

A temporary table on the import's own connection holds each identifier with
the line (or record number) where it first appeared. It answers the two
questions that need every identifier of the file at once, in flat memory:
is this identifier a duplicate within the file, and (for ``--full``) which
published objects did the file not list. Being temporary and created inside
the import's transaction, it vanishes with the transaction or the connection,
whatever way the import ends; nobody else ever sees it.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

from sqlalchemy import Column, Integer, MetaData, String, Table, exists, insert, select
from sqlalchemy.orm import Session

from glampub.models import CollectionObject
from importers.base import SourceRecord


class SeenIdentifiers:
    def __init__(self, session: Session, run_id: int) -> None:
        self.session = session
        self.table = Table(
            f"glampub_import_{run_id}_seen",
            MetaData(),
            Column("identifier", String(500), primary_key=True),
            Column("line", Integer),
            prefixes=["TEMPORARY"],
            postgresql_on_commit="DROP",
        )
        self.table.create(session.connection())

    def first_sightings(
        self, records: Sequence[SourceRecord]
    ) -> tuple[list[SourceRecord], list[tuple[SourceRecord, int | None]]]:
        """The records whose identifier is new to this import, and the duplicates
        with the line where their identifier was first seen."""
        column = self.table.c.identifier
        known: dict[str, int | None] = dict(
            self.session.execute(
                select(column, self.table.c.line).where(
                    column.in_({record.identifier for record in records})
                )
            ).all()
        )
        fresh: list[SourceRecord] = []
        duplicates: list[tuple[SourceRecord, int | None]] = []
        for record in records:
            if record.identifier in known:
                duplicates.append((record, known[record.identifier]))
            else:
                known[record.identifier] = record.line
                fresh.append(record)
        if fresh:
            self.session.execute(
                insert(self.table),
                [{"identifier": record.identifier, "line": record.line} for record in fresh],
            )
        return fresh, duplicates

    def unseen_published(self, institution_id: int, batch: int) -> Iterator[list[Any]]:
        """Batches of (id, revision) of published objects this import has not seen.

        Keyset-paged by id, so a full export that withdraws a great many
        objects still reads them a batch at a time.
        """
        objects = CollectionObject.__table__
        seen = self.table
        after = 0
        while True:
            rows = self.session.execute(
                select(objects.c.id, objects.c.revision)
                .where(
                    objects.c.institution_id == institution_id,
                    objects.c.status == "published",
                    objects.c.id > after,
                    ~exists().where(seen.c.identifier == objects.c.identifier),
                )
                .order_by(objects.c.id)
                .limit(batch)
            ).all()
            if not rows:
                return
            yield rows
            after = rows[-1].id

    def drop(self) -> None:
        self.table.drop(self.session.connection())
