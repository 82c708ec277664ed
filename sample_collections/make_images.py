"""Make every image that glampub's sample collections reference, plus each institution's logo.

The exports are the single source of truth: this module reads which files a collection needs
from its ``objects.csv`` (``images`` column) or ``objects.xml`` (LIDO ``linkResource`` of the
``image_master`` representation) and draws a distinct abstract "artwork" for each, labelled
with the object identifier so a viewer shows which object it belongs to.

Everything is derived from a hash of the file name, so every run writes the same bytes (no
timestamps, seeded randomness): re-importing the samples finds their images unchanged.
Only Pillow and lxml are used; nothing is downloaded.

Run ``python sample_collections/make_images.py [--out DIR]``; without ``--out`` the images go
into each collection's ``images/`` folder (git-ignored). Importing this module has no side
effects; call :func:`make_images` from code.
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import io
import math
import random
import sys
import time
import tomllib
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from lxml import etree
from PIL import Image, ImageColor, ImageDraw, ImageFilter, ImageFont, ImageOps

HERE = Path(__file__).resolve().parent
CSV_EXPORT = "objects.csv"
LIDO_EXPORT = "objects.xml"

_NS = {"lido": "http://www.lido-schema.org"}
_LIDO_RECORDS = etree.XPath("//lido:lido", namespaces=_NS)
_LIDO_REC_ID = etree.XPath("string(lido:lidoRecID[1])", namespaces=_NS)
_LIDO_RESOURCE_SETS = etree.XPath(
    "lido:administrativeMetadata/lido:resourceWrap/lido:resourceSet", namespaces=_NS
)
_LIDO_MASTER_LINK = etree.XPath(
    "string(lido:resourceRepresentation[@lido:type='image_master']/lido:linkResource[1])",
    namespaces=_NS,
)
_SORTORDER = "{http://www.lido-schema.org}sortorder"

#: Display sizes (width, height) for ordinary images, chosen by hash of the file name.
SIZES: tuple[tuple[int, int], ...] = (
    *((1200, 900), (900, 1200), (900, 1400), (1400, 1000)),
    *((1000, 1000), (1600, 1200), (800, 1100), (1300, 800)),
)

#: Pairs of gradient colours plus accents; muted, "museum wall" palettes.
PALETTES: tuple[tuple[str, ...], ...] = (
    ("#1d3557", "#a8dadc", "#e63946", "#f1faee", "#457b9d"),
    ("#2b2d42", "#edf2f4", "#ef233c", "#8d99ae", "#d90429"),
    ("#264653", "#e9c46a", "#2a9d8f", "#f4a261", "#e76f51"),
    ("#3d405b", "#f4f1de", "#e07a5f", "#81b29a", "#f2cc8f"),
    ("#22223b", "#f2e9e4", "#9a8c98", "#c9ada7", "#4a4e69"),
    ("#283618", "#fefae0", "#606c38", "#dda15e", "#bc6c25"),
    ("#03045e", "#caf0f8", "#0077b6", "#90e0ef", "#00b4d8"),
    ("#590d22", "#fff0f3", "#c9184a", "#ff8fa3", "#800f2f"),
)

MOTIFS = ("orbs", "blocks", "horizon", "bands")


@dataclass(frozen=True)
class ImageRef:
    """One image file an export references, and the object it belongs to."""

    file_name: str
    identifier: str
    position: int
    count: int


@dataclass(frozen=True)
class Special:
    """Overrides for files that must exercise a particular code path downstream."""

    #: Displayed size; with an EXIF orientation the stored pixels are rotated.
    size: tuple[int, int] | None = None
    exif_orientation: int | None = None
    mode: str = "RGB"
    motif: str | None = None


#: Per collection folder. Each entry must be referenced by that collection's export, so a
#: renamed file cannot silently drop the deep-zoom, EXIF-rotation or greyscale case.
SPECIAL: dict[str, dict[str, Special]] = {
    "kestrel-museum": {
        # A chart with fine detail at 12 megapixels: exercises IIIF tiling and deep zoom.
        "1998-102.jpg": Special(size=(4000, 3000), motif="chart"),
        # A portrait photograph stored sideways with EXIF Orientation 6, as cameras do.
        "2015-22_2.jpg": Special(size=(1000, 1500), exif_orientation=6),
        "2020-11_1.png": Special(size=(1400, 990)),
    },
    "stadtmuseum-lindenau": {
        "sml-d-0301.jpg": Special(size=(2400, 1800), motif="chart"),
        # A greyscale (mode "L") PNG, as a pencil drawing is often scanned.
        "sml-a-0009.png": Special(size=(1400, 1000), mode="L"),
    },
}


def _is_url(reference: str) -> bool:
    return reference.startswith(("http://", "https://"))


def _csv_references(path: Path) -> list[ImageRef]:
    refs: list[ImageRef] = []
    with path.open(encoding="utf-8-sig", newline="") as fh:
        for row in csv.DictReader(fh):
            names = [n.strip() for n in (row.get("images") or "").split("|")]
            names = [n for n in names if n and not _is_url(n)]
            for position, name in enumerate(names, start=1):
                refs.append(ImageRef(name, row["identifier"].strip(), position, len(names)))
    return refs


def _sort_key(indexed: tuple[int, etree._Element]) -> tuple[int, int]:
    order = indexed[1].get(_SORTORDER, "").strip()
    return (int(order) if order.isdigit() else indexed[0], indexed[0])


def _lido_references(path: Path) -> list[ImageRef]:
    # The sample file is ours, but parse it as safely as glampub parses anyone's LIDO.
    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)
    tree = etree.parse(str(path), parser)
    refs: list[ImageRef] = []
    for record in _LIDO_RECORDS(tree):
        identifier = _LIDO_REC_ID(record).strip()
        sets = sorted(enumerate(_LIDO_RESOURCE_SETS(record)), key=_sort_key)
        names = [_LIDO_MASTER_LINK(rs).strip() for _, rs in sets]
        names = [n for n in names if n and not _is_url(n)]
        for position, name in enumerate(names, start=1):
            refs.append(ImageRef(name, identifier, position, len(names)))
    return refs


def read_references(collection_dir: Path) -> list[ImageRef]:
    """The image files a collection's export references, in export order, without repeats."""
    csv_path, lido_path = collection_dir / CSV_EXPORT, collection_dir / LIDO_EXPORT
    if csv_path.is_file():
        refs = _csv_references(csv_path)
    elif lido_path.is_file():
        refs = _lido_references(lido_path)
    else:
        raise FileNotFoundError(
            f"{collection_dir}: no {CSV_EXPORT} or {LIDO_EXPORT}; nothing says which images to make"
        )
    unique: dict[str, ImageRef] = {}
    for ref in refs:
        unique.setdefault(ref.file_name, ref)
    return list(unique.values())


