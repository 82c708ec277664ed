"""One statement in, its findings out.

The finders run in a fixed order (URIs, then names, then phrases, then
copyright notices), each on the text the earlier ones left: the words a finder
matched are blanked out, so a licence name inside a URI, or a holder's name,
is never read twice. What is left over is checked for negations and
restrictions, because "not CC BY" or "CC BY except for commercial use" must
never come out as plain CC BY.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator
from functools import lru_cache

from glampub.rights.explanations import set_aside_explanations
from glampub.rights.findings import PRIORITY_PHRASE, Finding
from glampub.rights.names import NAME_FINDERS
from glampub.rights.normalize import clean_text
from glampub.rights.phrases import (
    GENERIC_TERMS,
    PHRASE_FINDERS,
    PLACEHOLDERS,
    STATUS_UNKNOWN,
    has_negation,
    has_restriction,
    status_unknown,
)
from glampub.rights.uris import find_uris

Span = tuple[int, int, Finding]
Finder = Callable[[str], Iterator[Span]]

FINDERS: tuple[Finder, ...] = (find_uris, *NAME_FINDERS, *PHRASE_FINDERS)
_EDGE = " \t.,;:|/-_*\"'()[]"
_OTHER_URL = re.compile(r"(?:https?://|www\.)\S+", re.IGNORECASE)
#: Longest text classified; rights statements are short, and a runaway field
#: (a whole description pasted into the rights column) must not slow imports.
MAX_LENGTH = 2000
_STATEMENT_ROLES = ("term", "family", "notice", "pd-hint")


def _blank(text: str, spans: Iterable[Span]) -> str:
    chars = list(text)
    for start, end, _finding in spans:
        chars[start:end] = " " * (end - start)
    return "".join(chars)


def _lenient(finding: Finding) -> bool:
    """True when the finding allows some reuse without asking (so a restriction
    written next to it would matter)."""
    if finding.role in ("family", "pd-hint"):
        return True
    term = finding.term
    return finding.role == "term" and term is not None and term.reuse != "permission"


def classify(statement: str) -> tuple[Finding, ...]:
    """Every finding in one statement (never empty)."""
    if len(statement) > MAX_LENGTH:
        # Not cached: a few huge values must not fill the cache's memory.
        return (
            Finding(
                role="review",
                rule="too-long",
                text=statement[:80],
                note=f"is longer than {MAX_LENGTH} characters: free text, not a rights statement",
            ),
        )
    return _classify(statement)


# Exports repeat the same few statements thousands of times: cache them.
@lru_cache(maxsize=32768)
def _classify(statement: str) -> tuple[Finding, ...]:
    text = clean_text(statement)
    bare = text.casefold().strip(_EDGE)
    if bare in PLACEHOLDERS or not bare:
        return (Finding(role="empty", rule="no-statement", text=text),)
    if bare in STATUS_UNKNOWN:
        return (status_unknown(text),)
    if bare.rstrip(" :") in GENERIC_TERMS:
        return (Finding(role="generic", rule="generic-term", text=text),)

    found: list[Finding] = []
    work = text
    for finder in FINDERS:
        spans = list(finder(work))
        if spans:
            found.extend(finding for _start, _end, finding in spans)
            work = _blank(work, spans)

    statements = [f for f in found if f.role in _STATEMENT_ROLES]
    # "CC BY-NC 4.0 (non-commercial use only)": brackets that restate the licence.
    work = set_aside_explanations(work, statements)
    if statements and has_negation(work):
        return (
            Finding(
                role="review",
                rule="negated",
                text=text,
                priority=PRIORITY_PHRASE,
                note="also contains a negation (such as 'not' or 'kein') and may mean "
                "the opposite of the statement it names",
            ),
        )
    if any(_lenient(f) for f in statements) and has_restriction(work):
        return (
            Finding(
                role="review",
                rule="qualified",
                text=text,
                priority=PRIORITY_PHRASE,
                note="adds conditions or exceptions that no rights URI can express",
            ),
        )
    if found:
        return tuple(found)
    if _OTHER_URL.search(text):
        return (Finding(role="vague", rule="vague", text=text),)
    return (Finding(role="unknown", rule="no-match", text=text),)
