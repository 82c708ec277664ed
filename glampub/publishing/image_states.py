"""Every image reference of an object, with what it is and how far it got, for the public.

The object page and the record JSON show each reference the export gave: a
file, a IIIF service or manifest, an image URL, or a link that is not an
image; ``available`` once glampub shows it, ``pending`` until it is fetched,
``failed`` with the reason. A reason never tells the public what the
deployment's own network looks like (which private address a name has).
"""

from __future__ import annotations

from collections.abc import Iterable

from glampub.iiif.records import ImageReference
from glampub.models import Image

AVAILABLE = "available"
#: Fetching refused a private address: the public hears only that it is unreachable.
_PRIVATE = "a private, loopback or link-local address"


def image_references(images: Iterable[Image]) -> tuple[ImageReference, ...]:
    """The references of an object's image rows, in position order."""
    found = []
    for image in images:
        is_url = image.source_reference.lower().startswith(("http://", "https://"))
        state = image.state or (AVAILABLE if image.width else "failed")
        found.append(
            ImageReference(
                position=image.position,
                url=image.source_reference if is_url else None,
                kind=image.reference_class or ("image-url" if is_url else "file"),
                state=state,
                reason=public_reason(image.state_reason) if state == "failed" else None,
            )
        )
    return tuple(found)


def public_reason(reason: str | None) -> str | None:
    if reason and _PRIVATE in reason:
        return "its address is not reachable from the public internet"
    return reason


def reference_json(reference: ImageReference) -> dict[str, object]:
    """One reference as the record JSON lists it."""
    data: dict[str, object] = {
        "position": reference.position,
        "url": reference.url,
        "class": reference.kind,
        "state": reference.state,
    }
    if reference.reason:
        data["reason"] = reference.reason
    return data
