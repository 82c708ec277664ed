"""LIDO ``administrativeMetadata``: rights, the record itself, and resources.

Rights are collected as raw statements (URIs and texts, in source order) for
:mod:`glampub.rights` to decide on; nothing here judges a licence.
"""

from __future__ import annotations

import mimetypes
from functools import lru_cache
from typing import Any

from lxml import etree

from glampub.rights.holders import holder_name
from importers.base import LangMap, SourceImage
from importers.lido.draft import Draft
from importers.lido.fields import (
    CONCEPT_ID,
    FORMAT_RESOURCE,
    RDF_ABOUT,
    SKOS_CONCEPT,
    SKOS_PREF_LABEL,
    SORTORDER,
    TERM,
    TYPE,
    add,
    clean,
    concept,
    concept_langmap,
    first_value,
    lang_of,
    legal_body,
    lido,
    own_text,
    text_of,
)

RIGHTS_WORK_WRAP = lido("rightsWorkWrap")
RIGHTS_WORK_SET = lido("rightsWorkSet")
RECORD_WRAP = lido("recordWrap")
RESOURCE_WRAP = lido("resourceWrap")
RIGHTS_TYPE = lido("rightsType")
RIGHTS_HOLDER = lido("rightsHolder")
CREDIT_LINE = lido("creditLine")
RECORD_ID = lido("recordID")
RECORD_SOURCE = lido("recordSource")
RECORD_RIGHTS = lido("recordRights")
RECORD_INFO_SET = lido("recordInfoSet")
RECORD_INFO_LINK = lido("recordInfoLink")
RECORD_METADATA_DATE = lido("recordMetadataDate")
RESOURCE_SET = lido("resourceSet")
RESOURCE_ID = lido("resourceID")
RESOURCE_REPRESENTATION = lido("resourceRepresentation")
RESOURCE_DESCRIPTION = lido("resourceDescription")
RESOURCE_TYPE = lido("resourceType")
RIGHTS_RESOURCE = lido("rightsResource")
LINK_RESOURCE = lido("linkResource")
RESOURCE_MEASUREMENTS_SET = lido("resourceMeasurementsSet")
MEASUREMENT_UNIT = lido("measurementUnit")
MEASUREMENT_VALUE = lido("measurementValue")

# How much a representation type says "the image to publish": thumbnails
# last, previews next, unknown types, then masters and provided images.
THUMBNAIL, PREVIEW, UNKNOWN, MASTER = 0, 1, 2, 3


def read_administrative(block: etree._Element, lang: str, draft: Draft) -> None:
    for wrap in block:
        tag = wrap.tag
        if tag == RESOURCE_WRAP:
            _resources(wrap, lang, draft)
        elif tag == RECORD_WRAP:
            _record_wrap(wrap, lang, draft)
        elif tag == RIGHTS_WORK_WRAP:
            for rights_set in wrap:
                if rights_set.tag == RIGHTS_WORK_SET:
                    statements, holder, credit = read_rights(rights_set, lang)
                    _extend_unique(draft.rights_work, statements)
                    draft.rights_holder = draft.rights_holder or holder
                    draft.credit_line = draft.credit_line or credit


def read_rights(rights: etree._Element, lang: str) -> tuple[list[str], str | None, str | None]:
    """Statements, holder name and credit line of a rights element.

    Statements are every rightsType's conceptIDs, terms, inline text and, in
    LIDO 1.1, ``skos:Concept`` ``rdf:about`` URIs and ``skos:prefLabel``s.
    """
    statements: list[str] = []
    holder = credit = None
    for child in rights:
        tag = child.tag
        if tag == RIGHTS_TYPE:
            _rights_type(child, statements)
        elif tag == RIGHTS_HOLDER and holder is None:
            holder = first_value(legal_body(child, lang)[0])
        elif tag == CREDIT_LINE and credit is None:
            credit = text_of(child) or None
    return statements, holder, credit


def _rights_type(rights_type: etree._Element, statements: list[str]) -> None:
    own = own_text(rights_type)
    if own:
        _extend_unique(statements, [own])
    for child in rights_type:
        tag = child.tag
        if tag in (CONCEPT_ID, TERM):
            _extend_unique(statements, [text_of(child)])
        elif tag == SKOS_CONCEPT:
            _extend_unique(statements, [clean(child.get(RDF_ABOUT))])
            _extend_unique(
                statements, [text_of(label) for label in child if label.tag == SKOS_PREF_LABEL]
            )


def _extend_unique(target: list[str], values: list[str]) -> None:
    for value in values:
        if value and value not in target:
            target.append(value)


def _record_wrap(wrap: etree._Element, lang: str, draft: Draft) -> None:
    for child in wrap:
        tag = child.tag
        if tag == RECORD_RIGHTS:
            statements, holder, _ = read_rights(child, lang)
            _extend_unique(draft.record_rights, statements)
            if holder := holder_name(holder):
                # Whoever holds the rights in the description, shown beside its licence.
                add(draft.meta("record_rights_holder"), "none", holder)
        elif tag == RECORD_INFO_SET:
            for info in child:
                if info.tag == RECORD_INFO_LINK and draft.record_url is None:
                    draft.record_url = text_of(info) or None
                elif info.tag == RECORD_METADATA_DATE:
                    _keep_first(draft.extra, "record_metadata_date", text_of(info))
        elif tag == RECORD_ID:
            _keep_first(draft.extra, "record_id", text_of(child))
        elif tag == RECORD_SOURCE:
            _keep_first(draft.extra, "record_source", first_value(legal_body(child, lang)[0]))


