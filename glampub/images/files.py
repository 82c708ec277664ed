"""Image files with Pillow: verify, orient, measure, store, and embed the credit.

Decompression bombs: Pillow's ceiling is set once, here at import, to
:data:`DEFAULT_MAX_PIXELS`, and its ``DecompressionBombWarning`` (it only
*warns* between the ceiling and twice the ceiling) becomes an error. Neither is
changed per request (``warnings.catch_warnings`` is not thread-safe). The
enforcement does not depend on that filter, though: :func:`open_image` checks
the header's size against ``max_pixels`` itself before any pixel is decoded.
``max_pixels`` can lower the cap for one call, never raise it above the ceiling.

The stored master is named by the SHA-256 of the original bytes, so the same
file imported twice is stored and processed once.
"""

from __future__ import annotations

import hashlib
import io
import os
import struct
import tempfile
import time
import warnings
import zlib
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from PIL import Image, ImageCms, ImageOps

from glampub.errors import UnreadableInput, UnsafeInput
from glampub.images.pyramid import build_pyramid

#: 100 megapixels: a large museum master, about 300 MB once decoded.
DEFAULT_MAX_PIXELS = 100_000_000
DEFAULT_MAX_BYTES = 512 * 1024 * 1024

Image.MAX_IMAGE_PIXELS = DEFAULT_MAX_PIXELS
warnings.filterwarnings("error", category=Image.DecompressionBombWarning)

#: What we accept from museums; anything else (PSD, EPS, ICO ...) is refused unread.
#: (Camera JPEGs with extra frames open as "MPO" through the JPEG entry.)
INGEST_FORMATS = ("JPEG", "PNG", "TIFF", "WEBP", "GIF", "BMP", "JPEG2000")
#: What we store and serve from: ingest turns everything into one of these.
MASTER_FORMATS = ("JPEG", "PNG")
_MIME = {"jpg": "image/jpeg", "png": "image/png"}
_ORIENTATION_TAG = 0x0112
_PILLOW_DECODE_ERRORS = (OSError, SyntaxError, ValueError, EOFError, struct.error, zlib.error)


@dataclass(frozen=True)
class StoredImage:
    #: Path of the master relative to the images directory, e.g. "ab/ab12...ef.jpg".
    relative_path: str
    #: Pixel size after EXIF orientation has been applied.
    width: int
    height: int
    #: SHA-256 (hex) of the bytes as received.
    checksum: str
    mime_type: str
    #: Things a person should know, e.g. "only the first of 12 pages was kept".
    notes: tuple[str, ...] = ()


@contextmanager
def _pillow_errors(what: str, head: bytes = b"") -> Iterator[None]:
    """Turn Pillow's many failure types into our errors, with a message that helps."""
    try:
        yield
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise UnsafeInput(f"{what}: refused as a possible decompression bomb ({exc})") from exc
    except Image.UnidentifiedImageError as exc:
        raise UnreadableInput(f"{what}: {_not_an_image(head)}") from exc
    except _PILLOW_DECODE_ERRORS as exc:
        raise UnreadableInput(f"{what}: the image is damaged or truncated ({exc})") from exc


def _not_an_image(head: bytes) -> str:
    text = head.lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if text.startswith(b"<"):
        kind = "SVG" if b"<svg" in text else "HTML or XML"
        return f"this is {kind} text, not a raster image (was a web page saved by mistake?)"
    return "not an image in a supported format (JPEG, PNG, TIFF, WebP, GIF, BMP, JPEG 2000)"


def open_image(
    source: Path | BinaryIO | bytes,
    *,
    max_pixels: int = DEFAULT_MAX_PIXELS,
    formats: Sequence[str] = MASTER_FORMATS,
    what: str = "image",
) -> Image.Image:
    """Open lazily (header only), refusing unknown formats and bombs."""
    fp: Path | BinaryIO = io.BytesIO(source) if isinstance(source, bytes) else source
    head = _peek(fp)
    with _pillow_errors(what, head):
        img = Image.open(fp, formats=list(formats))
    pixels = img.width * img.height
    max_pixels = min(max_pixels, Image.MAX_IMAGE_PIXELS or max_pixels)
    if pixels > max_pixels:
        img.close()
        raise UnsafeInput(
            f"{what}: {img.width}x{img.height} is {pixels:,} pixels, over the "
            f"limit of {max_pixels:,}; reduce the image before importing it"
        )
    return img


def _peek(fp: Path | BinaryIO) -> bytes:
    if isinstance(fp, Path):
        with fp.open("rb") as f:
            return f.read(512)
    pos = fp.tell()
    head = fp.read(512)
    fp.seek(pos)
    return head


