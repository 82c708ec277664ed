"""A few records of an export as they will look once published.

Read with the same importer, profile and rights rules as the import itself,
without touching the database: the dry run counts, this shows.
"""

from __future__ import annotations

from itertools import islice
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from glampub.credit import first_value, reference_text
from glampub.errors import Problem
from glampub.iiif.records import ObjectInfo
from glampub.importing.default_rights import default_rights
from glampub.importing.record_mapping import RightsCache, creator_values
from glampub.models import Institution
from glampub.publishing.object_values import institution_info, rights_info
from glampub.rights_review.stored_rules import load_policy
from importers.base import choose_importer, load_profile

SAMPLE_SIZE = 6


def sample_records(
    session: Session,
    institution: Institution,
    path: Path,
    fmt: str,
    profile: str | None,
    page_url: Any,
    size: int = SAMPLE_SIZE,
) -> list[dict[str, Any]]:
    """The first ``size`` records that import, as plain values for the preview page."""
    importer = choose_importer(path, fmt)
    loaded = load_profile(importer, profile)
    default = default_rights(None, loaded, None)  # the profile's, as the import will use it
    rights = RightsCache(load_policy(session, institution), default.uri if default else None)
    records = (item for item in importer.read(path, loaded) if not isinstance(item, Problem))
    sample = []
    for record in islice(records, size):
        decision = rights.object_rights(record)
        info = ObjectInfo(
            institution=institution_info(institution),
            identifier=record.identifier,
            title=record.title,
            rights=rights_info(decision.uri, decision.label, decision.reuse, institution.name),
            creators=tuple(creator_values(c) for c in record.creators),
            date_display=record.date_display,
        )
        sample.append(
            {
                "identifier": record.identifier,
                "line": record.line,
                "title": first_value(record.title) or record.identifier,
                "creators": [c.name for c in record.creators if c.name],
                "date": record.date_display,
                "object_type": first_value(record.object_type),
                "images": len(record.images),
                "statement": decision.statement,
                "rights_uri": decision.uri,
                "rights_label": info.rights.label,
                "reuse": info.rights.reuse,
                "needs_review": decision.needs_review,
                "credit": reference_text(info, page_url(record.identifier)),
            }
        )
    return sample
