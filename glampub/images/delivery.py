"""The Image API use case: find a stored image, render a request, cache the result on disk.

Every file served carries its credit line and rights URI in its own metadata,
so the attribution travels with the file.

A thumbnail-only image (see glampub.images.policy) is rendered from its
published thumbnail, never from the master: whatever region, size or ``^`` a
request asks for, its pixels hold no more than the thumbnail does.

What one anonymous request may cost is bounded: ``^`` upscales only up to the
image's own size (stated as maxWidth/maxHeight/maxArea in info.json), a
large render runs on a lane of its own (glampub.images.render_lanes), and
only what viewers ask for again and again is kept on disk, in a cache capped
in bytes (glampub.images.cache).
"""

from __future__ import annotations

import hashlib
import math
import os
import re
import tempfile
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from PIL import Image as PILImage
from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from glampub.credit import reference_text
from glampub.errors import Forbidden, NotFound
from glampub.iiif import image_api
from glampub.iiif.collection import THUMBNAIL_SIZE as COLLECTION_THUMBNAIL
from glampub.iiif.image_api import FORMAT_MAX_SIDE, Limits
from glampub.iiif.image_info import info_json, listed_sizes, scale_factors
from glampub.iiif.manifest import THUMBNAIL_SIZE as MANIFEST_THUMBNAIL
from glampub.iiif.urls import IiifUrls
from glampub.images.cache import DerivativeCache
from glampub.images.credit import build_xmp, embed_credit
from glampub.images.files import matching_icc, open_image
from glampub.images.original import write_with_xmp
from glampub.images.pyramid import TILE, render_from_pyramid
from glampub.images.render_lanes import lanes
from glampub.institutions.registry import LOGO_PREFIX
from glampub.models import CollectionObject, Image, Institution
from glampub.publishing.documents import Gone
from glampub.publishing.mining import image_headers
from glampub.publishing.object_values import object_info
from importers.attribution import makers, qualified_name

#: Renders kept for viewers, capped in bytes (GLAMPUB_IMAGE_CACHE_MB).
CACHE_FOLDER = Path("cache") / "iiif"
#: One or two files per published image (the original with its credit, the
#: published thumbnail): bounded by the collection, not by URLs, so not capped.
IMAGE_FILES_FOLDER = Path("cache") / "images"
DEFAULT_CACHE_BYTES = 1024 * 1024 * 1024
#: Sizes of the whole image that our own manifests, collections and pages
#: (the object page and the result cards, see templates/) name.
DOCUMENT_SIZES = frozenset(
    {"max", MANIFEST_THUMBNAIL, COLLECTION_THUMBNAIL, "!400,400", "!1200,1200"}
)
PUBLIC_DOMAIN_TOOLS = {
    "http://creativecommons.org/publicdomain/mark/1.0/",
    "http://creativecommons.org/publicdomain/zero/1.0/",
}


