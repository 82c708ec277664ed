"""One SourceRecord turned into the row values glampub stores, rights decided.

Pure apart from the images it is handed: no session, no Flask.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict
from typing import Any

from glampub.errors import Problem
from glampub.rights import RightsContext, RightsDecision, map_rights
from importers.base import SourceRecord

#: Bump when the stored shape of a record changes, so re-imports refresh rows.
MAPPING_VERSION = 1
CC0 = "http://creativecommons.org/publicdomain/zero/1.0/"


def rights_context(record: SourceRecord) -> RightsContext:
    return RightsContext(
        creator_death_years=tuple(c.death_year for c in record.creators if c.death_year),
        creator_known=any(c.name for c in record.creators),
        date_earliest=record.date_earliest,
        date_latest=record.date_latest,
        rights_holder=record.rights_holder,
    )


def object_statements(record: SourceRecord) -> list[str]:
    """What decides the published reproductions' rights, most specific first.

    The export's statements about its images (a CSV rights column, LIDO
    rightsResource); only when there are none, the work's own status.
    """
    statements = list(record.rights)
    for image in record.images:
        statements.extend(s for s in image.rights if s not in statements)
    return statements or list(record.rights_work)


def decide_object_rights(
    record: SourceRecord, overrides: dict[str, str] | None = None
) -> RightsDecision:
    return map_rights(object_statements(record), rights_context(record), overrides=overrides)


def decide_record_rights(record: SourceRecord) -> str | None:
    """The metadata licence: what recordRights says when it maps, CC0 by default."""
    if not record.record_rights:
        return CC0
    decision = map_rights(record.record_rights)
    return decision.uri


def search_text(record: SourceRecord) -> str:
    parts: list[str] = [record.identifier, record.inventory_number or "", record.date_display or ""]
    for lang_map in (
        record.title,
        record.description,
        record.object_type,
        record.materials,
    ):
        for values in lang_map.values():
            parts.extend(values)
    parts.extend(c.name for c in record.creators)
    return " ".join(p for p in parts if p).lower()


def rights_problems(record: SourceRecord, decision: RightsDecision) -> list[Problem]:
    problems = []
    if decision.needs_review:
        problems.append(
            Problem(
                record.identifier,
                record.line,
                "rights-needs-review",
                f"rights {decision.statement!r} need review: {decision.reason}",
                "warning",
            )
        )
    problems.extend(
        Problem(record.identifier, record.line, "rights-warning", warning, "warning")
        for warning in decision.warnings
    )
    return problems


def object_values(
    record: SourceRecord, decision: RightsDecision, record_rights_uri: str | None
) -> dict[str, Any]:
    """Column values for the collection_object row (without ids, hash and revision)."""
    return {
        "identifier": record.identifier,
        "title": record.title,
        "description": record.description,
        "creators": [asdict(c) for c in record.creators],
        "date_display": record.date_display,
        "date_earliest": record.date_earliest,
        "date_latest": record.date_latest,
        "object_type": record.object_type,
        "materials": record.materials,
        "dimensions": record.dimensions,
        "inventory_number": record.inventory_number,
        "credit_line": record.credit_line,
        "rights_holder": record.rights_holder,
        "extra_metadata": [[label, value] for label, value in record.metadata],
        "record_url": record.record_url,
        "rights_statement": decision.statement,
        "rights_uri": decision.uri,
        "rights_status": decision.status,
        "rights_label": decision.label,
        "rights_reuse": decision.reuse,
        "rights_rule": decision.rule,
        "rights_reason": decision.reason,
        "rights_warnings": list(decision.warnings),
        "record_rights_uri": record_rights_uri,
        "source_record": record.source,
        "source_format": record.source_format,
        "source_media_type": record.source_media_type,
        "search_text": search_text(record),
    }


def content_hash(values: dict[str, Any], image_rows: list[dict[str, Any]]) -> str:
    """A stable digest of everything that would be published for this record."""
    payload = {
        "v": MAPPING_VERSION,
        "object": values,
        "images": [
            {k: row.get(k) for k in sorted(row) if k not in ("object_id", "id")}
            for row in image_rows
        ],
    }
    encoded = json.dumps(payload, sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.sha256(encoded.encode("utf-8")).hexdigest()


def image_public_id(institution: str, identifier: str, position: int) -> str:
    """Stable per (institution, object, position), so viewer URLs survive re-imports."""
    key = f"{institution}\x1f{identifier}\x1f{position}".encode()
    return hashlib.sha1(key).hexdigest()[:24]