def _keep_first(extra: dict[str, Any], key: str, value: str | None) -> None:
    if value and key not in extra:
        extra[key] = value


def _resources(wrap: etree._Element, lang: str, draft: Draft) -> None:
    found: list[tuple[tuple[int, int, int], SourceImage, str | None]] = []
    for index, resource_set in enumerate(wrap):
        if resource_set.tag == RESOURCE_SET:
            image, thumbnail = _resource_set(resource_set, lang)
            if image is not None:
                found.append((_sort_key(resource_set, index), image, thumbnail))
    # sortorder first, then document order (the key ends in the index).
    found.sort(key=lambda item: item[0])
    thumbnails: dict[str, str] = draft.extra.get("thumbnails", {})
    for _, image, thumbnail in found:
        draft.images.append(image)
        if thumbnail:
            thumbnails[image.reference] = thumbnail
    if thumbnails:
        draft.extra["thumbnails"] = thumbnails


def _sort_key(resource_set: etree._Element, index: int) -> tuple[int, int, int]:
    raw = resource_set.get(SORTORDER)
    if raw is not None:
        try:
            return (0, int(raw.strip()), index)
        except ValueError:
            pass
    return (1, 0, index)


def _resource_set(resource_set: etree._Element, lang: str) -> tuple[SourceImage | None, str | None]:
    representations: list[etree._Element] = []
    description: LangMap = {}
    kind: LangMap = {}
    rights: list[str] = []
    holder = credit = None
    for child in resource_set:
        tag = child.tag
        if tag == RESOURCE_REPRESENTATION:
            representations.append(child)
        elif tag == RIGHTS_RESOURCE:
            statements, rights_holder, credit_line = read_rights(child, lang)
            _extend_unique(rights, statements)
            holder = holder or rights_holder
            credit = credit or credit_line
        elif tag == RESOURCE_DESCRIPTION:
            add(description, lang_of(child, lang), text_of(child))
        elif tag == RESOURCE_TYPE:
            concept_langmap(child, lang, kind)
    chosen, thumbnail = _pick_representations(representations)
    if chosen is None:
        return None, None
    reference, mime_type = chosen
    image = SourceImage(
        reference=reference,
        label=description or kind,
        rights=rights,
        credit_line=credit,
        rights_holder=holder,
        mime_type=_mime_type(mime_type, reference),
    )
    return image, thumbnail


def _pick_representations(
    representations: list[etree._Element],
) -> tuple[tuple[str, str | None] | None, str | None]:
    """The representation to publish (link, MIME type) and a thumbnail link.

    The type decides (master or provided image over unknown over preview over
    thumbnail); pixel sizes are read only to break a tie, which is rare.
    """
    found = []  # (rank, order, link, MIME type, element)
    for order, representation in enumerate(representations):
        for child in representation:
            if child.tag == LINK_RESOURCE:
                link = text_of(child)
                if link:
                    mime_type = clean(child.get(FORMAT_RESOURCE)) or None
                    rank = _type_rank(representation.get(TYPE))
                    found.append((rank, order, link, mime_type, representation))
                break
    if not found:
        return None, None
    if len(found) == 1:
        return (found[0][2], found[0][3]), None
    best_rank = max(item[0] for item in found)
    tied = [item for item in found if item[0] == best_rank]
    sizes = {id(item): _pixels(item[4]) for item in found} if len(tied) > 1 else {}
    chosen = max(tied, key=lambda item: (sizes.get(id(item), 0.0), -item[1]))
    others = [item for item in found if item is not chosen and item[2] != chosen[2]]
    small = [item for item in others if item[0] <= PREVIEW]
    if not small and sizes:
        small = [item for item in others if 0 < sizes[id(item)] < sizes[id(chosen)]]
    if not small:
        return (chosen[2], chosen[3]), None
    thumbnail = min(small, key=lambda item: (item[0], _pixels(item[4]) or float("inf")))
    return (chosen[2], chosen[3]), thumbnail[2]


@lru_cache(maxsize=1024)
def _type_rank(kind: str | None) -> int:
    if not kind:
        return UNKNOWN
    kind = kind.lower()
    if "thumb" in kind:
        return THUMBNAIL
    if "lido00451" in kind or "preview" in kind or "vorschau" in kind:
        return PREVIEW
    if any(word in kind for word in ("lido00464", "master", "provided", "original", "full")):
        return MASTER
    return UNKNOWN


def _pixels(representation: etree._Element) -> float:
    """The largest pixel (or unitless) measurement of a representation, else 0."""
    largest = 0.0
    for measurements in representation:
        if measurements.tag != RESOURCE_MEASUREMENTS_SET:
            continue
        value = 0.0
        unit = ""
        for child in measurements:
            if child.tag == MEASUREMENT_VALUE:
                try:
                    value = float(text_of(child).replace(",", "."))
                except ValueError:
                    value = 0.0
            elif child.tag == MEASUREMENT_UNIT:
                unit = " ".join(label for _, label in concept(child, "none")[1]).lower()
        if not unit or "pix" in unit or unit == "px":
            largest = max(largest, value)
    return largest


def _mime_type(format_resource: str | None, reference: str) -> str | None:
    """formatResource as given when it is a MIME type ("image/jpeg"); a bare
    extension ("jpg") or a missing one is looked up from the extension."""
    if format_resource and "/" in format_resource:
        return format_resource
    if format_resource:
        found = mimetypes.guess_type("x." + format_resource.lstrip(".").lower(), strict=False)[0]
        if found:
            return found
    path = reference.split("?", 1)[0].split("#", 1)[0]
    return mimetypes.guess_type(path, strict=False)[0]
