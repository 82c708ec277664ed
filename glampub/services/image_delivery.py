"""The Image API use case: find a stored image, render a request, cache the result on disk.

Every file served carries its credit line and rights URI in its own metadata,
so the attribution travels with the file.
"""

from __future__ import annotations

import hashlib
import math
import os
import re
import tempfile
import threading
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from glampub.credit import reference_text
from glampub.errors import Forbidden, NotFound
from glampub.iiif import image_api
from glampub.iiif.image_info import info_json, scale_factors
from glampub.iiif.urls import IiifUrls
from glampub.image_credit import build_xmp, embed_credit
from glampub.image_original import write_with_xmp
from glampub.image_pyramid import TILE, render_from_pyramid
from glampub.images import open_image
from glampub.models import CollectionObject, Image, Institution
from glampub.services.institutions import LOGO_PREFIX
from glampub.services.publishing import Gone
from glampub.services.views import object_info

CACHE_FOLDER = Path("cache") / "iiif"
PUBLIC_DOMAIN_TOOLS = {
    "http://creativecommons.org/publicdomain/mark/1.0/",
    "http://creativecommons.org/publicdomain/zero/1.0/",
}


@dataclass(frozen=True)
class ServedImage:
    image_id: str
    path: Path
    #: The size the service offers: the master's, or a thumbnail's (see
    #: glampub.image_policy); every request is parsed against it.
    width: int
    height: int
    checksum: str
    rights_uri: str | None
    credit: str
    title: str | None
    source_url: str | None
    rights_label: str | None = None
    creators: tuple[str, ...] = ()
    #: The stored master's size, when it differs from the offered one.
    master_size: tuple[int, int] | None = None
    #: A file name for the download of the original ("…-1.jpg"); None when
    #: the original is not published (thumbnail-only images, logos).
    download_name: str | None = None

    @property
    def use_guidelines(self) -> str | None:
        """For public-domain images, the page that asks (never requires) a
        reference: CC's 2024 guidance puts the request where the file goes."""
        return self.source_url if self.rights_uri in PUBLIC_DOMAIN_TOOLS else None

    def credit_fields(self) -> dict[str, Any]:
        """What is embedded in every file of this image (see glampub.image_credit)."""
        return {
            "credit": self.credit,
            "rights_uri": self.rights_uri,
            "rights_label": self.rights_label,
            "title": self.title,
            "creators": self.creators,
            "source_url": self.source_url,
            "use_guidelines": self.use_guidelines,
        }

    @property
    def version(self) -> str:
        """Changes whenever the pixels or the embedded credit would."""
        parts = (self.checksum, self.credit, self.rights_uri, self.title, self.source_url)
        parts += (self.rights_label, f"{self.width}x{self.height}", *self.creators)
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
    width, height = published.published_size
    download = None
    if not published.thumbnail_only:
        stem = f"{obj.institution.slug}-{obj.identifier}-{image.position}"
        download = f"{re.sub(r'[^A-Za-z0-9._-]+', '_', stem)}.{published.extension}"
    return ServedImage(
        image_id=image_id,
        path=data_dir / image.file_path,
        width=width,
        height=height,
        master_size=(image.width, image.height) if published.thumbnail_only else None,
        download_name=download,
        checksum=image.checksum or "",
        rights_uri=image.rights_uri,
        credit=image.credit_line or reference_text(info, page),
        title=next(iter(next(iter(obj.title.values()), [])), None) if obj.title else None,
        source_url=page,
        rights_label=image.rights_label or None,
        creators=tuple(c["name"] for c in obj.creators if c.get("name")),
    )


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


def info_document(
    image: ServedImage, urls: IiifUrls, max_area: int | None = None
) -> dict[str, Any]:
    """The image's info.json; ``max_area`` is the largest output offered (and
    what makes "^" upscaling possible: the spec allows it only within a limit)."""
    return info_json(
        urls.image_service(image.image_id),
        image.width,
        image.height,
        rights=image.rights_uri,
        max_area=max_area,
    )


_renderers_lock = threading.Lock()
_renderers: dict[int, ThreadPoolExecutor] = {}


