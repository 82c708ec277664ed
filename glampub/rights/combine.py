"""Several statements, one decision.

Type words, placeholders and vague wording beside a real statement are
ignored. A copyright notice beside a licence is the holder granting it; a
public-domain phrase beside CC0 or the Mark says the same thing. A licence
named without a version beside the same licence with one is the same licence.
Anything else that disagrees is a conflict: the statement that is at least as
restrictive as every other one wins, with a warning; when none is (CC BY-NC
against CC BY-ND), or when any statement was not understood, a person decides.
"""

from __future__ import annotations

from dataclasses import dataclass

from glampub.rights.decision import NEEDS_REVIEW, RightsDecision
from glampub.rights.findings import Finding
from glampub.rights.vocabulary import (
    IN_COPYRIGHT,
    PDM,
    RightsTerm,
    cc_family_label,
    cc_family_rank,
    cc_family_restrictions,
)

NEEDS_REVIEW_LABEL = "Needs review"
_PD_COMPATIBLE = {"PDM", "CC0", "NKC", "NoC-US", "NoC-CR", "NoC-NC", "NoC-OKLR"}


@dataclass(frozen=True, slots=True)
class Seen:
    """A finding and the statement it came from."""

    finding: Finding
    statement: str


def quote(text: str, limit: int = 80) -> str:
    text = " ".join(text.split())
    return f"'{text if len(text) <= limit else text[: limit - 3] + '...'}'"


def review(
    statement: str, rule: str, reason: str, warnings: tuple[str, ...] = ()
) -> RightsDecision:
    return RightsDecision(
        statement=statement,
        uri=None,
        status=NEEDS_REVIEW,
        label=NEEDS_REVIEW_LABEL,
        reuse="permission",
        rule=rule,
        reason=reason,
        warnings=warnings,
    )


def mapped(
    statement: str, term: RightsTerm, rule: str, reason: str, warnings: tuple[str, ...] = ()
) -> RightsDecision:
    return RightsDecision(
        statement=statement,
        uri=term.uri,
        status="mapped",
        label=term.label,
        reuse=term.reuse,
        rule=rule,
        reason=reason,
        warnings=warnings,
    )


def _explain(seen: Seen) -> str:
    """One sentence on why a finding means its term."""
    f, term = seen.finding, seen.finding.term
    assert term is not None
    words = quote(f.text or seen.statement)
    match f.rule:
        case "cc-uri":
            return f"The URI {f.text} is the Creative Commons licence {term.label}."
        case "cc-name":
            return f"{words} names the Creative Commons licence {term.label}."
        case "cc0":
            return f"{words} is the CC0 1.0 public domain dedication."
        case "pdm":
            return f"{words} is the Public Domain Mark 1.0."
        case "rs-uri":
            return f"The URI {f.text} is the RightsStatements.org statement {term.label}."
        case "rs-label":
            return f"{words} is the RightsStatements.org statement {term.label}."
        case "europeana-legacy" | "ddb-legacy":
            return f"{words} is {f.note}, whose current equivalent is {term.label}."
        case "phrase-public-domain":
            return f"{words} says the work is in the public domain, which the {term.label} states."
        case "phrase-all-rights-reserved":
            return f"{words} reserves all rights, so the image is {term.label}."
        case "phrase-in-copyright":
            return f"{words} says the work is protected by copyright, so it is {term.label}."
        case "phrase-no-known-copyright":
            return f"{words} says no copyright restrictions are known, which is {term.label}."
        case "phrase-public-domain-us":
            return (
                f"{words} says the work is in the public domain in the United States only, "
                f"which is {term.label}."
            )
        case "status-unknown":
            return f"{words} says the copyright status is unknown, which is {term.label}."
        case "phrase-permission":
            return f"{words} says reuse needs the holder's permission, so it is {term.label}."
        case "copyright-holder":
            if f.text:
                return (
                    f"{quote(seen.statement)} is a copyright notice naming the holder "
                    f"{f.text}, so the image is {term.label}."
                )
            return f"{quote(seen.statement)} is a copyright notice, so the image is {term.label}."
        case "override":
            return f"The institution's own rule maps {quote(seen.statement)} to {term.label}."
    return f"{words} means {term.label}."


def _as_term(seen: Seen) -> RightsTerm | None:
    """The term a finding stands for when it has to compete in a conflict."""
    if seen.finding.role == "pd-hint":
        return PDM
    if seen.finding.role == "notice":
        return IN_COPYRIGHT
    return seen.finding.term


def _absorbed(seen: Seen, terms: list[RightsTerm]) -> bool:
    """True when a weaker finding only repeats what a definite term says."""
    f = seen.finding
    if f.role == "family":
        return any(t.kind == "cc" and t.code == f.family for t in terms)
    if f.role == "notice":
        return any(t.kind in ("cc", "cc0") or t.code.startswith("InC") for t in terms)
    if f.role == "pd-hint":
        return any(t.code in _PD_COMPATIBLE for t in terms)
    return False