def _rng(key: str) -> random.Random:
    # sha256 rather than hash(): str hashes are salted per process, so not reproducible.
    return random.Random(int.from_bytes(hashlib.sha256(key.encode()).digest()[:8], "big"))


def _font(size: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    # Pillow's bundled font: no system fonts, so the output is the same on every machine.
    return ImageFont.load_default(size=size)


#: German transliteration first, so that "Ä-12" reads "Ae-12" rather than "A-12".
_TRANSLITERATE = str.maketrans(
    {"Ä": "Ae", "Ö": "Oe", "Ü": "Ue", "ä": "ae", "ö": "oe", "ü": "ue", "ß": "ss"}
)


def _ascii(text: str) -> str:
    """Text the bundled font can draw: it covers ASCII only, and system fonts would make
    the output differ between machines."""
    decomposed = unicodedata.normalize("NFKD", text.translate(_TRANSLITERATE))
    return "".join(c for c in decomposed if c.isascii())


def _gradient(size: tuple[int, int], start: str, end: str, horizontal: bool) -> Image.Image:
    ramp = Image.linear_gradient("L")
    if horizontal:
        ramp = ramp.transpose(Image.Transpose.ROTATE_90)
    return ImageOps.colorize(ramp.resize(size, Image.Resampling.BILINEAR), start, end)


def _rgba(colour: str, alpha: int) -> tuple[int, int, int, int]:
    return (*ImageColor.getrgb(colour)[:3], alpha)


def _soft_layer(
    size: tuple[int, int], motif: str, palette: Sequence[str], rng: random.Random
) -> Image.Image:
    """Shapes drawn at quarter size, blurred and scaled up: soft edges, and cheap for 12 MP."""
    w, h = max(size[0] // 4, 1), max(size[1] // 4, 1)
    layer = Image.new("RGBA", (w, h), (0, 0, 0, 0))
    draw = ImageDraw.Draw(layer)
    accents = palette[2:]
    if motif == "orbs":
        for _ in range(rng.randint(5, 9)):
            r = rng.uniform(0.05, 0.3) * min(w, h)
            x, y = rng.uniform(0, w), rng.uniform(0, h)
            draw.ellipse(
                (x - r, y - r, x + r, y + r), fill=_rgba(rng.choice(accents), rng.randint(90, 170))
            )
    elif motif == "blocks":
        top, margin = h * 0.08, w * 0.1
        heights = [rng.uniform(0.2, 0.45) for _ in range(rng.randint(2, 3))]
        scale = (h * 0.84) / (sum(heights) + 0.04 * len(heights))
        for part in heights:
            bottom = top + part * scale
            draw.rectangle(
                (margin, top, w - margin, bottom),
                fill=_rgba(rng.choice(accents), rng.randint(170, 220)),
            )
            top = bottom + 0.04 * scale
    elif motif == "horizon":
        r = min(w, h) * rng.uniform(0.08, 0.16)
        sx, sy = rng.uniform(0.2, 0.8) * w, rng.uniform(0.15, 0.35) * h
        draw.ellipse((sx - r, sy - r, sx + r, sy + r), fill=_rgba(palette[3], 220))
        for layer_no in range(3):
            base = h * (0.55 + 0.13 * layer_no)
            points = [(0.0, float(h))]
            for step in range(13):
                points.append((w * step / 12, base + rng.uniform(-0.08, 0.08) * h))
            points.append((float(w), float(h)))
            draw.polygon(points, fill=_rgba(accents[layer_no % len(accents)], 150 + 35 * layer_no))
    else:  # bands
        slope = rng.uniform(-0.6, 0.6) * h
        for _ in range(rng.randint(4, 7)):
            y, t = rng.uniform(-0.2, 1.0) * h, rng.uniform(0.04, 0.14) * h
            draw.polygon(
                [(0, y), (w, y + slope), (w, y + slope + t), (0, y + t)],
                fill=_rgba(rng.choice(accents), rng.randint(110, 190)),
            )
    layer = layer.filter(ImageFilter.GaussianBlur(radius=max(1, min(w, h) // 200)))
    return layer.resize(size, Image.Resampling.BILINEAR)


def _draw_chart(image: Image.Image, palette: Sequence[str], rng: random.Random) -> None:
    """Crisp full-resolution detail (grid, coastline, cell labels) to check deep-zoom tiles."""
    w, h = image.size
    draw = ImageDraw.Draw(image)
    line = max(1, w // 1200)
    cols, rows = 16, 12
    coast = []
    for step in range(41):
        angle = 2 * math.pi * step / 40
        radius = rng.uniform(0.25, 0.36)
        x = w * (0.5 + radius * 0.95 * math.cos(angle))
        coast.append((x, h * (0.5 + radius * math.sin(angle))))
    draw.polygon(coast, fill=palette[3], outline=palette[0], width=line * 3)
    font = _font(max(10, min(w, h) // 70))
    for c in range(cols + 1):
        draw.line([(w * c / cols, 0), (w * c / cols, h)], fill=palette[4], width=line)
    for r in range(rows + 1):
        draw.line([(0, h * r / rows), (w, h * r / rows)], fill=palette[4], width=line)
    for c in range(cols):
        for r in range(rows):
            corner = (w * c / cols + 4 * line, h * r / rows + 3 * line)
            draw.text(corner, f"{chr(ord('A') + c)}{r + 1}", fill=palette[0], font=font)


def _label(image: Image.Image, text: str) -> None:
    """A caption band with the object identifier, readable even in a thumbnail."""
    w, h = image.size
    size = max(14, min(w, h) // 20)
    font = _font(size)
    band = int(size * 1.9)
    overlay = Image.new("RGBA", (w, band), (12, 12, 16, 175))
    image.alpha_composite(overlay, (0, h - band))
    origin = (size // 2, h - band + (band - size) // 2 - size // 10)
    ImageDraw.Draw(image).text(origin, text, fill=(250, 248, 240, 255), font=font)


def render_artwork(ref: ImageRef, special: Special | None = None) -> Image.Image:
    """The upright picture for one referenced file (orientation is applied when saving)."""
    special = special or Special()
    rng = _rng(ref.file_name)
    size = special.size or rng.choice(SIZES)
    palette = rng.choice(PALETTES)
    motif = special.motif or rng.choice(MOTIFS)
    if motif == "chart":
        image = _gradient(size, palette[1], "#ffffff", horizontal=False).convert("RGBA")
        _draw_chart(image, palette, rng)
    else:
        image = _gradient(size, palette[0], palette[1], horizontal=rng.random() < 0.3)
        image = Image.alpha_composite(image.convert("RGBA"), _soft_layer(size, motif, palette, rng))
    _label(image, _ascii(f"{ref.identifier}  |  {ref.position}/{ref.count}  |  {ref.file_name}"))
    return image.convert(special.mode)


def render_logo(name: str) -> Image.Image:
    """A square logo: initials of the institution's name on an emblem, colours by name."""
    rng = _rng(name)
    palette = rng.choice(PALETTES)
    size = 512
    image = Image.new("RGB", (size, size), palette[0])
    draw = ImageDraw.Draw(image)
    draw.ellipse((40, 40, size - 40, size - 40), outline=palette[1], width=16)
    draw.polygon([(166, 270), (256, 110), (346, 270)], fill=palette[2])
    initials = _ascii("".join(w[0] for w in name.split() if w[:1].isupper())[:2])
    font = _font(104)
    box = draw.textbbox((0, 0), initials, font=font)
    x = (size - (box[2] - box[0])) // 2 - box[0]
    draw.text((x, 296 - box[1]), initials, fill=palette[1], font=font)
    return image


def _encode(image: Image.Image, file_name: str, orientation: int | None) -> bytes:
    buffer = io.BytesIO()
    if file_name.lower().endswith(".png"):
        image.save(buffer, format="PNG")
    else:
        options: dict[str, object] = {"quality": 86}
        if orientation:
            exif = Image.Exif()
            exif[0x0112] = orientation  # the EXIF Orientation tag
            options["exif"] = exif.tobytes()
            # Store the pixels the way a camera held sideways does; viewers must rotate.
            image = image.transpose(Image.Transpose.ROTATE_90)
        image.save(buffer, format="JPEG", **options)
    return buffer.getvalue()


def _write_if_changed(path: Path, data: bytes) -> None:
    # Leave identical files alone, so their modification times stay put too.
    if not (path.is_file() and path.read_bytes() == data):
        path.write_bytes(data)


def make_images(collection_dir: Path, out_dir: Path) -> list[Path]:
    """Write every image ``collection_dir``'s export references, and its logo, into ``out_dir``.

    Returns the paths written (or found already identical), images first, logo last.
    Raises ``FileNotFoundError`` when the folder has no export and ``ValueError`` when an
    entry of :data:`SPECIAL` is no longer referenced by the export.
    """
    collection_dir, out_dir = Path(collection_dir), Path(out_dir)
    refs = read_references(collection_dir)
    specials = SPECIAL.get(collection_dir.name, {})
    missing = sorted(set(specials) - {ref.file_name for ref in refs})
    if missing:
        raise ValueError(
            f"{collection_dir.name}: special images no longer referenced by the export: "
            + ", ".join(missing)
        )
    out_dir.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    for ref in refs:
        special = specials.get(ref.file_name, Special())
        data = _encode(render_artwork(ref, special), ref.file_name, special.exif_orientation)
        path = out_dir / ref.file_name
        _write_if_changed(path, data)
        written.append(path)
    with (collection_dir / "institution.toml").open("rb") as fh:
        institution = tomllib.load(fh)
    if institution.get("logo"):
        logo_path = out_dir / institution["logo"]
        _write_if_changed(
            logo_path, _encode(render_logo(institution["name"]), logo_path.name, None)
        )
        written.append(logo_path)
    return written


def collections(root: Path = HERE) -> list[Path]:
    """The sample collection folders: every subfolder with an ``institution.toml``."""
    return sorted(p.parent for p in root.glob("*/institution.toml"))


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description="Make the images of glampub's sample collections from their exports."
    )
    parser.add_argument(
        "--out", type=Path, metavar="DIR", help="write into DIR/<collection>/, not images/"
    )
    args = parser.parse_args(argv)
    started = time.perf_counter()
    for collection in collections():
        began = time.perf_counter()
        out_dir = args.out / collection.name if args.out else collection / "images"
        paths = make_images(collection, out_dir)
        print(
            f"{collection.name}: {len(paths)} files in {out_dir} "
            f"({time.perf_counter() - began:.2f} s)"
        )
    print(f"done in {time.perf_counter() - started:.2f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
