"""Writes batches of records for one institution inside the import's transaction.

Each batch costs a fixed handful of statements whatever its size: one
select of the stored hashes, one executemany for new objects, one for
changed objects, one delete and one insert of their images, one insert of
change events. Everything goes through SQLAlchemy Core on the tables (not
ORM objects), and every per-record decision that repeats across records
(rights) is cached for the run.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import bindparam, delete, insert, select, update
from sqlalchemy.orm import Session

from glampub.errors import Problem
from glampub.image_sources import ImageSource
from glampub.models import ChangeEvent, CollectionObject, Image, Institution
from glampub.services.image_fetch import Fetched, ImageFetcher
from glampub.services.import_report import ImportReport
from glampub.services.import_staging import SeenIdentifiers
from glampub.services.record_images import (
    FILE_FIELDS,
    ImageContext,
    KnownImage,
    image_rows,
    wanted_urls,
)
from glampub.services.record_mapping import (
    RightsCache,
    content_hash,
    object_values,
    rights_problems,
)
from glampub.services.rights_rules import load_policy
from importers.base import SourceRecord

OBJECTS = CollectionObject.__table__
IMAGES = Image.__table__
EVENTS = ChangeEvent.__table__
#: Changed objects are updated by id in one executemany per batch.
_UPDATE_BY_ID = update(OBJECTS).where(OBJECTS.c.id == bindparam("object_id_"))


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
    ) -> None:
        self.session = session
        self.institution_id = institution.id
        self.slug = institution.slug
        self.rights = RightsCache(load_policy(session, institution))
        self.data_dir = data_dir
        self.report = report
        self.source = source
        self.fetcher = fetcher
        self.max_pixels = max_pixels
        self.seen = SeenIdentifiers(session, run_id)

    def write(self, batch: Sequence[SourceRecord]) -> None:
        fresh, duplicates = self.seen.first_sightings(batch)
        for record, first_line in duplicates:
            self._duplicate(record, first_line)
        if not fresh:
            return
        existing = self._existing([record.identifier for record in fresh])
        fetched = self._fetch(fresh)
        try:
            self._write(fresh, existing, fetched)
        finally:
            if self.fetcher is not None and fetched:
                self.fetcher.discard(fetched)

    def _write(
        self,
        records: list[SourceRecord],
        existing: Mapping[str, Any],
        fetched: dict[str, Fetched] | None,
    ) -> None:
        report = self.report
        ctx = ImageContext(
            institution=self.slug,
            source=self.source,
            data_dir=self.data_dir,
            rights=self.rights,
            max_pixels=self.max_pixels,
            known=self._known_images(records, existing),
            fetched=fetched,
        )
        now = datetime.now(UTC)
        created: list[tuple[str, list[dict[str, Any]]]] = []
        new_objects: list[dict[str, Any]] = []
        changed: list[dict[str, Any]] = []
        new_images: list[tuple[int, list[dict[str, Any]]]] = []
        events: list[dict[str, Any]] = []
        for record in records:
            decision = self.rights.object_rights(record)
            images, problems = image_rows(record, decision, ctx)
            if decision.needs_review or decision.warnings:
                report.problems.extend(rights_problems(record, decision))
            if problems:
                report.problems.extend(problems)
            report.count_rights(decision.uri, decision.statement)
            values = object_values(record, decision, self.rights.record_rights(record))
            digest = content_hash(values, images)
            stored = existing.get(record.identifier)
            if stored is None:
                values.update(
                    institution_id=self.institution_id,
                    content_hash=digest,
                    revision=1,
                    status="published",
                    created_at=now,
                    updated_at=now,
                )
                new_objects.append(values)
                created.append((record.identifier, images))
                report.created += 1
            elif stored.content_hash == digest and stored.status == "published":
                report.unchanged += 1
            else:
                values.update(
                    object_id_=stored.id,
                    content_hash=digest,
                    revision=stored.revision + 1,
                    status="published",
                    updated_at=now,
                )
                changed.append(values)
                new_images.append((stored.id, images))
                # Back from withdrawn is a new publication, not an edit.
                kind = "Create" if stored.status == "withdrawn" else "Update"
                events.append(self._event(stored.id, kind, stored.revision + 1, now))
                report.updated += 1
        session = self.session
        if changed:
            session.execute(_UPDATE_BY_ID, changed)
            session.execute(
                delete(IMAGES).where(IMAGES.c.object_id.in_([row[0] for row in new_images]))
            )
        if new_objects:
            session.execute(insert(OBJECTS), new_objects)
            ids = self._existing([identifier for identifier, _ in created])
            for identifier, images in created:
                object_id = ids[identifier].id
                new_images.append((object_id, images))
                events.append(self._event(object_id, "Create", 1, now))
        if events:
            session.execute(insert(EVENTS), events)
        image_values = [
            {**row, "object_id": object_id} for object_id, rows in new_images for row in rows
        ]
        if image_values:
            session.execute(insert(IMAGES), image_values)

    def _fetch(self, records: list[SourceRecord]) -> dict[str, Fetched] | None:
        if self.fetcher is None:
            return None
        return self.fetcher.fetch_all(
            url for record in records for url in wanted_urls(record, self.source)
        )

    def _known_images(
        self,
        records: list[SourceRecord],
        existing: Mapping[str, Any],
    ) -> dict[str, KnownImage]:
        """Stored files of this batch's objects, so unchanged bytes are not decoded again."""
        ids = [existing[r.identifier].id for r in records if r.images and r.identifier in existing]
        if not ids:
            return {}
        rows = self.session.execute(
            select(
                IMAGES.c.public_id,
                IMAGES.c.source_reference,
                *(IMAGES.c[name] for name in FILE_FIELDS),
            ).where(
                IMAGES.c.object_id.in_(ids),
                IMAGES.c.checksum.is_not(None),
                IMAGES.c.file_path.is_not(None),
            )
        )
        return {
            row.public_id: KnownImage(
                row.checksum,
                row.file_path,
                row.mime_type,
                row.width,
                row.height,
                row.source_reference,
            )
            for row in rows
        }

    def _duplicate(self, record: SourceRecord, first_line: int | None) -> None:
        where = f" (first at line or record {first_line})" if first_line is not None else ""
        self.report.problems.append(
            Problem(
                record.identifier,
                record.line,
                "duplicate-identifier",
                f"identifier {record.identifier!r} appears more than once in this file{where}; "
                "the later record was rejected",
            )
        )
        self.report.rejected += 1

    def _event(self, object_id: int, kind: str, revision: int, at: datetime) -> dict[str, Any]:
        return {
            "institution_id": self.institution_id,
            "object_id": object_id,
            "kind": kind,
            "revision": revision,
            "at": at,
        }

    def _existing(self, identifiers: list[str]) -> dict[str, Any]:
        if not identifiers:
            return {}
        rows = self.session.execute(
            select(
                OBJECTS.c.id,
                OBJECTS.c.identifier,
                OBJECTS.c.content_hash,
                OBJECTS.c.revision,
                OBJECTS.c.status,
            ).where(
                OBJECTS.c.institution_id == self.institution_id,
                OBJECTS.c.identifier.in_(identifiers),
            )
        )
        return {row.identifier: row for row in rows}

    def withdraw_missing(self, batch: int) -> None:
        """Withdraw published objects that this full export no longer lists."""
        now = datetime.now(UTC)
        withdrawn = 0
        for rows in self.seen.unseen_published(self.institution_id, batch):
            self.session.execute(
                update(OBJECTS)
                .where(OBJECTS.c.id.in_([row.id for row in rows]))
                .values(status="withdrawn", revision=OBJECTS.c.revision + 1, updated_at=now)
            )
            self.session.execute(
                insert(EVENTS),
                [self._event(row.id, "Delete", row.revision + 1, now) for row in rows],
            )
            withdrawn += len(rows)
        self.report.withdrawn = withdrawn

    def close(self) -> None:
        self.seen.drop()
