"""Which database the test suite runs against: SQLite (the default) or PostgreSQL.

With ``GLAMPUB_TEST_DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:5432``
every app a test makes gets a fresh PostgreSQL database instead of its SQLite
file: one database per data folder, as on SQLite one file per data folder, so
two apps on one folder share it and apps on different folders do not. Each is
cloned from a template that holds the schema (made once per session), a few
clones made ahead by a thread; one is taken only when an app asks for it.
Databases a test made are dropped when it ends, after the engines it made
are disposed (an app left open would otherwise leave its connections to be
closed by the garbage collector, which warns), by another thread while the
next test runs; those of session fixtures (the demo app) when the session ends.

On SQLite the same holds with files: each data folder's database file, when
the suite hands it out, is a copy of one made at the current schema once per
session (see :class:`SqliteFiles`).
"""

from __future__ import annotations

import contextlib
import itertools
import os
import queue
import sqlite3
import threading
import uuid
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, create_engine, make_url, text
from sqlalchemy.pool import NullPool

SERVER = os.environ.get("GLAMPUB_TEST_DATABASE_URL", "").rstrip("/")
ON_POSTGRESQL = bool(SERVER)


def default_sqlite_url(data_dir: str | Path) -> str:
    """The URL glampub uses when none is configured (see glampub.config)."""
    return f"sqlite:///{Path(data_dir) / 'glampub.sqlite3'}"


