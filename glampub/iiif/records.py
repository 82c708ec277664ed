"""Plain values the IIIF builders take: what a manifest needs to know, nothing more."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

LangMap = dict[str, list[str]]


@dataclass(frozen=True)
class InstitutionInfo:
    slug: str
    name: str
    homepage: str | None = None
    #: Image API id of the logo, when there is one.
    logo_image_id: str | None = None
    logo_width: int | None = None
    logo_height: int | None = None
    #: Show "Courtesy of …" as a requiredStatement on public-domain items.
    courtesy_statement: bool = False
    #: Publish images of in-copyright items in full (see glampub.images.policy).
    full_images_in_copyright: bool = False
    #: How the institution wants to be credited, e.g. "{title} – {institution}"
    #: (see glampub.credit); None for the default credit line.
    credit_template: str | None = None


@dataclass(frozen=True)
class ImageReference:
    """An image reference as exported and how far it got (glampub.publishing.image_states)."""

    position: int
    #: The museum's URL; None for a file sent with the export.
    url: str | None
    #: file, iiif-image, iiif-manifest, image-url, link or url (not looked at)
    kind: str
    #: available, pending or failed
    state: str
    reason: str | None = None


@dataclass(frozen=True)
class RemoteImageService:
    id: str
    #: ImageService2 or ImageService3
    type: str
    profile: str


@dataclass(frozen=True)
class ImageInfo:
    image_id: str
    position: int
    width: int
    height: int
    mime_type: str = "image/jpeg"
    label: LangMap = field(default_factory=dict)
    rights_uri: str | None = None
    credit_line: str | None = None
    #: Who holds the rights in this image, when the source names someone.
    rights_holder: str | None = None
    #: The size its Image API service offers: smaller than width x height for
    #: a thumbnail-only image (see glampub.images.policy).
    service_width: int | None = None
    service_height: int | None = None
    #: The master's file extension, for the download of the original.
    extension: str = "jpg"
    #: A museum's own IIIF Image API service that the canvas paints instead of
    #: glampub's (id, type, profile); width and height are then its size.
    remote_service: RemoteImageService | None = None
    #: With a remote service: the size of glampub's own copy (its thumbnail),
    #: which glampub's Image API serves for this image.
    own_width: int | None = None
    own_height: int | None = None

    @property
    def published_size(self) -> tuple[int, int]:
        return (self.service_width or self.width, self.service_height or self.height)

    @property
    def served_size(self) -> tuple[int, int]:
        """The size glampub's own Image API serves this image at."""
        if self.remote_service is not None and self.own_width and self.own_height:
            return (self.own_width, self.own_height)
        return self.published_size

    @property
    def thumbnail_only(self) -> bool:
        return self.published_size != (self.width, self.height)


@dataclass(frozen=True)
class RightsInfo:
    uri: str | None
    label: str
    #: free, conditions or permission
    reuse: str
    #: CC BY family: crediting is a licence condition.
    attribution_required: bool = False
    #: PDM or CC0: crediting is a courtesy, never a condition.
    public_domain: bool = False
    #: The licence's own page, for links in text.
    licence_page: str | None = None


@dataclass(frozen=True)
class ObjectInfo:
    institution: InstitutionInfo
    identifier: str
    title: LangMap
    rights: RightsInfo
    description: LangMap = field(default_factory=dict)
    creators: tuple[dict[str, Any], ...] = ()
    date_display: str | None = None
    date_earliest: int | None = None
    object_type: LangMap = field(default_factory=dict)
    materials: LangMap = field(default_factory=dict)
    dimensions: LangMap = field(default_factory=dict)
    inventory_number: str | None = None
    credit_line: str | None = None
    rights_holder: str | None = None
    extra_metadata: tuple[tuple[LangMap, LangMap], ...] = ()
    #: The metadata licence to publish: the record's own, else the
    #: institution's; None when nobody stated one (then none is published).
    record_rights_uri: str | None = None
    source_format: str = ""
    source_media_type: str = "text/plain"
    images: tuple[ImageInfo, ...] = ()
    #: The Europeana type of the digital object (IMAGE, TEXT, ...), when given.
    media_type: str | None = None
    #: Every image reference the export gave, shown or not.
    references: tuple[ImageReference, ...] = ()
