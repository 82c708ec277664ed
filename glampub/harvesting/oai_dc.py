"""The ``oai_dc`` format: simple Dublin Core, which every harvester reads."""

from __future__ import annotations

from lxml import etree

from glampub.harvesting.xml_text import language_values, xml_safe
from glampub.iiif.records import ObjectInfo
from glampub.iiif.urls import IiifUrls

OAI_DC = "http://www.openarchives.org/OAI/2.0/oai_dc/"
DC = "http://purl.org/dc/elements/1.1/"
XSI = "http://www.w3.org/2001/XMLSchema-instance"
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
SCHEMA = "http://www.openarchives.org/OAI/2.0/oai_dc.xsd"


def oai_dc_record(info: ObjectInfo, urls: IiifUrls) -> etree._Element:
    """The object as an ``oai_dc:dc`` element."""
    root = etree.Element(f"{{{OAI_DC}}}dc", nsmap={"oai_dc": OAI_DC, "dc": DC, "xsi": XSI})
    root.set(f"{{{XSI}}}schemaLocation", f"{OAI_DC} {SCHEMA}")
    titles = language_values(info.title) or [(None, info.identifier)]
    for language, text in titles:
        _add(root, "title", text, language)
    for creator in info.creators:
        if creator.get("name"):
            _add(root, "creator", str(creator["name"]))
    if info.date_display:
        _add(root, "date", info.date_display)
    for language, text in language_values(info.object_type):
        _add(root, "type", text, language)
    # The DCMI type of what is published: a picture when there are images.
    _add(root, "type", "Image" if info.images else "PhysicalObject")
    for language, text in language_values(info.description):
        _add(root, "description", text, language)
    for language, text in language_values(info.materials):
        _add(root, "format", text, language)
    _add(root, "publisher", info.institution.name)
    _add(root, "identifier", urls.object_page(info.institution.slug, info.identifier))
    if info.inventory_number:
        _add(root, "identifier", info.inventory_number)
    for language in languages(info):
        _add(root, "language", language)
    if info.rights.uri:
        _add(root, "rights", info.rights.uri)
    _add(root, "rights", info.rights.label)
    return root


def languages(info: ObjectInfo) -> list[str]:
    """The languages the record's texts are in, where the source says."""
    found: list[str] = []
    for values in (info.title, info.description):
        for language, _text in language_values(values):
            if language and language not in found:
                found.append(language)
    return found


def _add(parent: etree._Element, name: str, text: str, language: str | None = None) -> None:
    element = etree.SubElement(parent, f"{{{DC}}}{name}")
    element.text = xml_safe(text)
    if language:
        element.set(XML_LANG, language)