class PostgresDatabases:
    """Fresh databases on one server, named after this test session, dropped afterwards.

    Making and dropping a database are the slow part of a test on PostgreSQL,
    and neither needs the test: ``CREATE DATABASE`` copies the template, and
    ``DROP DATABASE`` waits for a checkpoint (the server flushes to disk). So a
    thread keeps a few copies of the template made ahead, and another drops a
    finished test's databases while the next test runs. Each test still gets
    databases of its own, cloned from the untouched template; a failed drop
    fails the session when it ends."""

    #: Copies of the template kept made ahead (a test seldom needs more than two).
    SPARES = 2

    def __init__(self, server: str) -> None:
        self.server = make_url(server)
        self.prefix = f"glampub_test_{os.getpid()}_{uuid.uuid4().hex[:6]}"
        self.template = f"{self.prefix}_template"
        self.made: list[str] = []
        self.engines: list[Engine] = []
        self.by_folder: dict[str, str] = {}
        self._numbers = itertools.count(1)
        self.admin = self._connect(server)
        self._make_template()
        self._spares: queue.Queue[str] = queue.Queue(maxsize=self.SPARES)
        self._maker_failure: BaseException | None = None
        self._to_drop: queue.Queue[str | None] = queue.Queue()
        self._drop_failures: list[str] = []
        self._closing = threading.Event()
        self._maker = threading.Thread(
            target=self._make_spares, args=(self._connect(server),), daemon=True
        )
        self._dropper = threading.Thread(
            target=self._drop_finished, args=(self._connect(server),), daemon=True
        )
        self._maker.start()
        self._dropper.start()

    def _connect(self, server: str) -> Connection:
        engine = create_engine(
            self.server.set(database="postgres"), isolation_level="AUTOCOMMIT", poolclass=NullPool
        )
        try:
            return engine.connect()
        except Exception as exc:
            raise RuntimeError(
                f"GLAMPUB_TEST_DATABASE_URL={server}: no PostgreSQL server answers ({exc})"
            ) from exc

    def url(self, name: str) -> str:
        return self.server.set(database=name).render_as_string(hide_password=False)

    def _make_template(self) -> None:
        from glampub.db import Database

        self.admin.execute(text(f'CREATE DATABASE "{self.template}"'))
        database = Database()
        database.connect(self.url(self.template))
        database.prepare()
        database.dispose()

    def _new_name(self) -> str:
        return f"{self.prefix}_{next(self._numbers)}"

    def _make_spares(self, admin: Connection) -> None:
        """Thread: copies of the template, made ahead; an error is handed on instead."""
        try:
            while not self._closing.is_set():
                name = self._new_name()
                admin.execute(text(f'CREATE DATABASE "{name}" TEMPLATE "{self.template}"'))
                # A commit returns without waiting for its WAL to reach the disk: what
                # sessions see is the same, only a crash of the server itself could
                # lose the last commits, and no test crashes it (processes it kills
                # are clients). Set per database, so other users of the server keep theirs.
                admin.execute(text(f'ALTER DATABASE "{name}" SET synchronous_commit = off'))
                while True:
                    try:
                        self._spares.put(name, timeout=0.2)
                        break
                    except queue.Full:
                        if self._closing.is_set():
                            self._to_drop.put(name)
                            return
        except BaseException as exc:  # the test asking for a database reports it
            self._maker_failure = exc
        finally:
            admin.close()

    def _drop_finished(self, admin: Connection) -> None:
        """Thread: drops each database handed to it, until it is handed None."""
        try:
            while (name := self._to_drop.get()) is not None:
                try:
                    admin.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
                except Exception as exc:
                    self._drop_failures.append(f"{name}: {exc}")
        finally:
            admin.close()

    def create(self, empty: bool = False) -> str:
        """A new database holding the current schema (or nothing); its URL."""
        if empty:
            name = self._new_name()
            self.admin.execute(text(f'CREATE DATABASE "{name}"'))
        else:
            while True:
                try:
                    name = self._spares.get(timeout=1)
                    break
                except queue.Empty:
                    if not self._maker.is_alive():
                        raise RuntimeError(
                            "copying the template database failed"
                        ) from self._maker_failure
        self.made.append(name)
        return self.url(name)

    def for_folder(self, data_dir: str | Path) -> str:
        """The database of one data folder, made on first use."""
        key = str(Path(data_dir).resolve())
        if key not in self.by_folder:
            self.by_folder[key] = self.create()
        return self.by_folder[key]

    def clone(self, source_dir: str | Path, data_dir: str | Path) -> str:
        """The database of ``data_dir``: a copy of that of ``source_dir``, which
        nobody may be connected to (the server refuses to copy it otherwise)."""
        source = make_url(self.by_folder[str(Path(source_dir).resolve())]).database
        name = self._new_name()
        self.admin.execute(text(f'CREATE DATABASE "{name}" TEMPLATE "{source}"'))
        self.admin.execute(text(f'ALTER DATABASE "{name}" SET synchronous_commit = off'))
        self.made.append(name)
        url = self.by_folder[str(Path(data_dir).resolve())] = self.url(name)
        return url

    def mark(self) -> tuple[int, int]:
        return len(self.made), len(self.engines)

    def drop_after(self, mark: tuple[int, int]) -> None:
        """Dispose of the engines made since :meth:`mark` and have the databases made
        since then dropped (by the dropping thread: a later test never sees them)."""
        made, engines = mark
        for engine in self.engines[engines:]:
            engine.dispose()
        del self.engines[engines:]
        for name in self.made[made:]:
            self._to_drop.put(name)
        dropped = {self.url(name) for name in self.made[made:]}
        self.by_folder = {k: v for k, v in self.by_folder.items() if v not in dropped}
        del self.made[made:]

    def close(self) -> None:
        self.drop_after((0, 0))
        self._closing.set()
        self._maker.join()
        while not self._spares.empty():
            self._to_drop.put(self._spares.get())
        self._to_drop.put(None)
        self._dropper.join()
        self.admin.execute(text(f'DROP DATABASE IF EXISTS "{self.template}" WITH (FORCE)'))
        self.admin.close()
        assert not self._drop_failures, "\n".join(self._drop_failures)


