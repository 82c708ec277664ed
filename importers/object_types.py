"""Object types as concepts: one value per type, whatever languages name it.

An export names an object's type in several languages: a LIDO
``objectWorkType`` with a ``term`` per ``xml:lang`` (often with a
``conceptID`` such as an AAT URI), a CSV with one column per language.
"Fotografie" and "photograph" of one object are one type, so search facets
count concepts, not words.

A concept is stored as ``{"key": …, "id": …, "label": {lang: [term, …]}}``
in the ``object_type`` JSON column, a list of them per object. Its key is
what search facets on and filter by: the concept's URI where the export
gives one, otherwise the terms the record gives for that one type, sorted
and joined (a single term is its own key, as it was before concepts).
Objects stored before concepts hold a plain language map; every reader here
takes both shapes.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

LangMap = dict[str, list[str]]
#: Between the terms of a key made of several terms.
KEY_JOIN = " | "


def concept_key(uri: str | None, label: Mapping[str, list[str]]) -> str:
    """The facet key of one type: its URI, else its terms sorted and joined."""
    if uri:
        return uri
    terms = sorted({term for terms in label.values() for term in terms if term})
    return KEY_JOIN.join(terms)


def web_uri(ids: Iterable[str]) -> str | None:
    """The first identifier that is an http(s) URI: a local number such as a
    museum system's "4289137" names nothing outside that system."""
    for value in ids:
        text = value.strip()
        if text.startswith(("http://", "https://")) and " " not in text:
            return text
    return None


def stored_concept(uri: str | None, label: Mapping[str, list[str]]) -> dict[str, Any]:
    """One stored concept."""
    clean = {lang: list(terms) for lang, terms in label.items() if terms}
    return {"key": concept_key(uri, clean), "id": uri, "label": clean}


def from_language_map(lang_map: Mapping[str, list[str]]) -> list[dict[str, Any]]:
    """Concepts from a plain language map, as a CSV gives its columns.

    When every language names the same number of types, the n-th term of each
    names the n-th type (``{"de": ["Fotografie"], "en": ["photograph"]}`` is one
    type). Otherwise the pairing is unknown and every term stands alone.
    """
    languages = {lang: [t for t in terms if t] for lang, terms in lang_map.items()}
    languages = {lang: terms for lang, terms in languages.items() if terms}
    counts = {len(terms) for terms in languages.values()}
    if len(counts) == 1:
        (count,) = counts
        return [
            stored_concept(None, {lang: [terms[n]] for lang, terms in languages.items()})
            for n in range(count)
        ]
    return [
        stored_concept(None, {lang: [term]}) for lang, terms in languages.items() for term in terms
    ]


def concepts_of(stored: Any) -> list[dict[str, Any]]:
    """The concepts of a stored ``object_type`` value, in either shape."""
    if isinstance(stored, list):
        return [c for c in stored if isinstance(c, dict) and c.get("key")]
    if isinstance(stored, dict):
        return [
            stored_concept(None, {lang: [term]}) for lang, terms in stored.items() for term in terms
        ]
    return []


def language_map(stored: Any) -> LangMap:
    """A stored ``object_type`` value as one language map (for pages, manifests
    and the record JSON): every concept's terms under their languages."""
    if isinstance(stored, dict):
        return stored
    merged: LangMap = {}
    for item in concepts_of(stored):
        for lang, terms in (item.get("label") or {}).items():
            values = merged.setdefault(lang, [])
            values.extend(t for t in terms if t not in values)
    return merged


def label(lang_map: Mapping[str, list[str]], wanted: str | None, fallback: str = "") -> str:
    """A concept's name in the reader's language, else English, else the first."""
    if wanted:
        if lang_map.get(wanted):
            return lang_map[wanted][0]
        # "de" also finds "de-CH", and "de-CH" finds "de".
        base = wanted.split("-")[0].lower()
        for lang, terms in lang_map.items():
            if terms and lang.split("-")[0].lower() == base:
                return terms[0]
    for lang in ("en", "none"):
        if lang_map.get(lang):
            return lang_map[lang][0]
    return next((terms[0] for terms in lang_map.values() if terms), fallback)
