"""An institution's own rights rules: written by staff, or decided in the review
queue; loaded once per import and applied before the built-in rules."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from glampub.errors import NotFound, UsageError
from glampub.importing.record_mapping import RightsPolicy
from glampub.institutions.registry import get_institution
from glampub.models import Institution, RightsRule
from glampub.rights import InstitutionRules, InvalidRule, Rule, rule_target
from glampub.rights.institution_rules import compile_rule_pattern

#: The longest statement or pattern a rule holds (its column's length).
MAX_MATCH = RightsRule.__table__.c.match.type.length
#: The longest note kept with a decision, as the staff form allows.
MAX_NOTE = 2000
#: The longest name of who decided (its column's length).
MAX_DECIDED_BY = RightsRule.__table__.c.decided_by.type.length


def load_policy(session: Session, institution: Institution) -> RightsPolicy:
    rows = list(
        session.scalars(
            select(RightsRule)
            .where(RightsRule.institution_id == institution.id)
            .order_by(RightsRule.id)
        )
    )
    for row in rows:
        if row.kind == "pattern":
            try:
                compile_rule_pattern(row.match)
            except InvalidRule as exc:
                # Saved before patterns ran on RE2, which refuses look-around and backreferences.
                raise UsageError(
                    f"rights rule {row.id} of {institution.slug!r}: {exc}. Replace it "
                    f"(glampub rights rule remove {institution.slug} {row.id}, then add it again)"
                ) from None
    rules = InstitutionRules(Rule(row.kind, row.match, row.target) for row in rows)
    return RightsPolicy(rules=rules, term_years=institution.copyright_term_years or 70)


def list_rules(session: Session, slug: str) -> list[RightsRule]:
    institution = get_institution(session, slug)
    return list(
        session.scalars(
            select(RightsRule)
            .where(RightsRule.institution_id == institution.id)
            .order_by(RightsRule.id)
        )
    )


def save_rule(
    session: Session,
    slug: str,
    *,
    kind: str,
    match: str,
    target: str,
    decided_by: str,
    note: str = "",
    origin: str = "rule",
) -> RightsRule:
    """Add a rule, or replace the target of the same kind and match.

    Kind "unstated" is the decision on records that state nothing at all: it
    matches no text (``match`` is empty), and an institution has at most one.
    """
    if kind not in ("exact", "pattern", "unstated"):
        raise UsageError(f"rule kind must be 'exact' or 'pattern', not {kind!r}")
    if kind == "unstated":
        if match:
            raise UsageError("the decision on records without a statement matches no text")
    elif not match.strip():
        raise UsageError(
            "a rule needs the statement or pattern it matches (records without any "
            f"statement are decided with: glampub rights decide {slug} --no-statement URI)"
        )
    if not decided_by.strip():
        raise UsageError("say who decides (--by): decisions are recorded with their author")
    for what, value, limit in (
        ("statement or pattern", match, MAX_MATCH),
        ("note", note, MAX_NOTE),
        ("name of who decides", decided_by, MAX_DECIDED_BY),
    ):
        if len(value) > limit:
            raise UsageError(
                f"the {what} is {len(value):,} characters long; a rule keeps at most {limit:,}"
            )
    try:
        canonical = rule_target(target)
        if kind == "pattern":
            compile_rule_pattern(match)
    except InvalidRule as exc:
        raise UsageError(str(exc)) from exc
    institution = get_institution(session, slug)
    rule = session.scalar(
        select(RightsRule).where(
            RightsRule.institution_id == institution.id,
            RightsRule.kind == kind,
            RightsRule.match == match,
        )
    )
    if rule is None:
        rule = RightsRule(institution_id=institution.id, kind=kind, match=match)
        session.add(rule)
    rule.target, rule.origin, rule.decided_by, rule.note = canonical, origin, decided_by, note
    session.flush()
    return rule


def delete_rule(session: Session, slug: str, rule_id: int) -> RightsRule:
    institution = get_institution(session, slug)
    rule = session.get(RightsRule, rule_id)
    if rule is None or rule.institution_id != institution.id:
        raise NotFound(f"institution {slug!r} has no rights rule {rule_id}")
    session.delete(rule)
    session.flush()
    return rule