@dataclass(frozen=True)
class ServedImage:
    image_id: str
    path: Path
    #: The size the service offers: the master's, or a thumbnail's (see
    #: glampub.images.policy); every request is parsed against it.
    width: int
    height: int
    checksum: str
    rights_uri: str | None
    credit: str
    title: str | None
    source_url: str | None
    rights_label: str | None = None
    creators: tuple[str, ...] = ()
    #: Who holds the rights in the image (xmpRights:Owner), when the source names someone.
    rights_holder: str | None = None
    #: The stored master's size, when it differs from the offered one.
    master_size: tuple[int, int] | None = None
    #: A file name for the download of the original ("…-1.jpg"); None when
    #: the original is not published (thumbnail-only images, logos).
    download_name: str | None = None
    #: The published thumbnail every render of a thumbnail-only image is made
    #: from (made from the master on first use); None when the master is served.
    thumbnail: Path | None = None
    #: The TDM reservation every answer about it carries (glampub.publishing.mining).
    tdm_headers: tuple[tuple[str, str], ...] = ()

    @property
    def thumbnail_only(self) -> bool:
        return self.master_size is not None

    @property
    def use_guidelines(self) -> str | None:
        """For public-domain images, the page that asks (never requires) a
        reference: CC's 2024 guidance puts the request where the file goes."""
        return self.source_url if self.rights_uri in PUBLIC_DOMAIN_TOOLS else None

    def credit_fields(self) -> dict[str, Any]:
        """What is embedded in every file of this image (see glampub.images.credit)."""
        return {
            "credit": self.credit,
            "rights_uri": self.rights_uri,
            "rights_label": self.rights_label,
            "title": self.title,
            "creators": self.creators,
            "source_url": self.source_url,
            "use_guidelines": self.use_guidelines,
            "rights_holder": self.rights_holder,
        }

    @property
    def version(self) -> str:
        """Changes whenever the pixels or the embedded credit would."""
        parts = (self.checksum, self.credit, self.rights_uri, self.title, self.source_url)
        parts += (self.rights_label, f"{self.width}x{self.height}", *self.creators)
        if self.rights_holder:  # only then: versions of images without one stay as they were
            parts += (self.rights_holder,)
        return hashlib.sha1("|".join(p or "" for p in parts).encode()).hexdigest()[:16]


@dataclass(frozen=True)
class Rendered:
    #: The cached file; None for a render not worth keeping (see worth_keeping).
    path: Path | None
    media_type: str
    #: ``region/size/rotation/quality.format`` in the spec's canonical form.
    canonical: str
    #: Changes exactly when the file's bytes would: the image's version and the request.
    etag: str
    #: The bytes, when they were not kept on disk.
    data: bytes | None = None


def find_image(session: Session, image_id: str, data_dir: Path, urls: IiifUrls) -> ServedImage:
    if image_id.startswith(LOGO_PREFIX):
        return _logo(session, image_id, data_dir)
    image = session.scalar(
        select(Image)
        .where(Image.public_id == image_id)
        .options(selectinload(Image.object).selectinload(CollectionObject.institution))
    )
    if image is None or not image.file_path or not image.width or not image.height:
        raise NotFound(f"no image {image_id!r}")
    obj = image.object
    if obj.is_withdrawn:
        raise Gone(f"image {image_id!r} belongs to a withdrawn object")
    info = object_info(obj)
    published = next(i for i in info.images if i.image_id == image_id)
    page = urls.object_page(obj.institution.slug, obj.identifier)
    width, height = published.served_size
    download = None
    # A remote service's original is the museum's to offer; glampub holds its thumbnail.
    if not published.thumbnail_only and published.remote_service is None:
        stem = f"{obj.institution.slug}-{obj.identifier}-{image.position}"
        download = f"{re.sub(r'[^A-Za-z0-9._-]+', '_', stem)}.{published.extension}"
    served = ServedImage(
        image_id=image_id,
        path=data_dir / image.file_path,
        width=width,
        height=height,
        master_size=(image.width, image.height) if published.thumbnail_only else None,
        download_name=download,
        checksum=image.checksum or "",
        rights_uri=image.rights_uri,
        # The image's own holder, where it has one, is the one its credit names.
        credit=image.credit_line
        or reference_text(
            replace(info, rights_holder=published.rights_holder or info.rights_holder), page
        ),
        title=next(iter(next(iter(obj.title.values()), [])), None) if obj.title else None,
        source_url=page,
        rights_label=image.rights_label or None,
        creators=tuple(qualified_name(c) for c in makers(obj.creators or ())),
        rights_holder=published.rights_holder or info.rights_holder,
        tdm_headers=image_headers(image),
    )
    if not served.thumbnail_only:
        return served
    folder = data_dir / IMAGE_FILES_FOLDER / image_id / served.version
    return replace(served, thumbnail=folder / "thumbnail.png")


