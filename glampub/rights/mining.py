"""What a rights URI means for text and data mining and AI training.

Pure: it reads the rights vocabulary and nothing else. Two questions:

- :func:`in_copyright_or_undetermined`: may the work still be in copyright?
  Read cautiously, like the image policy (glampub.images.policy) reads it:
  every In Copyright statement, copyright not evaluated or undetermined, and
  rights not decided yet. Licences and public-domain tools are not: a
  Creative Commons licence already grants mining on its own conditions, and
  a reservation beside it would contradict the licence. The "No Copyright"
  statements and No Known Copyright say there is no copyright to reserve.
  Only these works can carry a TDM reservation (glampub.publishing.mining).
- :func:`mining_terms`: which kind of sentence the object page shows, and
  the conditions of a licence, as the licence's own elements (BY, NC, ND,
  SA), never more than the rights say.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from glampub.rights.uris import lookup

#: RightsStatements.org statements that leave the copyright status open.
UNDETERMINED_STATEMENTS = frozenset({"CNE", "UND"})

MiningKind = Literal["in-copyright", "free", "licence", "no-copyright"]
#: A licence's conditions, each one of its elements.
Condition = Literal["attribution", "non-commercial", "no-derivatives", "share-alike"]

_ELEMENTS: dict[str, Condition] = {
    "BY": "attribution",
    "NC": "non-commercial",
    "ND": "no-derivatives",
    "SA": "share-alike",
}


@dataclass(frozen=True)
class MiningTerms:
    """What the rights say about mining: a kind, and a licence's conditions."""

    kind: MiningKind
    conditions: tuple[Condition, ...] = ()


def in_copyright_or_undetermined(rights_uri: str | None) -> bool:
    """True when the work may be in copyright: In Copyright, not evaluated,
    undetermined, or not decided yet (no URI, or one glampub does not know)."""
    term = lookup(rights_uri) if rights_uri else None
    if term is None:
        return True
    return term.kind == "rs" and (
        term.code.startswith("InC") or term.code in UNDETERMINED_STATEMENTS
    )


def mining_terms(rights_uri: str | None) -> MiningTerms:
    """Which sentence about mining and AI training the rights support."""
    if in_copyright_or_undetermined(rights_uri):
        return MiningTerms("in-copyright")
    term = lookup(rights_uri) if rights_uri else None
    assert term is not None  # an unknown URI counts as undetermined above
    if term.kind in ("pdm", "cc0"):
        return MiningTerms("free")
    if term.kind == "cc":
        # The code's own elements ("BY-NC-ND"): ND is not stated as share-alike,
        # which the vocabulary's restriction flags count it as for ranking only.
        elements = term.code.upper().split("-")
        return MiningTerms(
            "licence", tuple(_ELEMENTS[e] for e in ("BY", "NC", "ND", "SA") if e in elements)
        )
    return MiningTerms("no-copyright")
