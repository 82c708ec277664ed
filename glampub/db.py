"""The database: one engine per app, sessions scoped to a request or a command.

Kept free of Flask-SQLAlchemy so that services, the CLI and workers use the
same plain SQLAlchemy sessions.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import orjson
from sqlalchemy import (
    Connection,
    Engine,
    MetaData,
    create_engine,
    event,
    inspect,
    make_url,
    text,
)
from sqlalchemy.orm import DeclarativeBase, Session, scoped_session, sessionmaker

#: The newest revision in glampub/migrations/versions, known without loading
#: Alembic (tests/test_migrations.py checks that it is Alembic's head): a
#: database already there is opened with one small query, and Alembic and the
#: migrations are loaded only to upgrade one that is not.
SCHEMA_REVISION = "0015"

#: The largest value of an integer column on every database glampub runs on
#: (PostgreSQL's ``integer``); ids and page numbers in URLs stay below it.
LARGEST_ID = 2**31 - 1


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

    def prepare(self) -> tuple[str | None, str]:
        """Bring the database to the schema this glampub uses: every migration
        (see glampub.migrations), then the search index beside the tables.
        Returns the revisions it was at before and is at now."""
        from glampub.search.index import ensure_search_index

        assert self.engine is not None
        before = stored_revision(self.engine)
        if before == SCHEMA_REVISION:
            revisions: tuple[str | None, str] = (before, before)
        else:
            # Behind (or new, or ahead of this glampub: Alembic says so): the
            # upgrade takes the schema lock and reads the revision again under it.
            from glampub import migrations

            revisions = migrations.upgrade(self.engine)
        ensure_search_index(self.engine)
        return revisions

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


def stored_revision(engine: Engine) -> str | None:
    """The revision the database says it is at (Alembic's ``alembic_version``
    table), read without Alembic; None without the table, or when it holds
    other than one row (Alembic's branches, which glampub does not make)."""
    with engine.connect() as connection:
        if not inspect(connection).has_table("alembic_version"):
            return None
        versions = connection.execute(text("SELECT version_num FROM alembic_version")).all()
    return versions[0][0] if len(versions) == 1 else None


def add_missing_columns(connection: Connection, metadata: MetaData) -> list[str]:
    """Add the columns of ``metadata``'s tables that the database's tables lack.

    ``create_all`` makes missing tables but never alters existing ones, so a
    database from before a column was added would fail on every query. Only
    additive changes are made here, each a column with a plain default (or
    nullable), which every database can add in place. Used by the first
    migration to adopt databases made before glampub had migrations. Returns
    what was added.
    """
    added = []
    inspector = inspect(connection)
    for table in metadata.sorted_tables:
        present = {column["name"] for column in inspector.get_columns(table.name)}
        for column in table.columns:
            if column.name in present:
                continue
            kind = column.type.compile(dialect=connection.dialect)
            clause = f"ALTER TABLE {table.name} ADD COLUMN {column.name} {kind}"
            default = column.default.arg if column.default is not None else None
            if isinstance(default, bool):
                # TRUE and FALSE: PostgreSQL refuses 0 and 1 for a boolean.
                clause += f" DEFAULT {'TRUE' if default else 'FALSE'} NOT NULL"
            elif isinstance(default, int | float):
                clause += f" DEFAULT {default} NOT NULL"
            elif isinstance(default, str):
                clause += " DEFAULT '" + default.replace("'", "''") + "' NOT NULL"
            elif not column.nullable:
                continue  # no safe default to fill existing rows with
            connection.execute(text(clause))
            added.append(f"{table.name}.{column.name}")
    return added


def make_engine(url: str) -> Engine:
    if url.startswith("sqlite"):
        create_private_file(make_url(url).database)
        engine = create_engine(url, connect_args={"timeout": 30}, json_serializer=json_dumps)
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    parsed = make_url(url)
    if parsed.drivername == "postgresql":
        # A plain postgresql:// URL means SQLAlchemy's default driver, psycopg2;
        # glampub's `postgresql` extra installs psycopg (version 3).
        parsed = parsed.set(drivername="postgresql+psycopg")
    engine = create_engine(parsed, pool_pre_ping=True, json_serializer=json_dumps)
    if "application_name" not in parsed.query:
        event.listen(engine, "do_connect", _name_the_connection)
    return engine


def create_private_file(path: str | None) -> None:
    """Make a new SQLite database file readable and writable by its owner only.

    SQLite would create it with the umask's permissions, usually readable by
    every account of the machine; the database holds password hashes and the
    staff's e-mail addresses. The write-ahead log and shared-memory files
    SQLite adds beside it take the database file's permissions. An existing
    file keeps the permissions its operator gave it.
    """
    if not path or path == ":memory:" or path.startswith("file:"):
        return
    try:
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
    except FileExistsError:
        pass  # the database is there already
    except FileNotFoundError:
        pass  # no such folder: SQLite says so when it connects, naming the file


def _name_the_connection(_dialect: Any, _record: Any, _args: Any, params: dict) -> None:
    # Each connection says which process holds it ("glampub 4242" in
    # pg_stat_activity): an operator can tell an import's sessions from a web
    # worker's, and a killed process's sessions can be waited for until the
    # server has finished what they had sent. Set at connect time, not at engine
    # creation, so a forked worker names itself and not its parent.
    params.setdefault("application_name", application_name())


def application_name(pid: int | None = None) -> str:
    """What glampub's PostgreSQL sessions of process ``pid`` (default: this one) are called."""
    return f"glampub {os.getpid() if pid is None else pid}"


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


def current_session() -> Session:
    """The current app's session (one per request, removed when it ends)."""
    database = get_db()
    assert database.session is not None
    return database.session()


#: How long a reader's write (a built document stored, a token's last use)
#: waits for SQLite's write lock before it gives up and leaves it for later.
CACHE_WRITE_WAIT_MS = 200


@contextmanager
def brief_write_wait(session: Session) -> Iterator[None]:
    """On SQLite, wait only briefly for the write lock while storing something optional.

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


def ping(session: Session) -> None:
    """Ask the database the smallest question; raises SQLAlchemyError when it does not answer."""
    session.execute(text("SELECT 1"))