def _logo(session: Session, image_id: str, data_dir: Path) -> ServedImage:
    slug = image_id[len(LOGO_PREFIX) :]
    institution = session.scalar(select(Institution).where(Institution.slug == slug))
    if institution is None or not institution.logo_path:
        raise NotFound(f"no image {image_id!r}")
    return ServedImage(
        image_id=image_id,
        path=data_dir / institution.logo_path,
        width=institution.logo_width or 0,
        height=institution.logo_height or 0,
        checksum=Path(institution.logo_path).stem,
        rights_uri=None,
        credit=f"Logo of {institution.name}",
        title=institution.name,
        source_url=institution.homepage,
    )


def offered_limits(image: ServedImage, max_area: int | None) -> Limits:
    """The largest output the service offers: never beyond the image's own
    size (so ``^`` enlarges a region at most to what the whole image is,
    where it still shows something new), nor beyond ``max_area`` pixels, nor
    beyond what JPEG, the default format, can hold."""
    longest = FORMAT_MAX_SIDE["jpg"][1]
    area = image.width * image.height
    return Limits(
        min(image.width, longest),
        min(image.height, longest),
        min(area, max_area) if max_area else area,
    )


def info_document(
    image: ServedImage, urls: IiifUrls, max_area: int | None = None
) -> dict[str, Any]:
    """The image's info.json, stating the limits :func:`render` enforces
    (they are what makes "^" upscaling possible: the spec allows it only
    within a declared limit)."""
    limits = offered_limits(image, max_area)
    return info_json(
        urls.image_service(image.image_id),
        image.width,
        image.height,
        rights=image.rights_uri,
        max_width=limits.max_width,
        max_height=limits.max_height,
        max_area=limits.max_area,
    )


def render(
    image: ServedImage,
    region: str,
    size: str,
    rotation: str,
    quality: str,
    fmt: str,
    data_dir: Path,
    *,
    max_area: int | None = None,
    render_slots: int = 1,
    cache_bytes: int = DEFAULT_CACHE_BYTES,
    client: str | None = None,
    renders_per_client: int = 1,
    renders_waiting: int = 2,
) -> Rendered:
    """The rendered image, its media type and canonical form: a cached file
    when it is one viewers ask for again and again, otherwise the bytes.

    ``client`` (the requester's address) is counted against
    ``renders_per_client`` large renders at once; ``renders_waiting`` large
    renders may wait for the ``render_slots`` (see glampub.images.render_lanes).
    Raises image_api.ImageApiError for a request the API rejects and
    render_lanes.RenderRefused for a large render refused for now.
    """
    limits = offered_limits(image, max_area)
    request = image_api.parse_request(
        region,
        size,
        rotation,
        quality,
        fmt,
        width=image.width,
        height=image.height,
        max_width=limits.max_width,
        max_height=limits.max_height,
        max_area=limits.max_area,
    )
    canonical = image_api.canonical_params(request)
    key = f"{image.image_id}/{image.version}/{canonical.replace('/', '_')}"
    cache = DerivativeCache(data_dir / CACHE_FOLDER, cache_bytes)
    media_type = image_api.media_type(request.format)
    etag = f"{image.version}-{_digest(canonical)}"
    keep = worth_keeping(request, size, limits)
    if keep and (cached := cache.lookup(key)) is not None:
        return Rendered(cached, media_type, canonical, etag)

    def job() -> bytes | None:
        if keep and cache.lookup(key) is not None:
            return None  # rendered and kept for another request while this one waited
        return _render(image, request)

    data = lanes(render_slots).run(
        job,
        pixels=request.size[0] * request.size[1],
        client=client,
        per_client=renders_per_client,
        waiting=renders_waiting,
    )
    if data is None:
        return Rendered(cache.root / key, media_type, canonical, etag)
    if keep and cache.keep(key, data):
        # Answered as the file, as every later request for it will be.
        return Rendered(cache.root / key, media_type, canonical, etag)
    return Rendered(None, media_type, canonical, etag, data)