def _no_statement(statement: str, ignored: list[Seen]) -> RightsDecision:
    for role, rule, why in (
        ("vague", "vague", "does not say which licence or rights status applies"),
        ("generic", "generic-term", "only names a kind of right, not what the public may do"),
    ):
        hits = [s for s in ignored if s.finding.role == role]
        if hits:
            return review(
                statement,
                rule,
                f"{quote(hits[0].statement)} {why}, so a person must choose a statement.",
            )
    return review(
        statement, "no-statement", "No rights statement was given, so a person must choose one."
    )


def combine(statement: str, seen: list[Seen]) -> RightsDecision:
    """The decision for all findings of all statements (``statement`` is the joined text)."""
    ignored = [s for s in seen if s.finding.role in ("empty", "generic", "vague")]
    real = [s for s in seen if s not in ignored]
    if not real:
        return _no_statement(statement, ignored)

    reviews = [s for s in real if s.finding.role == "review"]
    if reviews:
        first = reviews[0].finding
        words = quote(first.text or reviews[0].statement)
        return review(statement, first.rule, f"{words} {first.note}, so a person must decide.")

    unknown = [s for s in real if s.finding.role == "unknown"]
    if unknown:
        known = [s for s in real if s.finding.role != "unknown"]
        if known:
            term = _as_term(known[0])
            understood = f"understood as {term.label}" if term else "understood"
            return review(
                statement,
                "partial-match",
                f"{quote(known[0].statement)} was {understood}, but "
                f"{quote(unknown[0].statement)} was not, and it may limit reuse, so a "
                "person must decide.",
            )
        return review(
            statement,
            "no-match",
            f"{quote(unknown[0].statement)} is not a licence or rights statement "
            "glampub recognises (it may be a name, a credit line or free text), so a "
            "person must decide.",
        )

    definite = [s.finding.term for s in real if s.finding.role == "term" and s.finding.term]
    competing = [s for s in real if not _absorbed(s, definite)]
    stating = {s.statement for s in real}
    warnings = tuple(
        f"ignored {quote(s.statement)}: it does not state rights by itself"
        for s in ignored
        if s.finding.role == "vague" and s.statement not in stating
    )
    return _resolve(statement, competing, warnings)


def _restrictions(seen: Seen) -> frozenset[str]:
    term = _as_term(seen)
    if term is not None:
        return term.restrictions
    return cc_family_restrictions(seen.finding.family or "")


def _label(seen: Seen) -> str:
    term = _as_term(seen)
    return term.label if term else f"{cc_family_label(seen.finding.family or '')} (no version)"


def _resolve(statement: str, competing: list[Seen], warnings: tuple[str, ...]) -> RightsDecision:
    # One candidate per distinct meaning; the most direct source explains it.
    by_meaning: dict[str, list[Seen]] = {}
    for s in competing:
        term = _as_term(s)
        key = term.uri if term else f"family:{s.finding.family}"
        by_meaning.setdefault(key, []).append(s)
    candidates = [min(group, key=lambda s: s.finding.priority) for group in by_meaning.values()]
    # Most restrictive first, so messages read the same whatever the export's order.
    candidates.sort(key=lambda s: (-_rank(s), _label(s)))

    if len(candidates) == 1:
        only = candidates[0]
        if only.finding.role == "family":
            return review(
                statement,
                "cc-no-version",
                f"{quote(only.finding.text or only.statement)} names "
                f"{cc_family_label(only.finding.family or '')} without a version, and "
                "the version sets the legal terms, so a person must choose one "
                "(usually 4.0).",
                warnings,
            )
        term = _as_term(only)
        assert term is not None
        return mapped(
            statement,
            term,
            only.finding.rule,
            _explain_with_term(only, term),
            _with(warnings, only),
        )

    labels = ", ".join(_label(s) for s in candidates)
    strictest = [
        c for c in candidates if all(_restrictions(c) >= _restrictions(o) for o in candidates)
    ]
    if not strictest:
        return review(
            statement,
            "conflict",
            f"The statements disagree ({labels}) and none is at least as restrictive "
            "as all the others, so a person must decide.",
            warnings,
        )
    winner = max(strictest, key=lambda s: (_rank(s), _as_term(s) is not None, _label(s)))
    term = _as_term(winner)
    if term is None:
        return review(
            statement,
            "conflict",
            f"The statements disagree ({labels}) and the most restrictive names a "
            "licence without a version, so a person must decide.",
            warnings,
        )
    conflict = f"conflicting statements: {labels}; the most restrictive, {term.label}, was chosen"
    return mapped(
        statement,
        term,
        "conflict",
        f"The statements disagree ({labels}), so the most restrictive, {term.label}, was chosen.",
        _with((*warnings, conflict), winner),
    )


def _with(warnings: tuple[str, ...], seen: Seen) -> tuple[str, ...]:
    return (*warnings, seen.finding.warning) if seen.finding.warning else warnings


def _rank(seen: Seen) -> int:
    """Restrictiveness for ordering: a licence without a version ranks as its family."""
    term = _as_term(seen)
    if term is not None:
        return term.rank
    return cc_family_rank(seen.finding.family or "")


def _explain_with_term(seen: Seen, term: RightsTerm) -> str:
    if seen.finding.term is None:  # a public-domain phrase stands for the Mark
        seen = Seen(
            Finding(role="term", rule=seen.finding.rule, term=term, text=seen.finding.text),
            seen.statement,
        )
    return _explain(seen)
