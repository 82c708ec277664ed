"""Built JSON documents, stored with their ETag and served as stored.

A document is rebuilt only when its version changes: the version names what
it was built from (revisions, the last change event) plus the format of the
builders, so an upgrade of glampub that changes the output rebuilds as well.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cached_property
from importlib.metadata import PackageNotFoundError
from importlib.metadata import version as package_version
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm import Session
from werkzeug.http import http_date

from glampub.models import DocumentCache

#: How long a request waits for SQLite's write lock to store a built document.
CACHE_WRITE_WAIT_MS = 200
#: Bump when a builder's output changes without the package version changing.
BUILDER_FORMAT = 2


def _format() -> str:
    try:
        return f"{package_version('glampub')}/{BUILDER_FORMAT}"
    except PackageNotFoundError:  # running from a source tree that was never installed
        return f"source/{BUILDER_FORMAT}"


FORMAT = _format()


@dataclass(frozen=True)
class Document:
    body: str
    etag: str
    built_at: datetime | None = None

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


def document(data: dict[str, Any]) -> Document:
    body = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    return Document(body, etag_for(body), datetime.now(UTC))


def etag_for(body: str) -> str:
    return hashlib.sha256(body.encode("utf-8")).hexdigest()[:32]


def cached_document(
    session: Session,
    key: str,
    base_url: str,
    version: str,
    build: Callable[[], dict[str, Any]],
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


@contextmanager
def brief_write_wait(session: Session) -> Iterator[None]:
    """On SQLite, wait only briefly for the write lock while storing a document.

    A running import holds it until its commit, minutes for a large file; a
    reader must not queue behind it for the busy timeout (then fail), when
    it can serve what it built and leave storing it for later.
    """
    connection = session.connection()
    if connection.dialect.name != "sqlite":
        yield
        return
    before = connection.exec_driver_sql("PRAGMA busy_timeout").scalar()
    connection.exec_driver_sql(f"PRAGMA busy_timeout = {CACHE_WRITE_WAIT_MS}")
    try:
        yield
    finally:
        # Still this request's connection: the transaction is open until the
        # caller's commit or rollback.
        connection.exec_driver_sql(f"PRAGMA busy_timeout = {int(before)}")
