"""``map_rights``: statements and context in, one :class:`RightsDecision` out."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from glampub.rights.combine import Seen, combine, mapped, review
from glampub.rights.decision import NEEDS_REVIEW, RightsContext, RightsDecision
from glampub.rights.findings import PRIORITY_OVERRIDE, Finding
from glampub.rights.normalize import (
    NO_STATEMENT,
    STATEMENT_SEPARATOR,
    as_statement_list,
    normalize_statement,
    statement_key,
)
from glampub.rights.public_domain import public_domain_warnings
from glampub.rights.rules import classify
from glampub.rights.uris import find_uris, lookup


def _override_finding(statement: str, target: str) -> Finding:
    """What an institution's rule (statement -> URI) says, as a finding."""
    if target.strip().casefold() == NEEDS_REVIEW:
        return Finding(
            role="review",
            rule="override",
            text=statement,
            note="is marked for review by the institution's own rule",
            priority=PRIORITY_OVERRIDE,
        )
    found = [finding for _s, _e, finding in find_uris(target.strip())]
    if len(found) == 1 and found[0].role == "term" and found[0].term is not None:
        return Finding(
            role="term",
            rule="override",
            term=found[0].term,
            text=statement,
            priority=PRIORITY_OVERRIDE,
        )
    return Finding(
        role="review",
        rule="override",
        text=statement,
        note=f"has an institution rule pointing to {target!r}, which is not a rights "
        "URI glampub knows (the rule needs fixing)",
        priority=PRIORITY_OVERRIDE,
    )


def _unstated(target: str, rule: str, whose: str) -> RightsDecision | None:
    """The decision on a record that states nothing, as ``whose`` decided it."""
    if target.strip().casefold() == NEEDS_REVIEW:
        return review(
            "",
            "no-statement",
            f"No rights statement was given, and {whose} keeps such records for review.",
        )
    term = lookup(target)
    if term is None:
        return None  # not a rights URI: the record stays in review, as with no rule
    return mapped(
        "",
        term,
        rule,
        f"No rights statement was given; {whose} decided that records without one "
        f"are {term.label}.",
    )


def map_rights(
    statements: str | Sequence[str] | None,
    context: RightsContext | None = None,
    *,
    overrides: Mapping[str, str] | None = None,
    default: str | None = None,
) -> RightsDecision:
    """Map what an export says about rights to one decision.

    ``statements`` are the raw rights texts or URIs (one string, or several, as
    LIDO ``rightsType`` terms or several CSV columns give them). ``overrides``
    maps :func:`statement_key` / :func:`normalize_statement` keys to a URI (any
    spelling) or ``"needs-review"``; the key of all statements together is
    tried first, then each statement's own key, before any built-in rule.
    ``context`` only ever adds public-domain warnings.

    A record that states nothing at all (its :func:`statement_key` is empty)
    takes ``default`` (the rights URI an import gave for such records), else
    the institution's decision on records without a statement (the
    ``overrides`` entry under :data:`NO_STATEMENT`), else goes to review.
    Neither ever touches a record that has a statement of its own.
    """
    items = as_statement_list(statements)
    joined = STATEMENT_SEPARATOR.join(items)
    if not statement_key(items):
        decided = None
        if default is not None:
            decided = _unstated(default, "import-default", "the import")
        if decided is None and overrides:
            target = overrides.get(NO_STATEMENT)
            if target is not None:
                decided = _unstated(target, "override", "the institution")
        if decided is not None:
            return _with_checks(decided, context)
    if overrides and items:
        whole = overrides.get(statement_key(items))
        if whole is not None:
            decision = combine(joined, [Seen(_override_finding(joined, whole), joined)])
            return _with_checks(decision, context)

    seen: list[Seen] = []
    for item in items:
        target = overrides.get(normalize_statement(item)) if overrides else None
        if target is not None:
            seen.append(Seen(_override_finding(item, target), item))
        else:
            seen.extend(Seen(finding, item) for finding in classify(item))
    return _with_checks(combine(joined, seen), context)


def with_context(decision: RightsDecision, context: RightsContext | None) -> RightsDecision:
    """``decision`` with the warnings that ``context`` adds.

    ``map_rights(s, c, overrides=o) == with_context(map_rights(s, overrides=o), c)``,
    so a bulk import can decide each distinct set of statements once and add
    each record's context to that cached decision.
    """
    return _with_checks(decision, context)


def _with_checks(decision: RightsDecision, context: RightsContext | None) -> RightsDecision:
    if decision.uri is None or context is None:
        return decision
    term = lookup(decision.uri)
    if term is None:
        return decision
    extra = public_domain_warnings(term, context)
    if not extra:
        return decision
    return mapped(
        decision.statement, term, decision.rule, decision.reason, (*decision.warnings, *extra)
    )


def canonical_uri(text: str) -> str | None:
    """The canonical URI of one licence or statement given as a URI, name, label
    or code ("CC-BY-SA 4.0", "https://creativecommons.org/licenses/by/4.0/deed.de",
    "In Copyright"); None unless it names exactly one vocabulary term."""
    decision = map_rights(text)
    if decision.rule in ("cc-uri", "cc-name", "cc0", "pdm", "rs-uri", "rs-label"):
        return decision.uri
    return None
