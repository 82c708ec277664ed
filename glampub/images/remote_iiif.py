"""Remote IIIF Image API services: read from info.json or a manifest, stored, painted.

A museum's own Image API service is referenced, not copied: glampub keeps
its id, type (ImageService2 or ImageService3), profile, size and the sizes
it offers, in the image row's ``remote`` column with the ETag and
Last-Modified of its info.json, so a re-import revalidates it with a
conditional GET. Pure: no network, no database.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from glampub.images.policy import THUMBNAIL_ONLY_SIDE

_LEVEL_PROFILES = {"level0", "level1", "level2"}


@dataclass(frozen=True)
class RemoteService:
    """One remote Image API service, as its info.json describes it."""

    id: str
    type: str
    profile: str
    width: int
    height: int
    #: The sizes the service lists (a level-0 service can render only these).
    sizes: tuple[tuple[int, int], ...] = ()

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "type": self.type,
            "profile": self.profile,
            "width": self.width,
            "height": self.height,
            "sizes": [list(size) for size in self.sizes],
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> RemoteService:
        return cls(
            data["id"],
            data["type"],
            data["profile"],
            int(data["width"]),
            int(data["height"]),
            tuple((int(w), int(h)) for w, h in data.get("sizes") or ()),
        )

    @property
    def level0(self) -> bool:
        return self.profile.endswith("level0") or self.profile.endswith("level0.json")

    @property
    def full_size_only(self) -> bool:
        """A level-0 service listing no sizes: its thumbnail is the whole image."""
        return self.level0 and not self.sizes

    def thumbnail_url(self, side: int = THUMBNAIL_ONLY_SIDE) -> str:
        """A JPEG of at most ``side`` pixels on its long side, from the service.

        A level-0 service renders only the sizes it lists: the largest listed
        one within the box is asked for (or the smallest, when none fits).
        One that lists none promises only the full size (``max`` in Image API
        3, ``full`` in 2), so that is what is asked for; see
        :attr:`full_size_only`.
        """
        if self.level0 and self.sizes:
            fitting = [s for s in self.sizes if max(s) <= side] or [min(self.sizes, key=max)]
            width, height = max(fitting, key=max)
            size = f"{width},{height}" if self.type == "ImageService3" else f"{width},"
        elif self.full_size_only:
            size = "max" if self.type == "ImageService3" else "full"
        else:
            size = f"!{side},{side}"
        return f"{self.id}/full/{size}/0/default.jpg"


def service_from_info(document: dict[str, Any]) -> RemoteService | None:
    """The service an Image API 2 or 3 info.json describes; None when it lacks id or size."""
    service_id = document.get("id") or document.get("@id")
    width, height = document.get("width"), document.get("height")
    if not isinstance(service_id, str) or not service_id.lower().startswith(
        ("http://", "https://")
    ):
        return None
    if not (isinstance(width, int) and isinstance(height, int) and width > 0 and height > 0):
        return None
    version3 = document.get("type") == "ImageService3" or "/image/3/" in str(
        document.get("@context", "")
    )
    profile = document.get("profile")
    if isinstance(profile, list):  # Image API 2: [compliance URI, {features}]
        profile = next((p for p in profile if isinstance(p, str)), "")
    profile = str(profile or "level0")
    if version3 and profile not in _LEVEL_PROFILES:
        profile = profile.rsplit("/", 1)[-1].removesuffix(".json") or "level0"
    sizes = []
    for size in document.get("sizes") or ():
        if isinstance(size, dict) and all(
            isinstance(size.get(k), int) for k in ("width", "height")
        ):
            sizes.append((size["width"], size["height"]))
    return RemoteService(
        service_id.rstrip("/"),
        "ImageService3" if version3 else "ImageService2",
        profile,
        width,
        height,
        tuple(sizes),
    )


def manifest_services(document: dict[str, Any]) -> tuple[RemoteService, ...]:
    """The image service painted on each canvas of a Presentation 2 or 3 manifest."""
    services = []
    for canvas in _canvases(document):
        found = _painted_service(canvas)
        if found is not None:
            services.append(found)
    return tuple(services)


def _canvases(document: dict[str, Any]) -> list[dict[str, Any]]:
    if isinstance(document.get("items"), list):  # Presentation 3
        return [c for c in document["items"] if isinstance(c, dict)]
    canvases = []
    for sequence in document.get("sequences") or ():  # Presentation 2
        if isinstance(sequence, dict):
            canvases.extend(c for c in sequence.get("canvases") or () if isinstance(c, dict))
    return canvases


def _painted_service(canvas: dict[str, Any]) -> RemoteService | None:
    bodies = []
    for page in canvas.get("items") or ():
        for annotation in (page or {}).get("items") or ():
            body = (annotation or {}).get("body")
            bodies.extend(body if isinstance(body, list) else [body])
    for image in canvas.get("images") or ():
        bodies.append((image or {}).get("resource"))
    for body in bodies:
        if not isinstance(body, dict):
            continue
        service = body.get("service")
        for entry in service if isinstance(service, list) else [service]:
            if not isinstance(entry, dict):
                continue
            described = dict(entry)
            # A canvas's service seldom repeats the size: the image body's, else the canvas's.
            for side in ("width", "height"):
                described.setdefault(side, body.get(side) or canvas.get(side))
            found = service_from_info(described)
            if found is not None:
                return found
    return None
