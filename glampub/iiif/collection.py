"""IIIF Collections: the top one, and one per institution paged into sub-collections.

A collection never lists more than ``page_size`` entries: an institution with
more manifests than that lists pages (themselves Collections) instead.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from glampub.iiif.manifest import provider
from glampub.iiif.records import InstitutionInfo
from glampub.iiif.text import label_map, label_text
from glampub.iiif.urls import IiifUrls

LangMap = dict[str, list[str]]
#: Collection entries show small thumbnails; "!w,h" never upscales.
THUMBNAIL_SIZE = "!200,200"


@dataclass(frozen=True)
class ManifestEntry:
    identifier: str
    label: LangMap
    thumbnail_image_id: str | None = None


@dataclass(frozen=True)
class InstitutionEntry:
    institution: InstitutionInfo
    count: int
    thumbnail_image_id: str | None = None


def top_collection(entries: Sequence[InstitutionEntry], urls: IiifUrls) -> dict[str, Any]:
    import iiif_prezi3 as prezi  # see glampub.iiif: imported when first needed

    items = []
    for entry in entries:
        ref: dict[str, Any] = {
            "id": urls.collection(entry.institution.slug),
            "type": "Collection",
            "label": {"none": [label_text(entry.institution.name)]},
        }
        if entry.thumbnail_image_id:
            ref["thumbnail"] = [_thumbnail(entry.thumbnail_image_id, urls)]
        items.append(ref)
    fields: dict[str, Any] = {
        "id": urls.collection(),
        "label": {"en": ["All published collections"]},
        "summary": {"en": [f"{len(entries)} institutions publishing with glampub"]},
        "items": items,
    }
    # Every institution provides part of what this collection lists.
    if entries:
        fields["provider"] = [provider(entry.institution, urls) for entry in entries]
    if thumb := next((e.thumbnail_image_id for e in entries if e.thumbnail_image_id), None):
        fields["thumbnail"] = [_thumbnail(thumb, urls)]
    return json.loads(prezi.Collection(**fields).json())


def page_count(total: int, page_size: int) -> int:
    return max(1, -(-total // page_size))


def institution_collection(
    institution: InstitutionInfo,
    total: int,
    page_size: int,
    urls: IiifUrls,
    first_page: Sequence[ManifestEntry] = (),
    thumbnail_image_id: str | None = None,
    published: int | None = None,
) -> dict[str, Any]:
    """The institution's collection: its manifests, or its pages when there are many.

    ``total`` counts the objects with a manifest (an image to show), ``published``
    every published object (some are text only); ``thumbnail_image_id`` is the
    image of its first object, shown for the whole."""
    import iiif_prezi3 as prezi  # see glampub.iiif: imported when first needed

    base = _institution_fields(institution, urls, thumbnail_image_id)
    base["id"] = urls.collection(institution.slug)
    manifests: list[dict[str, Any]] = []
    if total <= page_size:
        manifests = [_manifest_ref(institution, e, urls) for e in first_page]
        base["items"] = manifests[:1]
    else:
        pages = page_count(total, page_size)
        base["items"] = [
            {
                "id": urls.collection(institution.slug, page),
                "type": "Collection",
                "label": {"en": [label_text(f"{institution.name}, page {page} of {pages}")]},
            }
            for page in range(1, pages + 1)
        ]
    base["summary"] = {"en": [_summary(total, total if published is None else published)]}
    collection = json.loads(prezi.Collection(**base).json())
    if manifests:
        collection["items"] = manifests
    return collection


def _summary(with_images: int, published: int) -> str:
    """How many objects the collection lists, of how many are published."""
    objects = "object" if with_images == 1 else "objects"
    return f"{with_images:,} {objects} with images of {published:,} published"


def institution_page(
    institution: InstitutionInfo,
    page: int,
    pages: int,
    entries: Sequence[ManifestEntry],
    urls: IiifUrls,
) -> dict[str, Any]:
    import iiif_prezi3 as prezi  # see glampub.iiif: imported when first needed

    first = next((e.thumbnail_image_id for e in entries if e.thumbnail_image_id), None)
    base = _institution_fields(institution, urls, first)
    base["id"] = urls.collection(institution.slug, page)
    base["label"] = {"en": [label_text(f"{institution.name}, page {page} of {pages}")]}
    base["partOf"] = [{"id": urls.collection(institution.slug), "type": "Collection"}]
    manifests = [_manifest_ref(institution, e, urls) for e in entries]
    base["items"] = manifests[:1]
    collection = json.loads(prezi.Collection(**base).json())
    collection["items"] = manifests
    return collection


def _institution_fields(
    institution: InstitutionInfo, urls: IiifUrls, thumbnail_image_id: str | None
) -> dict[str, Any]:
    fields: dict[str, Any] = {
        "label": {"none": [label_text(institution.name)]},
        "provider": [provider(institution, urls)],
        "partOf": [{"id": urls.collection(), "type": "Collection"}],
    }
    if thumbnail_image_id:
        fields["thumbnail"] = [_thumbnail(thumbnail_image_id, urls)]
    return fields


def _manifest_ref(
    institution: InstitutionInfo, entry: ManifestEntry, urls: IiifUrls
) -> dict[str, Any]:
    """One manifest of a collection, as iiif-prezi3 writes it (keys in its order).

    A collection lets iiif-prezi3 validate its own fields and its first entry
    only: the others are made by this same function from values of the same
    kinds, and validating a thousand of them took half a second of each
    page's first build. Tests compare the two outputs.
    """
    ref: dict[str, Any] = {
        "id": urls.manifest(institution.slug, entry.identifier),
        "label": label_map(entry.label) or {"none": [label_text(entry.identifier)]},
        "type": "Manifest",
    }
    if entry.thumbnail_image_id:
        ref["thumbnail"] = [_thumbnail(entry.thumbnail_image_id, urls)]
    return ref


def _thumbnail(image_id: str, urls: IiifUrls) -> dict[str, Any]:
    return {
        "id": urls.image(image_id, size=THUMBNAIL_SIZE),
        "type": "Image",
        "service": [
            {
                "id": urls.image_service(image_id),
                "type": "ImageService3",
                "profile": urls.image_profile,
            }
        ],
        "format": "image/jpeg",
    }
