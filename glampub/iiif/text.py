"""Text values for IIIF: plain text stays plain, HTML only when we mean it.

IIIF clients treat a value as HTML when it starts with ``<`` and ends with
``>``. A title like ``<b>Tulips</b>`` from an export must not become markup,
so such values are escaped and wrapped in a ``<span>``; our own HTML uses only
the tags the Presentation API allows.
"""

from __future__ import annotations

from html import escape

LangMap = dict[str, list[str]]


def plain(value: str) -> str:
    """A source value safe to put in a IIIF language map as text."""
    stripped = value.strip()
    if stripped.startswith("<") and stripped.endswith(">"):
        return f"<span>{escape(stripped)}</span>"
    return stripped


def plain_map(lang_map: LangMap) -> LangMap:
    out: LangMap = {}
    for lang, values in lang_map.items():
        kept = [plain(v) for v in values if v and v.strip()]
        if kept:
            out[lang or "none"] = kept
    return out


def html_span(html: str) -> str:
    """Our own (already escaped) HTML, marked as HTML for IIIF clients."""
    return f"<span>{html}</span>"
