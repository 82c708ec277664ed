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


def file_segment(value: str) -> str:
    """A file or folder name for a value in the static export: its URL segment,
    so it never holds a slash, and never "." or ".." (a path out of the tree)."""
    encoded = segment(value)
    return encoded.replace(".", "%2E") if encoded.strip(".") == "" else encoded


@dataclass(frozen=True)
class IiifUrls:
    #: Scheme, host and any prefix, without a trailing slash.
    base: str
    #: True for the static export: JSON documents end in ``.json``.
    static: bool = False

    def _json(self, path: str) -> str:
        return f"{self.base}{path}.json" if self.static else f"{self.base}{path}"

    def _seg(self, value: str) -> str:
        # A static server decodes a URL once to find the file, so the static
        # tree's URLs encode the file name (itself an encoded segment) again.
        return segment(file_segment(value)) if self.static else segment(value)

    @property
    def image_profile(self) -> str:
        """Level 0 for pre-cut static tiles, level 2 for the live service."""
        return "level0" if self.static else "level2"

    def object_base(self, institution: str, identifier: str) -> str:
        return f"{self.base}/iiif/3/{self._seg(institution)}/{self._seg(identifier)}"

    def manifest(self, institution: str, identifier: str) -> str:
        return self._json(f"/iiif/3/{self._seg(institution)}/{self._seg(identifier)}/manifest")

    def canvas(self, institution: str, identifier: str, position: int) -> str:
        return f"{self.object_base(institution, identifier)}/canvas/{position}"

    def annotation_page(self, institution: str, identifier: str, position: int) -> str:
        return f"{self.object_base(institution, identifier)}/page/{position}"

    def annotation(self, institution: str, identifier: str, position: int) -> str:
        return f"{self.object_base(institution, identifier)}/annotation/{position}"

    def collection(self, institution: str | None = None, page: int | None = None) -> str:
        if institution is None:
            return self._json("/iiif/3/collection")
        path = f"/iiif/3/collection/{self._seg(institution)}"
        if page is not None:
            path += f"/page/{page}"
        return self._json(path)

    def image_service(self, image_id: str) -> str:
        return f"{self.base}/iiif/image/3/{self._seg(image_id)}"

    def image(self, image_id: str, size: str = "max", fmt: str = "jpg") -> str:
        return f"{self.image_service(image_id)}/full/{size}/0/default.{fmt}"

    def download(self, image_id: str, extension: str) -> str:
        """The original image file, with the credit embedded."""
        return f"{self.base}/iiif/download/{self._seg(image_id)}.{extension}"

    def record(self, institution: str, identifier: str) -> str:
        """The object's record as JSON (the seeAlso next to the source record)."""
        return self._json(f"/iiif/3/{self._seg(institution)}/{self._seg(identifier)}/record")

    def object_page(self, institution: str, identifier: str) -> str:
        page = f"{self.base}/objects/{self._seg(institution)}/{self._seg(identifier)}"
        return f"{page}/index.html" if self.static else page

    def source_record(self, institution: str, identifier: str) -> str:
        page = f"{self.base}/objects/{self._seg(institution)}/{self._seg(identifier)}"
        return f"{page}/source"

    def institution_page(self, institution: str) -> str:
        page = f"{self.base}/institutions/{self._seg(institution)}"
        return f"{page}/index.html" if self.static else page

    def home(self) -> str:
        """The home page (a file of its own in the static export)."""
        return f"{self.base}/index.html" if self.static else f"{self.base}/"

    def search(self) -> str:
        """The search page: the live one, or the export's client-side search."""
        return f"{self.base}/search/index.html" if self.static else f"{self.base}/search"

    def datasets_page(self) -> str:
        """The page listing the open datasets (glampub.open_data)."""
        return f"{self.base}/datasets/index.html" if self.static else f"{self.base}/datasets/"

    def search_index(self, institution: str) -> str:
        """The static export's search index of one institution's objects."""
        return f"{self.base}/search/{self._seg(institution)}.json"

    def discovery(self, page: int | None = None) -> str:
        if page is None:
            return self._json("/iiif/discovery/all-changes")
        return self._json(f"/iiif/discovery/all-changes/page/{page}")
