"""The database: SQLite with WAL and 16 KB pages for a new one; one per data folder."""

from __future__ import annotations

from sqlalchemy import text

from glampub.db import Base, make_engine


def test_a_new_database_gets_wal_and_16_kb_pages_an_old_one_keeps_its_pages(tmp_path) -> None:
    import sqlite3

    old = tmp_path / "old.sqlite3"
    with sqlite3.connect(old) as connection:  # made elsewhere, with 4 KB pages
        connection.execute("CREATE TABLE t (x)")
    for path, page_size in ((tmp_path / "new.sqlite3", 16384), (old, 4096)):
        engine = make_engine(f"sqlite:///{path}")
        Base.metadata.create_all(engine)
        with engine.connect() as connection:
            assert connection.execute(text("PRAGMA page_size")).scalar() == page_size
            assert connection.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        engine.dispose()


def test_each_data_folder_has_its_own_database_of_the_kind_the_suite_runs_on(tmp_path) -> None:
    from glampub import create_app
    from glampub.models import Institution
    from tests.databases import ON_POSTGRESQL

    apps = [create_app({"DATA_DIR": str(tmp_path / name)}) for name in ("a", "a", "b")]
    try:
        databases = [app.extensions["glampub.db"] for app in apps]
        kinds = {database.engine.dialect.name for database in databases}
        assert kinds == {"postgresql" if ON_POSTGRESQL else "sqlite"}
        with databases[0].transaction() as session:
            session.add(Institution(slug="only-in-a", name="A"))
        seen = []
        for database in databases:
            with database.transaction() as session:
                seen.append(session.query(Institution.slug).all())
        assert seen == [[("only-in-a",)], [("only-in-a",)], []]
    finally:
        for app in apps:
            app.extensions["glampub.db"].dispose()


def test_a_plain_postgresql_url_uses_the_driver_glampub_installs() -> None:
    engine = make_engine("postgresql://glampub@db.example/collections")
    assert (engine.dialect.name, engine.dialect.driver) == ("postgresql", "psycopg")
    assert engine.url.database == "collections"
    engine.dispose()


def test_an_app_starting_while_an_import_writes_does_not_wait_for_it(tmp_path) -> None:
    """Every worker's job makes an app, and making one brings the schema up to date.
    With the schema complete that must only read: on PostgreSQL even `CREATE INDEX
    IF NOT EXISTS` waits for a writer's table lock (and two such deadlocked), and
    on SQLite any write would wait for the import's write lock."""
    import sqlite3
    import threading

    from sqlalchemy.engine import make_url

    from glampub import create_app

    first = create_app({"DATA_DIR": str(tmp_path / "data")})
    engine = first.extensions["glampub.db"].engine
    if engine.dialect.name == "postgresql":
        writer = engine.raw_connection()
        # What an import's inserts and updates hold until they commit.
        writer.cursor().execute("LOCK TABLE collection_object IN ROW EXCLUSIVE MODE")
    else:
        writer = sqlite3.connect(make_url(str(engine.url)).database or "")
        writer.execute("BEGIN IMMEDIATE")  # what a running import holds
    try:
        started: list = []
        thread = threading.Thread(
            target=lambda: started.append(create_app({"DATA_DIR": str(tmp_path / "data")})),
            daemon=True,
        )
        thread.start()
        thread.join(timeout=10)
        assert started, "the second app waited for the writer"
        started[0].extensions["glampub.db"].dispose()
    finally:
        writer.rollback()
        writer.close()
        first.extensions["glampub.db"].dispose()


def test_postgresql_sessions_say_which_glampub_process_holds_them(tmp_path) -> None:
    """pg_stat_activity names each session "glampub <pid>": an operator tells an
    import's sessions from a web worker's, and the fault tests wait for a killed
    process's sessions to end."""
    import os

    import pytest

    from glampub import create_app
    from glampub.db import application_name

    app = create_app({"DATA_DIR": str(tmp_path / "data")})
    database = app.extensions["glampub.db"]
    try:
        if database.engine.dialect.name != "postgresql":
            pytest.skip("application names are PostgreSQL's")
        with database.engine.connect() as connection:
            name = connection.scalar(
                text("SELECT application_name FROM pg_stat_activity WHERE pid = pg_backend_pid()")
            )
        assert name == application_name() == f"glampub {os.getpid()}"
    finally:
        database.dispose()
