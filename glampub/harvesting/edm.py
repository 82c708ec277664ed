"""The ``edm`` format: the Europeana Data Model, as Europeana's Metis takes it.

One ``rdf:RDF`` per record: the ``edm:ProvidedCHO`` (the object), the
``edm:WebResource`` of its largest published image with the IIIF image
service (``svcs:Service``) and the manifest that shows it, and the
``ore:Aggregation`` that ties them to the institution and the rights.
Only objects whose rights Europeana accepts are offered (see
glampub.harvesting.europeana_rights).
"""

from __future__ import annotations

from lxml import etree

from glampub.harvesting.europeana_rights import europeana_accepts
from glampub.harvesting.oai_dc import languages
from glampub.harvesting.xml_text import language_values, xml_safe
from glampub.iiif.manifest import THUMBNAIL_SIZE
from glampub.iiif.records import ImageInfo, ObjectInfo
from glampub.iiif.urls import IiifUrls

RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
DC = "http://purl.org/dc/elements/1.1/"
DCTERMS = "http://purl.org/dc/terms/"
EDM = "http://www.europeana.eu/schemas/edm/"
ORE = "http://www.openarchives.org/ore/terms/"
SVCS = "http://rdfs.org/sioc/services#"
DOAP = "http://usefulinc.com/ns/doap#"
NSMAP = {
    "rdf": RDF,
    "dc": DC,
    "dcterms": DCTERMS,
    "edm": EDM,
    "ore": ORE,
    "svcs": SVCS,
    "doap": DOAP,
}
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
ABOUT = f"{{{RDF}}}about"
RESOURCE = f"{{{RDF}}}resource"

IIIF_IMAGE_API = "http://iiif.io/api/image"
EDM_TYPES = frozenset({"IMAGE", "TEXT", "SOUND", "VIDEO", "3D"})


def offered_as_edm(info: ObjectInfo) -> bool:
    return europeana_accepts(info.rights.uri)


def edm_type(info: ObjectInfo) -> str:
    """The Europeana type: the one the source gave, else IMAGE with images, TEXT without."""
    if info.media_type and info.media_type.upper() in EDM_TYPES:
        return info.media_type.upper()
    return "IMAGE" if info.images else "TEXT"


def largest_image(info: ObjectInfo) -> ImageInfo | None:
    """The published image with the most pixels (as published: thumbnails count small)."""
    if not info.images:
        return None
    return max(info.images, key=lambda image: image.published_size[0] * image.published_size[1])


def edm_record(info: ObjectInfo, urls: IiifUrls, provider: str | None) -> etree._Element:
    """The object as ``rdf:RDF``; ``provider`` is edm:provider (the institution when None)."""
    assert info.rights.uri and offered_as_edm(info)
    slug, identifier = info.institution.slug, info.identifier
    page = urls.object_page(slug, identifier)
    root = etree.Element(f"{{{RDF}}}RDF", nsmap=NSMAP)
    _provided_cho(root, info, f"{page}#object")
    largest = largest_image(info)
    shown_by = urls.image(largest.image_id) if largest else None
    if largest is not None and shown_by is not None:
        service = urls.image_service(largest.image_id)
        resource = _node(root, EDM, "WebResource", shown_by)
        if largest.rights_uri and europeana_accepts(largest.rights_uri):
            _link(resource, EDM, "rights", largest.rights_uri)
        _link(resource, DCTERMS, "isReferencedBy", urls.manifest(slug, identifier))
        _link(resource, SVCS, "has_service", service)
        service_node = _node(root, SVCS, "Service", service)
        _link(service_node, DCTERMS, "conformsTo", IIIF_IMAGE_API)
        _link(service_node, DOAP, "implements", f"{IIIF_IMAGE_API}/3/{urls.image_profile}.json")
    aggregation = etree.SubElement(root, f"{{{ORE}}}Aggregation")
    aggregation.set(ABOUT, f"{page}#aggregation")
    _link(aggregation, EDM, "aggregatedCHO", f"{page}#object")
    _text(aggregation, EDM, "dataProvider", info.institution.name)
    _link(aggregation, EDM, "isShownAt", page)
    if largest is not None and shown_by is not None:
        _link(aggregation, EDM, "isShownBy", shown_by)
        thumbnail = min(info.images, key=lambda image: image.position)
        _link(aggregation, EDM, "object", urls.image(thumbnail.image_id, size=THUMBNAIL_SIZE))
    _text(aggregation, EDM, "provider", provider or info.institution.name)
    _link(aggregation, EDM, "rights", info.rights.uri)
    return root


def _provided_cho(root: etree._Element, info: ObjectInfo, about: str) -> None:
    cho = _node(root, EDM, "ProvidedCHO", about)
    for creator in info.creators:
        if creator.get("name"):
            _text(cho, DC, "creator", str(creator["name"]))
    if info.date_display:
        _text(cho, DC, "date", info.date_display)
    for language, text in language_values(info.description):
        _text(cho, DC, "description", text, language)
    if info.inventory_number:
        _text(cho, DC, "identifier", info.inventory_number)
    for language in languages(info):
        _text(cho, DC, "language", language)
    for language, text in language_values(info.title) or [(None, info.identifier)]:
        _text(cho, DC, "title", text, language)
    for language, text in language_values(info.object_type):
        _text(cho, DC, "type", text, language)
    for language, text in language_values(info.dimensions):
        _text(cho, DCTERMS, "extent", text, language)
    for language, text in language_values(info.materials):
        _text(cho, DCTERMS, "medium", text, language)
    _text(cho, EDM, "type", edm_type(info))


def _node(parent: etree._Element, namespace: str, name: str, about: str) -> etree._Element:
    element = etree.SubElement(parent, f"{{{namespace}}}{name}")
    element.set(ABOUT, about)
    return element


def _link(parent: etree._Element, namespace: str, name: str, uri: str) -> None:
    etree.SubElement(parent, f"{{{namespace}}}{name}").set(RESOURCE, uri)


def _text(
    parent: etree._Element, namespace: str, name: str, text: str, language: str | None = None
) -> None:
    element = etree.SubElement(parent, f"{{{namespace}}}{name}")
    element.text = xml_safe(text)
    if language:
        element.set(XML_LANG, language)
