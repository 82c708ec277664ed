"""glampub's icon as a Windows ICO, drawn here from the shapes of static/favicon.svg.

Browsers ask for ``/favicon.ico`` whatever a page links to; the ICO is drawn
once per process with Pillow at 4x and scaled down, so no binary file is kept.
"""

from __future__ import annotations

import io
from functools import lru_cache

from PIL import Image, ImageDraw

SIZES = ((16, 16), (32, 32), (48, 48))
_SCALE = 8  # drawn on a 256 px canvas, the 32 px design times eight


@lru_cache(maxsize=1)
def favicon_ico() -> bytes:
    def box(*values: float) -> list[float]:
        return [v * _SCALE for v in values]

    picture = Image.new("RGBA", (32 * _SCALE, 32 * _SCALE), (0, 0, 0, 0))
    draw = ImageDraw.Draw(picture)
    draw.rounded_rectangle(box(0, 0, 32, 32), radius=6 * _SCALE, fill="#0b5c8a")
    draw.rectangle(box(6, 7, 26, 25), fill="#fbfaf7")
    draw.ellipse(box(18, 9.5, 23, 14.5), fill="#f0b400")
    points = [(6, 25), (13, 15), (18, 21), (21, 18), (26, 25)]
    draw.polygon([(x * _SCALE, y * _SCALE) for x, y in points], fill="#1e6b35")
    out = io.BytesIO()
    picture.save(out, format="ICO", sizes=SIZES)
    return out.getvalue()
