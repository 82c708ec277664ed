"""A pyramid of reduced levels, cut into tiles, made once per stored master.

Level ``f`` holds the image reduced by the factor ``f`` (1, 2, 4 ...), in
512 px tiles: JPEG, or PNG for masters with transparency (so it survives). A
request is answered from the smallest level that still has enough pixels,
decoding only the tiles its region touches: a viewer's tile never decodes the
whole original, and a thumbnail of a 60 MP scan reads one small tile. Small
masters (a few tiles) are served from the master, which is as fast for them.
"""

from __future__ import annotations

import math
import os
import shutil
import tempfile
from pathlib import Path

from PIL import Image

from glampub.iiif.image_api import ImageRequest, finish, scale_box

TILE = 512
#: Below this many pixels on the long side a master is its own best pyramid.
MIN_SIDE = 1500
TILE_QUALITY = 90
#: Outputs above this many pixels are scaled in pieces of at most this many
#: level pixels (plus the filter's margin); below it the whole region (at most
#: about four times the output, since the level is chosen that way) is scaled
#: in one piece.
PIECES_ABOVE = 1_000_000
PIECE_LEVEL_SIZE = (4 * TILE, TILE)


def pyramid_dir(master: Path) -> Path:
    return master.with_name(master.name + ".tiles")


def factors(width: int, height: int) -> list[int]:
    """1, 2, 4 ... until one tile holds the whole level."""
    found = [1]
    while max(width, height) / found[-1] > TILE:
        found.append(found[-1] * 2)
    return found


def build_pyramid(master: Path) -> bool:
    """Cut the pyramid of ``master`` (once); False when the master serves itself."""
    target = pyramid_dir(master)
    if target.is_dir():
        return True
    # The master was verified when it was stored; it is ours, not an upload.
    with Image.open(master) as img:
        mode = _level_mode(img)
        if max(img.size) < MIN_SIDE or mode is None:
            return False
        level = img.convert(mode)
    # Cut into a temporary folder and rename it into place: a reader sees a
    # whole pyramid or none, and two processes building it do not collide.
    partial = Path(tempfile.mkdtemp(dir=master.parent, prefix=f".{master.name}."))
    try:
        for index, factor in enumerate(factors(*level.size)):
            if index:
                level = level.reduce(2)
            _cut(level, partial / str(factor))
        os.replace(partial, target)
    except OSError:
        shutil.rmtree(partial, ignore_errors=True)
        if not target.is_dir():
            raise
    return True


def _level_mode(img: Image.Image) -> str | None:
    """The mode the levels are kept in; None for what masters never are."""
    if img.mode in ("RGB", "L", "RGBA", "LA"):
        return img.mode
    if img.mode == "P":
        return "RGBA" if img.has_transparency_data else "RGB"
    if img.mode == "1":
        return "L"
    return "RGB" if img.mode in ("CMYK", "YCbCr") else None


def _tile_format(mode: str) -> tuple[str, str]:
    """(extension, Pillow format): PNG keeps transparency, JPEG everything else."""
    return ("png", "PNG") if mode in ("RGBA", "LA") else ("jpg", "JPEG")


def _cut(level: Image.Image, folder: Path) -> None:
    folder.mkdir()
    extension, fmt = _tile_format(level.mode)
    options = {"compress_level": 1} if fmt == "PNG" else {"quality": TILE_QUALITY}
    for row in range(math.ceil(level.height / TILE)):
        for col in range(math.ceil(level.width / TILE)):
            box = (
                col * TILE,
                row * TILE,
                min((col + 1) * TILE, level.width),
                min((row + 1) * TILE, level.height),
            )
            level.crop(box).save(folder / f"{col}_{row}.{extension}", fmt, **options)


def render_from_pyramid(master: Path, req: ImageRequest) -> Image.Image | None:
    """The rendered request, from the pyramid's tiles; None when there is no pyramid.

    Large outputs are scaled piece by piece (each piece from the tiles it
    needs, with a margin for the filter), so memory follows the output, not
    the region: a download of a whole level never holds the level at once.
    """
    root = pyramid_dir(master)
    if not root.is_dir():
        return None
    x, y, w, h = req.region
    out_w, out_h = req.size
    usable = [
        f for f in factors(req.image_width, req.image_height) if f * out_w <= w and f * out_h <= h
    ]
    factor = max(usable, default=1)
    level = _Level(
        root / str(factor),
        "png" if (root / "1" / "0_0.png").exists() else "jpg",
        math.ceil(math.ceil(req.image_width / factor) / TILE),
        math.ceil(math.ceil(req.image_height / factor) / TILE),
    )
    # The region in level pixels.
    left, top, right, bottom = x / factor, y / factor, (x + w) / factor, (y + h) / factor
    if out_w * out_h <= PIECES_ABOVE:
        return finish(level.scaled((left, top, right, bottom), (out_w, out_h), 0, 0), req)
    per_col, per_row = (right - left) / out_w, (bottom - top) / out_h  # level px per output px
    # Lanczos reaches three source pixels (three output pixels when shrinking) each way.
    margin_x = math.ceil(3 * max(per_col, 1)) + 1
    margin_y = math.ceil(3 * max(per_row, 1)) + 1
    piece_w = max(1, math.floor(PIECE_LEVEL_SIZE[0] / per_col))
    piece_h = max(1, math.floor(PIECE_LEVEL_SIZE[1] / per_row))
    out = None
    for top_row in range(0, out_h, piece_h):
        rows = min(piece_h, out_h - top_row)
        for left_col in range(0, out_w, piece_w):
            cols = min(piece_w, out_w - left_col)
            box = (
                left + left_col * per_col,
                top + top_row * per_row,
                left + (left_col + cols) * per_col,
                top + (top_row + rows) * per_row,
            )
            piece = level.scaled(box, (cols, rows), margin_x, margin_y)
            if out is None:
                out = Image.new(piece.mode, (out_w, out_h))
            out.paste(piece, (left_col, top_row))
    assert out is not None
    return finish(out, req)


class _Level:
    """One level of a pyramid: its folder and its size in tiles."""

    def __init__(self, folder: Path, extension: str, cols: int, rows: int) -> None:
        self.folder, self.extension, self.cols, self.rows = folder, extension, cols, rows

    def scaled(
        self,
        box: tuple[float, float, float, float],
        size: tuple[int, int],
        margin_x: int,
        margin_y: int,
    ) -> Image.Image:
        """``box`` (level pixels) scaled to ``size``, from the tiles it touches
        and a margin beyond, so the filter sees what it would in one piece."""
        left, top, right, bottom = box
        first_col = max(0, int((left - margin_x) // TILE))
        last_col = min(self.cols - 1, math.ceil((right + margin_x) / TILE) - 1)
        first_row = max(0, int((top - margin_y) // TILE))
        last_row = min(self.rows - 1, math.ceil((bottom + margin_y) / TILE) - 1)
        block = None
        for row in range(first_row, last_row + 1):
            for col in range(first_col, last_col + 1):
                with Image.open(self.folder / f"{col}_{row}.{self.extension}") as tile:
                    tile.load()
                    if block is None:
                        block_size = (
                            (last_col - first_col + 1) * TILE,
                            (last_row - first_row + 1) * TILE,
                        )
                        block = Image.new(tile.mode, block_size)
                    block.paste(tile, ((col - first_col) * TILE, (row - first_row) * TILE))
        assert block is not None
        offset_x, offset_y = first_col * TILE, first_row * TILE
        return scale_box(
            block, (left - offset_x, top - offset_y, right - offset_x, bottom - offset_y), size
        )
