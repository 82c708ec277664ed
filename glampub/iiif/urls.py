"""Every IIIF id glampub publishes is minted here, so live and static ids agree.

Identifiers are quoted as one path segment (spaces, slashes and non-ASCII
characters survive the round trip). A static export uses the same shapes with
``.json`` file names, so any plain web server can serve them.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import quote


def segment(value: str) -> str:
    """One URL path segment: everything but unreserved characters percent-encoded."""
    return quote(value, safe="")


@dataclass(frozen=True)
class IiifUrls:
    #: Scheme, host and any prefix, without a trailing slash.
    base: str
    #: True for the static export: JSON documents end in ``.json``.
    static: bool = False

    def _json(self, path: str) -> str:
        return f"{self.base}{path}.json" if self.static else f"{self.base}{path}"

    def object_base(self, institution: str, identifier: str) -> str:
        return f"{self.base}/iiif/3/{segment(institution)}/{segment(identifier)}"

    def manifest(self, institution: str, identifier: str) -> str:
        return self._json(f"/iiif/3/{segment(institution)}/{segment(identifier)}/manifest")

    def canvas(self, institution: str, identifier: str, position: int) -> str:
        return f"{self.object_base(institution, identifier)}/canvas/{position}"

    def annotation_page(self, institution: str, identifier: str, position: int) -> str:
        return f"{self.object_base(institution, identifier)}/page/{position}"

    def annotation(self, institution: str, identifier: str, position: int) -> str:
        return f"{self.object_base(institution, identifier)}/annotation/{position}"

    def collection(self, institution: str | None = None, page: int | None = None) -> str:
        if institution is None:
            return self._json("/iiif/3/collection")
        path = f"/iiif/3/collection/{segment(institution)}"
        if page is not None:
            path += f"/page/{page}"
        return self._json(path)

    def image_service(self, image_id: str) -> str:
        return f"{self.base}/iiif/image/3/{segment(image_id)}"

    def image(self, image_id: str, size: str = "max", fmt: str = "jpg") -> str:
        return f"{self.image_service(image_id)}/full/{size}/0/default.{fmt}"

    def object_page(self, institution: str, identifier: str) -> str:
        return f"{self.base}/objects/{segment(institution)}/{segment(identifier)}"

    def source_record(self, institution: str, identifier: str) -> str:
        return f"{self.object_page(institution, identifier)}/source"

    def institution_page(self, institution: str) -> str:
        return f"{self.base}/institutions/{segment(institution)}"

    def discovery(self, page: int | None = None) -> str:
        if page is None:
            return self._json("/iiif/discovery/all-changes")
        return self._json(f"/iiif/discovery/all-changes/page/{page}")
