"""Where the object page's zoomable viewer takes each image from.

An image glampub holds is opened from glampub's own Image API service. An
image a museum serves from its own IIIF Image API service (and may be shown
in full: see glampub.publishing.object_values.remote_info) is opened from
that service, so the viewer zooms into the museum's full image rather than
glampub's 400-pixel copy of it. The page's Content Security Policy must then
let the browser fetch that service's info.json and tiles: the origins listed
here are the only ones added to it.

A service is used only when its origin can be written into the policy as a
plain ``scheme://host[:port]`` (anything else falls back to glampub's own
copy), and a plain-HTTP service never on a page served over HTTPS (the
browser would block it as mixed content and the viewer would stay empty).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import urlsplit

from glampub.iiif.records import ObjectInfo
from glampub.iiif.urls import IiifUrls

#: A host a policy can name: letters, digits, dots and hyphens, or an IPv6 literal.
_HOST = re.compile(r"^(?:[A-Za-z0-9](?:[A-Za-z0-9.-]{0,251}[A-Za-z0-9])?|\[[0-9A-Fa-f:.]+\])$")


@dataclass(frozen=True)
class ViewerSources:
    #: image position -> the info.json URL the viewer opens for it
    info: dict[int, str]
    #: the museums' origins the viewer fetches from, for the page's policy
    origins: tuple[str, ...]


def service_origin(url: str, *, secure_page: bool) -> str | None:
    """``scheme://host[:port]`` of a service URL, or None where the page cannot use it."""
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        return None
    if parts.scheme not in ("http", "https") or parts.username or parts.password:
        return None
    if secure_page and parts.scheme != "https":
        return None
    host = parts.netloc.rsplit("@", 1)[-1]
    host = host if port is None else host.rsplit(":", 1)[0]
    if not _HOST.match(host):
        return None
    return f"{parts.scheme}://{host.lower()}" + ("" if port is None else f":{port}")


def viewer_sources(info: ObjectInfo, urls: IiifUrls, *, secure_page: bool) -> ViewerSources:
    """The info.json each image's viewer opens, and the remote origins among them."""
    sources: dict[int, str] = {}
    origins: list[str] = []
    for image in info.images:
        remote = image.remote_service
        origin = service_origin(remote.id, secure_page=secure_page) if remote else None
        if remote is not None and origin is not None:
            sources[image.position] = f"{remote.id}/info.json"
            if origin not in origins:
                origins.append(origin)
        else:
            sources[image.position] = f"{urls.image_service(image.image_id)}/info.json"
    return ViewerSources(sources, tuple(origins))
