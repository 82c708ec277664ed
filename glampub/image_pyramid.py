"""A pyramid of reduced levels, cut into tiles, made once per stored master.

Level ``f`` holds the image reduced by the factor ``f`` (1, 2, 4 ...), in
512 px JPEG tiles. A request is answered from the smallest level that still
has enough pixels, decoding only the tiles its region touches: a viewer's tile
never decodes the whole original, and a thumbnail of a 60 MP scan reads one
small tile. Masters with transparency or small ones (a few tiles) are served
from the master, which is as fast for them.
"""

from __future__ import annotations

import math
import os
import shutil
import tempfile
from pathlib import Path

from PIL import Image

from glampub.iiif.image_api import ImageRequest, render_box

TILE = 512
#: Below this many pixels on the long side a master is its own best pyramid.
MIN_SIDE = 1500
TILE_QUALITY = 90


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
        if max(img.size) < MIN_SIDE or img.mode not in ("RGB", "L", "CMYK", "YCbCr"):
            return False
        level = img.convert("RGB" if img.mode != "L" else "L")
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


def _cut(level: Image.Image, folder: Path) -> None:
    folder.mkdir()
    for row in range(math.ceil(level.height / TILE)):
        for col in range(math.ceil(level.width / TILE)):
            box = (
                col * TILE,
                row * TILE,
                min((col + 1) * TILE, level.width),
                min((row + 1) * TILE, level.height),
            )
            level.crop(box).save(folder / f"{col}_{row}.jpg", "JPEG", quality=TILE_QUALITY)


def render_from_pyramid(master: Path, req: ImageRequest) -> Image.Image | None:
    """The rendered request, from the pyramid's tiles; None when there is no pyramid."""
    root = pyramid_dir(master)
    if not root.is_dir():
        return None
    x, y, w, h = req.region
    out_w, out_h = req.size
    usable = [
        f for f in factors(req.image_width, req.image_height) if f * out_w <= w and f * out_h <= h
    ]
    factor = max(usable, default=1)
    # The region in level pixels, and the tiles it touches.
    left, top, right, bottom = x / factor, y / factor, (x + w) / factor, (y + h) / factor
    first_col, first_row = int(left // TILE), int(top // TILE)
    last_col, last_row = math.ceil(right / TILE) - 1, math.ceil(bottom / TILE) - 1
    block = None
    for row in range(first_row, last_row + 1):
        for col in range(first_col, last_col + 1):
            with Image.open(root / str(factor) / f"{col}_{row}.jpg") as tile:
                tile.load()
                if block is None:
                    size = ((last_col - first_col + 1) * TILE, (last_row - first_row + 1) * TILE)
                    block = Image.new(tile.mode, size)
                block.paste(tile, ((col - first_col) * TILE, (row - first_row) * TILE))
    assert block is not None
    offset_x, offset_y = first_col * TILE, first_row * TILE
    box = (left - offset_x, top - offset_y, right - offset_x, bottom - offset_y)
    return render_box(block, box, req, exact=factor == 1)
