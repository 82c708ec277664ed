"""One object's IIIF Presentation 3.0 Manifest, built with iiif-prezi3.

Every id is passed explicitly (iiif-prezi3 would otherwise invent ids from a
process-wide counter) and full language maps are passed (never the library's
global AutoLang). Serialised with ``json.loads(m.json())``.
"""

from __future__ import annotations

import json
from html import escape
from typing import TYPE_CHECKING, Any

from glampub.credit import reference_html, reference_text, rights_in
from glampub.iiif.labels import label
from glampub.iiif.records import ImageInfo, InstitutionInfo, ObjectInfo, RemoteImageService
from glampub.iiif.text import html_span, label_map, label_text, lines_map, plain, plain_map
from glampub.iiif.urls import IiifUrls
from glampub.languages import SHIPPED_LANGUAGES
from glampub.rights import lookup
from importers.attribution import is_maker, makers

if TYPE_CHECKING:
    import iiif_prezi3 as prezi

SOURCE_PROFILES = {"lido": "http://www.lido-schema.org"}
DOWNLOAD_TYPES = {"jpg": "image/jpeg", "png": "image/png"}


#: The thumbnails manifests list;
#: glampub.static_site.export writes these sizes too.
THUMBNAIL_SIZE = "!400,400"


def build_manifest(obj: ObjectInfo, urls: IiifUrls) -> dict[str, Any]:
    """The manifest as a JSON-ready dict."""
    import iiif_prezi3 as prezi  # see glampub.iiif: imported when first needed

    inst = obj.institution.slug
    manifest_id = urls.manifest(inst, obj.identifier)
    object_url = urls.object_page(inst, obj.identifier)
    fields: dict[str, Any] = {
        "id": manifest_id,
        "label": label_map(obj.title) or {"none": [label_text(obj.identifier)]},
        "metadata": _metadata(obj, object_url),
        "provider": [provider(obj.institution, urls)],
        "homepage": [
            {
                "id": object_url,
                "type": "Text",
                "label": label_map(obj.title) or {"none": [label_text(obj.identifier)]},
                "format": "text/html",
            }
        ],
        "seeAlso": [_source_record(obj, urls), _record_json(obj, urls)],
        "partOf": [{"id": urls.collection(inst), "type": "Collection"}],
        "items": [_canvas(obj, image, urls) for image in obj.images],
    }
    if summary := plain_map(obj.description):
        fields["summary"] = summary
    if obj.rights.uri:
        fields["rights"] = obj.rights.uri
    if statement := _required_statement(obj, object_url):
        fields["requiredStatement"] = statement
    if obj.images:
        first = obj.images[0]
        fields["thumbnail"] = [_thumbnail(first, urls)]
        if not first.thumbnail_only:
            fields["rendering"] = [_download(first, urls)]
    if obj.date_earliest is not None and 0 < obj.date_earliest <= 9999:
        fields["navDate"] = f"{obj.date_earliest:04d}-01-01T00:00:00Z"
    manifest = prezi.Manifest(**fields)
    return json.loads(manifest.json())


def provider(institution: InstitutionInfo, urls: IiifUrls) -> dict[str, Any]:
    """The institution as an Agent, with its homepage and logo (with an image service)."""
    agent: dict[str, Any] = {
        "id": institution.homepage or urls.institution_page(institution.slug),
        "type": "Agent",
        "label": {"none": [label_text(institution.name)]},
        "homepage": [
            {
                "id": institution.homepage or urls.institution_page(institution.slug),
                "type": "Text",
                "label": {"none": [label_text(institution.name)]},
                "format": "text/html",
            }
        ],
        "seeAlso": [
            {
                "id": urls.collection(institution.slug),
                "type": "Dataset",
                "format": "application/ld+json",
                "profile": "http://iiif.io/api/presentation/3/context.json",
            }
        ],
    }
    if institution.logo_image_id:
        logo: dict[str, Any] = {
            "id": urls.image(institution.logo_image_id, fmt="png"),
            "type": "Image",
            "format": "image/png",
            "service": [_image_service(institution.logo_image_id, urls)],
        }
        if institution.logo_width and institution.logo_height:
            logo["width"] = institution.logo_width
            logo["height"] = institution.logo_height
        agent["logo"] = [logo]
    return agent


def _image_service(image_id: str, urls: IiifUrls) -> dict[str, Any]:
    return {
        "id": urls.image_service(image_id),
        "type": "ImageService3",
        "profile": urls.image_profile,
    }


