"""The database schema's history, as Alembic revisions (``versions/``).

Every way glampub opens a database (``create_app``, the commands through
``glampub.cli.base.database_context``, ``glampub db upgrade``) brings it to the
newest revision first; one already there is recognised by
:meth:`glampub.db.Database.prepare` from its ``alembic_version`` row without
loading this package, so a new revision moves ``glampub.db.SCHEMA_REVISION``
with it (a test checks that it is the head). A database made before the
revisions existed has glampub's tables but no ``alembic_version``: the first
revision adopts it (it creates only what is missing and adds the columns such a
database lacks), so it needs no stamping by hand. The search index beside the
tables (FTS5 or PostgreSQL's stored vectors, with their triggers) is made by
:mod:`glampub.search.index`, in the first revision and again, idempotently,
after every upgrade.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, Engine, text

from glampub.schema_lock import UPGRADE_LOCK, UPGRADE_LOCK_SUFFIX
from glampub.search.index import is_search_object

HERE = Path(__file__).resolve().parent


def include_object(_obj: Any, name: str | None, kind: str, _reflected: bool, _other: Any) -> bool:
    """What schema comparisons look at: all but the search index's own objects."""
    return not is_search_object(kind, name)


def alembic_config(connection: Connection | None = None) -> Config:
    """Alembic's configuration, without an alembic.ini: the scripts ship in the package."""
    config = Config()
    config.set_main_option("script_location", str(HERE))
    if connection is not None:
        config.attributes["connection"] = connection
    return config


def head_revision() -> str:
    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    assert head is not None
    return head


def current_revision(connection: Connection) -> str | None:
    return MigrationContext.configure(connection).get_current_revision()


@contextmanager
def _sqlite_upgrade_lock(engine: Engine) -> Iterator[None]:
    """Held while a SQLite database file is upgraded; other processes wait for it."""
    database = engine.url.database if engine.dialect.name == "sqlite" else None
    if not database or database == ":memory:" or database.startswith("file:"):
        yield  # PostgreSQL has its advisory lock; an in-memory database has one user
        return
    import fcntl  # POSIX only, as the rest of glampub's process handling

    lock_path = Path(database + UPGRADE_LOCK_SUFFIX)
    lock_path.parent.mkdir(parents=True, exist_ok=True)
    # Owner-only like the database beside it (the lock holds nothing, but a
    # world-readable file beside a private database invites the question).
    with os.fdopen(os.open(lock_path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600), "a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def upgrade(engine: Engine, revision: str = "head") -> tuple[str | None, str]:
    """Bring the database to ``revision``; the revisions it was at before and is at now."""
    with _sqlite_upgrade_lock(engine), engine.begin() as connection:
        if connection.dialect.name == "postgresql":
            connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": UPGRADE_LOCK})
        before = current_revision(connection)
        target = head_revision() if revision == "head" else revision
        if before != target:
            command.upgrade(alembic_config(connection), revision)
        return before, target
