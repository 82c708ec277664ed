"""The image information document (``info.json``) of a level 2 service.

What it promises, :func:`glampub.iiif.image_api.parse_request` accepts: every
listed size and tile is deliverable within the declared limits.
"""

from __future__ import annotations

import math

from glampub.iiif.image_api import CONTEXT, EXTRA_FEATURES, PROTOCOL, Limits, largest_size


def info_json(
    image_id: str,
    width: int,
    height: int,
    *,
    rights: str | None = None,
    tile_size: int = 512,
    max_area: int | None = None,
    max_width: int | None = None,
    max_height: int | None = None,
    color: bool = True,
) -> dict[str, object]:
    """The image information document (``info.json``) for a level 2 service.

    ``color=False`` for an image that has no colour, so that ``color`` is not
    advertised (spec 4.4). ``sizeUpscaling`` is only advertised when a limit
    is given, as the spec requires and :func:`parse_request` enforces.
    """
    info: dict[str, object] = {
        "@context": CONTEXT,
        "id": image_id,
        "type": "ImageService3",
        "protocol": PROTOCOL,
        "profile": "level2",
        "width": width,
        "height": height,
    }
    limits = Limits(max_width, max_height or max_width, max_area)
    if max_width:
        info["maxWidth"] = max_width
    if max_height:
        info["maxHeight"] = max_height
    if max_area:
        info["maxArea"] = max_area
    info["sizes"] = [
        {"width": w, "height": h} for w, h in listed_sizes(width, height, tile_size, limits)
    ]
    info["tiles"] = [{"width": tile_size, "scaleFactors": scale_factors(width, height, tile_size)}]
    # png is already part of level 2; only webp is extra.
    info["extraFormats"] = ["webp"]
    info["extraQualities"] = ["color", "gray", "bitonal"] if color else ["gray", "bitonal"]
    info["extraFeatures"] = EXTRA_FEATURES + (["sizeUpscaling"] if limits.any else [])
    if rights:
        info["rights"] = rights
    return info


def scale_factors(width: int, height: int, tile_size: int) -> list[int]:
    """1, 2, 4 ... until one tile covers the whole reduced image."""
    factors = [1]
    while max(width, height) / factors[-1] > tile_size:
        factors.append(factors[-1] * 2)
    return factors


def listed_sizes(width: int, height: int, tile_size: int, limits: Limits) -> list[tuple[int, int]]:
    """Halvings of the full image, smallest first, down to one no bigger than a tile."""
    sizes = []
    for factor in scale_factors(width, height, tile_size):
        w, h = math.ceil(width / factor), math.ceil(height / factor)
        # Every listed size must be deliverable within the declared limits.
        if limits.fits(w, h):
            sizes.append((w, h))
    if not sizes:  # limits smaller than a tile: offer the largest allowed size
        sizes.append(largest_size(width, height, limits, upscale=False))
    return sorted(sizes)
