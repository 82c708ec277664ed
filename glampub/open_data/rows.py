"""One published object as a dataset record: a JSON Lines object and a CSV row.

JSON Lines keeps the structure (language maps, the creators with their roles,
one entry per image with its own rights); CSV flattens it to one string per
cell for spreadsheets: the first title and type (English preferred), the
creators joined by "; ", the image URLs and their rights separated by spaces,
in the same order. Every CSV cell that a spreadsheet would run as a formula
is neutralised (glampub.publishing.csv_formulas); the JSON holds the text as
published.
"""

from __future__ import annotations

from typing import Any

from glampub.credit import first_value, reference_text
from glampub.iiif.records import ObjectInfo
from glampub.iiif.urls import IiifUrls
from glampub.models import CollectionObject
from glampub.publishing.csv_formulas import is_formula_like
from glampub.publishing.object_values import object_info

#: The CSV columns, in order, with what each holds (the Table Schema's descriptions).
CSV_FIELDS: tuple[tuple[str, str, str], ...] = (
    ("identifier", "string", "The object's identifier at its institution"),
    ("institution", "string", "The institution's short name (slug)"),
    ("institution_name", "string", "The institution that publishes the object"),
    ("title", "string", "The title (English where given, else the first language)"),
    (
        "creators",
        "string",
        "The people and bodies named with the object, with their roles, separated by '; '",
    ),
    ("date", "string", "The date as the institution gives it"),
    ("date_earliest", "integer", "The earliest year the date stands for"),
    ("date_latest", "integer", "The latest year the date stands for"),
    ("type", "string", "The object type (English where given)"),
    (
        "rights_uri",
        "string",
        "The rights statement or licence of this object's images "
        "(empty: not yet determined, ask the institution)",
    ),
    ("rights_label", "string", "The rights in words"),
    ("reuse", "string", "The reuse class: free, conditions or permission"),
    ("credit_line", "string", "The credit line to give when reusing the images"),
    (
        "metadata_licence",
        "string",
        "The licence of this record's metadata, where one was stated (empty: none stated)",
    ),
    ("object_page", "string", "The object's page"),
    ("manifest", "string", "The IIIF manifest (empty when the object has no image)"),
    ("record", "string", "The full record as JSON"),
    (
        "image_urls",
        "string",
        "The published images (IIIF Image API, largest size allowed), separated by spaces",
    ),
    ("image_rights", "string", "Each image's rights URI, in the order of image_urls"),
)
CSV_HEADER = tuple(name for name, _type, _description in CSV_FIELDS)


def _creator_text(creator: dict[str, Any]) -> str:
    name = str(creator.get("name") or "").strip()
    role = str(creator.get("role") or "").strip()
    return f"{name} ({role})" if name and role else name


def dataset_record(obj: CollectionObject, urls: IiifUrls) -> dict[str, Any]:
    """The object as one JSON Lines record: every value a dataset row states."""
    info = object_info(obj)
    slug, identifier = obj.institution.slug, obj.identifier
    page = urls.object_page(slug, identifier)
    record: dict[str, Any] = {
        "identifier": identifier,
        "institution": slug,
        "institution_name": obj.institution.name,
        "title": info.title,
        "creators": list(info.creators),
        "date": {
            "display": obj.date_display,
            "earliest": obj.date_earliest,
            "latest": obj.date_latest,
        },
        "type": info.object_type,
        "rights": {"uri": info.rights.uri, "label": info.rights.label, "reuse": info.rights.reuse},
        "credit_line": credit_line(info, page),
        "metadata_licence": info.record_rights_uri,
        "object_page": page,
        "record": urls.record(slug, identifier),
        "images": [
            {
                "url": urls.image(image.image_id),
                "service": urls.image_service(image.image_id),
                "width": image.published_size[0],
                "height": image.published_size[1],
                # An image may carry rights of its own (a photograph of a
                # public-domain work, say): each record says so per image.
                "rights_uri": image.rights_uri or info.rights.uri,
                "credit_line": image.credit_line,
            }
            for image in info.images
        ],
    }
    if info.images:  # no manifest is published for an object without images
        record["manifest"] = urls.manifest(slug, identifier)
    return record


def credit_line(info: ObjectInfo, page: str) -> str:
    """The credit people paste under a reused image, as the object page gives it."""
    return reference_text(info, page, info.institution.credit_template)


def csv_row(record: dict[str, Any]) -> list[str]:
    """The record as CSV cells, in the order of :data:`CSV_HEADER`, formula-safe."""
    date = record["date"]
    images = record["images"]
    cells = [
        record["identifier"],
        record["institution"],
        record["institution_name"],
        first_value(record["title"]),
        "; ".join(filter(None, (_creator_text(c) for c in record["creators"]))),
        date["display"] or "",
        "" if date["earliest"] is None else str(date["earliest"]),
        "" if date["latest"] is None else str(date["latest"]),
        first_value(record["type"]),
        record["rights"]["uri"] or "",
        record["rights"]["label"],
        record["rights"]["reuse"],
        record["credit_line"],
        record["metadata_licence"] or "",
        record["object_page"],
        record.get("manifest", ""),
        record["record"],
        " ".join(image["url"] for image in images),
        " ".join(image["rights_uri"] or "" for image in images),
    ]
    return [safe_cell(cell) for cell in cells]


def safe_cell(cell: str) -> str:
    """A cell no spreadsheet runs: a formula-like start is prefixed with a quote."""
    return "'" + cell if is_formula_like(cell) else cell
