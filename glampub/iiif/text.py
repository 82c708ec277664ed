"""Text values for IIIF: plain text stays plain, HTML only the kind IIIF allows.

IIIF clients treat a value as HTML when it starts with ``<`` and ends with
``>``, and should then allow only a few tags (a, b, br, i, img, p, small,
span, sub, sup) with href, src and alt. Source values of that shape are
cleaned to exactly that with nh3 (the Ammonia sanitiser): scripts and styles
go with their content, event handlers and ``javascript:`` links go, other
tags (div, em, font ...) give way to their text. A value that is not markup
at all, such as ``<Untitled>`` (no HTML element of that name), or one with
nothing left once cleaned, is escaped instead and so shown as written. Our own
HTML uses only the allowed tags. Text that merely contains a tag (``a <b>
word``) is text to IIIF, but not to every viewer: it is escaped too.

Labels are another matter: IIIF allows HTML only in ``summary``, metadata
values and ``requiredStatement`` values, so a label is plain text, ``x < y``
as written. Markup in a source value becomes its text there (scripts and
styles dropped with their content), and what still looks like a tag, such as
``<Untitled>``, keeps its angle brackets as ``‹Untitled›``: a lax viewer that
renders labels as HTML finds no tag to run.
"""

from __future__ import annotations

import re
from html import escape, unescape

import nh3

LangMap = dict[str, list[str]]

#: What the Presentation API 3.0 lets a client render.
IIIF_TAGS = frozenset({"a", "b", "br", "i", "img", "p", "small", "span", "sub", "sup"})
IIIF_ATTRIBUTES = {"a": {"href"}, "img": {"src", "alt"}}
URL_SCHEMES = frozenset({"http", "https", "mailto"})
#: Removed together with their content: what they hold is code or layout, not text.
DROPPED_WITH_CONTENT = frozenset(
    {"script", "style", "template", "noscript", "iframe", "object", "embed", "svg", "math"}
)
#: Tag names that make a value markup rather than text in angle brackets:
#: Ammonia's list of ordinary HTML elements, and the dangerous ones.
HTML_TAGS = frozenset(nh3.ALLOWED_TAGS) | DROPPED_WITH_CONTENT | {
    "html", "head", "body", "title", "meta", "link", "base", "form", "input", "button",
    "select", "option", "textarea", "frame", "frameset", "applet", "font", "marquee",
}  # fmt: skip
_TAG_NAME = re.compile(r"</?\s*([A-Za-z][A-Za-z0-9-]*)")


def plain(value: str) -> str:
    """A source value safe to put in a IIIF language map."""
    stripped = value.strip()
    if stripped.startswith("<") and stripped.endswith(">"):
        return iiif_html(stripped)
    if _TAG_NAME.search(stripped):
        # Text to a IIIF client, but some viewers render every value as HTML:
        # as escaped HTML it shows the same, as written, in both.
        return html_span(escape(stripped))
    return stripped


def iiif_html(value: str) -> str:
    """An HTML-shaped source value as IIIF-allowed HTML, or escaped text."""
    names = {name.lower() for name in _TAG_NAME.findall(value)}
    if names and names <= HTML_TAGS:
        cleaned = nh3.clean(
            value,
            tags=set(IIIF_TAGS),
            clean_content_tags=set(DROPPED_WITH_CONTENT),
            attributes={tag: set(names) for tag, names in IIIF_ATTRIBUTES.items()},
            url_schemes=set(URL_SCHEMES),
            link_rel=None,
            # A relative link in an export points nowhere useful (or somewhere of ours).
            url_relative="deny",
            strip_comments=True,
        ).strip()
        if cleaned:
            # Still HTML to a client only if it still starts and ends with a tag.
            if cleaned.startswith("<") and cleaned.endswith(">"):
                return cleaned
            return html_span(cleaned)
    return html_span(escape(value))


#: A whole tag, opening or closing, and its name.
_WHOLE_TAG = re.compile(r"</?([A-Za-z][A-Za-z0-9-]*)(?:[\s/][^<>]*)?>")
#: Tags that separate words: their text would run together without a space.
_WORD_BREAKING_TAG = re.compile(
    r"</?(?:br|p|div|li|h[1-6]|td|th|tr|blockquote)\b[^<>]*>", re.IGNORECASE
)
#: What a browser would start a tag, comment or processing instruction with.
_TAG_START = re.compile(r"<(?=[A-Za-z/!?])([^<>]*)(>?)")
_SPACES = re.compile(r"\s+")


def label_text(value: str) -> str:
    """A source value as a IIIF label: plain text, never HTML."""
    text = value.strip()
    if not _TAG_START.search(text):
        return text
    names = {name.lower() for name in _WHOLE_TAG.findall(text)}
    if names and names <= HTML_TAGS:
        # Markup: its text, as a reader of the rendered HTML would see it.
        stripped = nh3.clean(
            _WORD_BREAKING_TAG.sub(lambda tag: f" {tag.group(0)} ", text),
            tags=set(),
            clean_content_tags=set(DROPPED_WITH_CONTENT),
            strip_comments=True,
        )
        # A value that was all code (a lone script) is shown as written instead.
        text = _SPACES.sub(" ", unescape(stripped)).strip() or text
    # Whatever still reads as a tag (not HTML, or spelt with entities) is shown, inert.
    return _TAG_START.sub(lambda tag: f"‹{tag.group(1)}{'›' if tag.group(2) else ''}", text)


def label_map(lang_map: LangMap) -> LangMap:
    """A language map of source values as a IIIF label (see :func:`label_text`)."""
    out: LangMap = {}
    for lang, values in lang_map.items():
        kept = [text for v in values if v and (text := label_text(v))]
        if kept:
            out[lang or "none"] = kept
    return out


def plain_map(lang_map: LangMap) -> LangMap:
    out: LangMap = {}
    for lang, values in lang_map.items():
        kept = [plain(v) for v in values if v and v.strip()]
        if kept:
            out[lang or "none"] = kept
    return out


def lines_map(lang_map: LangMap) -> LangMap:
    """As :func:`plain_map`, but a value of several lines (display measurements,
    "Height: 10 cm" over "Width: 8 cm") keeps its breaks, as ``<br>``."""
    out: LangMap = {}
    for lang, values in lang_map.items():
        kept = [_lines(v) for v in values if v and v.strip()]
        if kept:
            out[lang or "none"] = kept
    return out


def _lines(value: str) -> str:
    stripped = value.strip()
    if "\n" not in stripped or (stripped.startswith("<") and stripped.endswith(">")):
        return plain(value)
    lines = [escape(line.strip()) for line in stripped.splitlines() if line.strip()]
    return html_span("<br>".join(lines))


def html_span(html: str) -> str:
    """Our own (already escaped) HTML, marked as HTML for IIIF clients."""
    return f"<span>{html}</span>"
