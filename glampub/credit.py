"""The credit line: how to reference an object, in the forms people paste.

Follows Creative Commons' 2024 guidance for public-domain material: for PDM
and CC0 items the credit is a request, never a condition, and no text here
claims rights over the public domain. For CC BY-family items it carries what
the licence requires: title, creator, source and licence (TASL).
"""

from __future__ import annotations

from html import escape

from glampub.iiif.records import ObjectInfo


def first_value(lang_map: dict[str, list[str]], preferred: tuple[str, ...] = ("en", "none")) -> str:
    """The first value of a language map, preferring the given languages."""
    for lang in preferred:
        if lang_map.get(lang):
            return lang_map[lang][0]
    for values in lang_map.values():
        if values:
            return values[0]
    return ""


def creator_names(obj: ObjectInfo) -> str:
    names = []
    for creator in obj.creators:
        name = creator.get("name") or ""
        qualifier = creator.get("qualifier")
        names.append(f"{qualifier} {name}" if qualifier else name)
    return ", ".join(n for n in names if n)


def _parts(obj: ObjectInfo) -> tuple[str, str, str]:
    title = first_value(obj.title) or obj.identifier
    creators = creator_names(obj)
    made = f"“{title}”"
    if creators:
        made += f" by {creators}"
    if obj.date_display:
        made += f" ({obj.date_display})"
    return title, made, obj.institution.name


def reference_text(obj: ObjectInfo, object_url: str) -> str:
    """Plain text, ready to paste under a reused image."""
    _title, made, source = _parts(obj)
    rights = obj.rights
    if rights.uri and rights.public_domain:
        return f"{made}, {source}, {object_url} ({rights.label})"
    if rights.uri:
        licence = f"{rights.label}, {rights.licence_page or rights.uri}"
        return f"{made}, {source}, {object_url}. {licence}"
    return f"{made}, {source}, {object_url}"


def reference_html(obj: ObjectInfo, object_url: str) -> str:
    """The same credit as HTML, with links; every value escaped."""
    _title, made, source = _parts(obj)
    rights = obj.rights
    html = f'{escape(made)}, <a href="{escape(object_url)}">{escape(source)}</a>'
    if rights.uri:
        page = rights.licence_page or rights.uri
        html += f', <a href="{escape(page)}">{escape(rights.label)}</a>'
    return html


def reference_markdown(obj: ObjectInfo, object_url: str) -> str:
    _title, made, source = _parts(obj)
    rights = obj.rights
    text = f"{_md(made)}, [{_md(source)}]({object_url})"
    if rights.uri:
        text += f", [{_md(rights.label)}]({rights.licence_page or rights.uri})"
    return text


def reference_wikitext(obj: ObjectInfo, object_url: str) -> str:
    _title, made, source = _parts(obj)
    rights = obj.rights
    text = f"{_wiki(made)}, [{object_url} {_wiki(source)}]"
    if rights.uri:
        text += f", [{rights.licence_page or rights.uri} {_wiki(rights.label)}]"
    return text


def _md(text: str) -> str:
    return "".join("\\" + ch if ch in "\\`*_[]<>#" else ch for ch in text)


def _wiki(text: str) -> str:
    return text.replace("[", "&#91;").replace("]", "&#93;").replace("|", "&#124;")