def _renderer(threads: int) -> ThreadPoolExecutor:
    """The process's render threads: at most ``threads`` renders at once, always
    on the same threads. Each render holds decoded pixels, so request threads
    must not multiply a worker's memory, and glibc keeps what a thread freed in
    that thread's own arena: renders spread over every request thread would
    leave each arena holding a render's worth. Cached answers never wait here."""
    with _renderers_lock:
        if threads not in _renderers:
            _renderers[threads] = ThreadPoolExecutor(threads, thread_name_prefix="glampub-render")
        return _renderers[threads]


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
) -> Rendered:
    """The rendered file (cached on disk), its media type and canonical form.

    Raises image_api.ImageApiError for a request the API rejects.
    """
    request = image_api.parse_request(
        region,
        size,
        rotation,
        quality,
        fmt,
        width=image.width,
        height=image.height,
        max_area=max_area,
    )
    canonical = image_api.canonical_params(request)
    target = data_dir / CACHE_FOLDER / image.image_id / image.version / canonical.replace("/", "_")
    media_type = image_api.media_type(request.format)
    etag = f"{image.version}-{_digest(canonical)}"
    if target.exists():
        return Rendered(target, media_type, canonical, etag)
    job = _renderer(render_slots).submit(_render, image, for_master(image, request), target)
    data = job.result()
    if data is None:  # rendered and kept for another request while this one waited
        return Rendered(target, media_type, canonical, etag)
    if not worth_keeping(request):
        return Rendered(None, media_type, canonical, etag, data)
    target.parent.mkdir(parents=True, exist_ok=True)
    # Write then rename, so a concurrent reader never sees half a file.
    fd, tmp = tempfile.mkstemp(dir=target.parent, suffix=".part")
    with os.fdopen(fd, "wb") as handle:
        handle.write(data)
    os.replace(tmp, target)
    return Rendered(target, media_type, canonical, etag)


def worth_keeping(request: image_api.ImageRequest, tile: int = TILE) -> bool:
    """Whether a render is kept on disk: the whole image at any size, and the
    tiles of the info.json grid, which viewers ask for again and again. Any
    other region is rendered for its request only, so the cache stays bounded
    by what the images offer, not by what URLs anyone can make up."""
    if request.is_full_region:
        return True
    x, y, w, h = request.region
    width, height = request.image_width, request.image_height
    for factor in scale_factors(width, height, tile):
        span = tile * factor
        if x % span or y % span:
            continue
        if (w, h) == (min(span, width - x), min(span, height - y)):
            return request.size == (math.ceil(w / factor), math.ceil(h / factor))
    return False


def for_master(image: ServedImage, request: image_api.ImageRequest) -> image_api.ImageRequest:
    """A request parsed against the offered size, in the master's pixels."""
    if image.master_size is None:
        return request
    master_w, master_h = image.master_size
    sx, sy = master_w / image.width, master_h / image.height
    x, y, w, h = request.region
    left, top = min(master_w - 1, round(x * sx)), min(master_h - 1, round(y * sy))
    region = (left, top, min(master_w - left, round(w * sx)), min(master_h - top, round(h * sy)))
    return replace(request, region=region, image_width=master_w, image_height=master_h)


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
    target = data_dir / CACHE_FOLDER / image.image_id / image.version / f"original.{extension}"
    if not target.exists():
        write_with_xmp(image.path, target, _xmp(image))
    media_type = image_api.media_type(extension)
    return Rendered(target, media_type, "original", f"{image.version}-original")


def _xmp(image: ServedImage) -> bytes:
    return build_xmp(**image.credit_fields())


def _digest(text: str) -> str:
    return hashlib.sha1(text.encode()).hexdigest()[:12]


def _render(image: ServedImage, request: image_api.ImageRequest, target: Path) -> bytes | None:
    """The encoded render, credit embedded; None when another request has
    meanwhile put it on disk."""
    if target.exists():
        return None
    rendered = render_from_pyramid(image.path, request)
    if rendered is None:
        with open_image(image.path) as source:
            rendered = image_api.render(source, request)
    return embed_credit(rendered, request.format, **image.credit_fields())
