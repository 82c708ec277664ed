"""Which images are published in full, and at what size the others are.

Images of in-copyright items are served as thumbnails only, unless their
institution says it may publish them in full (it holds the rights, or has the
rights holder's permission). "In copyright" is read cautiously, like every
rights decision here: any In Copyright statement, but also copyright not
evaluated or undetermined, and rights not decided yet (never guess toward
more openness). Licences and public-domain tools publish in full: they grant
the reuse themselves.

A thumbnail-only image is offered as a smaller image in its own right: its
Image API service describes (and can only render) the reduced picture, so no
region request can reach the master's resolution. The canvas keeps the full
size, as IIIF allows, so annotations and layout are unaffected.
"""

from __future__ import annotations

from glampub.rights.mining import in_copyright_or_undetermined

#: The long side of what a thumbnail-only image is published at.
THUMBNAIL_ONLY_SIDE = 400


def thumbnail_only(rights_uri: str | None, full_images_in_copyright: bool) -> bool:
    """True when the image must be published as a thumbnail only."""
    if full_images_in_copyright:
        return False
    # The same reading as the TDM reservation's (glampub.rights.mining).
    return in_copyright_or_undetermined(rights_uri)


def published_size(width: int, height: int, thumbnail: bool) -> tuple[int, int]:
    """The size an image is published at: its own, or reduced to a thumbnail."""
    side = max(width, height)
    if not thumbnail or side <= THUMBNAIL_ONLY_SIDE:
        return width, height
    scale = THUMBNAIL_ONLY_SIDE / side
    return max(1, round(width * scale)), max(1, round(height * scale))
