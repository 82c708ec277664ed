"""The credit line: how to reference an object, in the forms people paste.

Follows Creative Commons' 2024 guidance for public-domain material: for PDM
and CC0 items the credit is a request, never a condition, and no text here
claims rights over the public domain. For CC BY-family items it carries what
the licence requires: title, creator, source and licence (TASL).
"""

from __future__ import annotations

import re
import string
from collections.abc import Callable
from dataclasses import replace
from html import escape

from glampub.errors import UsageError
from glampub.iiif.records import ObjectInfo, RightsInfo
from glampub.languages import DEFAULT_LANGUAGE, N_, translations
from glampub.rights.official import official_label
from importers.attribution import makers, qualified_name

#: The names an institution's credit line template may use.
TEMPLATE_FIELDS = ("title", "creator", "date", "identifier", "institution", "rights_holder")
#: The label of rights nobody has decided yet.
UNDECIDED_RIGHTS = N_("Rights not yet determined: ask %(institution)s before reuse")


def rights_in(rights: RightsInfo, language: str, institution_name: str) -> RightsInfo:
    """The rights as a reader of ``language`` reads them: the publisher's
    official label in that language (RightsStatements.org, Creative Commons),
    English where it has none."""
    if language == DEFAULT_LANGUAGE:
        return rights
    if rights.uri is None:
        text = translations(language).gettext(UNDECIDED_RIGHTS)
        return replace(rights, label=text % {"institution": institution_name})
    return replace(rights, label=official_label(rights.uri, language) or rights.label)


def in_language(obj: ObjectInfo, language: str) -> ObjectInfo:
    """The object with its rights labelled in ``language``."""
    if language == DEFAULT_LANGUAGE:
        return obj
    return replace(obj, rights=rights_in(obj.rights, language, obj.institution.name))


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
    """The makers, each with its attribution qualifier ("after David Teniers");
    donors, owners, sellers, publishers and depicted people are left out."""
    return ", ".join(qualified_name(creator) for creator in makers(obj.creators))


def _made(obj: ObjectInfo, title: str, language: str) -> str:
    """“Title” by Name, or “Title”, after Name when the first maker is
    qualified: a copy after David Teniers is not by David Teniers. Quotes and
    "by" in the reader's language."""
    words = translations(language)
    # TRANSLATORS: the title of a work in the language's quotation marks.
    quoted = words.gettext("“%(title)s”") % {"title": title}
    found = makers(obj.creators)
    if not found:
        return quoted
    names = ", ".join(qualified_name(creator) for creator in found)
    if found[0].get("qualifier"):
        return f"{quoted}, {names}"
    # TRANSLATORS: a credit line: “Title” by Names.
    return words.gettext("%(work)s by %(names)s") % {"work": quoted, "names": names}


def credited_holder(obj: ObjectInfo) -> str | None:
    """The rights holder a credit must name: under a CC BY-family licence, the
    one the source names (a photographer, a library), unless that is the
    institution itself, which the credit names anyway."""
    holder = obj.rights_holder
    if not holder or not obj.rights.attribution_required or holder == obj.institution.name:
        return None
    return holder


def check_template(template: str) -> None:
    """UsageError unless ``template`` uses only the known {names}, plainly."""
    try:
        fields = list(string.Formatter().parse(template))
    except ValueError as exc:
        raise UsageError(f"the credit line template is malformed: {exc}") from None
    for _text, name, spec, conversion in fields:
        if name is None:
            continue
        if name not in TEMPLATE_FIELDS or spec or conversion:
            known = ", ".join("{" + f + "}" for f in TEMPLATE_FIELDS)
            raise UsageError(f"the credit line template may only use {known}; not {{{name}}}")


