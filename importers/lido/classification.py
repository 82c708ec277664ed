"""What a LIDO classification or inscription type says, in words a reader knows.

Two kinds of type attribute that change where a value belongs: a
``classification`` typed as a Europeana type names the media type of the
digital object (IMAGE, TEXT, 3D, SOUND, VIDEO), not a kind of work; an
``inscriptions`` type (front, back, signature, stamp...) gives each kind of
inscription its own labelled entry.
"""

from __future__ import annotations

import re
from functools import lru_cache

from lxml import etree

from importers.lido.fields import TERM, TYPE, text_of

#: The values of Europeana's edm:type.
EUROPEANA_TYPES = frozenset({"IMAGE", "TEXT", "3D", "SOUND", "VIDEO"})
#: A classification type attribute naming Europeana's type ("europeana:type", "edm:type").
_EUROPEANA_TYPE_ATTRIBUTE = re.compile(r"europeana\W*type|edm\W*type", re.IGNORECASE)

#: Inscription types, in the words exports use, and the label each is shown under.
_INSCRIPTION_KINDS = (
    (re.compile(r"front|recto|vorderseite|avers|framsida|voorzijde", re.I), "Inscription (front)"),
    (re.compile(r"back|verso|rückseite|revers|baksida|achterzijde", re.I), "Inscription (back)"),
    (re.compile(r"signatur|signed|signiert|signering|signé|gesigneerd", re.I), "Signature"),
    (re.compile(r"letter|beschriftung|lettrage|påskrift", re.I), "Lettering"),
    (re.compile(r"stamp|stempel|stämpel|cachet|tampon", re.I), "Stamp"),
    (re.compile(r"\bmark(?:s|ings?)?\b|\bmarke|märk|\bmarque|\bmerk", re.I), "Marks"),
)


def europeana_type(classification: etree._Element) -> str | None:
    """IMAGE, TEXT, 3D, SOUND or VIDEO when ``classification`` gives a Europeana type."""
    kind = classification.get(TYPE)
    if kind is None or not _EUROPEANA_TYPE_ATTRIBUTE.search(kind):
        return None
    for child in classification:
        if child.tag == TERM:
            value = text_of(child).upper()
            if value in EUROPEANA_TYPES:
                return value
    return None


@lru_cache(maxsize=1024)
def inscription_label(kind: str | None) -> str:
    """The label of an inscription of type ``kind`` (cached: types repeat in every record)."""
    kind = " ".join(kind.split()) if kind else ""
    if not kind:
        return "Inscription"
    for pattern, label in _INSCRIPTION_KINDS:
        if pattern.search(kind):
            return label
    return f"Inscription ({kind})"
