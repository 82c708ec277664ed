"""The object's record as JSON: the ``seeAlso`` beside the source record.

The source record is the institution's own export (LIDO XML, a CSV row);
this is the same object as glampub understood it, in one plain JSON shape
for every source format, with the rights decision and its reasons.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from glampub.iiif.urls import IiifUrls
from glampub.models import CollectionObject
from glampub.publishing.image_states import reference_json
from glampub.publishing.object_values import object_info
from importers.object_types import language_map


def _iso(moment: datetime) -> str:
    if moment.tzinfo is None:  # SQLite hands back naive UTC datetimes
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def record_data(obj: CollectionObject, urls: IiifUrls) -> dict[str, Any]:
    info = object_info(obj)
    slug, identifier = obj.institution.slug, obj.identifier
    data: dict[str, Any] = {
        "id": urls.record(slug, identifier),
        "identifier": identifier,
        "institution": {
            "slug": slug,
            "name": obj.institution.name,
            "homepage": obj.institution.homepage,
        },
        "homepage": urls.object_page(slug, identifier),
        "manifest": urls.manifest(slug, identifier) if info.images else None,
        "title": obj.title or {},
        "description": obj.description or {},
        "creators": obj.creators or [],
        "date": {
            "display": obj.date_display,
            "earliest": obj.date_earliest,
            "latest": obj.date_latest,
        },
        "object_type": language_map(obj.object_type),
        "materials": obj.materials or {},
        "dimensions": obj.dimensions or {},
        "inventory_number": obj.inventory_number,
        "credit_line": obj.credit_line,
        "rights_holder": obj.rights_holder,
        "media_type": obj.media_type,
        "rights": {
            "uri": obj.rights_uri,
            "label": info.rights.label,
            "status": obj.rights_status,
            "statements": obj.rights_statements or [],
            "rule": obj.rights_rule,
            "reason": obj.rights_reason,
        },
        "extra_metadata": [
            {"label": pair[0], "value": pair[1]} for pair in obj.extra_metadata or ()
        ],
        "images": [
            {
                "position": image.position,
                "service": urls.image_service(image.image_id),
                "width": image.width,
                "height": image.height,
                "published_width": image.published_size[0],
                "published_height": image.published_size[1],
                "label": image.label,
                "rights": image.rights_uri,
                "credit_line": image.credit_line,
                "rights_holder": image.rights_holder,
                # The museum's own Image API service the manifest's canvas paints.
                "remote_service": image.remote_service.id if image.remote_service else None,
            }
            for image in info.images
        ],
        # Every reference the export gave, with its class and state: also those
        # not (yet) shown, which "images" leaves out.
        "image_references": [reference_json(r) for r in info.references],
        "source_record": {
            "id": urls.source_record(slug, identifier),
            "format": obj.source_format,
            "media_type": obj.source_media_type,
        },
        "revision": obj.revision,
        "updated": _iso(obj.updated_at),
    }
    if info.record_rights_uri:  # where nobody stated one, nothing is said about it
        data["metadata_licence"] = info.record_rights_uri
    return data