def ingest(
    data: BinaryIO | bytes,
    dest_dir: Path,
    *,
    max_pixels: int = DEFAULT_MAX_PIXELS,
    max_bytes: int = DEFAULT_MAX_BYTES,
) -> StoredImage:
    """Verify an image, orient it, and store it as a master under ``dest_dir``.

    Raises :class:`UnreadableInput` for anything that is not a complete image
    and :class:`UnsafeInput` for bombs and oversized files.
    """
    dest_dir.mkdir(parents=True, exist_ok=True)
    spooled, checksum = _spool(data, dest_dir, max_bytes)
    try:
        existing = _find_master(dest_dir, checksum)
        stored = (
            _describe_master(dest_dir, existing, checksum)
            if existing is not None
            else _store(spooled, dest_dir, checksum, max_pixels)
        )
    finally:
        spooled.unlink(missing_ok=True)
    # Made once here, at import, so that serving a tile never decodes the master.
    build_pyramid(dest_dir / stored.relative_path)
    return stored


#: A half-written file untouched this long is no longer being written: its process died.
LEFTOVER_AGE_SECONDS = 3600


def sweep_leftovers(dest_dir: Path, older_than: float = LEFTOVER_AGE_SECONDS) -> int:
    """Remove what a killed process left half-written under ``dest_dir``: spooled
    ``.incoming-*`` copies and ``.*.part`` masters, never a whole master. Only
    files untouched for ``older_than`` seconds, so an import writing now (of
    another institution, into the same folder) keeps its own. Returns how many."""
    if not dest_dir.is_dir():
        return 0
    cutoff = time.time() - older_than
    removed = 0
    for leftover in (*dest_dir.glob(".incoming-*"), *dest_dir.glob("*/.*.part")):
        try:
            if leftover.is_file() and leftover.stat().st_mtime < cutoff:
                leftover.unlink()
                removed += 1
        except FileNotFoundError:
            pass  # swept by another import at the same moment
    return removed


def _spool(data: BinaryIO | bytes, dest_dir: Path, max_bytes: int) -> tuple[Path, str]:
    """Copy into a temporary file beside the masters, hashing on the way, with a hard cap."""
    stream = io.BytesIO(data) if isinstance(data, bytes) else data
    digest = hashlib.sha256()
    total = 0
    with tempfile.NamedTemporaryFile(dir=dest_dir, prefix=".incoming-", delete=False) as tmp:
        try:
            while chunk := stream.read(1024 * 1024):
                total += len(chunk)
                if total > max_bytes:
                    raise UnsafeInput(f"image file is larger than the limit of {max_bytes:,} bytes")
                digest.update(chunk)
                tmp.write(chunk)
        except BaseException:
            tmp.close()
            Path(tmp.name).unlink(missing_ok=True)
            raise
    return Path(tmp.name), digest.hexdigest()


def _master_path(dest_dir: Path, checksum: str, ext: str) -> Path:
    # Two-character shards keep directories small with hundreds of thousands of images.
    return dest_dir / checksum[:2] / f"{checksum}.{ext}"


def _find_master(dest_dir: Path, checksum: str) -> Path | None:
    for ext in _MIME:
        path = _master_path(dest_dir, checksum, ext)
        if path.is_file():
            return path
    return None


def _describe_master(dest_dir: Path, path: Path, checksum: str) -> StoredImage:
    with open_image(path, what=f"stored master {path.name}") as img:
        width, height = img.size
    ext = path.suffix[1:]
    return StoredImage(path.relative_to(dest_dir).as_posix(), width, height, checksum, _MIME[ext])


def _store(spooled: Path, dest_dir: Path, checksum: str, max_pixels: int) -> StoredImage:
    head = _peek(spooled)
    with (
        open_image(spooled, max_pixels=max_pixels, formats=INGEST_FORMATS) as probe,
        _pillow_errors("image", head),
    ):
        probe.verify()  # structure and checksums (PNG CRCs); no pixels yet
    notes: list[str] = []
    with open_image(spooled, max_pixels=max_pixels, formats=INGEST_FORMATS) as img:
        fmt, frames = img.format, getattr(img, "n_frames", 1)
        if frames > 1 and fmt != "MPO":  # an MPO's extra frames are previews, not pages
            kind = "pages" if fmt == "TIFF" else "frames"
            notes.append(f"the file has {frames} {kind}; only the first was kept")
        with _pillow_errors("image", head):
            orientation = img.getexif().get(_ORIENTATION_TAG, 1)
            verbatim = _keep_verbatim(img, fmt, frames, orientation)
            if verbatim:
                width, height = img.size
                _decode_cheaply(img)  # a truncated file fails here
            else:
                img.load()
                oriented = ImageOps.exif_transpose(img)
    if verbatim:
        ext = "jpg" if fmt in ("JPEG", "MPO") else "png"
        final = _master_path(dest_dir, checksum, ext)
        final.parent.mkdir(exist_ok=True)
        os.replace(spooled, final)
    else:
        oriented, note = _normalise_mode(oriented)
        if note:
            notes.append(note)
        ext = _master_extension(oriented, _is_lossless(fmt, img.info, head))
        final = _master_path(dest_dir, checksum, ext)
        final.parent.mkdir(exist_ok=True)
        _save_master(oriented, final, ext, keep_exif=fmt in ("JPEG", "MPO", "PNG", "WEBP"))
        width, height = oriented.size
    relative = final.relative_to(dest_dir).as_posix()
    return StoredImage(relative, width, height, checksum, _MIME[ext], tuple(notes))


