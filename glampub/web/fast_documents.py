"""IIIF documents over WSGI: the transport of the one document cache.

A stored document is a lookup, but going through Flask (request context,
routing, response object, hooks) costs three times the lookup. So each
answer the IIIF views make is remembered in the worker's memory
(glampub.publishing.documents.ServedCache) under its request path and the
publication stamp, and this WSGI middleware answers the next request for that
path itself, as long as the stamp has not moved. A request with a query
string goes on to Flask.

Both ways answer through :func:`respond`, so a hit before Flask and an answer
from a view carry the same headers and the same conditional logic: 304 on a
matching If-None-Match (or, without one, on an If-Modified-Since not older
than the document), else the body, gzipped when the client accepts it.
"""

from __future__ import annotations

import gzip
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC
from functools import cached_property, lru_cache
from typing import Any

from werkzeug.http import parse_date, parse_etags

from glampub.iiif.urls import IiifUrls
from glampub.publishing.documents import Document, ServedCache, Stamp, publication_stamp
from glampub.web.security import header_pairs

#: Smaller bodies gain less from gzip than the header costs.
GZIP_MIN_BYTES = 1024
STAMP_KEY = "glampub.stamp"
NOT_MODIFIED = "304 NOT MODIFIED"
OK = "200 OK"

StartResponse = Callable[..., Any]


@dataclass(frozen=True)
class Answer:
    doc: Document
    media_type: str
    max_age: int

    @cached_property
    def _headers(self) -> tuple[tuple[str, str], ...]:
        headers = [
            ("Content-Type", self.media_type),
            ("ETag", f'"{self.doc.etag}"'),
            ("Cache-Control", f"public, max-age={self.max_age}"),
            ("Vary", "Accept-Encoding"),
        ]
        if self.doc.http_date:
            headers.append(("Last-Modified", self.doc.http_date))
        headers.extend(self.doc.headers)
        return tuple(headers)

    def headers(self) -> list[tuple[str, str]]:
        """The document's own headers, formatted once per answer kept."""
        return list(self._headers)


def respond(answer: Answer, environ: dict[str, Any]) -> tuple[str, list[tuple[str, str]], bytes]:
    """Status, headers and body of the answer to this request."""
    headers = answer.headers()
    doc = answer.doc
    if not_modified(doc, environ):
        return NOT_MODIFIED, headers, b""
    body = doc.data
    if len(body) >= GZIP_MIN_BYTES and "gzip" in environ.get("HTTP_ACCEPT_ENCODING", ""):
        body = gzipped(doc.etag, doc.body)
        headers.append(("Content-Encoding", "gzip"))
    return OK, headers, body


def not_modified(doc: Document, environ: dict[str, Any]) -> bool:
    """Whether the client's copy is this document (RFC 9110: If-None-Match
    decides when present, If-Modified-Since only without it)."""
    if_none_match = environ.get("HTTP_IF_NONE_MATCH")
    if if_none_match:
        # The usual revalidation sends back exactly the ETag it was given.
        return if_none_match == f'"{doc.etag}"' or parse_etags(if_none_match).contains_weak(
            doc.etag
        )
    if_modified_since = environ.get("HTTP_IF_MODIFIED_SINCE")
    if not if_modified_since or doc.built_at is None:
        return False
    since = parse_date(if_modified_since)
    if since is None:
        return False
    built = doc.built_at if doc.built_at.tzinfo else doc.built_at.replace(tzinfo=UTC)
    return built.replace(microsecond=0) <= since


@lru_cache(maxsize=256)
def gzipped(etag: str, body: str) -> bytes:
    """The gzip form of a stored document, kept per ETag: popular manifests are
    compressed once, not per request."""
    return gzip.compress(body.encode("utf-8"), compresslevel=6, mtime=0)


def environ_base(environ: dict[str, Any]) -> str:
    """scheme://host/script-root of a request, as request.url_root has it."""
    host = environ.get("HTTP_HOST") or f"{environ['SERVER_NAME']}:{environ['SERVER_PORT']}"
    # WSGI hands paths over as latin-1; undo that as Werkzeug does.
    script = environ.get("SCRIPT_NAME", "").encode("latin-1").decode("utf-8", "replace")
    return f"{environ['wsgi.url_scheme']}://{host}{script}".rstrip("/")


def request_base(environ: dict[str, Any], config: Any) -> tuple[str, bool]:
    """What the ids of a request's documents start with: GLAMPUB_BASE_URL, or
    the request's own root when it is unset; and whether they are the static
    export's (``.json`` file names)."""
    return config.get("BASE_URL") or environ_base(environ), bool(config.get("STATIC_URLS"))


def iiif_urls(environ: dict[str, Any], config: Any) -> IiifUrls:
    """The IIIF ids of a request's documents."""
    return _urls(*request_base(environ, config))


@lru_cache(maxsize=64)
def _urls(base: str, static: bool) -> IiifUrls:
    return IiifUrls(base.rstrip("/"), static=static)


def answer_key(environ: dict[str, Any], config: Any) -> tuple[str, bool, str] | None:
    """What an answer is remembered under: the ids it holds and the request path."""
    if environ.get("QUERY_STRING"):
        return None
    return (*request_base(environ, config), environ.get("PATH_INFO", ""))


def stamp_for(environ: dict[str, Any], engine: Any) -> Stamp:
    """The publication stamp, read at most once per request."""
    stamp = environ.get(STAMP_KEY)
    if stamp is None:
        stamp = environ[STAMP_KEY] = publication_stamp(engine)
    return stamp


class FastDocuments:
    """The WSGI middleware; ``answers`` is the worker's memory of what it served."""

    def __init__(
        self, app: Any, wsgi_app: Callable[..., Iterable[bytes]], answers: ServedCache[Answer]
    ) -> None:
        self.app, self.wsgi_app, self.answers = app, wsgi_app, answers
        # What every answer from here adds (CORS, glampub.web.security), by
        # whether the request came over HTTPS: built once, not per request.
        self._common = {
            secure: [("Access-Control-Allow-Origin", "*"), *header_pairs(secure=secure)]
            for secure in (False, True)
        }

    def remember(self, environ: dict[str, Any], answer: Answer) -> None:
        """Keep a view's answer, so the next request for its path is answered here."""
        key = answer_key(environ, self.app.config)
        if key is not None:
            self.answers.put(key, stamp_for(environ, self._engine()), answer)

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        method = environ.get("REQUEST_METHOD")
        if method in ("GET", "HEAD") and environ.get("PATH_INFO", "").startswith("/iiif/"):
            key = answer_key(environ, self.app.config)
            if key is not None:
                answer = self.answers.get(key, stamp_for(environ, self._engine()))
                if answer is not None:
                    return self._send(answer, environ, start_response, method == "HEAD")
        return self.wsgi_app(environ, start_response)

    def _engine(self) -> Any:
        return self.app.extensions["glampub.db"].engine

    def _send(
        self, answer: Answer, environ: dict[str, Any], start_response: StartResponse, head: bool
    ) -> Iterable[bytes]:
        status, headers, body = respond(answer, environ)
        headers.extend(self._common[environ.get("wsgi.url_scheme") == "https"])
        if status == NOT_MODIFIED:
            start_response(status, headers)
            return []
        headers.append(("Content-Length", str(len(body))))
        start_response(status, headers)
        return [] if head else [body]
