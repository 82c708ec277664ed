"""An instance folder made by an older glampub still opens: new columns are added."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from glampub import create_app
from tests.conftest import database
from tests.databases import ON_POSTGRESQL

# It edits the SQLite file of a data folder directly; the same upgrade on
# PostgreSQL is covered by tests/test_migrations.py.
pytestmark = pytest.mark.skipif(ON_POSTGRESQL, reason="edits a SQLite database file")


def test_a_column_added_since_the_database_was_made_is_added_in_place(tmp_path: Path) -> None:
    database(create_app({"DATA_DIR": str(tmp_path)})).dispose()
    with sqlite3.connect(tmp_path / "glampub.sqlite3") as con:
        con.execute(
            "INSERT INTO institution (slug, name, courtesy_statement, full_images_in_copyright,"
            " copyright_term_years, revision, created_at)"
            " VALUES ('old', 'Old Museum', 1, 0, 70, 1, '2020-01-01')"
        )
        # As an older glampub made it: before migrations, without the newer column.
        con.execute("ALTER TABLE institution DROP COLUMN full_images_in_copyright")
        con.execute("DROP TABLE alembic_version")
    app = create_app({"DATA_DIR": str(tmp_path), "BASE_URL": "http://glampub.test"})
    try:
        collection = app.test_client().get("/iiif/3/collection/old")
        assert collection.status_code == 200
        assert collection.get_json()["label"] == {"none": ["Old Museum"]}
    finally:
        database(app).dispose()
    with sqlite3.connect(tmp_path / "glampub.sqlite3") as con:
        rows = con.execute("SELECT slug, full_images_in_copyright FROM institution").fetchall()
    assert rows == [("old", 0)]
