"""The pure core of the IIIF Image API 3.0 at level 2: parse, render, describe.

No web framework here: the blueprint turns URL segments into a call to
:func:`parse_request`, opens the stored master with Pillow, calls
:func:`render`, and encodes the result (with the credit embedded, see
:func:`glampub.images.files.embed_credit`). Every bad request raises
:class:`ImageApiError` with the status the spec asks for (400, or 501 for
upscaling this service was not configured to allow), never anything a view
would turn into a 500.

Status codes follow the spec's own clauses rather than a general rule: an
unsupported rotation, quality or format "SHOULD result in a 400" (sections
4.3-4.5); 501 is reserved for a ``^`` size that needs upscaling when no
``maxWidth``/``maxArea`` is declared (section 4.2), because unbounded upscaling
would let one URL allocate any amount of memory.

Speed without a pyramid: for a JPEG master :func:`render` asks libjpeg for a
DCT-scaled decode (``Image.draft``) at the smallest of 1/2, 1/4 or 1/8 that is
still at least as large as the output, so a 200 px thumbnail of a 60 MP scan
decodes about 1 MP instead of 60. A tile at full resolution still decodes the
whole master; the pyramid of reduced levels made at import is what fixes that.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

from PIL import Image

CONTEXT = "http://iiif.io/api/image/3/context.json"
PROTOCOL = "http://iiif.io/api/image"

#: Output formats we encode, with their media types.
FORMAT_MIME: dict[str, str] = {"jpg": "image/jpeg", "png": "image/png", "webp": "image/webp"}
#: The longest side each encoder can write: JPEG stores a side in 16 bits,
#: WebP in 14. PNG's limit (2^31 - 1) is far beyond any size we render.
FORMAT_MAX_SIDE: dict[str, tuple[str, int]] = {"jpg": ("JPEG", 65_535), "webp": ("WebP", 16_383)}
#: Formats the spec names that we do not produce (a clearer message than "unknown").
_OTHER_IIIF_FORMATS = {"tif", "gif", "jp2", "pdf"}
QUALITIES = ("default", "color", "gray", "bitonal")
#: Beyond what the level 2 profile already promises (mirroring and "^" sizes).
EXTRA_FEATURES = ["mirroring"]

_INT = r"[0-9]{1,9}"
_DECIMAL = r"(?:[0-9]{1,9}(?:\.[0-9]+)?|\.[0-9]+)"
_PX_REGION = re.compile(rf"({_INT}),({_INT}),({_INT}),({_INT})")
_PCT_REGION = re.compile(rf"pct:({_DECIMAL}),({_DECIMAL}),({_DECIMAL}),({_DECIMAL})")
_SIZE_W = re.compile(rf"({_INT}),")
_SIZE_H = re.compile(rf",({_INT})")
_SIZE_WH = re.compile(rf"(!?)({_INT}),({_INT})")
_SIZE_PCT = re.compile(rf"pct:({_DECIMAL})")
_ROTATION = re.compile(rf"(!?)({_DECIMAL})")


def media_type(fmt: str) -> str:
    """The media type of an output format we produce (``jpg``, ``png``, ``webp``)."""
    return FORMAT_MIME[fmt]


class ImageApiError(Exception):
    """A request the service refuses; ``status`` is the HTTP status to answer with."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


@dataclass(frozen=True)
class ImageRequest:
    """A validated image request, resolved to pixels of the full image."""

    #: x, y, w, h in full-image pixels, already clipped to the image.
    region: tuple[int, int, int, int]
    #: Output width and height before rotation.
    size: tuple[int, int]
    mirror: bool
    #: Clockwise degrees: 0, 90, 180 or 270.
    rotation: int
    quality: str
    format: str
    image_width: int
    image_height: int
    #: What "max" and "^max" give for this region (for the canonical form).
    max_size: tuple[int, int]
    upscaled_max_size: tuple[int, int]

    @property
    def is_full_region(self) -> bool:
        return self.region == (0, 0, self.image_width, self.image_height)

    @property
    def is_upscaled(self) -> bool:
        return self.size[0] > self.region[2] or self.size[1] > self.region[3]

    @property
    def mime_type(self) -> str:
        return FORMAT_MIME[self.format]


@dataclass(frozen=True)
class Limits:
    max_width: int | None
    max_height: int | None
    max_area: int | None

    @property
    def any(self) -> bool:
        return bool(self.max_width or self.max_area)

    def describe(self) -> str:
        named = (
            ("maxWidth", self.max_width),
            ("maxHeight", self.max_height),
            ("maxArea", self.max_area),
        )
        return ", ".join(f"{name} {value}" for name, value in named if value)

    def fits(self, w: int, h: int) -> bool:
        return not (
            (self.max_width and w > self.max_width)
            or (self.max_height and h > self.max_height)
            or (self.max_area and w * h > self.max_area)
        )


