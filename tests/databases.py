"""Which database the test suite runs against: SQLite (the default) or PostgreSQL.

With ``GLAMPUB_TEST_DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:5432``
every app a test makes gets a fresh PostgreSQL database instead of its SQLite
file: one database per data folder, as on SQLite one file per data folder, so
two apps on one folder share it and apps on different folders do not. Each is
cloned from a template that holds the schema (made once per session), which
costs a few tens of milliseconds, and is made only when an app asks for it.
Databases a test made are dropped when it ends, after the engines it made
are disposed (an app left open would otherwise leave its connections to be
closed by the garbage collector, which warns); those of session fixtures (the
demo app) when the session ends.
"""

from __future__ import annotations

import os
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
    """Fresh databases on one server, named after this test session, dropped afterwards."""

    def __init__(self, server: str) -> None:
        self.server = make_url(server)
        self.prefix = f"glampub_test_{os.getpid()}_{uuid.uuid4().hex[:6]}"
        self.template = f"{self.prefix}_template"
        self.made: list[str] = []
        self.engines: list[Engine] = []
        self.by_folder: dict[str, str] = {}
        engine = create_engine(
            self.server.set(database="postgres"), isolation_level="AUTOCOMMIT", poolclass=NullPool
        )
        try:
            self.admin: Connection = engine.connect()
        except Exception as exc:
            raise RuntimeError(
                f"GLAMPUB_TEST_DATABASE_URL={server}: no PostgreSQL server answers ({exc})"
            ) from exc
        self._make_template()

    def url(self, name: str) -> str:
        return self.server.set(database=name).render_as_string(hide_password=False)

    def _make_template(self) -> None:
        from glampub.db import Database

        self.admin.execute(text(f'CREATE DATABASE "{self.template}"'))
        database = Database()
        database.connect(self.url(self.template))
        database.prepare()
        database.dispose()

    def create(self, empty: bool = False) -> str:
        """A new database holding the current schema (or nothing); its URL."""
        name = f"{self.prefix}_{len(self.made) + 1}"
        template = "" if empty else f' TEMPLATE "{self.template}"'
        self.admin.execute(text(f'CREATE DATABASE "{name}"{template}'))
        self.made.append(name)
        return self.url(name)

    def for_folder(self, data_dir: str | Path) -> str:
        """The database of one data folder, made on first use."""
        key = str(Path(data_dir).resolve())
        if key not in self.by_folder:
            self.by_folder[key] = self.create()
        return self.by_folder[key]

    def mark(self) -> tuple[int, int]:
        return len(self.made), len(self.engines)

    def drop_after(self, mark: tuple[int, int]) -> None:
        """Dispose of the engines and drop the databases made since :meth:`mark`."""
        made, engines = mark
        for engine in self.engines[engines:]:
            engine.dispose()
        del self.engines[engines:]
        for name in self.made[made:]:
            self.admin.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        dropped = {self.url(name) for name in self.made[made:]}
        self.by_folder = {k: v for k, v in self.by_folder.items() if v not in dropped}
        del self.made[made:]

    def close(self) -> None:
        self.drop_after((0, 0))
        self.admin.execute(text(f'DROP DATABASE IF EXISTS "{self.template}" WITH (FORCE)'))
        self.admin.close()


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
    databases: PostgresDatabases, build_config: Callable[..., dict[str, Any]]
) -> Callable[..., dict[str, Any]]:
    """``build_config`` with the default SQLite file replaced by the folder's PostgreSQL
    database; a URL a test or the environment names explicitly is kept."""

    def build(instance_path: str, test_config: Mapping[str, Any] | None = None) -> dict[str, Any]:
        config = build_config(instance_path, test_config)
        if config["DATABASE_URL"] == default_sqlite_url(config["DATA_DIR"]):
            config["DATABASE_URL"] = databases.for_folder(config["DATA_DIR"])
        return config

    return build


_databases: PostgresDatabases | None = None


def set_databases(databases: PostgresDatabases | None) -> None:
    global _databases
    _databases = databases


def subprocess_env(data_dir: str | Path, env: Mapping[str, str] | None = None) -> dict[str, str]:
    """The environment for a glampub process on ``data_dir``: its PostgreSQL database
    when the suite runs on PostgreSQL, else the folder's SQLite file."""
    out = {**(os.environ if env is None else env), "GLAMPUB_DATA_DIR": str(data_dir)}
    out.pop("GLAMPUB_DATABASE_URL", None)
    if _databases is not None:
        out["GLAMPUB_DATABASE_URL"] = _databases.for_folder(data_dir)
    return out


def database_url(data_dir: str | Path) -> str:
    """The URL the apps of ``data_dir`` use in this run."""
    if _databases is not None:
        return _databases.for_folder(data_dir)
    return default_sqlite_url(data_dir)


def empty_database_url(folder: Path, name: str = "empty") -> str:
    """A database with no tables at all, on the kind of database the suite runs on."""
    if _databases is not None:
        return _databases.create(empty=True)
    folder.mkdir(parents=True, exist_ok=True)
    return f"sqlite:///{folder / f'{name}.sqlite3'}"