def _keep_verbatim(img: Image.Image, fmt: str | None, frames: int, orientation: int) -> bool:
    """The original bytes can serve as the master: right format, mode and way up."""
    if orientation in range(2, 9):  # 1 is upright; other values are junk and ignored
        return False
    if fmt in ("JPEG", "MPO"):
        return img.mode in ("L", "RGB")
    return fmt == "PNG" and frames == 1 and img.mode in ("1", "L", "LA", "P", "RGB", "RGBA")


def _decode_cheaply(img: Image.Image) -> None:
    """Decode every byte of the file (to catch truncation) at the smallest scale."""
    if img.format in ("JPEG", "MPO"):
        # libjpeg still reads the whole stream at 1/8 scale, with 1/64 of the memory.
        img.draft(img.mode, (max(1, img.width // 8), max(1, img.height // 8)))
    img.load()


def _normalise_mode(img: Image.Image) -> tuple[Image.Image, str | None]:
    """Bring exotic modes to 8-bit L/LA/RGB/RGBA/P/1 so serving never has to."""
    mode = img.mode
    if mode in ("1", "L", "LA", "P", "RGB", "RGBA"):
        return img, None
    if mode == "I" or mode.startswith("I;16"):
        _, high = img.getextrema()
        factor = 255 / 65535 if high > 255 else 1
        return img.point(lambda v: v * factor).convert("L"), "16-bit image reduced to 8 bits"
    if mode == "CMYK":
        return _cmyk_to_rgb(img), "CMYK image converted to RGB"
    wider = {"RGBa": "RGBA", "La": "LA", "PA": "RGBA"}.get(mode, "RGB")
    converted = img.convert(wider)
    converted.info.pop("icc_profile", None)
    return converted, f"{mode} image converted to {wider}"


def _cmyk_to_rgb(img: Image.Image) -> Image.Image:
    icc = img.info.get("icc_profile")
    if icc:
        try:
            source = ImageCms.ImageCmsProfile(io.BytesIO(icc))
            rgb = ImageCms.profileToProfile(
                img, source, ImageCms.createProfile("sRGB"), outputMode="RGB"
            )
        except ImageCms.PyCMSError:
            rgb = None  # a broken embedded profile: fall back to the plain formula
        if rgb is not None:
            rgb.info.pop("icc_profile", None)  # now untagged sRGB, the web's default
            return rgb
    rgb = img.convert("RGB")
    rgb.info.pop("icc_profile", None)
    return rgb


def _is_lossless(fmt: str | None, info: dict, head: bytes) -> bool:
    """Whether re-encoding as JPEG would lose detail the source really has."""
    if fmt == "TIFF":
        return info.get("compression") not in ("jpeg", "tiff_jpeg")
    if fmt == "WEBP":
        return b"VP8L" in head  # the lossless bitstream's chunk, near the start
    return fmt in ("PNG", "BMP", "GIF")


def _master_extension(img: Image.Image, lossless: bool) -> str:
    alpha = img.mode in ("LA", "RGBA") or (img.mode == "P" and img.has_transparency_data)
    return "png" if alpha or lossless or img.mode in ("1", "P") else "jpg"


def _save_master(img: Image.Image, path: Path, ext: str, *, keep_exif: bool) -> None:
    options: dict[str, object] = {}
    icc = matching_icc(img)
    if icc:
        options["icc_profile"] = icc
    if keep_exif and img.info.get("exif"):
        options["exif"] = img.info["exif"]  # exif_transpose already reset the orientation
    tmp = path.with_name(f".{path.name}.part")
    try:
        if ext == "jpg":
            img.save(tmp, "JPEG", quality=95, subsampling=0, **options)
        else:
            img.save(tmp, "PNG", compress_level=6, **options)
        os.replace(tmp, path)  # atomic: a reader never sees half a master
    finally:
        tmp.unlink(missing_ok=True)


def matching_icc(img: Image.Image) -> bytes | None:
    """The embedded ICC profile, only when its colour space fits the image's mode."""
    icc = img.info.get("icc_profile")
    if not isinstance(icc, bytes) or len(icc) < 20:
        return None
    space = icc[16:20]
    if img.mode in ("RGB", "RGBA", "P") and space == b"RGB ":
        return icc
    if img.mode in ("L", "LA") and space == b"GRAY":
        return icc
    return None
