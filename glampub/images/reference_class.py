"""What an image reference is: a file, a IIIF service or manifest, an image URL, a link.

Two steps. :func:`classify_reference` reads the reference alone (and the
format the export states, e.g. LIDO ``formatResource``): a file name, an
Image API ``info.json`` or request URL, or a URL that must be looked at.
:func:`classify_answer` then tells what a fetched answer is by its bytes
(magic numbers, then JSON) and, for JSON, its IIIF type; never by the URL's
extension, which an HTML page named ``.jpg`` would fool.
"""

from __future__ import annotations

import json
import re
from enum import StrEnum
from typing import Any
from urllib.parse import urlsplit


class ReferenceClass(StrEnum):
    FILE = "file"
    IIIF_IMAGE = "iiif-image"
    IIIF_MANIFEST = "iiif-manifest"
    IMAGE_URL = "image-url"
    #: Not an image (an HTML page, a PDF): kept as a link.
    LINK = "link"
    #: A URL not looked at yet.
    URL = "url"


#: ``{region}/{size}/{rotation}/{quality}.{format}`` of Image API 2 and 3.
_REQUEST = re.compile(
    r"/(?:full|square|\d+,\d+,\d+,\d+|pct:[\d.]+,[\d.]+,[\d.]+,[\d.]+)"
    r"/(?:full|max|\^?max|\^?!?\d*,\d*|\^?pct:[\d.]+|\^?!\d+,\d+)"
    r"/!?\d+(?:\.\d+)?"
    r"/(?:default|color|colour|gray|grey|bitonal|native)\.[a-z0-9]+$",
    re.IGNORECASE,
)
_INFO = "/info.json"
#: Magic numbers of the image formats glampub stores or serves.
_MAGIC = (
    (b"\xff\xd8\xff", "image/jpeg"),
    (b"\x89PNG\r\n\x1a\n", "image/png"),
    (b"II*\x00", "image/tiff"),
    (b"MM\x00*", "image/tiff"),
    (b"\x00\x00\x00\x0cjP  \r\n\x87\n", "image/jp2"),
    (b"\xffO\xffQ", "image/jp2"),
)
IMAGE_API_CONTEXTS = (
    "http://iiif.io/api/image/2/context.json",
    "http://iiif.io/api/image/3/context.json",
)


def is_url(reference: str) -> bool:
    return reference[:8].lower().startswith(("http://", "https://"))


#: What makes an http(s) URL's path more than the text after its host: a query
#: or fragment, an IPv6 host (which urlsplit checks), characters urlsplit drops.
_NOT_PLAIN = re.compile(r"[?#\[\]\t\r\n]")


def url_path(url: str) -> str:
    """The path of an http(s) URL, as :func:`urllib.parse.urlsplit` gives it.

    Every URL reference of an import is classified, and most are plain
    (scheme, host, path): their path is the text from the first slash after
    the host, found at a fraction of urlsplit's cost.
    """
    if is_url(url) and _NOT_PLAIN.search(url) is None:
        start = url.find("/", url.find("://") + 3)
        return url[start:] if start >= 0 else ""
    return urlsplit(url).path


def classify_reference(reference: str, format_hint: str | None = None) -> ReferenceClass:
    """The class a reference has by its text alone (URL when it must be fetched to tell)."""
    if not is_url(reference):
        return ReferenceClass.FILE
    path = url_path(reference)
    if path.endswith(_INFO) or _REQUEST.search(path):
        return ReferenceClass.IIIF_IMAGE
    # The format an export states (LIDO formatResource): a IIIF profile, or words.
    hint = (format_hint or "").lower()
    if "iiif.io/api/image" in hint or ("iiif" in hint and "image" in hint and "api" in hint):
        return ReferenceClass.IIIF_IMAGE
    if "iiif.io/api/presentation" in hint or ("iiif" in hint and "manifest" in hint):
        return ReferenceClass.IIIF_MANIFEST
    return ReferenceClass.URL


def service_base(reference: str) -> str:
    """The Image API service id of an info.json or request URL (or a base URI itself)."""
    parts = urlsplit(reference)
    path = parts.path
    if path.endswith(_INFO):
        path = path[: -len(_INFO)]
    elif match := _REQUEST.search(path):
        path = path[: match.start()]
    return parts._replace(path=path.rstrip("/"), query="", fragment="").geturl()


def image_type(head: bytes) -> str | None:
    """The image MIME type that a body's first bytes show, or None."""
    for magic, mime in _MAGIC:
        if head.startswith(magic):
            return mime
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "image/webp"
    return None


def json_document(body: bytes | None) -> dict[str, Any] | None:
    """The JSON object a body holds, or None."""
    if not body or body.lstrip()[:1] != b"{":
        return None
    try:
        document = json.loads(body)
    except ValueError:
        return None
    return document if isinstance(document, dict) else None


def iiif_kind(document: dict[str, Any]) -> ReferenceClass | None:
    """IIIF_IMAGE for an Image API info.json, IIIF_MANIFEST for a Presentation manifest."""
    kind = document.get("type") or document.get("@type") or ""
    context = document.get("@context") or ""
    contexts = context if isinstance(context, list) else [context]
    if kind in ("ImageService2", "ImageService3", "iiif:ImageProfile") or (
        document.get("protocol") == "http://iiif.io/api/image"
    ):
        return ReferenceClass.IIIF_IMAGE
    if any(c in IMAGE_API_CONTEXTS for c in contexts if isinstance(c, str)):
        return ReferenceClass.IIIF_IMAGE
    if kind in ("Manifest", "sc:Manifest"):
        return ReferenceClass.IIIF_MANIFEST
    return None


def describe_other(content_type: str, head: bytes) -> str:
    """What a non-image answer is, in words for a warning."""
    lowered = head.lstrip().lower()
    if head.startswith(b"%PDF") or content_type == "application/pdf":
        return "a PDF document"
    if lowered.startswith((b"<!doctype html", b"<html")) or content_type == "text/html":
        return "an HTML page"
    return f"not an image ({content_type or 'no content type'})"
