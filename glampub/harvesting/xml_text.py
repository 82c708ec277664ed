"""Text made safe to put in XML, and language tags XML accepts."""

from __future__ import annotations

import re

# XML 1.0 allows tab, newline, carriage return and everything from U+0020 on,
# but not the surrogates or U+FFFE/U+FFFF; lxml refuses the rest outright.
_NOT_XML = re.compile("[^\t\n\r\u0020-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
_LANGUAGE = re.compile(r"^[A-Za-z]{1,8}(-[A-Za-z0-9]{1,8})*$")


def xml_safe(text: str) -> str:
    """``text`` without the characters XML 1.0 cannot hold."""
    return _NOT_XML.sub("", text)


def language_tag(key: str) -> str | None:
    """A language map's key as an ``xml:lang`` value; None for "none" or a key
    that is no language tag."""
    if key == "none" or not _LANGUAGE.match(key):
        return None
    return key


def language_values(values: dict[str, list[str]] | None) -> list[tuple[str | None, str]]:
    """A IIIF language map as (language or None, text) pairs, empty texts left out."""
    pairs = []
    for key, texts in (values or {}).items():
        for text in texts or ():
            cleaned = xml_safe(str(text)).strip()
            if cleaned:
                pairs.append((language_tag(key), cleaned))
    return pairs
