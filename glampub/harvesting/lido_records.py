"""The ``lido`` format: the institution's own LIDO record where it sent LIDO,
otherwise a LIDO 1.1 record built from what glampub mapped.

The stored source record is the ``lido:lido`` element as exported; a record
stored inside a wrapper (``lido:lidoWrap``) is taken out of it, since an
OAI-PMH record holds one ``lido:lido``.
"""

from __future__ import annotations

from lxml import etree

from glampub.harvesting.xml_text import language_values, xml_safe
from glampub.iiif.records import ObjectInfo
from glampub.iiif.urls import IiifUrls

LIDO = "http://www.lido-schema.org"
XSI = "http://www.w3.org/2001/XMLSchema-instance"
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
SCHEMA = "http://www.lido-schema.org/schema/v1.1/lido-v1.1.xsd"
TYPE = f"{{{LIDO}}}type"

# No network, no entities, no DTDs: the stored record is the institution's text.
_PARSER = etree.XMLParser(
    resolve_entities=False, no_network=True, load_dtd=False, remove_blank_text=False
)


def lido_record(
    info: ObjectInfo, source_format: str, source_record: str, urls: IiifUrls
) -> etree._Element:
    """The record as one ``lido:lido`` element."""
    if source_format == "lido":
        stored = stored_lido(source_record)
        if stored is not None:
            return stored
    return built_lido(info, urls)


def stored_lido(source_record: str) -> etree._Element | None:
    """The ``lido:lido`` element of a stored LIDO source record, or None."""
    try:
        root = etree.fromstring(source_record.encode("utf-8"), _PARSER)
    except (etree.XMLSyntaxError, ValueError):
        return None
    if root.tag == f"{{{LIDO}}}lido":
        return root
    return root.find(f".//{{{LIDO}}}lido")


def built_lido(info: ObjectInfo, urls: IiifUrls) -> etree._Element:
    """A minimal LIDO 1.1 record from the mapped fields."""
    slug, identifier = info.institution.slug, info.identifier
    page = urls.object_page(slug, identifier)
    root = etree.Element(f"{{{LIDO}}}lido", nsmap={"lido": LIDO, "xsi": XSI})
    root.set(f"{{{XSI}}}schemaLocation", f"{LIDO} {SCHEMA}")
    _id(root, "lidoRecID", f"{slug}/{identifier}")
    descriptive = _sub(root, "descriptiveMetadata")
    descriptive.set(XML_LANG, _main_language(info))
    classification = _sub(descriptive, "objectClassificationWrap")
    work_types = _sub(classification, "objectWorkTypeWrap")
    types = language_values(info.object_type) or [(None, "object")]
    for language, text in types:
        _term(_sub(work_types, "objectWorkType"), text, language)
    identification = _sub(descriptive, "objectIdentificationWrap")
    titles = _sub(identification, "titleWrap")
    for language, text in language_values(info.title) or [(None, identifier)]:
        title_set = _sub(titles, "titleSet")
        _value(title_set, "appellationValue", text, language)
    if info.inventory_number:
        repository = _sub(_sub(identification, "repositoryWrap"), "repositorySet")
        _legal_body(_sub(repository, "repositoryName"), info.institution.name)
        _id(repository, "workID", info.inventory_number, kind="inventory number")
    descriptions = language_values(info.description)
    if descriptions:
        wrap = _sub(identification, "objectDescriptionWrap")
        for language, text in descriptions:
            description_set = _sub(wrap, "objectDescriptionSet")
            _value(description_set, "descriptiveNoteValue", text, language)
    if info.creators or info.date_display:
        _production(descriptive, info)
    administrative = _sub(root, "administrativeMetadata")
    administrative.set(XML_LANG, _main_language(info))
    if info.rights.uri:
        rights = _sub(_sub(administrative, "rightsWorkWrap"), "rightsWorkSet")
        _concept(_sub(rights, "rightsType"), info.rights.uri, info.rights.label)
    record = _sub(administrative, "recordWrap")
    _id(record, "recordID", f"{slug}/{identifier}")
    _term(_sub(record, "recordType"), "item")
    _legal_body(_sub(record, "recordSource"), info.institution.name)
    if info.record_rights_uri:  # only a licence the institution gave (none by default)
        record_rights = _sub(record, "recordRights")
        _concept(_sub(record_rights, "rightsType"), info.record_rights_uri, None)
    info_set = _sub(record, "recordInfoSet")
    _sub(info_set, "recordInfoLink").text = page
    if info.images:
        resources = _sub(administrative, "resourceWrap")
        for image in info.images:
            resource = _sub(resources, "resourceSet")
            representation = _sub(resource, "resourceRepresentation")
            representation.set(TYPE, "http://terminology.lido-schema.org/lido00464")
            _sub(representation, "linkResource").text = urls.image(image.image_id)
            if image.rights_uri:
                rights_resource = _sub(resource, "rightsResource")
                _concept(_sub(rights_resource, "rightsType"), image.rights_uri, None)
    return root


def _production(descriptive: etree._Element, info: ObjectInfo) -> None:
    event = _sub(_sub(_sub(descriptive, "eventWrap"), "eventSet"), "event")
    _term(_sub(event, "eventType"), "production")
    for creator in info.creators:
        if creator.get("name"):
            actor = _sub(event, "eventActor")
            _sub(actor, "displayActorInRole").text = xml_safe(str(creator["name"]))
    if info.date_display:
        _sub(_sub(event, "eventDate"), "displayDate").text = xml_safe(info.date_display)


def _main_language(info: ObjectInfo) -> str:
    for language, _text in language_values(info.title):
        if language:
            return language
    return "und"


def _sub(parent: etree._Element, name: str) -> etree._Element:
    return etree.SubElement(parent, f"{{{LIDO}}}{name}")


def _id(parent: etree._Element, name: str, text: str, kind: str = "local") -> None:
    element = _sub(parent, name)
    element.text = xml_safe(text)
    element.set(TYPE, kind)


def _value(parent: etree._Element, name: str, text: str, language: str | None) -> None:
    element = _sub(parent, name)
    element.text = xml_safe(text)
    if language:
        element.set(XML_LANG, language)


def _term(parent: etree._Element, text: str, language: str | None = None) -> None:
    _value(parent, "term", text, language)


def _concept(parent: etree._Element, uri: str, label: str | None) -> None:
    concept = _sub(parent, "conceptID")
    concept.text = uri
    concept.set(TYPE, "http://terminology.lido-schema.org/lido00099")
    if label:
        _term(parent, label)


def _legal_body(parent: etree._Element, name: str) -> None:
    _value(_sub(parent, "legalBodyName"), "appellationValue", name, None)
