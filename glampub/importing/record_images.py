"""A record's images: found in the image source (or fetched), verified, stored, rights decided.

An image is processed once: when the bytes given for it (from the folder, the
ZIP or the web) have the checksum already stored for that same image, its
stored row is reused and the file is not decoded again.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any, BinaryIO

from glampub.errors import GlampubError, Problem
from glampub.images.fetch import Fetched
from glampub.images.files import StoredImage, ingest
from glampub.images.reference_class import ReferenceClass, url_path
from glampub.images.sources import DamagedZipEntry, ImageFile, ImageSource
from glampub.importing.record_mapping import RightsCache, image_public_id
from glampub.importing.remote_images import FAILED, StoredReference, url_columns
from glampub.rights import InstitutionRules, RightsContext, RightsDecision, map_rights
from glampub.rights.holders import holder_name
from importers.base import SourceImage, SourceRecord
from importers.problem_codes import ProblemCode

IMAGES_FOLDER = "images"
#: The keys of an image row, which the content hash covers.
IMAGE_FIELDS = (
    "public_id",
    "position",
    "label",
    "source_reference",
    "file_path",
    "mime_type",
    "width",
    "height",
    "checksum",
    "credit_line",
    "rights_holder",
    "rights_uri",
    "rights_status",
    "rights_label",
    "rights_statements",
    "reference_class",
    "state",
    "state_reason",
    "remote",
)
#: The columns that describe the stored file, reused when its bytes are unchanged.
FILE_FIELDS = ("file_path", "mime_type", "width", "height", "checksum")
#: The columns that say what a reference is and how far it got (remote_images).
STATE_FIELDS = ("reference_class", "state", "state_reason", "remote")


@dataclass(frozen=True)
class KnownImage:
    """What is stored for an image (by its public id) from an earlier import."""

    checksum: str | None
    file_path: str | None
    mime_type: str | None
    width: int | None
    height: int | None
    source_reference: str
    reference_class: str | None = None
    remote: dict[str, Any] | None = None


@dataclass
class ImageContext:
    """What the images of one import share."""

    institution: str
    source: ImageSource | None
    data_dir: Path
    rights: RightsCache
    max_pixels: int
    #: Stored images of the batch's objects, by public id.
    known: Mapping[str, KnownImage]
    #: Downloads of the batch by URL; None when --fetch-images is off.
    fetched: Mapping[str, Fetched] | None = None
    #: Stored rows of URL references, by (object identifier, reference), in position order.
    known_urls: Mapping[tuple[str, str], list[StoredReference]] = field(default_factory=dict)


def image_rows(
    record: SourceRecord, object_decision: RightsDecision, ctx: ImageContext
) -> tuple[list[dict[str, Any]], list[Problem]]:
    """Rows for the image table (without object_id) and the problems met.

    A IIIF manifest gives one row per canvas: the rows after it move down.
    A URL the record names again is one image, as the harvest makes it (it
    resolves each URL of an object once, into one run of rows): a second row
    for it would hold every stored row again on each re-import, and be taken
    away by the next harvest.
    """
    rows: list[dict[str, Any]] = []
    problems: list[Problem] = []
    position = 0
    urls: set[str] = set()
    for image in record.images:
        found = _find(ctx.source, image.reference, is_url=image.is_url)
        if found is None and image.is_url:
            if image.reference in urls:
                continue
            urls.add(image.reference)
        position += 1
        decision = ctx.rights.decide(image.rights, record) if image.rights else object_decision
        if found is None and image.is_url:
            stored = list(ctx.known_urls.get((record.identifier, image.reference), ()))
            ingest_here = partial(_ingest_fetched, record, image, position=position, ctx=ctx)
            columns_list, met = url_columns(record, image, ctx.fetched, stored, ingest_here)
            problems.extend(met)
        else:
            public_id = image_public_id(ctx.institution, record.identifier, position)
            columns, problem = _stored_file(record, image, found, public_id, ctx)
            if problem is not None:
                problems.append(problem)
            if columns is None and not image.is_url:
                continue  # a missing or unreadable file: nothing to show or link to
            if image.is_url:
                # A URL whose file the export sends alongside: the link stays either way.
                reason = problem.message if columns is None and problem is not None else None
                columns = dict(columns or {}, state=FAILED if reason else None)
                columns.update(reference_class=ReferenceClass.IMAGE_URL.value, state_reason=reason)
            assert columns is not None
            columns_list = [columns]
        for number, columns in enumerate(columns_list):
            position += 1 if number else 0
            row = _base_row(record, image, decision, position, ctx)
            row.update(columns)
            rows.append(row)
    return rows, problems


def _base_row(
    record: SourceRecord,
    image: SourceImage,
    decision: RightsDecision,
    position: int,
    ctx: ImageContext,
) -> dict[str, Any]:
    return {
        "public_id": image_public_id(ctx.institution, record.identifier, position),
        "position": position,
        "label": image.label,
        "source_reference": image.reference,
        "file_path": None,
        "mime_type": image.mime_type,
        "width": None,
        "height": None,
        "checksum": None,
        "credit_line": image.credit_line,
        "rights_holder": holder_name(image.rights_holder),
        "rights_uri": decision.uri,
        "rights_status": decision.status,
        "rights_label": decision.label,
        "rights_statements": list(image.rights),
        "reference_class": None,
        "state": None,
        "state_reason": None,
        "remote": None,
    }


def _stored_file(
    record: SourceRecord,
    image: SourceImage,
    found: ImageFile | None,
    public_id: str,
    ctx: ImageContext,
) -> tuple[dict[str, Any] | None, Problem | None]:
    """The file columns of a file reference (or a URL a file stands in for), or the problem."""
    if found is not None:
        return _ingest(record, image, found.open, public_id, ctx)
    where = "no --images folder or ZIP was given" if ctx.source is None else "not found"
    return None, _problem(record, ProblemCode.MISSING_IMAGE, f"image {image.reference!r}: {where}")


def _ingest_fetched(
    record: SourceRecord,
    image: SourceImage,
    path: Path,
    offset: int,
    *,
    position: int,
    ctx: ImageContext,
) -> tuple[dict[str, Any] | None, Problem | None]:
    """A downloaded image, stored (or its stored copy reused when its bytes are unchanged)."""
    public_id = image_public_id(ctx.institution, record.identifier, position + offset)
    return _ingest(record, image, lambda: path.open("rb"), public_id, ctx)


def _ingest(
    record: SourceRecord,
    image: SourceImage,
    opener: Any,
    public_id: str,
    ctx: ImageContext,
) -> tuple[dict[str, Any] | None, Problem | None]:
    try:
        known = ctx.known.get(public_id)
        if (
            known is not None
            and known.file_path
            and known.checksum
            and (ctx.data_dir / known.file_path).is_file()
        ):
            with opener() as handle:
                if file_checksum(handle) == known.checksum:
                    return {name: getattr(known, name) for name in FILE_FIELDS}, None
        with opener() as handle:
            stored = ingest(handle, ctx.data_dir / IMAGES_FOLDER, max_pixels=ctx.max_pixels)
    except DamagedZipEntry as exc:
        return None, _problem(
            record,
            ProblemCode.DAMAGED_ZIP_ENTRY,
            f"image {image.reference!r}: {exc}; it was left out. Make the ZIP again",
        )
    except GlampubError as exc:
        return None, _problem(
            record, ProblemCode.UNREADABLE_IMAGE, f"image {image.reference!r}: {exc}"
        )
    return ingested_columns(record, image.reference, stored)


def ingested_columns(
    record: SourceRecord, reference: str, stored: StoredImage
) -> tuple[dict[str, Any], Problem | None]:
    """An ingested image's file columns, and what ingest changed (pages dropped,
    colours converted), which is the staff's to know. The import's files and the
    harvest's downloads are stored alike."""
    noted = (
        _problem(
            record,
            ProblemCode.IMAGE_CHANGED,
            f"image {reference!r}: {'; '.join(stored.notes)}",
        )
        if stored.notes
        else None
    )
    return {
        "file_path": str(Path(IMAGES_FOLDER) / stored.relative_path),
        "mime_type": stored.mime_type,
        "width": stored.width,
        "height": stored.height,
        "checksum": stored.checksum,
    }, noted