def _remote_service(service: RemoteImageService) -> dict[str, Any]:
    """A museum's own Image API service, referenced as it describes itself."""
    if service.type == "ImageService2":
        # Version 2 services keep their JSON-LD names inside a version 3 manifest.
        return {"@id": service.id, "@type": service.type, "profile": service.profile}
    return {"id": service.id, "type": service.type, "profile": service.profile}


def _remote_image(service: RemoteImageService) -> str:
    """The whole image from a remote service ("full" size in version 2, "max" in 3)."""
    size = "full" if service.type == "ImageService2" else "max"
    return f"{service.id}/full/{size}/0/default.jpg"


def _thumbnail(image: ImageInfo, urls: IiifUrls) -> dict[str, Any]:
    return {
        # "!w,h" fits a box and never upscales: safe for images smaller than it.
        "id": urls.image(image.image_id, size=THUMBNAIL_SIZE),
        "type": "Image",
        "format": "image/jpeg",
        "service": [_image_service(image.image_id, urls)],
    }


def _download(image: ImageInfo, urls: IiifUrls) -> dict[str, Any]:
    """The original file, at full resolution, with the credit embedded."""
    return {
        "id": urls.download(image.image_id, image.extension),
        "type": "Image",
        "label": label("download"),
        "format": DOWNLOAD_TYPES.get(image.extension, "image/jpeg"),
    }


def _canvas(obj: ObjectInfo, image: ImageInfo, urls: IiifUrls) -> prezi.Canvas:
    import iiif_prezi3 as prezi  # see glampub.iiif: imported when first needed

    inst = obj.institution.slug
    canvas_id = urls.canvas(inst, obj.identifier, image.position)
    # A thumbnail-only image is smaller than its canvas; viewers scale it up.
    published_width, published_height = image.published_size
    remote = image.remote_service
    body = prezi.AnnotationBody(
        id=urls.image(image.image_id) if remote is None else _remote_image(remote),
        type="Image",
        format="image/jpeg",
        width=published_width,
        height=published_height,
        service=[
            _image_service(image.image_id, urls) if remote is None else _remote_service(remote)
        ],
    )
    annotation = prezi.Annotation(
        id=urls.annotation(inst, obj.identifier, image.position),
        motivation="painting",
        body=body,
        target=canvas_id,
    )
    page = prezi.AnnotationPage(
        id=urls.annotation_page(inst, obj.identifier, image.position), items=[annotation]
    )
    canvas_label = label_map(image.label) or {"none": [f"{image.position}"]}
    canvas: dict[str, Any] = {
        "id": canvas_id,
        "label": canvas_label,
        "width": image.width,
        "height": image.height,
        "items": [page],
        "thumbnail": [_thumbnail(image, urls)],
    }
    if not image.thumbnail_only and remote is None:
        # (A remote service's original is the museum's to offer, not glampub's.)
        canvas["rendering"] = [_download(image, urls)]
    # A canvas states its own rights only where they differ from the manifest's.
    if image.rights_uri and image.rights_uri != obj.rights.uri:
        canvas["rights"] = image.rights_uri
    if image.credit_line:
        canvas["requiredStatement"] = {
            "label": label("credit_line"),
            "value": {"none": [plain(image.credit_line)]},
        }
    if image.rights_holder and _holders_vary(obj):
        # Images with holders of their own: each canvas names its image's.
        canvas["metadata"] = [_pair("rights_holder", {"none": [plain(image.rights_holder)]})]
        if image.rights_holder != obj.rights_holder and "requiredStatement" not in canvas:
            # Another holder than the manifest names: viewers must show this one here.
            canvas["requiredStatement"] = {
                "label": label("rights_holder"),
                "value": {"none": [plain(image.rights_holder)]},
            }
    return prezi.Canvas(**canvas)


def _holders_vary(obj: ObjectInfo) -> bool:
    """Whether some image names another rights holder than the object does."""
    return any(i.rights_holder and i.rights_holder != obj.rights_holder for i in obj.images)


def _source_record(obj: ObjectInfo, urls: IiifUrls) -> dict[str, Any]:
    see_also: dict[str, Any] = {
        "id": urls.source_record(obj.institution.slug, obj.identifier),
        "type": "Dataset",
        "label": label("source_record"),
        "format": obj.source_media_type,
    }
    if profile := SOURCE_PROFILES.get(obj.source_format):
        see_also["profile"] = profile
    return see_also


def _record_json(obj: ObjectInfo, urls: IiifUrls) -> dict[str, Any]:
    return {
        "id": urls.record(obj.institution.slug, obj.identifier),
        "type": "Dataset",
        "label": label("record_json"),
        "format": "application/json",
    }


