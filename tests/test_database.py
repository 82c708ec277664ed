"""The embedded SQLite database: WAL, and 16 KB pages for a new one."""

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
