"""A licence followed by an explanation in brackets that only restates it:
"CC BY-NC-SA 4.0 (non-commercial use only)" is still CC BY-NC-SA 4.0.

The words in brackets are read as conditions (non-commercial, no
derivatives, share alike, attribution) and a few words that only join them
("use", "only", "required"). When every condition named is already one of the
licence's own, the brackets say nothing new and are set aside. Anything else
in them ("(CC BY 4.0, non-commercial use only)" adds a condition BY lacks,
"(no print)" is not a condition at all) stays, and the negation and
restriction checks send the statement to a person as before.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from glampub.rights.findings import Finding
from glampub.rights.names import CONDITION_WORDS
from glampub.rights.vocabulary import (
    ATTRIBUTION,
    NO_DERIVATIVES,
    NON_COMMERCIAL,
    SHARE_ALIKE,
    cc_family_restrictions,
)

_FLAGS = re.IGNORECASE
_BRACKETS = re.compile(r"\(([^()]*)\)|\[([^\[\]]*)\]")
_CONDITIONS: tuple[tuple[str, re.Pattern[str]], ...] = (
    (
        NON_COMMERCIAL,
        re.compile(
            rf"(?<!\w)(?:{CONDITION_WORDS['nc']}|non[\s\-]?commercial|not\s+for\s+commercial"
            r"|no\s+commercial|nicht[\s\-]?kommerziell\w*|niet[\s\-]?commercie\w*"
            r"|non\s+commerciale?s?)(?!\w)",
            _FLAGS,
        ),
    ),
    (
        NO_DERIVATIVES,
        re.compile(
            rf"(?<!\w)(?:{CONDITION_WORDS['nd']}|no\s+(?:derivatives?|derivative\s+works"
            r"|modifications?|changes|adaptations?|alterations?))(?!\w)",
            _FLAGS,
        ),
    ),
    (
        SHARE_ALIKE,
        re.compile(rf"(?<!\w)(?:{CONDITION_WORDS['sa']}|share[\s\-]?alike)(?!\w)", _FLAGS),
    ),
    (
        ATTRIBUTION,
        re.compile(
            rf"(?<!\w)(?:{CONDITION_WORDS['by']}|credit(?:\s+(?:the\s+)?(?:author|creator"
            r"|photographer|source|museum))?|must\s+be\s+credited|cite\s+the\s+source)(?!\w)",
            _FLAGS,
        ),
    ),
)
#: Words that only join conditions: "use only", "required", "allowed" ...
_FILLER = re.compile(
    r"(?<!\w)(?:use|uses|usage|purposes?|only|required|requirement|allowed|permitted"
    r"|licen[cs]e[ds]?|terms|with|and|or|for|the|is|are|must|be|given|is\s+required"
    r"|nutzung|gebrauch|zwecke|nur|erlaubt|gestattet|erforderlich|und|gebruik|alleen"
    r"|uitsluitend|toegestaan|verplicht|en|utilisation|usage|uniquement|seulement"
    r"|autoris[ée]e?|obligatoire|et|uso|solo|solamente|permitido|consentito|e|y"
    r"|användning|endast|tillåten|och|käyttö|vain|sallittu|ja|brug|kun|tilladt|og)(?!\w)",
    _FLAGS,
)
_REST = re.compile(r"[\W_]*")


def _restates(words: str, allowed: frozenset[str]) -> bool:
    """True when ``words`` name only conditions in ``allowed``, joined by filler."""
    named = False
    for flag, pattern in _CONDITIONS:
        if pattern.search(words):
            if flag not in allowed:
                return False
            named = True
            words = pattern.sub(" ", words)
    return named and _REST.fullmatch(_FILLER.sub(" ", words)) is not None


def set_aside_explanations(work: str, findings: Iterable[Finding]) -> str:
    """``work`` with the brackets blanked that only restate the licences found."""
    licences = [f for f in findings if f.role in ("term", "family")]
    if "(" not in work and "[" not in work or not licences:
        return work
    if any(f.role == "term" and (f.term is None or f.term.kind != "cc") for f in licences):
        return work  # only licences carry conditions an explanation could restate
    allowed = frozenset.intersection(
        *(
            f.term.restrictions if f.term is not None else cc_family_restrictions(f.family or "")
            for f in licences
        )
    )
    chars = list(work)
    for match in _BRACKETS.finditer(work):
        if _restates(match.group(1) or match.group(2) or "", allowed):
            chars[match.start() : match.end()] = " " * (match.end() - match.start())
    return "".join(chars)