def parse_request(
    region: str,
    size: str,
    rotation: str,
    quality: str,
    fmt: str,
    *,
    width: int,
    height: int,
    max_width: int | None = None,
    max_height: int | None = None,
    max_area: int | None = None,
) -> ImageRequest:
    """Validate the five URL parameters against an image of ``width`` x ``height``."""
    if width < 1 or height < 1:
        raise ValueError(f"image dimensions must be positive, got {width}x{height}")
    # The spec: a missing maxHeight means clients infer maxHeight = maxWidth.
    limits = Limits(max_width, max_height or max_width, max_area)
    box = _parse_region(region, width, height)
    rw, rh = box[2], box[3]
    max_size = largest_size(rw, rh, limits, upscale=False)
    up_max = largest_size(rw, rh, limits, upscale=True)
    out = _parse_size(size, rw, rh, limits, max_size, up_max)
    mirror, degrees = _parse_rotation(rotation)
    if quality not in QUALITIES:
        raise ImageApiError(
            400, f"quality {quality!r} is not supported; use one of {', '.join(QUALITIES)}"
        )
    _check_format(fmt)
    _check_format_size(size, out, fmt)
    return ImageRequest(
        region=box,
        size=out,
        mirror=mirror,
        rotation=degrees,
        quality=quality,
        format=fmt,
        image_width=width,
        image_height=height,
        max_size=max_size,
        upscaled_max_size=up_max,
    )


