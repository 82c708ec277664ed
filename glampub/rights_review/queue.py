"""The rights review queue, and re-applying an institution's rules to what it
has already published.

The queue lists each distinct unclear statement once, with how many published
objects carry it. A decision taken there is an exact institution rule, so it
holds for every record with that statement, now and on every re-import.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from glampub.errors import UsageError
from glampub.importing.record_images import IMAGE_FIELDS, image_rights_values
from glampub.importing.record_mapping import (
    OBJECT_FIELDS,
    content_hash,
    decision_values,
    rights_context,
)
from glampub.institutions.registry import get_institution
from glampub.models import ChangeEvent, CollectionObject, Institution, RightsRule
from glampub.rights import NEEDS_REVIEW, map_rights, statement_key
from glampub.rights_review.stored_rules import delete_rule, load_policy, save_rule
from glampub.statuses import ObjectStatus

BATCH_SIZE = 500
#: The rule of a decision an import's default rights made (see map_rights).
IMPORT_DEFAULT = "import-default"
EXAMPLES = 5


@dataclass(frozen=True)
class ReviewItem:
    #: The statements as exported, joined with " | " when there are several.
    statement: str
    count: int
    #: Identifiers of a few objects that carry it.
    examples: list[str]
    #: Why glampub could not decide.
    reason: str
    #: True for the records that state nothing at all (``statement`` is empty):
    #: decided with ``no_statement``, never by a statement's text.
    no_statement: bool = False

    def to_dict(self) -> dict[str, object]:
        return {
            "statement": self.statement,
            "no_statement": self.no_statement,
            "count": self.count,
            "examples": self.examples,
            "reason": self.reason,
        }


@dataclass(frozen=True)
class RuleChange:
    rule: RightsRule
    #: Published objects whose rights changed because of it.
    changed: int


def review_queue(session: Session, slug: str) -> list[ReviewItem]:
    """Each distinct statement that needs review, most frequent first."""
    institution = get_institution(session, slug)
    needs_review = (
        CollectionObject.institution_id == institution.id,
        CollectionObject.status == ObjectStatus.PUBLISHED,
        CollectionObject.rights_status == NEEDS_REVIEW,
    )
    groups = session.execute(
        select(
            CollectionObject.rights_key,
            func.count(CollectionObject.id).label("count"),
            func.min(CollectionObject.id).label("first"),
        )
        .where(*needs_review)
        .group_by(CollectionObject.rights_key)
        .order_by(func.count(CollectionObject.id).desc(), func.min(CollectionObject.id))
    ).all()
    items = []
    for group in groups:
        first = session.get(CollectionObject, group.first)
        assert first is not None
        examples = session.scalars(
            select(CollectionObject.identifier)
            .where(*needs_review, CollectionObject.rights_key == group.rights_key)
            .order_by(CollectionObject.identifier)
            .limit(EXAMPLES)
        ).all()
        items.append(
            ReviewItem(
                first.rights_statement,
                group.count,
                list(examples),
                first.rights_reason,
                no_statement=not statement_key(first.rights_statements),
            )
        )
    return items


def decide(
    session: Session,
    slug: str,
    statement: str,
    target: str,
    decided_by: str,
    note: str = "",
    *,
    no_statement: bool = False,
) -> RuleChange:
    """Decide a statement from the queue for good: it becomes an exact rule.

    With ``no_statement`` (and no ``statement``), decide the records that
    state nothing at all: the institution's one rule of kind "unstated".
    """
    if no_statement and statement.strip():
        raise UsageError("give a statement, or decide the records without one, not both")
    rule = save_rule(
        session,
        slug,
        kind="unstated" if no_statement else "exact",
        match="" if no_statement else statement,
        target=target,
        decided_by=decided_by,
        note=note,
        origin="review",
    )
    return RuleChange(rule, remap_institution(session, get_institution(session, slug)))


def add_rule(session: Session, slug: str, **rule: str) -> RuleChange:
    saved = save_rule(session, slug, **rule)
    return RuleChange(saved, remap_institution(session, get_institution(session, slug)))


def remove_rule(session: Session, slug: str, rule_id: int) -> RuleChange:
    removed = delete_rule(session, slug, rule_id)
    return RuleChange(removed, remap_institution(session, get_institution(session, slug)))


def remap_institution(session: Session, institution: Institution) -> int:
    """Decide the rights of every published object again under the current
    rules; objects whose rights change get a new revision (so their manifests
    are rebuilt) and the content hash a re-import of the same record would give.
    """
    policy = load_policy(session, institution)
    changed = 0
    last_id = 0
    while True:
        objects = session.scalars(
            select(CollectionObject)
            .where(
                CollectionObject.institution_id == institution.id,
                CollectionObject.status == ObjectStatus.PUBLISHED,
                CollectionObject.id > last_id,
            )
            .order_by(CollectionObject.id)
            .limit(BATCH_SIZE)
            .options(selectinload(CollectionObject.images))
        ).all()
        if not objects:
            return changed
        for obj in objects:
            context = rights_context(
                obj.creators,
                obj.date_earliest,
                obj.date_latest,
                obj.rights_holder,
                policy.term_years,
            )
            # What an import's --default-rights decided stays: it is not a rule.
            default = obj.rights_uri if obj.rights_rule == IMPORT_DEFAULT else None
            decision = map_rights(
                obj.rights_statements, context, overrides=policy.rules, default=default
            )
            updates = [(obj, decision_values(decision, obj.rights_statements))]
            updates += [
                (
                    image,
                    image_rights_values(image.rights_statements, context, decision, policy.rules),
                )
                for image in obj.images
            ]
            if not any(getattr(row, k) != v for row, values in updates for k, v in values.items()):
                continue
            for row, values in updates:
                for key, value in values.items():
                    setattr(row, key, value)
            obj.revision += 1
            obj.updated_at = datetime.now(UTC)
            session.add(
                ChangeEvent(
                    institution_id=obj.institution_id,
                    object_id=obj.id,
                    kind="Update",
                    revision=obj.revision,
                    at=obj.updated_at,
                )
            )
            obj.content_hash = content_hash(
                {key: getattr(obj, key) for key in OBJECT_FIELDS},
                [
                    {key: getattr(image, key) for key in IMAGE_FIELDS}
                    for image in sorted(obj.images, key=lambda i: i.position)
                ],
            )
            changed += 1
        last_id = objects[-1].id
        session.flush()
