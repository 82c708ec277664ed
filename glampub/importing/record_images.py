"""A record's images: found in the image source (or fetched), verified, stored, rights decided.

An image is processed once: when the bytes given for it (from the folder, the
ZIP or the web) have the checksum already stored for that same image, its
stored row is reused and the file is not decoded again.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO
from urllib.parse import urlsplit

from glampub.errors import GlampubError, Problem
from glampub.images.fetch import Fetched
from glampub.images.files import ingest
from glampub.images.sources import DamagedZipEntry, ImageFile, ImageSource
from glampub.importing.record_mapping import RightsCache, image_public_id
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
)
#: The columns that describe the stored file, reused when its bytes are unchanged.
FILE_FIELDS = ("file_path", "mime_type", "width", "height", "checksum")


@dataclass(frozen=True)
class KnownImage:
    """What is stored for an image (by its public id) from an earlier import."""

    checksum: str
    file_path: str
    mime_type: str | None
    width: int | None
    height: int | None
    source_reference: str


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


def image_rows(
    record: SourceRecord, object_decision: RightsDecision, ctx: ImageContext
) -> tuple[list[dict[str, Any]], list[Problem]]:
    """Rows for the image table (without object_id) and the problems met."""
    rows: list[dict[str, Any]] = []
    problems: list[Problem] = []
    for position, image in enumerate(record.images, start=1):
        public_id = image_public_id(ctx.institution, record.identifier, position)
        decision = ctx.rights.decide(image.rights, record) if image.rights else object_decision
        row: dict[str, Any] = {
            "public_id": public_id,
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
        }
        stored, problem = _stored_file(record, image, public_id, ctx)
        if problem is not None:
            problems.append(problem)
        if stored is not None:
            row.update(stored)
        elif not image.is_url:
            continue  # a missing or unreadable file: nothing to show or link to
        rows.append(row)
    return rows, problems


def _stored_file(
    record: SourceRecord, image: SourceImage, public_id: str, ctx: ImageContext
) -> tuple[dict[str, Any] | None, Problem | None]:
    """The file columns of an image, from its bytes or reused; or the problem met."""
    found = _find(ctx.source, image.reference, is_url=image.is_url)
    if found is not None:
        return _ingest(record, image, found.open, public_id, ctx)
    if image.is_url and ctx.fetched is not None:
        fetched = ctx.fetched.get(image.reference)
        if fetched is not None and fetched.path is not None:
            path = fetched.path
            return _ingest(record, image, lambda: path.open("rb"), public_id, ctx)
        reason = fetched.error if fetched is not None else "it was not fetched"
        return None, _problem(
            record,
            ProblemCode.IMAGE_FETCH_FAILED,
            f"image {image.reference} could not be fetched: {reason}; the link is kept "
            "without a canvas",
        )
    known = ctx.known.get(public_id)
    if (
        image.is_url
        and known is not None
        and known.source_reference == image.reference
        and (ctx.data_dir / known.file_path).is_file()
    ):
        # Fetched by an earlier import (--fetch-images): keep what was stored.
        return {name: getattr(known, name) for name in FILE_FIELDS}, None
    if image.is_url:
        # Remote images are linked, not fetched: kept, but not on a canvas.
        return None, _problem(
            record,
            ProblemCode.REMOTE_IMAGE,
            f"image {image.reference} is a URL and no file of that name is in the "
            "--images folder or ZIP; glampub keeps the link without a canvas "
            "(--fetch-images fetches it)",
        )
    where = "no --images folder or ZIP was given" if ctx.source is None else "not found"
    return None, _problem(record, ProblemCode.MISSING_IMAGE, f"image {image.reference!r}: {where}")


def _ingest(
    record: SourceRecord,
    image: SourceImage,
    opener: Any,
    public_id: str,
    ctx: ImageContext,
) -> tuple[dict[str, Any] | None, Problem | None]:
    try:
        known = ctx.known.get(public_id)
        if known is not None and (ctx.data_dir / known.file_path).is_file():
            with opener() as handle:
                if _checksum(handle) == known.checksum:
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
    # What ingest changed (pages dropped, colours converted) is the staff's to know.
    noted = (
        _problem(
            record,
            ProblemCode.IMAGE_CHANGED,
            f"image {image.reference!r}: {'; '.join(stored.notes)}",
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


def _checksum(handle: BinaryIO) -> str:
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
    path = urlsplit(reference).path
    if _IIIF_REQUEST_NAME.match(path.rsplit("/", 1)[-1]):
        return None
    return path if path.strip("/") else None
