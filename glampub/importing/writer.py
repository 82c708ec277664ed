"""Writes batches of records for one institution inside the import's transaction.

Each batch costs a fixed handful of statements whatever its size: one
select of the stored hashes, one executemany for new objects, one for
changed objects, one delete and one insert of their images, one insert of
change events. Everything goes through SQLAlchemy Core on the tables (not
ORM objects), and every per-record decision that repeats across records
(rights) is cached for the run.

On PostgreSQL the inserts go as COPY (glampub.importing.pg_copy), the
search and facet rows of a batch are written set-based after it instead of
by the row triggers (glampub.search.index.index_objects), and a batch's
writes run beside the mapping of the next batch
(glampub.importing.overlapped_writes). The rows stored are the same.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from operator import itemgetter
from pathlib import Path
from typing import Any

from sqlalchemy import and_, bindparam, delete, insert, or_, select, update
from sqlalchemy.orm import Session

from glampub.errors import Problem
from glampub.images.fetch import Fetched, ImageFetcher, Validators
from glampub.images.sources import ImageSource
from glampub.importing.bulk_sql import BulkStatement
from glampub.importing.overlapped_writes import OverlappedWrites
from glampub.importing.record_images import (
    FILE_FIELDS,
    STATE_FIELDS,
    ImageContext,
    KnownImage,
    image_rows,
    wanted_urls,
)
from glampub.importing.record_mapping import (
    OBJECT_FIELDS,
    RightsCache,
    content_hash,
    link_problems,
    object_values,
    record_rights_problems,
    rights_problems,
)
from glampub.importing.remote_images import StoredReference, validators
from glampub.importing.report import ImportReport
from glampub.importing.staging import PlannerStatistics, SeenIdentifiers
from glampub.models import ChangeEvent, CollectionObject, Image, Institution
from glampub.rights_review.stored_rules import load_policy
from glampub.search import index as search_index
from glampub.statuses import ObjectStatus
from importers.base import SourceRecord
from importers.problem_codes import ProblemCode

OBJECTS = CollectionObject.__table__
IMAGES = Image.__table__
EVENTS = ChangeEvent.__table__
#: Every column an import writes, in table order (the id is the database's).
OBJECT_COLUMNS = tuple(c.name for c in OBJECTS.columns if c.name != "id")
IMAGE_COLUMNS = tuple(c.name for c in IMAGES.columns if c.name != "id")
EVENT_COLUMNS = ("institution_id", "object_id", "kind", "revision", "at")
#: A changed object: everything the record fills, then its id.
UPDATE_COLUMNS = (*OBJECT_FIELDS, "content_hash", "revision", "status", "updated_at", "object_id_")
# Statements run per batch are built once: one built per batch leaves a
# reference cycle (its bound parameter and the batch's values) behind for the
# garbage collector, which an import tunes to run rarely (see bulk_memory).
_DELETE_IMAGES = delete(IMAGES).where(IMAGES.c.object_id.in_(bindparam("ids", expanding=True)))
_STORED_COLUMNS = (*FILE_FIELDS, *STATE_FIELDS)
_STORED_FILES = (
    select(
        IMAGES.c.object_id,
        IMAGES.c.public_id,
        IMAGES.c.source_reference,
        *(IMAGES.c[name] for name in _STORED_COLUMNS),
    )
    .where(
        IMAGES.c.object_id.in_(bindparam("ids", expanding=True)),
        or_(
            and_(IMAGES.c.checksum.is_not(None), IMAGES.c.file_path.is_not(None)),
            IMAGES.c.reference_class.is_not(None),
        ),
    )
    .order_by(IMAGES.c.object_id, IMAGES.c.position)
)
_WITHDRAW = (
    update(OBJECTS)
    .where(OBJECTS.c.id.in_(bindparam("ids", expanding=True)))
    .values(
        status=ObjectStatus.WITHDRAWN, revision=OBJECTS.c.revision + 1, updated_at=bindparam("now")
    )
)
_object_row = itemgetter(*OBJECT_COLUMNS)
_image_row = itemgetter(*IMAGE_COLUMNS)
_update_row = itemgetter(*UPDATE_COLUMNS)


def _held_problem(record: SourceRecord) -> Problem:
    return Problem(
        record.identifier,
        record.line,
        ProblemCode.WITHDRAWN_BY_STAFF,
        f"{record.identifier!r} was withdrawn by staff: its record is kept up to date, but it "
        "stays withdrawn until staff publish it again (staff pages, Objects)",
        "warning",
    )


class BatchWriter:
    def __init__(
        self,
        session: Session,
        institution: Institution,
        run_id: int,
        data_dir: Path,
        report: ImportReport,
        *,
        source: ImageSource | None,
        fetcher: ImageFetcher | None,
        max_pixels: int,
        default_rights: str | None = None,
    ) -> None:
        self.session = session
        self.institution_id = institution.id
        self.slug = institution.slug
        self.rights = RightsCache(load_policy(session, institution), default_rights)
        self.data_dir = data_dir
        self.report = report
        self.source = source
        self.fetcher = fetcher
        self.max_pixels = max_pixels
        self.seen = SeenIdentifiers(session, run_id)
        # Kept in step during the import: the table its own queries look objects
        # up in (by identifier, by id); the others are analysed at its end.
        self.statistics = PlannerStatistics(
            session, OBJECTS.name, columns=("id", "institution_id", "identifier", "status")
        )
        connection = session.connection()
        # On PostgreSQL each batch's search and facet rows are written set-based
        # after it (see glampub.search.index.index_objects), not row by row.
        self.index_later = search_index.defer_object_index(connection)
        self.writes = OverlappedWrites(connection.dialect.name == "postgresql")
        self.insert_objects = BulkStatement(connection, insert(OBJECTS), OBJECT_COLUMNS)
        self.insert_images = BulkStatement(connection, insert(IMAGES), IMAGE_COLUMNS)
        self.insert_events = BulkStatement(connection, insert(EVENTS), EVENT_COLUMNS)
        self.update_objects = BulkStatement(
            connection,
            update(OBJECTS).where(OBJECTS.c.id == bindparam("object_id_")),
            UPDATE_COLUMNS,
        )

    def write(self, batch: Sequence[SourceRecord]) -> None:
        fresh, duplicates = self.seen.first_sightings(batch)
        for record, first_line in duplicates:
            self._duplicate(record, first_line)
        if not fresh:
            return
        existing = self.seen.stored(self.institution_id)
        known, known_urls = self._known_images(fresh, existing)
        fetched = self._fetch(fresh, known_urls)
        try:
            # This batch's reads are done: the last batch's writes go meanwhile.
            with self.writes.beside():
                self._write(fresh, existing, fetched, known, known_urls)
        finally:
            if self.fetcher is not None and fetched:
                self.fetcher.discard(fetched)

    def _write(
        self,
        records: list[SourceRecord],
        existing: Mapping[str, Any],
        fetched: dict[str, Fetched] | None,
        known: dict[str, KnownImage],
        known_urls: dict[tuple[str, str], list[StoredReference]],
    ) -> None:
        report = self.report
        ctx = ImageContext(
            institution=self.slug,
            source=self.source,
            data_dir=self.data_dir,
            rights=self.rights,
            max_pixels=self.max_pixels,
            known=known,
            fetched=fetched,
            known_urls=known_urls,
        )
        now = datetime.now(UTC)
        created: list[tuple[str, list[dict[str, Any]]]] = []
        new_objects: list[dict[str, Any]] = []
        changed: list[dict[str, Any]] = []
        new_images: list[tuple[int, list[dict[str, Any]]]] = []
        events: list[tuple[Any, ...]] = []
        for record in records:
            decision = self.rights.object_rights(record)
            images, problems = image_rows(record, decision, ctx)
            if decision.needs_review or decision.warnings:
                report.problems.extend(rights_problems(record, decision))
            if problems:
                report.problems.extend(problems)
            if record.record_url:
                report.problems.extend(link_problems(record))
            report.count_rights(decision.uri, decision.statement)
            record_rights = self.rights.record_rights(record)
            report.problems.extend(record_rights_problems(record, record_rights))
            values = object_values(record, decision, record_rights)
            digest = content_hash(values, images)
            stored = existing.get(record.identifier)
            if stored is None:
                values.update(
                    institution_id=self.institution_id,
                    content_hash=digest,
                    revision=1,
                    status=ObjectStatus.PUBLISHED,
                    held_by_staff=False,
                    created_at=now,
                    updated_at=now,
                )
                new_objects.append(values)
                created.append((record.identifier, images))
                report.created += 1
            else:
                held = bool(stored.held_by_staff)
                if held:
                    report.problems.append(_held_problem(record))
                if stored.content_hash == digest and (
                    held or stored.status == ObjectStatus.PUBLISHED
                ):
                    report.unchanged += 1
                    continue
                values.update(
                    object_id_=stored.id,
                    content_hash=digest,
                    revision=stored.revision + 1,
                    # What staff withdrew stays withdrawn; its record is kept up to date.
                    status=ObjectStatus.WITHDRAWN if held else ObjectStatus.PUBLISHED,
                    updated_at=now,
                )
                changed.append(values)
                new_images.append((stored.id, images))
                report.updated += 1
                if held:
                    continue  # nothing the public sees changes: no activity
                # Back from withdrawn is a new publication, not an edit.
                kind = "Create" if stored.status == ObjectStatus.WITHDRAWN else "Update"
                events.append(self._event(stored.id, kind, stored.revision + 1, now))
        updates = [_update_row(values) for values in changed]
        inserts = self.insert_objects.prepare([_object_row(values) for values in new_objects])
        batch = self.seen.batch

        def store() -> None:
            """The batch's statements (run beside the next batch's mapping: see write)."""
            if updates:
                self.update_objects.execute(updates)
                self.session.execute(_DELETE_IMAGES, {"ids": [row[0] for row in new_images]})
                self.statistics.changed(len(updates))
            if inserts:
                self.insert_objects.execute(inserts)
                self.statistics.wrote(len(inserts))
                ids = self.seen.stored(self.institution_id, batch)
                for identifier, images in created:
                    object_id = ids[identifier].id
                    new_images.append((object_id, images))
                    events.append(self._event(object_id, "Create", 1, now))
            self.insert_events.execute(events)
            image_rows_ = []
            for object_id, rows in new_images:
                for row in rows:
                    row["object_id"] = object_id
                    image_rows_.append(_image_row(row))
            self.insert_images.execute(image_rows_)
            if self.index_later:
                search_index.index_objects(
                    self.session.connection(),
                    [object_id for object_id, _rows in new_images],
                    changed=[row[-1] for row in updates],
                )

        self.writes.hold(store)

    def _fetch(
        self,
        records: list[SourceRecord],
        known_urls: Mapping[tuple[str, str], list[StoredReference]],
    ) -> dict[str, Fetched] | None:
        if self.fetcher is None:
            return None
        asked: dict[str, Validators] = {}
        hints: dict[str, str | None] = {}
        for record in records:
            wanted = set(wanted_urls(record, self.source))
            for image in record.images:
                if image.reference not in wanted:
                    continue
                hints[image.reference] = image.mime_type
                held = validators(known_urls.get((record.identifier, image.reference), []))
                if held is not None:
                    asked[image.reference] = Validators(*held)
        return self.fetcher.fetch_all(list(hints), known=asked, hints=hints)

    def _known_images(
        self,
        records: list[SourceRecord],
        existing: Mapping[str, Any],
    ) -> tuple[dict[str, KnownImage], dict[tuple[str, str], list[StoredReference]]]:
        """Stored images of this batch's objects: files by public id (so unchanged
        bytes are not decoded again), and the rows of each URL reference."""
        ids = {
            existing[r.identifier].id: r.identifier
            for r in records
            if r.images and r.identifier in existing
        }
        if not ids:
            return {}, {}
        files: dict[str, KnownImage] = {}
        urls: dict[tuple[str, str], list[StoredReference]] = {}
        for row in self.session.execute(_STORED_FILES, {"ids": list(ids)}):
            if row.checksum and row.file_path:
                files[row.public_id] = KnownImage(
                    row.checksum,
                    row.file_path,
                    row.mime_type,
                    row.width,
                    row.height,
                    row.source_reference,
                )
            if row.reference_class is not None:
                # The row's columns after its ids, in _STORED_COLUMNS order; the
                # file is looked for only where one was downloaded.
                present = bool(row.file_path) and (self.data_dir / row.file_path).is_file()
                columns = dict(zip(_STORED_COLUMNS, row[3:], strict=True))
                urls.setdefault((ids[row.object_id], row.source_reference), []).append(
                    StoredReference(columns, present)
                )
        return files, urls

    def _duplicate(self, record: SourceRecord, first_line: int | None) -> None:
        where = f" (first at line or record {first_line})" if first_line is not None else ""
        self.report.problems.append(
            Problem(
                record.identifier,
                record.line,
                ProblemCode.DUPLICATE_IDENTIFIER,
                f"identifier {record.identifier!r} appears more than once in this file{where}; "
                "the later record was rejected",
            )
        )
        self.report.rejected += 1

    def _event(self, object_id: int, kind: str, revision: int, at: datetime) -> tuple[Any, ...]:
        return (self.institution_id, object_id, kind, revision, at)

    def withdraw_missing(self, batch: int) -> None:
        """Withdraw published objects that this full export no longer lists."""
        self.writes.flush()
        now = datetime.now(UTC)
        withdrawn = 0
        for rows in self.seen.unseen_published(self.institution_id, batch):
            self.session.execute(_WITHDRAW, {"ids": [row.id for row in rows], "now": now})
            self.insert_events.execute(
                [self._event(row.id, "Delete", row.revision + 1, now) for row in rows]
            )
            withdrawn += len(rows)
            self.statistics.changed(len(rows))
            for row in rows:
                self.report.withdrawn_identifiers.append(row.identifier)
        self.report.withdrawn = withdrawn

    def close(self) -> None:
        self.writes.flush()
        self.seen.drop()
        if not self.report.dry_run:
            # With the tables the search index fills (glampub/search/index.py).
            self.statistics.finish(IMAGES.name, EVENTS.name, *search_index.TRIGGER_TABLES)
