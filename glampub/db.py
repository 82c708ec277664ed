"""The database: one engine per app, sessions scoped to a request or a command.

Kept free of Flask-SQLAlchemy so that services, the CLI and workers use the
same plain SQLAlchemy sessions.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import orjson
from sqlalchemy import Engine, create_engine, event
from sqlalchemy.orm import DeclarativeBase, Session, scoped_session, sessionmaker


class Base(DeclarativeBase):
    pass


class Database:
    """Engine and session factory; unbound until :meth:`init_app` or :meth:`connect`."""

    def __init__(self) -> None:
        self.engine: Engine | None = None
        self.session: scoped_session[Session] | None = None

    def connect(self, url: str) -> None:
        self.engine = make_engine(url)
        self.session = scoped_session(sessionmaker(bind=self.engine, expire_on_commit=False))

    def init_app(self, app: Any) -> None:
        self.connect(app.config["DATABASE_URL"])
        app.extensions["glampub.db"] = self

        @app.teardown_appcontext
        def remove_session(_exc: BaseException | None) -> None:
            if self.session is not None:
                self.session.remove()

    def create_all(self) -> None:
        from glampub import models  # noqa: F401  (registers the tables)

        assert self.engine is not None
        Base.metadata.create_all(self.engine)

    def dispose(self) -> None:
        if self.session is not None:
            self.session.remove()
        if self.engine is not None:
            self.engine.dispose()

    @contextmanager
    def transaction(self) -> Iterator[Session]:
        """A session in one transaction: committed on success, rolled back on any error."""
        assert self.session is not None
        session = self.session()
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise


def make_engine(url: str) -> Engine:
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"timeout": 30}, json_serializer=json_dumps)
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    return create_engine(url, pool_pre_ping=True, json_serializer=json_dumps)


def json_dumps(value: Any) -> str:
    """JSON columns written with orjson: a bulk import writes a dozen per record,
    and the standard library's encoder costs about five times as much."""
    try:
        return orjson.dumps(value).decode()
    except TypeError:
        # What orjson refuses (integers over 64 bits, non-string keys) the
        # standard library still writes.
        return json.dumps(value)


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    # WAL lets readers keep serving the published state while an import writes.
    cursor = dbapi_connection.cursor()
    # Set before anything is written, this applies to a new database only (an
    # existing one keeps its page size). An object row holds its source record,
    # several KB: with 16 KB pages it mostly fits one page, instead of a chain of
    # overflow pages, and a big import's write-ahead log has a quarter as many
    # frames to index (the index is shared memory, held for the whole import).
    cursor.execute("PRAGMA page_size=16384")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def get_db() -> Database:
    """The current app's database (each app has its own, so tests can run several)."""
    from flask import current_app

    return current_app.extensions["glampub.db"]
