"""One SourceRecord turned into the row values glampub stores, rights decided.

Pure apart from the images it is handed: no session, no Flask.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

from glampub.errors import Problem
from glampub.rights import (
    InstitutionRules,
    RightsContext,
    RightsDecision,
    map_rights,
    statement_key,
)
from importers.base import Creator, SourceRecord

#: Bump when the stored shape of a record changes, so re-imports refresh rows.
MAPPING_VERSION = 2
CC0 = "http://creativecommons.org/publicdomain/zero/1.0/"


@dataclass(frozen=True)
class RightsPolicy:
    """What an institution brings to every rights decision on its records."""

    rules: InstitutionRules = field(default_factory=InstitutionRules)
    term_years: int = 70


def rights_context(
    creators: Sequence[Mapping[str, Any]] | Sequence[Creator],
    date_earliest: int | None,
    date_latest: int | None,
    rights_holder: str | None,
    term_years: int = 70,
) -> RightsContext:
    """The context of a decision, from a source record's fields or a stored row's."""
    people = [c if isinstance(c, Mapping) else asdict(c) for c in creators]
    return RightsContext(
        creator_death_years=tuple(c["death_year"] for c in people if c.get("death_year")),
        creator_known=any(c.get("name") for c in people),
        date_earliest=date_earliest,
        date_latest=date_latest,
        rights_holder=rights_holder,
        term_years=term_years,
    )


def record_context(record: SourceRecord, policy: RightsPolicy) -> RightsContext:
    return rights_context(
        record.creators,
        record.date_earliest,
        record.date_latest,
        record.rights_holder,
        policy.term_years,
    )


def rights_key(statements: Sequence[str]) -> str:
    """A short, indexable key: equal for statements that normalise alike."""
    return hashlib.sha256(statement_key(list(statements)).encode("utf-8")).hexdigest()


def object_statements(record: SourceRecord) -> list[str]:
    """What decides the published reproductions' rights, most specific first.

    The export's statements about its images (a CSV rights column, LIDO
    rightsResource); only when there are none, the work's own status.
    """
    statements = list(record.rights)
    for image in record.images:
        statements.extend(s for s in image.rights if s not in statements)
    return statements or list(record.rights_work)


def decide_object_rights(record: SourceRecord, policy: RightsPolicy) -> RightsDecision:
    return map_rights(
        object_statements(record), record_context(record, policy), overrides=policy.rules
    )


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


def decision_values(decision: RightsDecision, statements: Sequence[str]) -> dict[str, Any]:
    """The collection_object columns a rights decision fills."""
    return {
        "rights_statement": decision.statement,
        "rights_statements": list(statements),
        "rights_key": rights_key(statements),
        "rights_uri": decision.uri,
        "rights_status": decision.status,
        "rights_label": decision.label,
        "rights_reuse": decision.reuse,
        "rights_rule": decision.rule,
        "rights_reason": decision.reason,
        "rights_warnings": list(decision.warnings),
    }


def object_values(
    record: SourceRecord, decision: RightsDecision, record_rights_uri: str | None
) -> dict[str, Any]:
    """Column values for the collection_object row (without ids, hash and revision)."""
    return {
        **decision_values(decision, object_statements(record)),
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
        "record_rights_uri": record_rights_uri,
        "source_record": record.source,
        "source_format": record.source_format,
        "source_media_type": record.source_media_type,
        "search_text": search_text(record),
    }


#: The keys of a collection_object row that :func:`object_values` fills and the
#: content hash covers.
OBJECT_FIELDS = (
    "rights_statement",
    "rights_statements",
    "rights_key",
    "rights_uri",
    "rights_status",
    "rights_label",
    "rights_reuse",
    "rights_rule",
    "rights_reason",
    "rights_warnings",
    "identifier",
    "title",
    "description",
    "creators",
    "date_display",
    "date_earliest",
    "date_latest",
    "object_type",
    "materials",
    "dimensions",
    "inventory_number",
    "credit_line",
    "rights_holder",
    "extra_metadata",
    "record_url",
    "record_rights_uri",
    "source_record",
    "source_format",
    "source_media_type",
    "search_text",
)


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