def _parts(
    obj: ObjectInfo, template: str | None = None, language: str = DEFAULT_LANGUAGE
) -> tuple[str, str]:
    """(the credit before its links, as plain text; the same with a NUL where
    the institution's name goes, for the forms that link it). Without a
    template: “Title” by Creator (date), Institution.

    ``template`` defaults to the institution's own, so that the page, the
    manifest and the credit embedded in image files all say the same."""
    if template is None:
        template = obj.institution.credit_template
    title = first_value(obj.title) or obj.identifier
    creators = creator_names(obj)
    name = obj.institution.name
    holder = credited_holder(obj)
    if template:
        values = {
            "title": title,
            "creator": creators,
            "date": obj.date_display or "",
            "identifier": obj.identifier,
            "rights_holder": holder or "",
        }
        # The licence requires the holder's name, whether the template asks for it or not.
        tail = f", © {holder}" if holder and "{rights_holder}" not in template else ""
        return (
            _tidy(template.format(**values, institution=name) + tail),
            _tidy(template.format(**values, institution="\x00") + tail),
        )
    made = _made(obj, title, language)
    if obj.date_display:
        made += f" ({obj.date_display})"
    if holder:
        made += f", © {holder}"
    return f"{made}, {name}", f"{made}, \x00"


def _tidy(text: str) -> str:
    """What an empty field leaves behind in a template: "()", "“”", doubled commas."""
    text = re.sub(r"\(\s*\)|“\s*”|\bby\s*(?=[,;(]|$)", "", text)
    text = re.sub(r"\s*,(\s*,)+", ",", text)
    return re.sub(r"\s{2,}", " ", text).strip(" ,;")


def reference_text(
    obj: ObjectInfo,
    object_url: str,
    template: str | None = None,
    language: str = DEFAULT_LANGUAGE,
) -> str:
    """Plain text, ready to paste under a reused image, in ``language``."""
    credit, _ = _parts(obj, template, language)
    rights = rights_in(obj.rights, language, obj.institution.name)
    if rights.uri and rights.public_domain:
        return f"{credit}, {object_url} ({rights.label})"
    if rights.uri:
        licence = f"{rights.label}, {rights.licence_page or rights.uri}"
        return f"{credit}, {object_url}. {licence}"
    return f"{credit}, {object_url}"


def _linked(
    obj: ObjectInfo,
    template: str | None,
    escape_text: Callable[[str], str],
    link: str,
    language: str,
) -> str:
    """The credit with the institution's name as a link (``link`` holds the markup)."""
    _, marked = _parts(obj, template, language)
    before, _, after = marked.partition("\x00")
    return escape_text(before) + link + escape_text(after)


def reference_html(
    obj: ObjectInfo,
    object_url: str,
    template: str | None = None,
    language: str = DEFAULT_LANGUAGE,
) -> str:
    """The same credit as HTML, with links; every value escaped."""
    rights = rights_in(obj.rights, language, obj.institution.name)
    link = f'<a href="{escape(object_url)}">{escape(obj.institution.name)}</a>'
    html = _linked(obj, template, escape, link, language)
    if rights.uri:
        page = rights.licence_page or rights.uri
        html += f', <a href="{escape(page)}">{escape(rights.label)}</a>'
    return html


def reference_markdown(
    obj: ObjectInfo,
    object_url: str,
    template: str | None = None,
    language: str = DEFAULT_LANGUAGE,
) -> str:
    rights = rights_in(obj.rights, language, obj.institution.name)
    link = f"[{_md(obj.institution.name)}]({object_url})"
    text = _linked(obj, template, _md, link, language)
    if rights.uri:
        text += f", [{_md(rights.label)}]({rights.licence_page or rights.uri})"
    return text


def reference_wikitext(
    obj: ObjectInfo,
    object_url: str,
    template: str | None = None,
    language: str = DEFAULT_LANGUAGE,
) -> str:
    rights = rights_in(obj.rights, language, obj.institution.name)
    link = f"[{object_url} {_wiki(obj.institution.name)}]"
    text = _linked(obj, template, _wiki, link, language)
    if rights.uri:
        text += f", [{rights.licence_page or rights.uri} {_wiki(rights.label)}]"
    return text


def _md(text: str) -> str:
    return "".join("\\" + ch if ch in "\\`*_[]<>#" else ch for ch in text)


def _wiki(text: str) -> str:
    return text.replace("[", "&#91;").replace("]", "&#93;").replace("|", "&#124;")
