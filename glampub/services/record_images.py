"""A record's images: found in the image source, verified, stored, rights decided."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from glampub.errors import GlampubError, Problem
from glampub.image_sources import ImageFile, ImageSource
from glampub.images import ingest
from glampub.rights import InstitutionRules, RightsContext, RightsDecision, map_rights
from glampub.services.record_mapping import RightsPolicy, image_public_id, record_context
from importers.base import SourceRecord

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
    "rights_uri",
    "rights_status",
    "rights_label",
    "rights_statements",
)


def image_rows(
    record: SourceRecord,
    institution: str,
    source: ImageSource | None,
    data_dir: Path,
    object_decision: RightsDecision,
    policy: RightsPolicy,
    *,
    max_pixels: int,
) -> tuple[list[dict[str, Any]], list[Problem]]:
    """Rows for the image table (without object_id) and the problems met."""
    rows: list[dict[str, Any]] = []
    problems: list[Problem] = []
    context = record_context(record, policy)
    for position, image in enumerate(record.images, start=1):
        row: dict[str, Any] = {
            "public_id": image_public_id(institution, record.identifier, position),
            "position": position,
            "label": image.label,
            "source_reference": image.reference,
            "file_path": None,
            "mime_type": image.mime_type,
            "width": None,
            "height": None,
            "checksum": None,
            "credit_line": image.credit_line,
        }
        row.update(image_rights_values(image.rights, context, object_decision, policy.rules))
        found = _find(source, image.reference, is_url=image.is_url)
        if found is None and image.is_url:
            # Remote images are linked, not fetched: kept, but not on a canvas.
            problems.append(
                Problem(
                    record.identifier,
                    record.line,
                    "remote-image",
                    f"image {image.reference} is a URL and no file of that name is in the "
                    "--images folder or ZIP; glampub keeps the link but does not fetch "
                    "remote images, so it has no canvas",
                    "warning",
                )
            )
            rows.append(row)
            continue
        if found is None:
            where = "no --images folder or ZIP was given" if source is None else "not found"
            problems.append(
                Problem(
                    record.identifier,
                    record.line,
                    "missing-image",
                    f"image {image.reference!r}: {where}",
                    "warning",
                )
            )
            continue
        try:
            with found.open() as handle:
                stored = ingest(handle, data_dir / IMAGES_FOLDER, max_pixels=max_pixels)
        except GlampubError as exc:
            problems.append(
                Problem(
                    record.identifier,
                    record.line,
                    "unreadable-image",
                    f"image {image.reference!r}: {exc}",
                    "warning",
                )
            )
            continue
        row.update(
            file_path=str(Path(IMAGES_FOLDER) / stored.relative_path),
            mime_type=stored.mime_type,
            width=stored.width,
            height=stored.height,
            checksum=stored.checksum,
        )
        rows.append(row)
    return rows, problems


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