def worth_keeping(
    request: image_api.ImageRequest, size: str, limits: Limits, tile: int = TILE
) -> bool:
    """Whether a render is kept on disk: what viewers ask for again and again,
    upright and in the default quality. That is the whole image at the sizes
    info.json lists and those our manifests and pages name (``size`` as asked),
    and the tiles of the info.json grid. Anything else is rendered for its
    request only, so no made-up URL grows the cache."""
    if request.rotation or request.mirror or request.quality != "default":
        return False
    width, height = request.image_width, request.image_height
    if request.is_full_region:
        return size in DOCUMENT_SIZES or request.size in listed_sizes(width, height, tile, limits)
    x, y, w, h = request.region
    for factor in scale_factors(width, height, tile):
        span = tile * factor
        if x % span or y % span:
            continue
        if (w, h) == (min(span, width - x), min(span, height - y)):
            return request.size == (math.ceil(w / factor), math.ceil(h / factor))
    return False


def original(image: ServedImage, data_dir: Path) -> Rendered:
    """The master file with the credit spliced in (full resolution, not re-encoded)."""
    if image.image_id.startswith(LOGO_PREFIX):
        raise NotFound(f"a logo has no download; ask for {image.image_id!r} through the Image API")
    if image.download_name is None:
        raise Forbidden(
            f"the original of image {image.image_id!r} is not published: the item is in "
            "copyright, so only a thumbnail is; ask the institution"
        )
    extension = image.path.suffix.lstrip(".")
    target = data_dir / IMAGE_FILES_FOLDER / image.image_id / image.version
    target /= f"original.{extension}"
    if not target.exists():
        write_with_xmp(image.path, target, _xmp(image))
    media_type = image_api.media_type(extension)
    return Rendered(target, media_type, "original", f"{image.version}-original")


def _xmp(image: ServedImage) -> bytes:
    return build_xmp(**image.credit_fields())


def _digest(text: str) -> str:
    return hashlib.sha1(text.encode()).hexdigest()[:12]


def _render(image: ServedImage, request: image_api.ImageRequest) -> bytes:
    """The encoded render, credit embedded."""
    return embed_credit(picture(image, request), request.format, **image.credit_fields())


def picture(image: ServedImage, request: image_api.ImageRequest) -> PILImage.Image:
    """The pixels a request (parsed against the offered size) asks for: from
    the master, or, for a thumbnail-only image, from its published thumbnail
    only, so no request can reach what the thumbnail does not hold."""
    if image.thumbnail is not None:
        with open_image(published_thumbnail(image)) as thumbnail:
            return image_api.render(thumbnail, request)
    rendered = render_from_pyramid(image.path, request)
    if rendered is None:
        with open_image(image.path) as source:
            rendered = image_api.render(source, request)
    return rendered


def published_thumbnail(image: ServedImage) -> Path:
    """The thumbnail-only image's published picture, at the offered size,
    made from the master once (lossless, so renders from it lose nothing more)."""
    assert image.thumbnail is not None and image.master_size is not None
    if image.thumbnail.is_file():
        return image.thumbnail
    master_w, master_h = image.master_size
    size = f"{image.width},{image.height}"
    request = image_api.parse_request(
        "full", size, "0", "default", "png", width=master_w, height=master_h
    )
    reduced = render_from_pyramid(image.path, request)
    if reduced is None:
        with open_image(image.path) as master:
            reduced = image_api.render(master, request)
    image.thumbnail.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=image.thumbnail.parent, suffix=".part")
    with os.fdopen(fd, "wb") as handle:
        icc = matching_icc(reduced)
        reduced.save(handle, "PNG", **({"icc_profile": icc} if icc else {}))
    os.replace(tmp, image.thumbnail)  # two workers making it at once both write the same
    return image.thumbnail
