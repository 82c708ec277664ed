"""Published JSON documents and the one cache they are served from.

A document (a manifest, a record, a collection, a Change Discovery page) is
built once per version and served as built, from two levels of one cache:

- **stored**: every built document is kept in the ``document_cache`` table
  with its ETag, under a *version* naming what it was built from (revisions,
  the last change event) plus the format of the builders, so an upgrade of
  glampub that changes the output rebuilds as well. Finding one there costs an
  ORM query or two: about a millisecond.
- **served**: each worker also keeps what it answered in memory
  (:class:`ServedCache`), tagged with the *publication stamp* it was valid
  for, and checks that stamp with one cheap query per request. The stamp is
  (newest change event, institutions' revisions): every create, update and
  withdrawal of an object writes a change event (Change Discovery relies on
  that already) and every edit of an institution bumps its revision, so it
  moves on every change to anything published, from any process. A moved
  stamp drops nothing eagerly; entries stop matching and are rebuilt from the
  stored documents on their next request. Memory is bounded by bytes, least
  recently used first out.

The web layer keeps the served level under each request's path and answers
from it before Flask (glampub.web.fast_documents); the builders below fill it.
"""

from __future__ import annotations

import hashlib
import json
import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from functools import cached_property
from importlib.metadata import PackageNotFoundError
from importlib.metadata import version as package_version
from typing import Any, Generic, TypeVar

from sqlalchemy import Engine, select
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm import Session, selectinload
from werkzeug.http import http_date

from glampub.db import brief_write_wait
from glampub.errors import NotFound
from glampub.iiif.manifest import build_manifest
from glampub.iiif.urls import IiifUrls
from glampub.models import CollectionObject, DocumentCache, Institution
from glampub.publishing.mining import object_headers
from glampub.publishing.object_values import object_info
from glampub.publishing.record_json import record_data

T = TypeVar("T")
Stamp = tuple[int, int, int]

#: Bump when a builder's output changes without the package version changing.
BUILDER_FORMAT = 2


def _format() -> str:
    try:
        return f"{package_version('glampub')}/{BUILDER_FORMAT}"
    except PackageNotFoundError:  # running from a source tree that was never installed
        return f"source/{BUILDER_FORMAT}"


FORMAT = _format()


# -- documents ---------------------------------------------------------------


@dataclass(frozen=True)
class Document:
    body: str
    etag: str
    built_at: datetime | None = None
    #: Headers the document is always sent with (the TDM reservation of its
    #: object, glampub.publishing.mining): made per request, never stored.
    headers: tuple[tuple[str, str], ...] = ()

    @cached_property
    def data(self) -> bytes:
        """The body as sent, encoded once per document."""
        return self.body.encode("utf-8")

    @cached_property
    def http_date(self) -> str | None:
        """``built_at`` as a Last-Modified value, formatted once per document."""
        if self.built_at is None:
            return None
        moment = self.built_at
        # SQLite hands back naive datetimes; they were written in UTC.
        return http_date(moment if moment.tzinfo else moment.replace(tzinfo=UTC))


def document(data: dict[str, Any] | list[Any]) -> Document:
    body = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    return Document(body, etag_for(body), datetime.now(UTC))


def etag_for(body: str) -> str:
    return hashlib.sha256(body.encode("utf-8")).hexdigest()[:32]


def cache_base(urls: IiifUrls) -> str:
    """Live and static documents differ (``.json`` ids), so they are stored apart."""
    return f"{urls.base}#static" if urls.static else urls.base


# -- stored: the document_cache table ------------------------------------------


def cached_document(
    session: Session,
    key: str,
    base_url: str,
    version: str,
    build: Callable[[], dict[str, Any] | list[Any]],
) -> Document:
    """The stored document for (key, base_url) at ``version``, built once if missing."""
    full_version = f"{FORMAT}|{version}"
    row = session.scalar(
        select(DocumentCache).where(DocumentCache.key == key, DocumentCache.base_url == base_url)
    )
    if row is not None and row.version == full_version:
        return Document(row.body, row.etag, row.built_at)
    doc = document(build())
    try:
        with brief_write_wait(session), session.begin_nested():
            if row is None:
                row = DocumentCache(key=key, base_url=base_url)
                session.add(row)
            row.version, row.body, row.etag, row.built_at = (
                full_version,
                doc.body,
                doc.etag,
                doc.built_at,
            )
        session.commit()
    except IntegrityError:
        # Another request stored the same document first: serve ours, keep theirs.
        session.rollback()
    except OperationalError as exc:
        if "locked" not in str(exc.orig):
            raise
        # SQLite's one write lock is held (by an import, for its whole run):
        # serve the document now and store it on a later request.
        session.rollback()
    return doc