class SqliteFiles:
    """Each data folder's SQLite database file, made on first use as a copy of one
    file brought to the current schema once per session, as each PostgreSQL
    database is a clone of the template there. Running every migration on a new
    file costs about a tenth of a second of CPU per app; copying it, next to
    nothing. Every data folder still has a file of its own."""

    def __init__(self, folder: Path) -> None:
        from glampub.db import Database

        template = folder / "template.sqlite3"
        database = Database()
        database.connect(f"sqlite:///{template}")
        database.prepare()
        database.dispose()
        # Everything into the one file (SQLite leaves its write-ahead log beside it).
        with contextlib.closing(sqlite3.connect(template)) as connection:
            connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        self.content = template.read_bytes()

    def for_folder(self, data_dir: str | Path) -> str:
        """The URL of the folder's database file, which is put there if missing
        (owner-only, as glampub makes it: see glampub.db.create_private_file)."""
        target = Path(data_dir) / "glampub.sqlite3"
        if not target.exists():
            target.parent.mkdir(parents=True, exist_ok=True)
            try:
                fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            except FileExistsError:
                pass
            else:
                with os.fdopen(fd, "wb") as out:
                    out.write(self.content)
        return default_sqlite_url(data_dir)


def engine_hook(
    databases: PostgresDatabases, make_engine: Callable[..., Engine]
) -> Callable[..., Engine]:
    """``make_engine`` that remembers each engine, to be disposed of with its test."""

    def make(url: str) -> Engine:
        engine = make_engine(url)
        databases.engines.append(engine)
        return engine

    return make


def config_hook(
    databases: PostgresDatabases | SqliteFiles, build_config: Callable[..., dict[str, Any]]
) -> Callable[..., dict[str, Any]]:
    """``build_config`` with the default SQLite file replaced by the folder's PostgreSQL
    database, or put in place from the template on SQLite; a URL a test or the
    environment names explicitly is kept."""

    def build(instance_path: str, test_config: Mapping[str, Any] | None = None) -> dict[str, Any]:
        config = build_config(instance_path, test_config)
        if config["DATABASE_URL"] == default_sqlite_url(config["DATA_DIR"]):
            config["DATABASE_URL"] = databases.for_folder(config["DATA_DIR"])
        return config

    return build


_databases: PostgresDatabases | SqliteFiles | None = None


def set_databases(databases: PostgresDatabases | SqliteFiles | None) -> None:
    global _databases
    _databases = databases


def subprocess_env(data_dir: str | Path, env: Mapping[str, str] | None = None) -> dict[str, str]:
    """The environment for a glampub process on ``data_dir``: its PostgreSQL database
    when the suite runs on PostgreSQL, else the folder's SQLite file."""
    out = {**(os.environ if env is None else env), "GLAMPUB_DATA_DIR": str(data_dir)}
    out.pop("GLAMPUB_DATABASE_URL", None)
    if isinstance(_databases, PostgresDatabases):
        out["GLAMPUB_DATABASE_URL"] = _databases.for_folder(data_dir)
    elif _databases is not None:
        _databases.for_folder(data_dir)  # the file, in place; its URL is the default
    return out


def copy_database(source_dir: str | Path, data_dir: str | Path) -> None:
    """Give ``data_dir`` a copy of the database of ``source_dir``. On SQLite the
    database is the file inside the folder, which copying the folder copied."""
    if isinstance(_databases, PostgresDatabases):
        _databases.clone(source_dir, data_dir)


def database_url(data_dir: str | Path) -> str:
    """The URL the apps of ``data_dir`` use in this run."""
    if _databases is not None:
        return _databases.for_folder(data_dir)
    return default_sqlite_url(data_dir)


def empty_database_url(folder: Path, name: str = "empty") -> str:
    """A database with no tables at all, on the kind of database the suite runs on."""
    if isinstance(_databases, PostgresDatabases):
        return _databases.create(empty=True)
    folder.mkdir(parents=True, exist_ok=True)
    return f"sqlite:///{folder / f'{name}.sqlite3'}"
