"""Database rows turned into the plain values the IIIF builders and pages take."""

from __future__ import annotations

from pathlib import PurePosixPath

from glampub.credit import UNDECIDED_RIGHTS
from glampub.iiif.records import (
    ImageInfo,
    InstitutionInfo,
    ObjectInfo,
    RemoteImageService,
    RightsInfo,
)
from glampub.images.policy import published_size, thumbnail_only
from glampub.institutions.registry import logo_image_id
from glampub.models import CollectionObject, Image, Institution
from glampub.publishing.csv_formulas import neutralise_formulas
from glampub.publishing.image_states import image_references
from glampub.rights import NEEDS_REVIEW, lookup
from importers.csv.media_type import delimiter_of, is_csv
from importers.object_types import language_map


def institution_info(institution: Institution) -> InstitutionInfo:
    return InstitutionInfo(
        slug=institution.slug,
        name=institution.name,
        homepage=institution.homepage,
        logo_image_id=logo_image_id(institution),
        logo_width=institution.logo_width,
        logo_height=institution.logo_height,
        courtesy_statement=institution.courtesy_statement,
        full_images_in_copyright=institution.full_images_in_copyright,
        credit_template=institution.credit_template,
    )


def rights_info(uri: str | None, label: str, reuse: str, institution_name: str) -> RightsInfo:
    term = lookup(uri) if uri else None
    if term is None:
        # Not decided yet: say so, and never suggest the reader may reuse freely.
        return RightsInfo(
            uri=None,
            label=UNDECIDED_RIGHTS % {"institution": institution_name},
            reuse="permission",
        )
    return RightsInfo(
        uri=term.uri,
        label=term.label,
        reuse=term.reuse,
        attribution_required=term.attribution_required,
        public_domain=term.kind in ("pdm", "cc0"),
        licence_page=term.page_url,
    )


def image_info(image: Image, institution: Institution) -> ImageInfo:
    assert image.width and image.height and image.file_path
    thumbnail = thumbnail_only(image.rights_uri, institution.full_images_in_copyright)
    remote = remote_info(image, thumbnail)
    if remote is not None:
        return remote
    width, height = image.width, image.height
    service_width, service_height = published_size(width, height, thumbnail)
    if service := (image.remote or {}).get("service"):
        # A thumbnail-only image of a museum's service: the canvas has the
        # museum's full size, what glampub publishes is its own thumbnail (the
        # stored file), as for an in-copyright file (no zoom, no download).
        width, height = int(service["width"]), int(service["height"])
    return ImageInfo(
        image_id=image.public_id,
        position=image.position,
        width=width,
        height=height,
        mime_type=image.mime_type or "image/jpeg",
        label=image.label or {},
        rights_uri=image.rights_uri,
        credit_line=image.credit_line,
        rights_holder=image.rights_holder,
        service_width=service_width,
        service_height=service_height,
        extension=PurePosixPath(image.file_path).suffix.lstrip(".") or "jpg",
    )


def metadata_licence(obj: CollectionObject) -> str | None:
    """The licence of the object's metadata as published: the record's own,
    else the institution's setting; None where nobody stated one, or the
    record's own could not be mapped (never a licence nobody gave)."""
    if obj.record_rights_uri == NEEDS_REVIEW:
        return None
    return obj.record_rights_uri or obj.institution.metadata_licence


def remote_info(image: Image, thumbnail: bool) -> ImageInfo | None:
    """A remote Image API service the canvas paints, when the image may be shown in full.

    A thumbnail-only image never points viewers at the museum's larger
    service: glampub's own thumbnail (the stored file) is all it publishes.
    """
    service = (image.remote or {}).get("service")
    if thumbnail or not service:
        return None
    return ImageInfo(
        image_id=image.public_id,
        position=image.position,
        width=int(service["width"]),
        height=int(service["height"]),
        mime_type="image/jpeg",
        label=image.label or {},
        rights_uri=image.rights_uri,
        credit_line=image.credit_line,
        rights_holder=image.rights_holder,
        remote_service=RemoteImageService(service["id"], service["type"], service["profile"]),
        own_width=image.width,
        own_height=image.height,
    )


def object_info(obj: CollectionObject) -> ObjectInfo:
    institution = obj.institution
    images = tuple(
        image_info(image, institution)
        for image in obj.images
        if image.file_path and image.width and image.height
    )
    return ObjectInfo(
        institution=institution_info(institution),
        identifier=obj.identifier,
        title=obj.title or {},
        rights=rights_info(obj.rights_uri, obj.rights_label, obj.rights_reuse, institution.name),
        description=obj.description or {},
        creators=tuple(obj.creators or ()),
        date_display=obj.date_display,
        date_earliest=obj.date_earliest,
        object_type=language_map(obj.object_type),
        materials=obj.materials or {},
        dimensions=obj.dimensions or {},
        inventory_number=obj.inventory_number,
        credit_line=obj.credit_line,
        rights_holder=obj.rights_holder,
        extra_metadata=tuple((pair[0], pair[1]) for pair in obj.extra_metadata or ()),
        record_rights_uri=metadata_licence(obj),
        source_format=obj.source_format,
        source_media_type=obj.source_media_type,
        images=images,
        media_type=obj.media_type,
        references=image_references(obj.images),
    )


def source_document(obj: CollectionObject) -> tuple[str, str]:
    """The object's source record as served: (text, media type).

    A LIDO record is served as exported. A CSV row is too, unless a cell
    would run as a formula in a spreadsheet: then that cell is neutralised
    (see glampub/publishing/csv_formulas.py); the stored record stays as exported.
    """
    if is_csv(obj.source_media_type):
        delimiter = delimiter_of(obj.source_media_type)
        return neutralise_formulas(obj.source_record, delimiter), obj.source_media_type
    return obj.source_record, obj.source_media_type
