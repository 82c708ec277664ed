"""What a rule found in one statement, before statements are combined."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from glampub.rights.vocabulary import RightsTerm

Role = Literal[
    "term",  # a definite statement: a URI, a licence name, a label, a clear phrase
    "family",  # a CC licence named without a version ("CC BY-SA")
    "notice",  # a copyright notice naming a holder ("(c) Jane Doe 1987")
    "pd-hint",  # a public-domain phrase ("gemeinfrei", "public domain")
    "generic",  # a type word, not a statement ("copyright", "Urheberrecht")
    "vague",  # says something, but nothing a person could rely on ("free to use")
    "review",  # recognised, but a person must decide (retired tool, negation ...)
    "unknown",  # nothing recognised
    "empty",  # a placeholder ("n/a", "-", "unknown")
]

# Which rule names a decision when several findings agree: the most direct source.
PRIORITY_OVERRIDE = 0
PRIORITY_URI = 1
PRIORITY_NAME = 2
PRIORITY_LEGACY = 3
PRIORITY_PHRASE = 4
PRIORITY_NOTICE = 5


@dataclass(frozen=True, slots=True)
class Finding:
    role: Role
    rule: str
    term: RightsTerm | None = None
    #: For role "family": the licence code without version, e.g. "BY-SA".
    family: str | None = None
    #: The words the rule matched, or the holder a notice names.
    text: str = ""
    #: A reason a rule wants to give in its own words (one sentence, no full stop).
    note: str = ""
    #: A warning to pass on when this finding decides.
    warning: str = ""
    priority: int = PRIORITY_PHRASE


#: Every rule that can decide, with what it means: the stable ids in
#: ``RightsDecision.rule`` (for reports, filters and the review queue).
RULES: dict[str, str] = {
    "override": "the institution's own rule for this normalised statement, or for records "
    "that state nothing",
    "import-default": "the rights an import gave for its records that state nothing",
    "cc-uri": "a Creative Commons licence URI, in any spelling",
    "cc-name": "a Creative Commons licence by name, abbreviation or official title, in every "
    "language Creative Commons translated it into",
    "cc0": "CC0 1.0, by URI or name",
    "pdm": "the Public Domain Mark 1.0, by URI or name",
    "rs-uri": "a RightsStatements.org URI (/vocab/ or /page/)",
    "rs-label": "a RightsStatements.org label, in every language it is published in, or code",
    "europeana-legacy": "a retired Europeana statement, mapped to its RightsStatements.org "
    "successor",
    "ddb-legacy": "a retired Deutsche Digitale Bibliothek statement (rv-fz, rv-ez): In Copyright",
    "phrase-public-domain": "'public domain' said in words, in nine languages: the Mark",
    "phrase-all-rights-reserved": "'all rights reserved' in nine languages: In Copyright",
    "phrase-in-copyright": "'copyrighted', 'protected by copyright' in nine languages: "
    "In Copyright",
    "phrase-no-known-copyright": "'no known copyright restrictions': No Known Copyright",
    "phrase-permission": "'by permission of' and the like: In Copyright",
    "phrase-public-domain-us": "'public domain in the United States' (or PD-US): "
    "No Copyright - United States",
    "public-domain-one-country": "'public domain in <a country>' for any other place: review",
    "status-unknown": "'unknown', 'copyright unknown', 'Rechte unbekannt': Copyright Undetermined",
    "copyright-holder": "a copyright notice naming a holder ('(c) Jane Doe 1987'): In Copyright",
    "conflict": "statements disagree: the most restrictive, or review when none is",
    "no-statement": "nothing given (empty, or a placeholder such as 'n/a'): review",
    "generic-term": "only a type word such as 'copyright' or 'Urheberrecht': review",
    "vague": "wording nobody can rely on ('free to use', 'see website'): review",
    "no-match": "nothing recognised (a name, a credit line, free text): review",
    "partial-match": "one statement understood and another not: review",
    "cc-no-version": "a CC licence without a version: review",
    "cc-retired": "a retired Creative Commons tool: review",
    "unknown-uri": "a CC, RS, Europeana or DDB URI that names no known statement: review",
    "negated": "a statement next to a negation ('not CC BY'): review",
    "qualified": "an open statement with exceptions or conditions added: review",
    "too-long": "free text far longer than any rights statement: review",
}