def _pair(key: str, value: dict[str, list[str]]) -> dict[str, Any]:
    return {"label": label(key), "value": value}


def _creator_text(creator: dict[str, Any]) -> str:
    text = creator.get("name") or ""
    if creator.get("qualifier"):
        text = f"{creator['qualifier']} {text}"
    dates = creator.get("display_dates")
    if not dates and (creator.get("birth_year") or creator.get("death_year")):
        dates = f"{creator.get('birth_year') or ''}–{creator.get('death_year') or ''}"
    if dates:
        text += f" ({dates})"
    if creator.get("role"):
        text += f", {creator['role']}"
    return text


def _metadata(obj: ObjectInfo, object_url: str) -> list[dict[str, Any]]:
    pairs: list[dict[str, Any]] = []
    creators = [plain(_creator_text(c)) for c in makers(obj.creators)]
    if creators:
        pairs.append(_pair("creator", {"none": creators}))
    # Donors, former owners, publishers, depicted people: named, never as the creator.
    others = [plain(_creator_text(c)) for c in obj.creators if c.get("name") and not is_maker(c)]
    if others:
        pairs.append(_pair("other_people", {"none": others}))
    if obj.date_display:
        pairs.append(_pair("date", {"none": [plain(obj.date_display)]}))
    for key, lang_map in (
        ("object_type", obj.object_type),
        ("materials", obj.materials),
    ):
        if value := plain_map(lang_map):
            pairs.append(_pair(key, value))
    if value := lines_map(obj.dimensions):  # display measurements keep their lines
        pairs.append(_pair("dimensions", value))
    if obj.inventory_number:
        pairs.append(_pair("inventory_number", {"none": [plain(obj.inventory_number)]}))
    pairs.append(_pair("identifier", {"none": [plain(obj.identifier)]}))
    if obj.credit_line:
        pairs.append(_pair("credit_line", {"none": [plain(obj.credit_line)]}))
    for extra_label, extra_value in obj.extra_metadata:
        pair_label, pair_value = label_map(extra_label), plain_map(extra_value)
        if pair_label and pair_value:
            pairs.append({"label": pair_label, "value": pair_value})
    pairs.append(_pair("rights", {"none": [obj.rights.label]}))
    if obj.rights_holder:
        pairs.append(_pair("rights_holder", {"none": [plain(obj.rights_holder)]}))
    if obj.rights.public_domain:
        # A request, not a condition: CC's 2024 guidance for public-domain material.
        pairs.append(
            _pair(
                "how_to_reference",
                {
                    language: [html_span(_reference_line(obj, object_url, language))]
                    for language in SHIPPED_LANGUAGES
                },
            )
        )
    record_licence = obj.record_rights_uri
    if record_licence:  # where nobody stated one, nothing is said about it
        term = lookup(record_licence)
        name = term.label if term else record_licence
        link = f'<a href="{escape(record_licence)}">{escape(name)}</a>'
        pairs.append(_pair("metadata_licence", {"none": [html_span(link)]}))
    return pairs


def _reference_line(obj: ObjectInfo, object_url: str, language: str) -> str:
    """The ready-to-paste credit line in ``language``, with the object's
    persistent URL shown (and linked), so that copying the text keeps it."""
    text = escape(reference_text(obj, object_url, language=language))
    url = escape(object_url)
    text = text.replace(url, f'<a href="{url}">{url}</a>', 1)
    if obj.rights.licence_page:
        rights = rights_in(obj.rights, language, obj.institution.name)
        name, page = escape(rights.label), escape(obj.rights.licence_page)
        text = text.replace(f"({name})", f'(<a href="{page}">{name}</a>)', 1)
    return text


def _required_statement(obj: ObjectInfo, object_url: str) -> dict[str, Any] | None:
    rights = obj.rights
    if rights.attribution_required:
        return {
            "label": label("attribution"),
            # The credit request in every shipped language: the viewer picks the reader's.
            "value": {
                language: [html_span(reference_html(obj, object_url, language=language))]
                for language in SHIPPED_LANGUAGES
            },
        }
    if rights.public_domain:
        if not obj.institution.courtesy_statement:
            return None
        return {"label": label("courtesy"), "value": {"none": [plain(obj.institution.name)]}}
    # Neither a licence condition nor public domain: say plainly who holds what.
    holder = obj.rights_holder or obj.credit_line or obj.institution.name
    value = {
        language: [plain(f"{rights_in(rights, language, obj.institution.name).label}. {holder}")]
        for language in SHIPPED_LANGUAGES
    }
    return {"label": label("rights"), "value": value}