def store_document(
    session: Session,
    key: str,
    base_url: str,
    version: str,
    data: dict[str, Any] | list[Any],
) -> Document:
    """Store ``data`` as the document for (key, base_url) at ``version``, in the
    caller's transaction, left open (an import's, which publishes it with its
    commit); :func:`cached_document` then finds it there."""
    doc = document(data)
    stored = select(DocumentCache).where(
        DocumentCache.key == key, DocumentCache.base_url == base_url
    )
    values = (f"{FORMAT}|{version}", doc.body, doc.etag, doc.built_at)
    row = session.scalar(stored)
    try:
        # A savepoint: a request may store the same key between the look above
        # and this insert (counting the pages lazily, at the version before),
        # and the failed insert must not undo the import's whole transaction.
        with session.begin_nested():
            if row is None:
                row = DocumentCache(key=key, base_url=base_url)
                session.add(row)
            row.version, row.body, row.etag, row.built_at = values
    except IntegrityError:
        row = session.scalar(stored)  # theirs, committed: ours replaces it
        if row is None:
            raise
        row.version, row.body, row.etag, row.built_at = values
        session.flush()
    return doc


# -- served: what this worker answered, while the stamp holds ------------------

_STAMP_SQL = (
    "SELECT (SELECT max(id) FROM change_event),"
    " (SELECT sum(revision) FROM institution),"
    " (SELECT count(*) FROM institution)"
)


def publication_stamp(engine: Engine) -> Stamp:
    """One small query: changes whenever anything published may have changed.

    Institution revisions only grow, so their sum (with the count, for new
    institutions) changes whenever one of them does.
    """
    # A pooled DB-API connection: a third of the cost of a Core statement,
    # and this runs on every IIIF request.
    connection = engine.raw_connection()
    try:
        cursor = connection.cursor()
        cursor.execute(_STAMP_SQL)
        row = cursor.fetchone()
        cursor.close()
    finally:
        connection.close()
    return (row[0] or 0, row[1] or 0, row[2] or 0)


class ServedCache(Generic[T]):
    """A thread-safe LRU of values valid for one publication stamp, bounded in bytes."""

    def __init__(self, max_bytes: int, size_of: Callable[[T], int]) -> None:
        self.max_bytes = max_bytes
        self._size_of = size_of
        self._entries: OrderedDict[Hashable, tuple[Stamp, T, int]] = OrderedDict()
        self._bytes = 0
        self._lock = threading.Lock()

    @property
    def bytes(self) -> int:
        return self._bytes

    def __len__(self) -> int:
        return len(self._entries)

    def get(self, key: Hashable, stamp: Stamp) -> T | None:
        with self._lock:
            entry = self._entries.get(key)
            if entry is None or entry[0] != stamp:
                return None
            self._entries.move_to_end(key)
            return entry[1]

    def put(self, key: Hashable, stamp: Stamp, value: T) -> None:
        size = self._size_of(value)
        if size > self.max_bytes // 4:
            return  # one huge document must not push out everything else
        with self._lock:
            old = self._entries.pop(key, None)
            if old is not None:
                self._bytes -= old[2]
            self._entries[key] = (stamp, value, size)
            self._bytes += size
            while self._bytes > self.max_bytes:
                _key, (_stamp, _value, dropped) = self._entries.popitem(last=False)
                self._bytes -= dropped

    def fetch(self, key: Hashable, stamp: Stamp, build: Callable[[], T]) -> T:
        """The value for ``key`` at ``stamp``, built (and kept) when missing."""
        value = self.get(key, stamp)
        if value is None:
            # Built after the stamp was read, so it is at least as new as the stamp.
            value = build()
            self.put(key, stamp, value)
        return value


# -- an object's documents -----------------------------------------------------


class Gone(NotFound):
    """The object was published once and has been withdrawn."""

    http_status = 410


def find_object(session: Session, institution: str, identifier: str) -> CollectionObject:
    obj = session.scalar(
        select(CollectionObject)
        .join(Institution)
        .where(Institution.slug == institution, CollectionObject.identifier == identifier)
        .options(selectinload(CollectionObject.images))
    )
    if obj is None:
        raise NotFound(f"no object {identifier!r} in institution {institution!r}")
    return obj


def has_canvas(obj: CollectionObject) -> bool:
    return any(image.file_path and image.width and image.height for image in obj.images)


def manifest_document(
    session: Session, institution: str, identifier: str, urls: IiifUrls
) -> Document:
    """The object's manifest, as stored when its revision has been built before."""
    obj = find_object(session, institution, identifier)
    if obj.is_withdrawn:
        raise Gone(f"object {identifier!r} of {institution!r} has been withdrawn")
    if not has_canvas(obj):
        raise NotFound(
            f"object {identifier!r} of {institution!r} has no image to show, so it has no manifest"
        )
    doc = cached_document(
        session,
        f"manifest:{obj.id}",
        cache_base(urls),
        f"{obj.revision}.{obj.institution.revision}",
        lambda: build_manifest(object_info(obj), urls),
    )
    return replace(doc, headers=object_headers(obj))


def record_document(
    session: Session, institution: str, identifier: str, urls: IiifUrls
) -> Document:
    """The object's record as JSON (see glampub.publishing.record_json)."""
    obj = find_object(session, institution, identifier)
    if obj.is_withdrawn:
        raise Gone(f"object {identifier!r} of {institution!r} has been withdrawn")
    doc = cached_document(
        session,
        f"record:{obj.id}",
        cache_base(urls),
        f"{obj.revision}.{obj.institution.revision}",
        lambda: record_data(obj, urls),
    )
    return replace(doc, headers=object_headers(obj))