def _parse_region(region: str, width: int, height: int) -> tuple[int, int, int, int]:
    if region == "full":
        return (0, 0, width, height)
    if region == "square":
        side = min(width, height)
        # Centred in the longer dimension, as the spec suggests.
        return ((width - side) // 2, (height - side) // 2, side, side)
    if m := _PX_REGION.fullmatch(region):
        x, y, w, h = (int(v) for v in m.groups())
    elif m := _PCT_REGION.fullmatch(region):
        px, py, pw, ph = (float(v) for v in m.groups())
        x, y = round(width * px / 100), round(height * py / 100)
        # A non-zero percentage never collapses to an empty region by rounding.
        w = max(1, round(width * pw / 100)) if pw > 0 else 0
        h = max(1, round(height * ph / 100)) if ph > 0 else 0
    else:
        raise ImageApiError(400, f"region {region!r} is not full, square, x,y,w,h or pct:x,y,w,h")
    if w == 0 or h == 0:
        raise ImageApiError(400, f"region {region!r} has zero width or height")
    if x >= width or y >= height:
        raise ImageApiError(400, f"region {region!r} lies outside the image ({width}x{height})")
    # Cropped at the image's edge rather than padded (spec 4.1).
    return (x, y, min(w, width - x), min(h, height - y))


def largest_size(rw: int, rh: int, limits: Limits, *, upscale: bool) -> tuple[int, int]:
    """The largest size of a ``rw`` x ``rh`` region within the limits."""
    scale = math.inf if upscale else 1.0
    if limits.max_width:
        scale = min(scale, limits.max_width / rw)
    if limits.max_height:
        scale = min(scale, limits.max_height / rh)
    if limits.max_area:
        scale = min(scale, math.sqrt(limits.max_area / (rw * rh)))
    if math.isinf(scale):  # "^max" with no limits declared is plain "max"
        scale = 1.0
    # The epsilon keeps an exact limit (e.g. scale = maxWidth / rw) from flooring one short.
    w = max(1, math.floor(rw * scale + 1e-9))
    h = max(1, math.floor(rh * scale + 1e-9))
    while limits.max_area and w * h > limits.max_area and max(w, h) > 1:
        w, h = (w - 1, h) if w >= h else (w, h - 1)
    return (w, h)


def _parse_size(
    size: str, rw: int, rh: int, limits: Limits, max_size: tuple[int, int], up_max: tuple[int, int]
) -> tuple[int, int]:
    upscale = size.startswith("^")
    spec = size[1:] if upscale else size
    if spec == "max":
        return up_max if upscale else max_size
    if m := _SIZE_W.fullmatch(spec):
        w = int(m.group(1))
        # The derived side never rounds away to nothing (a very tall or wide region).
        out = (w, max(1, round(rh * w / rw)) if w else 0)
    elif m := _SIZE_H.fullmatch(spec):
        h = int(m.group(1))
        out = (max(1, round(rw * h / rh)) if h else 0, h)
    elif m := _SIZE_PCT.fullmatch(spec):
        pct = float(m.group(1))
        if pct > 100 and not upscale:
            raise ImageApiError(
                400, f"size {size!r} is larger than the region; use ^pct: to upscale"
            )
        out = (round(rw * pct / 100), round(rh * pct / 100))
    elif m := _SIZE_WH.fullmatch(spec):
        confined, w, h = m.group(1) == "!", int(m.group(2)), int(m.group(3))
        if confined:
            return _confined(size, w, h, rw, rh, limits, upscale)
        out = (w, h)
    else:
        raise ImageApiError(
            400, f"size {size!r} is not max, w,, ,h, pct:n, w,h or !w,h (each may start with ^)"
        )
    return _checked_size(size, out, rw, rh, limits, upscale)


def _confined(
    size: str, w: int, h: int, rw: int, rh: int, limits: Limits, upscale: bool
) -> tuple[int, int]:
    """``!w,h``: as large as fits in w x h (and the region, unless ``^``) and the limits."""
    if w == 0 or h == 0:
        raise ImageApiError(400, f"size {size!r} asks for an image less than 1 pixel")
    scale = min(w / rw, h / rh)
    if not upscale:
        scale = min(scale, 1.0)
    elif scale > 1 and not limits.any:
        raise _no_upscaling(size)
    out = (max(1, min(w, round(rw * scale))), max(1, min(h, round(rh * scale))))
    if not limits.fits(*out):
        # Confined sizes shrink to the server's limits instead of failing (spec 4.2).
        limited = largest_size(rw, rh, limits, upscale=upscale)
        out = (min(out[0], limited[0]), min(out[1], limited[1]))
    return out


def _checked_size(
    size: str, out: tuple[int, int], rw: int, rh: int, limits: Limits, upscale: bool
) -> tuple[int, int]:
    w, h = out
    if w < 1 or h < 1:
        raise ImageApiError(400, f"size {size!r} asks for an image less than 1 pixel")
    if w > rw or h > rh:
        if not upscale:
            raise ImageApiError(
                400,
                f"size {size!r} is larger than the region ({rw}x{rh}); "
                "prefix it with ^ to ask for upscaling",
            )
        if not limits.any:
            raise _no_upscaling(size)
    if not limits.fits(w, h):
        raise ImageApiError(
            400, f"size {size!r} ({w}x{h}) is beyond this image's limits ({limits.describe()})"
        )
    return (w, h)


def _no_upscaling(size: str) -> ImageApiError:
    return ImageApiError(501, f"size {size!r} needs upscaling, which this service does not offer")


def _parse_rotation(rotation: str) -> tuple[bool, int]:
    m = _ROTATION.fullmatch(rotation)
    if not m:
        raise ImageApiError(400, f"rotation {rotation!r} is not a number, optionally after !")
    degrees = float(m.group(2))
    if degrees > 360:
        raise ImageApiError(400, f"rotation {rotation!r} is out of range (0 to 360)")
    if degrees % 90:
        raise ImageApiError(
            400, f"rotation {rotation!r} is not supported; use 0, 90, 180 or 270 (! mirrors)"
        )
    return m.group(1) == "!", int(degrees) % 360


def _check_format(fmt: str) -> None:
    if fmt in FORMAT_MIME:
        return
    offered = ", ".join(FORMAT_MIME)
    if fmt in _OTHER_IIIF_FORMATS:
        raise ImageApiError(400, f"format {fmt!r} is not offered here; use one of {offered}")
    raise ImageApiError(400, f"format {fmt!r} is unknown; use one of {offered}")


def _check_format_size(size: str, out: tuple[int, int], fmt: str) -> None:
    """Refuse a size the format cannot hold, before any pixel is decoded
    (the encoder would fail half-way, after the whole render was paid for)."""
    if fmt not in FORMAT_MAX_SIDE:
        return
    name, longest = FORMAT_MAX_SIDE[fmt]
    if max(out) > longest:
        raise ImageApiError(
            400,
            f"size {size!r} ({out[0]}x{out[1]}) is beyond what {name} can hold "
            f"({longest:,} pixels a side at most); ask for a smaller size or png",
        )


def canonical_params(req: ImageRequest) -> str:
    """``region/size/rotation/quality.format`` in the spec's canonical form (section 4.8)."""
    x, y, w, h = req.region
    region = "full" if req.is_full_region else f"{x},{y},{w},{h}"
    if req.size == req.max_size:
        size = "max"
    elif req.is_upscaled:
        size = "^max" if req.size == req.upscaled_max_size else f"^{req.size[0]},{req.size[1]}"
    else:
        size = f"{req.size[0]},{req.size[1]}"
    rotation = f"{'!' if req.mirror else ''}{req.rotation}"
    return f"{region}/{size}/{rotation}/{req.quality}.{req.format}"


# Clockwise IIIF rotation -> Pillow's (counter-clockwise) transposition.
_TRANSPOSE = {
    90: Image.Transpose.ROTATE_270,
    180: Image.Transpose.ROTATE_180,
    270: Image.Transpose.ROTATE_90,
}


def render(source: Image.Image, req: ImageRequest) -> Image.Image:
    """Crop, scale, mirror, rotate and convert ``source`` as ``req`` asks.

    ``source`` should be freshly opened and not yet loaded, so that a JPEG
    can be decoded at a reduced scale (see the module docstring).
    """
    if source.size != (req.image_width, req.image_height):
        raise ValueError(
            f"request was parsed for {req.image_width}x{req.image_height}, "
            f"image is {source.size[0]}x{source.size[1]}"
        )
    x, y, w, h = req.region
    img, scale = _reduced_decode(source, req)
    box = (x / scale, y / scale, (x + w) / scale, (y + h) / scale)
    return render_box(img, box, req)


def render_box(
    img: Image.Image, box: tuple[float, float, float, float], req: ImageRequest
) -> Image.Image:
    """Finish a request from an image that holds its region at ``box``."""
    return finish(scale_box(img, box, req.size), req)


def scale_box(
    img: Image.Image, box: tuple[float, float, float, float], size: tuple[int, int]
) -> Image.Image:
    """The part of ``img`` at ``box``, scaled to ``size``; a plain crop when
    ``box`` is whole pixels of that very size."""
    img = _resampleable(img)
    if all(float(v).is_integer() for v in box) and (box[2] - box[0], box[3] - box[1]) == size:
        return img.crop(tuple(int(v) for v in box))  # type: ignore[arg-type]
    # reducing_gap lets Pillow shrink by whole factors first (cheap box
    # filter) and keep Lanczos for the last step only.
    return img.resize(size, Image.Resampling.LANCZOS, box=box, reducing_gap=3.0)


def finish(img: Image.Image, req: ImageRequest) -> Image.Image:
    """Mirror, rotate and convert an image already scaled to ``req.size``."""
    if req.mirror:
        img = img.transpose(Image.Transpose.FLIP_LEFT_RIGHT)
    if req.rotation:
        img = img.transpose(_TRANSPOSE[req.rotation])
    return _apply_quality(img, req.quality, req.format)


def _reduced_decode(source: Image.Image, req: ImageRequest) -> tuple[Image.Image, float]:
    """Ask libjpeg for a DCT-scaled decode; return the image and its reduction factor."""
    _, _, w, h = req.region
    out_w, out_h = req.size
    if source.format != "JPEG" or out_w * 2 > w or out_h * 2 > h:
        return source, 1.0
    wanted = (math.ceil(req.image_width * out_w / w), math.ceil(req.image_height * out_h / h))
    # Gray output lets libjpeg skip the colour conversion as well.
    mode = "L" if req.quality in ("gray", "bitonal") and source.mode == "RGB" else source.mode
    drafted = source.draft(mode, wanted)
    if drafted is None:
        return source, 1.0
    _, (_, _, full_w, _) = drafted
    return source, req.image_width / full_w


def _resampleable(img: Image.Image) -> Image.Image:
    """Palette and 1-bit images only resample with NEAREST; widen them first."""
    if img.mode in ("P", "PA"):
        return img.convert("RGBA" if img.has_transparency_data else "RGB")
    if img.mode == "1":
        return img.convert("L")
    if img.mode not in ("L", "LA", "RGB", "RGBA"):
        return img.convert("RGB")
    return img


def _apply_quality(img: Image.Image, quality: str, fmt: str) -> Image.Image:
    has_alpha = img.mode in ("LA", "RGBA")
    keeps_alpha = fmt in ("png", "webp")
    if has_alpha and (not keeps_alpha or quality == "bitonal"):
        img = _flatten_on_white(img)
        has_alpha = False
    if quality in ("default", "color"):
        return img
    gray = img.convert("LA" if has_alpha else "L")
    if img.mode.startswith("RGB"):
        # An RGB ICC profile would be wrong on a gray image.
        gray.info.pop("icc_profile", None)
    if quality == "gray":
        return gray
    # A plain threshold, not dithering: crisp text, and the same bytes every time.
    return gray.convert("1", dither=Image.Dither.NONE)


def _flatten_on_white(img: Image.Image) -> Image.Image:
    base_mode = "L" if img.mode == "LA" else "RGB"
    background = Image.new(base_mode, img.size, 255 if base_mode == "L" else (255, 255, 255))
    background.paste(img, mask=img.getchannel("A"))
    background.info = dict(img.info)
    return background
