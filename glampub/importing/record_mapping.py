"""One SourceRecord turned into the row values glampub stores, rights decided.

Pure apart from the images it is handed: no session, no Flask.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache
from typing import Any

import orjson

from glampub.errors import Problem
from glampub.rights import (
    NEEDS_REVIEW,
    InstitutionRules,
    RightsContext,
    RightsDecision,
    map_rights,
    statement_key,
)
from glampub.rights.engine import with_context
from glampub.rights.holders import object_holder
from importers.attribution import is_maker, role_is_making
from importers.base import Creator, SourceRecord
from importers.object_types import from_language_map
from importers.problem_codes import ProblemCode

#: Bump when the stored shape of a record changes, so re-imports refresh rows.
MAPPING_VERSION = 2


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
    current_year: int | None = None,
) -> RightsContext:
    """The context of a decision, from a source record's fields or a stored row's."""
    # A donor's or former owner's death says nothing about the work's copyright.
    people = [
        (c.get("name"), c.get("death_year")) if isinstance(c, Mapping) else (c.name, c.death_year)
        for c in creators
        if role_is_making(c.get("role") if isinstance(c, Mapping) else c.role)
    ]
    return RightsContext(
        creator_death_years=tuple(death for name, death in people if name and death),
        creator_known=any(name for name, _death in people),
        date_earliest=date_earliest,
        date_latest=date_latest,
        rights_holder=rights_holder,
        term_years=term_years,
        current_year=current_year,
    )


def record_context(
    record: SourceRecord, policy: RightsPolicy, current_year: int | None = None
) -> RightsContext:
    return rights_context(
        record.creators,
        record.date_earliest,
        record.date_latest,
        record.rights_holder,
        policy.term_years,
        current_year,
    )


def rights_key(statements: Sequence[str]) -> str:
    """A short, indexable key: equal for statements that normalise alike."""
    return _rights_key(tuple(statements))


# Every record of an import asks for it, and an export repeats a few statement sets.
@lru_cache(maxsize=4096)
def _rights_key(statements: tuple[str, ...]) -> str:
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
    """The record's own metadata licence (recordRights) as stored: its URI;
    None when it states none (the institution's setting applies when
    published); NEEDS_REVIEW when it states one that cannot be mapped, which
    is never replaced by a licence nobody gave."""
    if not record.record_rights:
        return None
    return map_rights(record.record_rights).uri or NEEDS_REVIEW


def record_rights_problems(record: SourceRecord, stored: str | None) -> list[Problem]:
    """A warning for a record licence that cannot be mapped."""
    if stored != NEEDS_REVIEW:
        return []
    shown = " | ".join(record.record_rights)
    return [
        Problem(
            record.identifier,
            record.line,
            ProblemCode.METADATA_LICENCE_NEEDS_REVIEW,
            f"metadata licence {shown!r} is not one glampub knows: no metadata licence "
            "is published for this record",
            "warning",
        )
    ]


class RightsCache:
    """Rights decisions of one import, each distinct statement set decided once.

    An export repeats a handful of rights statements over thousands of
    records, and a decision only depends on the statements and the
    institution's rules (fixed for the run); a record's context (creators'
    death years, dates) only adds warnings, which :func:`with_context` applies
    to the cached decision. Bounded, so a file of a million distinct free-text
    statements cannot fill memory: when full it starts again.
    """

    LIMIT = 4096

    def __init__(self, policy: RightsPolicy, default_rights: str | None = None) -> None:
        self.policy = policy
        #: The import's rights for records that state none (--default-rights).
        self.default_rights = default_rights
        self._decisions: dict[tuple[str, ...], RightsDecision] = {}
        self._record_rights: dict[tuple[str, ...], str | None] = {}
        self._context_of: SourceRecord | None = None
        self._context: RightsContext | None = None
        # The year the public-domain checks count from, asked once, not per record.
        self._year = date.today().year

    def decide(self, statements: Sequence[str], record: SourceRecord) -> RightsDecision:
        """The decision on ``statements``, with the warnings ``record``'s context adds."""
        key = tuple(statements)
        decision = self._decisions.get(key)
        if decision is None:
            if len(self._decisions) >= self.LIMIT:
                self._decisions.clear()
            decision = map_rights(
                list(statements), overrides=self.policy.rules, default=self.default_rights
            )
            self._decisions[key] = decision
        if decision.uri is None:
            return decision  # nothing for the context to check
        # The object and each of its images are decided in turn: one context for all.
        if self._context_of is not record:
            self._context_of = record
            self._context = record_context(record, self.policy, self._year)
        return with_context(decision, self._context)

    def object_rights(self, record: SourceRecord) -> RightsDecision:
        return self.decide(object_statements(record), record)

    def record_rights(self, record: SourceRecord) -> str | None:
        """As :func:`decide_record_rights`, cached."""
        if not record.record_rights:
            return None
        key = tuple(record.record_rights)
        if key not in self._record_rights:
            if len(self._record_rights) >= self.LIMIT:
                self._record_rights.clear()
            self._record_rights[key] = decide_record_rights(record)
        return self._record_rights[key]


