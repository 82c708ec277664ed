"""A record's images: found in the image source, verified, stored, rights decided."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from glampub.errors import GlampubError, Problem
from glampub.image_sources import ImageSource
from glampub.images import ingest
from glampub.rights import RightsDecision, map_rights
from glampub.services.record_mapping import image_public_id, rights_context
from importers.base import SourceRecord

IMAGES_FOLDER = "images"


def image_rows(
    record: SourceRecord,
    institution: str,
    source: ImageSource | None,
    data_dir: Path,
    object_decision: RightsDecision,
    *,
    max_pixels: int,
) -> tuple[list[dict[str, Any]], list[Problem]]:
    """Rows for the image table (without object_id) and the problems met."""
    rows: list[dict[str, Any]] = []
    problems: list[Problem] = []
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
        decision = (
            map_rights(image.rights, rights_context(record)) if image.rights else object_decision
        )
        row.update(
            rights_uri=decision.uri,
            rights_status=decision.status,
            rights_label=decision.label,
        )
        if image.is_url:
            # Remote images are linked, not fetched yet: kept, but not on a canvas.
            problems.append(
                Problem(
                    record.identifier,
                    record.line,
                    "remote-image",
                    f"image {image.reference} is a URL; glampub keeps the link but does not "
                    "fetch remote images yet, so it has no canvas",
                    "warning",
                )
            )
            rows.append(row)
            continue
        found = source.find(image.reference) if source is not None else None
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
