"""One harvested reference written into its object: the image rows and a new revision.

What :class:`~glampub.images.fetch.ImageFetcher` brought for one image URL goes
the way of a file of the export (:func:`glampub.importing.record_images.ingested_columns`
after :func:`glampub.images.files.ingest`); a manifest's canvases take its one
row's place; and the object's content hash is computed over what it now
publishes, so a change is a new revision with an ``Update`` change event that
moves the publication stamp (every cached manifest and page of it lets go).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import delete, insert
from sqlalchemy.orm import Session

from glampub.errors import GlampubError, Problem
from glampub.images.fetch import Fetched
from glampub.images.files import ingest
from glampub.importing.record_images import (
    FILE_FIELDS,
    IMAGE_FIELDS,
    IMAGES_FOLDER,
    file_checksum,
    ingested_columns,
)
from glampub.importing.record_mapping import OBJECT_FIELDS, content_hash, image_public_id
from glampub.importing.remote_images import FAILED, StoredReference, url_columns
from glampub.models import ChangeEvent, CollectionObject, Image
from glampub.statuses import ObjectStatus
from importers.base import SourceImage, SourceRecord

#: What a harvest did with one reference.
FETCHED = "fetched"
UNCHANGED = "unchanged"
FAILED_OUTCOME = "failed"


@dataclass(frozen=True)
class Reference:
    """The image row a harvest fetched for, and the URL it names."""

    object_id: int
    image_id: int
    url: str
    #: The export's media type for it, if it gave one.
    hint: str | None


def apply_fetch(
    session: Session,
    data_dir: Path,
    slug: str,
    target: Reference,
    result: Fetched,
    max_pixels: int,
) -> tuple[str, str | None, list[Problem]]:
    """What one fetch brought, written into its object's image rows (its outcome,
    the reason it failed, the problems to report); the object republished when
    what it publishes changed. Runs in the caller's transaction."""
    obj = session.get(CollectionObject, target.object_id, with_for_update=True)
    if obj is None or obj.status != ObjectStatus.PUBLISHED:
        return FAILED_OUTCOME, "its record is no longer published", []
    images = sorted(obj.images, key=lambda image: image.position)
    mine = [image for image in images if image.source_reference == target.url]
    if not any(image.id == target.image_id for image in mine):
        return FAILED_OUTCOME, "its record was imported again meanwhile", []
    record = SourceRecord(identifier=obj.identifier)
    reference = SourceImage(reference=target.url, mime_type=target.hint)
    stored = [
        StoredReference(
            {name: getattr(image, name) for name in IMAGE_FIELDS},
            bool(image.file_path) and (data_dir / image.file_path).is_file(),
        )
        for image in mine
    ]

    def stored_file(path: Path, offset: int) -> tuple[dict[str, Any] | None, Problem | None]:
        # The same bytes as the file stored for this row: kept, not decoded again.
        if offset < len(mine) and stored[offset].file_present and mine[offset].checksum:
            with path.open("rb") as handle:
                if file_checksum(handle) == mine[offset].checksum:
                    return {name: getattr(mine[offset], name) for name in FILE_FIELDS}, None
        return _ingest(record, target.url, path, data_dir, max_pixels)

    rows, problems = url_columns(record, reference, {target.url: result}, stored, stored_file)
    if result.not_modified and all(s.usable for s in stored) and stored:
        return UNCHANGED, None, []
    failed = [row for row in rows if row.get("state") == FAILED]
    reason = failed[0].get("state_reason") if failed else None
    was_available = all(s.usable and s.columns.get("state") is None for s in stored)
    if failed and was_available:
        # A server down for now must not take away an image already published.
        return FAILED_OUTCOME, reason, problems
    for row in rows:
        if row.get("state") is None and row.get("remote") is None:
            # Marks a harvested file (as against one the export sent): asked again next time.
            row["remote"] = {}
    if len(rows) == len(mine):
        for image, columns in zip(mine, rows, strict=True):
            _set_columns(image, columns)
    else:
        _replace_rows(session, slug, obj, images, mine, rows)
    session.flush()
    session.expire(obj, ["images"])
    changed = _republish(session, obj)
    if failed:
        return FAILED_OUTCOME, reason, problems
    # Fetched whole (no validators to ask with) yet the same: unchanged all the same.
    return (FETCHED if changed else UNCHANGED), None, problems


def _set_columns(image: Image, columns: dict[str, Any]) -> None:
    if columns.get("state") is not None:
        for name in FILE_FIELDS:
            if name != "mime_type":
                setattr(image, name, None)
    for name, value in columns.items():
        if name in IMAGE_FIELDS:
            setattr(image, name, value)


def _replace_rows(
    session: Session,
    slug: str,
    obj: CollectionObject,
    images: list[Image],
    mine: list[Image],
    rows: list[dict[str, Any]],
) -> None:
    """A manifest's canvases take its one row's place; the images after it move down."""
    template = {name: getattr(mine[0], name) for name in IMAGE_FIELDS}
    new: list[dict[str, Any]] = []
    placed = False
    for image in images:
        if image in mine:
            if not placed:
                for columns in rows:
                    row = dict(template)
                    if columns.get("state") is not None:
                        row.update({name: None for name in FILE_FIELDS if name != "mime_type"})
                    row.update({k: v for k, v in columns.items() if k in IMAGE_FIELDS})
                    new.append(row)
                placed = True
            continue
        new.append({name: getattr(image, name) for name in IMAGE_FIELDS})
    for position, row in enumerate(new, 1):
        row.update(
            object_id=obj.id,
            position=position,
            public_id=image_public_id(slug, obj.identifier, position),
        )
    session.flush()
    session.execute(delete(Image).where(Image.object_id == obj.id))
    for image in images:
        session.expunge(image)
    session.execute(insert(Image), new)


def _republish(session: Session, obj: CollectionObject) -> bool:
    """The object's hash over what it now publishes; a change is a new revision and event."""
    rows = [
        {name: getattr(image, name) for name in IMAGE_FIELDS}
        for image in sorted(obj.images, key=lambda image: image.position)
    ]
    digest = content_hash({name: getattr(obj, name) for name in OBJECT_FIELDS}, rows)
    if digest == obj.content_hash:
        return False
    now = datetime.now(UTC)
    obj.content_hash = digest
    obj.revision += 1
    obj.updated_at = now
    # The event moves the publication stamp: every served copy of its manifest,
    # record and collection pages stops matching and is built again.
    session.add(
        ChangeEvent(
            institution_id=obj.institution_id,
            object_id=obj.id,
            kind="Update",
            revision=obj.revision,
            at=now,
        )
    )
    return True


def _ingest(
    record: SourceRecord, url: str, path: Path, data_dir: Path, max_pixels: int
) -> tuple[dict[str, Any] | None, Problem | None]:
    """A downloaded file stored exactly as a file of the export is (verify, orient, pyramid)."""
    from importers.problem_codes import ProblemCode

    try:
        with path.open("rb") as handle:
            stored = ingest(handle, data_dir / IMAGES_FOLDER, max_pixels=max_pixels)
    except GlampubError as exc:
        return None, Problem(
            record.identifier, None, ProblemCode.UNREADABLE_IMAGE, f"image {url!r}: {exc}",
            "warning",
        )  # fmt: skip
    return ingested_columns(record, url, stored)
