"""Level 0 image files for the static export: the tiles and sizes an
``info.json`` promises, cut from one decode per level, each carrying the
credit in its metadata like every image the live service sends. A
thumbnail-only image's files are cut from its published thumbnail, as the
live service renders them."""

from __future__ import annotations

import math
from collections.abc import Iterator
from typing import Any

from glampub.iiif import image_api
from glampub.images.credit import embed_credit
from glampub.images.delivery import ServedImage, picture

TILE_SIZE = 512


def level0_info(info: dict[str, Any]) -> dict[str, Any]:
    """A level 2 ``info.json`` cut down to what pre-cut files can honour."""
    static = {k: v for k, v in info.items() if not k.startswith("extra")}
    static["profile"] = "level0"
    return static


def level0_files(image: ServedImage, info: dict[str, Any]) -> Iterator[tuple[str, bytes]]:
    """(``region/size/rotation/quality.format`` path, file bytes) for every tile
    and size in ``info``. Tiles come in the two size spellings viewers use
    (``w,h``, canonical in 3.0, and ``w,``)."""
    width, height = image.width, image.height
    factors = info["tiles"][0]["scaleFactors"]
    tile = info["tiles"][0]["width"]
    sizes = {(s["width"], s["height"]) for s in info.get("sizes", [])}
    for factor in factors:
        level_w, level_h = math.ceil(width / factor), math.ceil(height / factor)
        level = _level(image, level_w, level_h)
        if (level_w, level_h) in sizes:
            data = _encode(image, level)
            yield f"full/{level_w},{level_h}/0/default.jpg", data
            yield f"full/{level_w},/0/default.jpg", data
        span = tile * factor
        for y in range(0, height, span):
            for x in range(0, width, span):
                w, h = min(span, width - x), min(span, height - y)
                tw, th = math.ceil(w / factor), math.ceil(h / factor)
                box = (x // factor, y // factor, x // factor + tw, y // factor + th)
                data = _encode(image, level.crop(box))
                yield f"{x},{y},{w},{h}/{tw},{th}/0/default.jpg", data
                yield f"{x},{y},{w},{h}/{tw},/0/default.jpg", data


def _level(image: ServedImage, level_w: int, level_h: int):  # type: ignore[no-untyped-def]
    request = image_api.parse_request(
        "full",
        f"{level_w},{level_h}",
        "0",
        "default",
        "jpg",
        width=image.width,
        height=image.height,
    )
    return picture(image, request)


def _encode(image: ServedImage, pixels) -> bytes:  # type: ignore[no-untyped-def]
    return embed_credit(pixels, "jpg", **image.credit_fields())
