"""The interface languages glampub ships and their gettext catalogues.

A leaf module: the web pages read the catalogues through Flask-Babel, and the
parts that build text outside a request (the credit line in every shipped
language for an IIIF manifest, the rights labels) read the same compiled
catalogues through the standard library's :mod:`gettext`, so that the pure
packages never load Flask.
"""

from __future__ import annotations

import gettext
from functools import cache
from pathlib import Path

#: English is the source text; the others have a catalogue in ``translations/``.
SHIPPED_LANGUAGES: tuple[str, ...] = ("en", "de", "nl", "fr", "sv", "es")
#: Each language named in itself, as the language switcher shows it.
LANGUAGE_NAMES: dict[str, str] = {
    "en": "English",
    "de": "Deutsch",
    "nl": "Nederlands",
    "fr": "Français",
    "sv": "Svenska",
    "es": "Español",
}
DEFAULT_LANGUAGE = "en"
TRANSLATIONS_DIR = Path(__file__).resolve().parent / "translations"
DOMAIN = "messages"


def shipped(language: str | None) -> str | None:
    """``language`` when glampub ships it ("de-AT" counts as "de"), else None."""
    if not language:
        return None
    base = language.strip().replace("_", "-").split("-")[0].lower()
    return base if base in SHIPPED_LANGUAGES else None


@cache
def translations(language: str) -> gettext.NullTranslations:
    """The compiled catalogue of ``language``; English (and anything unknown)
    gets the source text."""
    if language == DEFAULT_LANGUAGE or language not in SHIPPED_LANGUAGES:
        return gettext.NullTranslations()
    return gettext.translation(DOMAIN, localedir=TRANSLATIONS_DIR, languages=[language])


def N_(text: str) -> str:
    """Marks ``text`` for extraction where it is translated later, by value."""
    return text
