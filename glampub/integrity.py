"""Is the database whole? The engine's own checks, then glampub's invariants.

Used after faults (a killed import, a full disk, a lost connection) to show
that nothing was left half-written: on SQLite ``PRAGMA integrity_check`` and
``PRAGMA foreign_key_check``; everywhere, that every object's content hash is
the hash of what it publishes now (an object half-updated would not match),
that its change events end at its revision, that its images' stored files
exist, and that no run claims to be running without holding its lock.

Objects are read a page at a time, so a large collection is checked in flat
memory.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import Engine, func, select, text
from sqlalchemy.orm import Session

from glampub.importing.record_images import IMAGE_FIELDS
from glampub.importing.record_mapping import OBJECT_FIELDS, content_hash
from glampub.models import ChangeEvent, CollectionObject, Image, ImportLock, ImportRun
from glampub.statuses import ObjectStatus, RunStatus

PAGE = 500
STATUSES = tuple(ObjectStatus)
#: At most this many violations are listed (they are counted all the same).
LIST_AT_MOST = 50


@dataclass
class IntegrityReport:
    objects: int = 0
    images: int = 0
    problems: list[str] = field(default_factory=list)
    total: int = 0

    def add(self, message: str) -> None:
        self.total += 1
        if len(self.problems) < LIST_AT_MOST:
            self.problems.append(message)

    @property
    def ok(self) -> bool:
        return self.total == 0


def check_integrity(engine: Engine, data_dir: Path) -> IntegrityReport:
    """Every check, in one read-only pass; the report lists what is wrong."""
    report = IntegrityReport()
    if engine.dialect.name == "sqlite":
        _sqlite_checks(engine, report)
    with Session(engine) as session:
        _object_checks(session, data_dir, report)
        _run_checks(session, report)
    return report


def _sqlite_checks(engine: Engine, report: IntegrityReport) -> None:
    with engine.connect() as connection:
        result = [row[0] for row in connection.execute(text("PRAGMA integrity_check"))]
        if result != ["ok"]:
            for line in result:
                report.add(f"sqlite integrity_check: {line}")
        for table, rowid, parent, _key in connection.execute(text("PRAGMA foreign_key_check")):
            report.add(f"sqlite foreign_key_check: {table} row {rowid} names a missing {parent}")


def _object_checks(session: Session, data_dir: Path, report: IntegrityReport) -> None:
    after = 0
    while True:
        objects = session.scalars(
            select(CollectionObject)
            .where(CollectionObject.id > after)
            .order_by(CollectionObject.id)
            .limit(PAGE)
        ).all()
        if not objects:
            return
        ids = [obj.id for obj in objects]
        images: dict[int, list[Image]] = defaultdict(list)
        for image in session.scalars(
            select(Image).where(Image.object_id.in_(ids)).order_by(Image.position)
        ):
            images[image.object_id].append(image)
        last_event = dict(
            session.execute(
                select(ChangeEvent.object_id, func.max(ChangeEvent.revision))
                .where(ChangeEvent.object_id.in_(ids))
                .group_by(ChangeEvent.object_id)
            ).all()
        )
        for obj in objects:
            _check_object(obj, images[obj.id], last_event.get(obj.id), data_dir, report)
        report.objects += len(objects)
        after = ids[-1]
        session.expunge_all()


def _check_object(
    obj: CollectionObject,
    images: list[Image],
    last_event: int | None,
    data_dir: Path,
    report: IntegrityReport,
) -> None:
    name = f"object {obj.identifier!r} (id {obj.id})"
    if obj.status not in STATUSES:
        report.add(f"{name}: status {obj.status!r} is neither published nor withdrawn")
    if obj.revision < 1:
        report.add(f"{name}: revision {obj.revision} is below 1")
    rows = [{key: getattr(image, key) for key in IMAGE_FIELDS} for image in images]
    expected = content_hash({key: getattr(obj, key) for key in OBJECT_FIELDS}, rows)
    if obj.content_hash != expected:
        report.add(f"{name}: its content hash is not the hash of what it publishes")
    # Changes that staff hold back from the public bump the revision without
    # an event; every other change writes its event with the new revision.
    if last_event is None:
        report.add(f"{name}: no change event announces it")
    elif last_event > obj.revision or (last_event != obj.revision and not obj.held_by_staff):
        report.add(f"{name}: revision {obj.revision}, but its last change event has {last_event}")
    positions = [image.position for image in images]
    if len(set(positions)) != len(positions):
        report.add(f"{name}: two images share a position")
    for image in images:
        report.images += 1
        if image.file_path and not (data_dir / image.file_path).is_file():
            report.add(f"{name}: image {image.public_id} names a missing file {image.file_path}")


def _run_checks(session: Session, report: IntegrityReport) -> None:
    locked = set(session.scalars(select(ImportLock.run_id)))
    for run_id in session.scalars(
        select(ImportRun.id).where(ImportRun.status == RunStatus.RUNNING)
    ):
        if run_id not in locked:
            report.add(f"import run {run_id} says it is running but holds no lock")
