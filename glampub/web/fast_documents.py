"""IIIF documents a worker has served before, answered before Flask is reached.

A cached manifest is a lookup, but going through Flask (request context,
routing, response object, hooks) costs three times the lookup. So the IIIF
views remember each document they answer under its request path, and this
WSGI middleware answers the next request for that path itself, with the same
headers, as long as the publication stamp (one small query, see
glampub.publishing.served_cache) has not moved. Anything else, and anything
it is unsure of (a query string, If-Modified-Since), goes on to Flask.
"""

from __future__ import annotations

import gzip
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from werkzeug.http import parse_etags

from glampub.publishing.document_cache import Document
from glampub.publishing.served_cache import Stamp, publication_stamp
from glampub.web.security import header_pairs

#: Smaller bodies gain less from gzip than the header costs.
GZIP_MIN_BYTES = 1024
STAMP_KEY = "glampub.stamp"

StartResponse = Callable[..., Any]


@dataclass(frozen=True)
class Answer:
    doc: Document
    media_type: str
    max_age: int

    def headers(self) -> list[tuple[str, str]]:
        headers = [
            ("Content-Type", self.media_type),
            ("ETag", f'"{self.doc.etag}"'),
            ("Cache-Control", f"public, max-age={self.max_age}"),
            ("Vary", "Accept-Encoding"),
        ]
        if self.doc.http_date:
            headers.append(("Last-Modified", self.doc.http_date))
        return headers


def environ_base(environ: dict[str, Any]) -> str:
    """scheme://host/script-root of a request, as request.url_root has it."""
    host = environ.get("HTTP_HOST") or f"{environ['SERVER_NAME']}:{environ['SERVER_PORT']}"
    # WSGI hands paths over as latin-1; undo that as Werkzeug does.
    script = environ.get("SCRIPT_NAME", "").encode("latin-1").decode("utf-8", "replace")
    return f"{environ['wsgi.url_scheme']}://{host}{script}".rstrip("/")


def answer_key(environ: dict[str, Any], config: Any) -> tuple[str, str, bool, str] | None:
    if environ.get("QUERY_STRING"):
        return None
    base = config.get("BASE_URL") or environ_base(environ)
    return ("answer", base, bool(config.get("STATIC_URLS")), environ.get("PATH_INFO", ""))


def stamp_for(environ: dict[str, Any], engine: Any) -> Stamp:
    """The publication stamp, read at most once per request."""
    stamp = environ.get(STAMP_KEY)
    if stamp is None:
        stamp = environ[STAMP_KEY] = publication_stamp(engine)
    return stamp


class FastDocuments:
    """The WSGI middleware; ``cache`` is the worker's document cache."""

    def __init__(self, app: Any, wsgi_app: Callable[..., Iterable[bytes]], cache: Any) -> None:
        self.app, self.wsgi_app, self.cache = app, wsgi_app, cache

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        method = environ.get("REQUEST_METHOD")
        if (
            method in ("GET", "HEAD")
            and environ.get("PATH_INFO", "").startswith("/iiif/")
            and "HTTP_IF_MODIFIED_SINCE" not in environ
        ):
            key = answer_key(environ, self.app.config)
            if key is not None:
                stamp = stamp_for(environ, self.app.extensions["glampub.db"].engine)
                answer = self.cache.get(key, stamp)
                if answer is not None:
                    return self._send(answer, environ, start_response, method == "HEAD")
        return self.wsgi_app(environ, start_response)

    def _send(
        self, answer: Answer, environ: dict[str, Any], start_response: StartResponse, head: bool
    ) -> Iterable[bytes]:
        headers = answer.headers()
        headers.append(("Access-Control-Allow-Origin", "*"))
        headers.extend(header_pairs(secure=environ.get("wsgi.url_scheme") == "https"))
        doc = answer.doc
        if_none_match = environ.get("HTTP_IF_NONE_MATCH")
        if if_none_match and parse_etags(if_none_match).contains_weak(doc.etag):
            start_response("304 NOT MODIFIED", headers)
            return []
        body = doc.data
        if len(body) >= GZIP_MIN_BYTES and "gzip" in environ.get("HTTP_ACCEPT_ENCODING", ""):
            body = gzipped(doc.etag, doc.body)
            headers.append(("Content-Encoding", "gzip"))
        headers.append(("Content-Length", str(len(body))))
        start_response("200 OK", headers)
        return [] if head else [body]


@lru_cache(maxsize=256)
def gzipped(etag: str, body: str) -> bytes:
    """The gzip form of a stored document, kept per ETag: popular manifests are
    compressed once, not per request."""
    return gzip.compress(body.encode("utf-8"), compresslevel=6, mtime=0)
