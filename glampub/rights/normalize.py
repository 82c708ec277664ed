"""Text clean-up shared by the rules, and the key that overrides are stored under.

``clean_text`` keeps case (holder names are shown to people); the rules match
it case-insensitively. ``normalize_statement`` folds case too, and reduces a
URI to one form, so that every spelling of one statement gives one key.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from functools import lru_cache

# Typographic dashes, quotes and spaces that exports mix freely with ASCII ones.
_TRANSLATE = str.maketrans(
    {
        "\u2010": "-",
        "\u2011": "-",
        "\u2012": "-",
        "\u2013": "-",
        "\u2014": "-",
        "\u2015": "-",
        "\u2212": "-",
        "\u2018": "'",
        "\u2019": "'",
        "\u201a": "'",
        "\u201b": "'",
        "\u00b4": "'",
        "\u0060": "'",
        "\u201c": '"',
        "\u201d": '"',
        "\u201e": '"',
        "\u00ab": '"',
        "\u00bb": '"',
        "\u00a0": " ",
        "\u200b": "",
        "\ufeff": "",
        "\u24d2": "\u00a9",
        "\u24b8": "\u00a9",
    }
)
_SPACES = re.compile(r"\s+")
_EDGE_PUNCTUATION = " \t.,;:|"
_URL_ONLY = re.compile(r"^(?:https?://)?(?:www\.)?(?P<rest>[^\s]+?)/*$", re.IGNORECASE)
_LOOKS_LIKE_URL = re.compile(r"^(?:https?://|www\.)|^[a-z0-9.-]+\.[a-z]{2,}/", re.IGNORECASE)
STATEMENT_SEPARATOR = " | "


def clean_text(text: str) -> str:
    """NFKC, ASCII dashes and quotes, one space between words, no outer spaces."""
    # Translate first: NFKC would turn a circled c into a plain "c".
    text = unicodedata.normalize("NFKC", text.translate(_TRANSLATE)).translate(_TRANSLATE)
    return _SPACES.sub(" ", text).strip()


def normalize_statement(text: str) -> str:
    """The key under which a statement's override or review decision is stored.

    Case, spacing, typographic punctuation, outer punctuation and (for a bare
    URI) the scheme, ``www.`` and trailing slashes do not matter.
    """
    # Keys are looked up once per statement per record; cache the short ones
    # (a few huge values must not fill the cache's memory).
    return _cached_key(text) if len(text) <= _CACHE_MAX_LENGTH else _key(text)


def _key(text: str) -> str:
    key = clean_text(text).casefold().strip(_EDGE_PUNCTUATION)
    if " " not in key and _LOOKS_LIKE_URL.match(key):
        match = _URL_ONLY.match(key)
        if match:
            key = match.group("rest")
    return key


_CACHE_MAX_LENGTH = 2000
_cached_key = lru_cache(maxsize=16384)(_key)


def as_statement_list(statements: str | Sequence[str] | None) -> list[str]:
    """The non-blank statements, stripped, in order, each once."""
    if statements is None:
        return []
    items = [statements] if isinstance(statements, str) else list(statements)
    seen: set[str] = set()
    result: list[str] = []
    for item in items:
        if item is None:
            continue
        text = str(item).strip()
        if text and text not in seen:
            seen.add(text)
            result.append(text)
    return result


#: The key of a record that states nothing at all (:func:`statement_key` of no
#: statements): where an institution's decision on such records is looked up.
NO_STATEMENT = ""


def statement_key(statements: str | Sequence[str] | None) -> str:
    """One key for a set of statements: normalised, de-duplicated, sorted, joined.

    For a single statement this equals :func:`normalize_statement`. Order does
    not matter, so a review decision holds however an export orders its terms.
    """
    keys = sorted({normalize_statement(s) for s in as_statement_list(statements)} - {""})
    return STATEMENT_SEPARATOR.join(keys)