def creator_values(creator: Creator) -> dict[str, Any]:
    """A creator as stored: the JSON object of the ``creators`` column.

    A person named for another part (a donor, a former owner, a sitter) is
    marked ``"maker": false``, so the creator facet, which SQL triggers fill
    (glampub.search.index), can leave them out; makers carry no mark, so rows
    stored before the mark existed keep their content hash."""
    values: dict[str, Any] = {
        "name": creator.name,
        "role": creator.role,
        "qualifier": creator.qualifier,
        "birth_year": creator.birth_year,
        "death_year": creator.death_year,
        "display_dates": creator.display_dates,
    }
    if not is_maker(values):
        values["maker"] = False
    return values


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
                ProblemCode.RIGHTS_NEEDS_REVIEW,
                f"rights {decision.statement!r} need review: {decision.reason}",
                "warning",
            )
        )
    problems.extend(
        Problem(record.identifier, record.line, ProblemCode.RIGHTS_WARNING, warning, "warning")
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


#: Any whitespace (for str patterns, what ``str.isspace`` says is space).
_WHITESPACE = re.compile(r"\s")


def web_link(value: str | None) -> str | None:
    """``value`` when it is an http(s) URL; a page links only to the web, never
    to ``javascript:``, ``data:`` or a local file, whatever an export says."""
    if not value:
        return None
    text = value.strip()
    scheme, _, rest = text.partition("://")
    if scheme.lower() in ("http", "https") and rest and not _WHITESPACE.search(text):
        return text
    return None


def link_problems(record: SourceRecord) -> list[Problem]:
    """A warning for a record link that :func:`web_link` leaves out."""
    if record.record_url and web_link(record.record_url) is None:
        return [
            Problem(
                record.identifier,
                record.line,
                ProblemCode.UNSAFE_LINK,
                f"the record's web page link {record.record_url[:200]!r} is not an http(s) "
                "URL; it was left out",
                "warning",
            )
        ]
    return []


def object_values(
    record: SourceRecord, decision: RightsDecision, record_rights_uri: str | None
) -> dict[str, Any]:
    """Column values for the collection_object row (without ids, hash and revision)."""
    return {
        **decision_values(decision, object_statements(record)),
        "identifier": record.identifier,
        "title": record.title,
        "description": record.description,
        "creators": [creator_values(c) for c in record.creators],
        "date_display": record.date_display,
        "date_earliest": record.date_earliest,
        "date_latest": record.date_latest,
        "object_type": record.object_type_concepts or from_language_map(record.object_type),
        "materials": record.materials,
        "dimensions": record.dimensions,
        "inventory_number": record.inventory_number,
        "credit_line": record.credit_line,
        "rights_holder": object_holder(
            record.rights_holder,
            [image.rights_holder for image in record.images],
            images_decide=not record.rights and any(image.rights for image in record.images),
        ),
        "media_type": record.media_type,
        "extra_metadata": [[label, value] for label, value in record.metadata],
        "record_url": web_link(record.record_url),
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
    "media_type",
    "extra_metadata",
    "record_url",
    "record_rights_uri",
    "source_record",
    "source_format",
    "source_media_type",
    "search_text",
)


#: Fields added after rows were hashed (migration 0008): left out of the hash
#: while empty, so that a row stored before them keeps its hash (and
#: ``glampub db check`` its peace) until an import gives them a value.
ADDED_OBJECT_FIELDS = frozenset({"media_type"})
ADDED_IMAGE_FIELDS = frozenset(
    {"rights_holder", "reference_class", "state", "state_reason", "remote"}
)


def _without_empty(values: dict[str, Any], added: frozenset[str]) -> dict[str, Any]:
    # A copy with keys deleted: a dict comprehension over every key of every
    # row cost more than the rest of the hash (it runs for each record and image).
    empty = [key for key in added if key in values and values[key] is None]
    if not empty:
        return values
    kept = values.copy()
    for key in empty:
        del kept[key]
    return kept


def _hashed_image(row: dict[str, Any]) -> dict[str, Any]:
    """An image row as the content hash covers it: no ids, no empty added field."""
    hashed = row.copy()
    hashed.pop("object_id", None)
    hashed.pop("id", None)
    for key in ADDED_IMAGE_FIELDS:
        if hashed.get(key, hashed) is None:
            del hashed[key]
    return hashed


def content_hash(values: dict[str, Any], image_rows: list[dict[str, Any]]) -> str:
    """A stable digest of everything that would be published for this record.

    The same for the values an import computes and for the same values read
    back from the database (the rights review recomputes it from stored rows):
    keys are sorted, and JSON makes tuples and lists alike.
    """
    payload = {
        "v": MAPPING_VERSION,
        "object": _without_empty(values, ADDED_OBJECT_FIELDS),
        # No need to order the keys here: the encoding sorts them.
        "images": [_hashed_image(row) for row in image_rows],
    }
    try:
        encoded = orjson.dumps(payload, option=orjson.OPT_SORT_KEYS)
    except TypeError:  # a value orjson refuses (an integer over 64 bits)
        encoded = json.dumps(payload, sort_keys=True, ensure_ascii=False, default=str).encode()
    return hashlib.sha256(encoded).hexdigest()


def image_public_id(institution: str, identifier: str, position: int) -> str:
    """Stable per (institution, object, position), so viewer URLs survive re-imports."""
    key = f"{institution}\x1f{identifier}\x1f{position}".encode()
    return hashlib.sha1(key).hexdigest()[:24]