def file_checksum(handle: BinaryIO) -> str:
    """SHA-256 of a file's bytes, as :func:`glampub.images.files.ingest` computes it."""
    digest = hashlib.sha256()
    while chunk := handle.read(1 << 20):
        digest.update(chunk)
    return digest.hexdigest()


def _problem(record: SourceRecord, code: ProblemCode, message: str) -> Problem:
    return Problem(record.identifier, record.line, code, message, "warning")


def image_rights_values(
    statements: list[str],
    context: RightsContext,
    object_decision: RightsDecision,
    rules: InstitutionRules,
) -> dict[str, Any]:
    """An image's own rights columns: its statements decide, else the object's decision."""
    decision = map_rights(statements, context, overrides=rules) if statements else object_decision
    return {
        "rights_uri": decision.uri,
        "rights_status": decision.status,
        "rights_label": decision.label,
        "rights_statements": list(statements),
    }


def wanted_urls(record: SourceRecord, source: ImageSource | None) -> list[str]:
    """The http(s) images of a record that the image source does not have."""
    return [
        image.reference
        for image in record.images
        if image.is_url and _find(source, image.reference, is_url=True) is None
    ]


def _find(source: ImageSource | None, reference: str, *, is_url: bool) -> ImageFile | None:
    if source is None:
        return None
    name = local_reference(reference, is_url=is_url)
    return source.find(name) if name else None


# The last segment of a IIIF Image API request ("default.jpg") names a quality,
# not an image: every image of a IIIF server has it, so it cannot pick a file.
_IIIF_REQUEST_NAME = re.compile(r"^(default|color|gray|grey|bitonal|native)\.[a-z0-9]+$", re.I)


def local_reference(reference: str, *, is_url: bool) -> str | None:
    """What to look for in the --images folder or ZIP for an image reference.

    A URL is matched by its path, as exports often name the web copy of an
    image whose file the museum sends alongside; never by a IIIF request's
    quality.format segment, which all images share.
    """
    if not is_url:
        return reference
    path = url_path(reference)
    if _IIIF_REQUEST_NAME.match(path.rsplit("/", 1)[-1]):
        return None
    return path if path.strip("/") else None
