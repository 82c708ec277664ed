"""The import use case: an export file in, published objects out, in one transaction.

Records stream from the importer in batches; each batch is compared with what
is stored (by content hash) and written with SQLAlchemy Core. Everything is
written inside one transaction, so a failed or interrupted import leaves the
published state exactly as it was, and readers (SQLite WAL, PostgreSQL MVCC)
keep seeing the old state until the commit.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable, Iterator
from contextlib import nullcontext
from dataclasses import dataclass
from datetime import UTC, datetime
from itertools import islice
from pathlib import Path
from typing import Any

from sqlalchemy import delete, insert, select, update
from sqlalchemy.orm import Session

from glampub.db import Database
from glampub.errors import Problem, UnreadableInput
from glampub.image_sources import open_image_source
from glampub.models import ChangeEvent, CollectionObject, Image, ImportRun, Institution
from glampub.services.import_report import ImportReport
from glampub.services.institutions import get_institution
from glampub.services.record_images import image_rows
from glampub.services.record_mapping import (
    content_hash,
    decide_object_rights,
    decide_record_rights,
    object_values,
    rights_problems,
)
from glampub.services.rights_rules import load_policy
from importers.base import Importer, Profile, SourceRecord, detect_importer, get_importer

BATCH_SIZE = 500
ProgressCallback = Callable[[int], None]


@dataclass(frozen=True)
class ImportOptions:
    institution: str
    path: Path
    format: str = "auto"
    images: Path | None = None
    profile: str | None = None
    dry_run: bool = False
    #: The file is the whole collection: objects missing from it are withdrawn.
    full: bool = False
    max_pixels: int = 100_000_000


def choose_importer(path: Path, fmt: str) -> Importer:
    if not path.is_file():
        raise UnreadableInput(f"{path}: no such file")
    return detect_importer(path) if fmt == "auto" else get_importer(fmt)


def load_profile(importer: Importer, profile: str | None) -> Profile | None:
    if profile is None:
        return None
    loader = getattr(importer, "load_profile", None)
    if loader is None:
        from glampub.errors import UsageError

        raise UsageError(f"the {importer.name} format takes no --profile")
    return loader(profile)


def run_import(
    database: Database,
    data_dir: Path,
    options: ImportOptions,
    progress: ProgressCallback | None = None,
) -> ImportReport:
    """Import one export; returns the report. Raises GlampubError when nothing can be read."""
    importer = choose_importer(options.path, options.format)
    profile = load_profile(importer, options.profile)
    with database.transaction() as session:
        institution = get_institution(session, options.institution)
        run = ImportRun(
            institution_id=institution.id,
            file_name=str(options.path),
            format=importer.name,
            dry_run=options.dry_run,
        )
        session.add(run)
    report = ImportReport(
        file=str(options.path),
        format=importer.name,
        institution=options.institution,
        dry_run=options.dry_run,
        run_id=run.id,
    )
    try:
        image_source = open_image_source(options.images) if options.images else nullcontext()
        with image_source as source, database.transaction() as session:
            if source is not None:
                report.problems.extend(_source_problems(source))
            writer = _Writer(session, institution, data_dir, options, report)
            records = importer.read(options.path, profile)
            for batch in _batches(_collect(records, report), BATCH_SIZE):
                writer.write(batch, source)
                if progress:
                    progress(len(batch))
            if options.full:
                writer.withdraw_missing()
            if options.dry_run:
                session.rollback()
    except BaseException as exc:
        _finish_run(database, run.id, report, status="failed", message=str(exc))
        raise
    _finish_run(database, run.id, report, status="done")
    return report


def _source_problems(source: Any) -> Iterator[Problem]:
    for message in getattr(source, "problems", []):
        if isinstance(message, Problem):
            yield message
        else:
            yield Problem(None, None, "unsafe-image-member", str(message), "warning")


def _collect(
    items: Iterable[SourceRecord | Problem], report: ImportReport
) -> Iterator[SourceRecord]:
    """Records pass on; problems go to the report.

    Every error-level problem stands for one record that did not come in (a
    rejected row, or the record lost where a file breaks off), so it counts
    as rejected; warnings do not.
    """
    for item in items:
        if isinstance(item, Problem):
            report.problems.append(item)
            if item.severity == "error":
                report.rejected += 1
            continue
        yield item


def _batches(records: Iterator[SourceRecord], size: int) -> Iterator[list[SourceRecord]]:
    while batch := list(islice(records, size)):
        yield batch


class _Writer:
    """Writes batches of records for one institution within the caller's transaction."""

    def __init__(
        self,
        session: Session,
        institution: Institution,
        data_dir: Path,
        options: ImportOptions,
        report: ImportReport,
    ) -> None:
        self.session = session
        self.institution_id = institution.id
        self.slug = institution.slug
        self.policy = load_policy(session, institution)
        self.data_dir = data_dir
        self.options = options
        self.report = report
        # 8-byte digests of the identifiers seen: flat memory even for millions.
        self.seen: set[bytes] = set()

    def write(self, batch: list[SourceRecord], source: Any) -> None:
        fresh = [r for r in batch if self._first_sighting(r)]
        existing = self._existing([r.identifier for r in fresh])
        now = datetime.now(UTC)
        new_objects: list[dict[str, Any]] = []
        new_images: list[tuple[int, list[dict[str, Any]]]] = []
        events: list[dict[str, Any]] = []
        pending_images: list[tuple[str, list[dict[str, Any]]]] = []
        for record in fresh:
            decision = decide_object_rights(record, self.policy)
            images, problems = image_rows(
                record,
                self.slug,
                source,
                self.data_dir,
                decision,
                self.policy,
                max_pixels=self.options.max_pixels,
            )
            self.report.problems.extend(rights_problems(record, decision))
            self.report.problems.extend(problems)
            self.report.count_rights(decision.uri, decision.statement)
            values = object_values(record, decision, decide_record_rights(record))
            digest = content_hash(values, images)
            stored = existing.get(record.identifier)
            if stored is None:
                new_objects.append(
                    {
                        **values,
                        "institution_id": self.institution_id,
                        "content_hash": digest,
                        "revision": 1,
                        "status": "published",
                        "created_at": now,
                        "updated_at": now,
                    }
                )
                pending_images.append((record.identifier, images))
                self.report.created += 1
            elif stored.content_hash == digest and stored.status == "published":
                self.report.unchanged += 1
            else:
                self.session.execute(
                    update(CollectionObject)
                    .where(CollectionObject.id == stored.id)
                    .values(
                        **values,
                        content_hash=digest,
                        revision=stored.revision + 1,
                        status="published",
                        updated_at=now,
                    )
                )
                self.session.execute(delete(Image).where(Image.object_id == stored.id))
                new_images.append((stored.id, images))
                # Back from withdrawn is a new publication, not an edit.
                kind = "Create" if stored.status == "withdrawn" else "Update"
                events.append(self._event(stored.id, kind, stored.revision + 1, now))
                self.report.updated += 1
        if new_objects:
            self.session.execute(insert(CollectionObject), new_objects)
            ids = self._existing([ident for ident, _ in pending_images])
            new_images.extend((ids[ident].id, rows) for ident, rows in pending_images)
            events.extend(
                self._event(ids[ident].id, "Create", 1, now) for ident, _ in pending_images
            )
        if events:
            self.session.execute(insert(ChangeEvent), events)
        image_values = [
            {**row, "object_id": object_id} for object_id, rows in new_images for row in rows
        ]
        if image_values:
            self.session.execute(insert(Image), image_values)

    def _event(self, object_id: int, kind: str, revision: int, at: datetime) -> dict[str, Any]:
        return {
            "institution_id": self.institution_id,
            "object_id": object_id,
            "kind": kind,
            "revision": revision,
            "at": at,
        }

    def _first_sighting(self, record: SourceRecord) -> bool:
        key = hashlib.blake2b(record.identifier.encode("utf-8"), digest_size=8).digest()
        if key in self.seen:
            self.report.problems.append(
                Problem(
                    record.identifier,
                    record.line,
                    "duplicate-identifier",
                    f"identifier {record.identifier!r} appears more than once in this file; "
                    "the later record was rejected",
                )
            )
            self.report.rejected += 1
            return False
        self.seen.add(key)
        return True

    def _existing(self, identifiers: list[str]) -> dict[str, Any]:
        if not identifiers:
            return {}
        rows = self.session.execute(
            select(
                CollectionObject.id,
                CollectionObject.identifier,
                CollectionObject.content_hash,
                CollectionObject.revision,
                CollectionObject.status,
            ).where(
                CollectionObject.institution_id == self.institution_id,
                CollectionObject.identifier.in_(identifiers),
            )
        )
        return {row.identifier: row for row in rows}

    def withdraw_missing(self) -> None:
        """Withdraw published objects that this full export no longer lists."""
        rows = self.session.execute(
            select(
                CollectionObject.id, CollectionObject.identifier, CollectionObject.revision
            ).where(
                CollectionObject.institution_id == self.institution_id,
                CollectionObject.status == "published",
            )
        ).all()
        gone = [
            row
            for row in rows
            if hashlib.blake2b(row.identifier.encode("utf-8"), digest_size=8).digest()
            not in self.seen
        ]
        now = datetime.now(UTC)
        for start in range(0, len(gone), BATCH_SIZE):
            chunk = gone[start : start + BATCH_SIZE]
            self.session.execute(
                update(CollectionObject)
                .where(CollectionObject.id.in_([row.id for row in chunk]))
                .values(status="withdrawn", revision=CollectionObject.revision + 1, updated_at=now)
            )
            self.session.execute(
                insert(ChangeEvent),
                [self._event(row.id, "Delete", row.revision + 1, now) for row in chunk],
            )
        self.report.withdrawn = len(gone)


def _finish_run(
    database: Database,
    run_id: int,
    report: ImportReport,
    *,
    status: str,
    message: str | None = None,
) -> None:
    with database.transaction() as session:
        run = session.get(ImportRun, run_id)
        assert run is not None
        run.status = status
        run.finished_at = datetime.now(UTC)
        run.message = message
        for name in ("created", "updated", "unchanged", "withdrawn", "rejected"):
            setattr(run, name, getattr(report, name))
        run.rights = dict(report.rights)
        run.problems = [p.to_dict() for p in report.problems]
