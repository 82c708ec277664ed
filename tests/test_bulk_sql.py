"""The import's precompiled statements write exactly what SQLAlchemy's own would."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime

import pytest
from sqlalchemy import (
    JSON,
    Column,
    Integer,
    MetaData,
    Table,
    bindparam,
    create_engine,
    insert,
    select,
    update,
)
from sqlalchemy.dialects import postgresql

from glampub.db import Base, make_engine
from glampub.importing.bulk_sql import BulkStatement
from glampub.importing.writer import OBJECT_COLUMNS
from glampub.models import CollectionObject, Institution
from glampub.search.index import ensure_search_index
from tests.conftest import database

OBJECTS = CollectionObject.__table__


def _values(identifier: str, now: datetime) -> dict:
    return {name: None for name in OBJECT_COLUMNS} | {
        "institution_id": 1,
        "identifier": identifier,
        "title": {"de": ["Mühle"], "en": ["Mill & river <b>"]},
        "description": {},
        "creators": [{"name": "Anna Roth", "death_year": 1901}],
        "date_earliest": 1880,
        "object_type": {"none": ["painting"]},
        "materials": {},
        "dimensions": {"en": ["47 x 37 cm"]},
        "extra_metadata": [[{"en": ["Note"]}, {"none": ["=1+1"]}]],
        "rights_statement": "CC BY 4.0",
        "rights_statements": ["CC BY 4.0"],
        "rights_key": "k" * 64,
        "rights_uri": "http://creativecommons.org/licenses/by/4.0/",
        "rights_status": "mapped",
        "rights_label": "CC BY 4.0",
        "rights_reuse": "conditions",
        "rights_rule": "cc-name",
        "rights_reason": "names the licence",
        "rights_warnings": [],
        "source_record": "<lido:lido/>",
        "source_format": "lido",
        "source_media_type": "application/xml",
        "search_text": "mühle",
        "content_hash": "h" * 64,
        "revision": 1,
        "status": "published",
        "held_by_staff": False,
        "created_at": now,
        "updated_at": now,
    }


@pytest.fixture(params=["sqlite", "sqlite-file"])
def engine(request, tmp_path):
    url = "sqlite://" if request.param == "sqlite" else f"sqlite:///{tmp_path / 'x.db'}"
    engine = make_engine(url) if request.param == "sqlite-file" else create_engine(url)
    Base.metadata.create_all(engine)
    ensure_search_index(engine)
    yield engine
    engine.dispose()


def test_rows_written_directly_read_back_as_sqlalchemy_wrote_them(engine) -> None:
    now = datetime(2026, 12, 1, 9, 30, 15, 123456, tzinfo=UTC)
    with engine.begin() as connection:
        connection.execute(insert(Institution.__table__), [{"slug": "m", "name": "M"}])
        connection.execute(insert(OBJECTS), [_values("by-sqlalchemy", now)])
        statement = BulkStatement(connection, insert(OBJECTS), OBJECT_COLUMNS)
        assert statement.direct
        row = _values("direct", now)
        statement.execute([tuple(row[name] for name in OBJECT_COLUMNS)])
        stored = {r.identifier: r._asdict() for r in connection.execute(select(OBJECTS)).all()}
        raw = connection.exec_driver_sql(
            "SELECT identifier, created_at, title FROM collection_object ORDER BY id"
        ).all()
    a, b = stored["by-sqlalchemy"], stored["direct"]
    assert {k: v for k, v in a.items() if k not in ("id", "identifier")} == {
        k: v for k, v in b.items() if k not in ("id", "identifier")
    }
    # The very same text in the database, not only equal values after reading.
    assert raw[0][1:] == raw[1][1:]


def test_an_update_by_id_changes_only_the_named_row(engine) -> None:
    now = datetime(2026, 12, 1, tzinfo=UTC)
    with engine.begin() as connection:
        connection.execute(insert(Institution.__table__), [{"slug": "m", "name": "M"}])
        connection.execute(insert(OBJECTS), [_values("a", now), _values("b", now)])
        ids = dict(connection.execute(select(OBJECTS.c.identifier, OBJECTS.c.id)).all())
        statement = BulkStatement(
            connection,
            update(OBJECTS).where(OBJECTS.c.id == bindparam("object_id_")),
            ("title", "revision", "object_id_"),
        )
        statement.execute([({"en": ["Changed"]}, 2, ids["b"])])
        rows = dict(connection.execute(select(OBJECTS.c.identifier, OBJECTS.c.title)).all())
    assert rows == {"a": {"de": ["Mühle"], "en": ["Mill & river <b>"]}, "b": {"en": ["Changed"]}}


def test_a_column_left_out_is_refused_when_compiling(engine) -> None:
    with engine.begin() as connection, pytest.raises(ValueError, match="no value given"):
        BulkStatement(
            connection,
            update(OBJECTS).where(OBJECTS.c.id == bindparam("object_id_")),
            ("title",),
        )


def test_many_rows_go_in_statements_within_the_parameter_limit(engine) -> None:
    """An INSERT goes as multi-row statements, each under SQLite's bound on parameters."""
    now = datetime(2026, 12, 1, tzinfo=UTC)
    with engine.begin() as connection:
        driver = connection.connection.driver_connection
        driver.setlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER, 200)  # about five rows
        connection.execute(insert(Institution.__table__), [{"slug": "m", "name": "M"}])
        statement = BulkStatement(connection, insert(OBJECTS), OBJECT_COLUMNS)
        assert statement.rows_per_statement == 200 // len(OBJECT_COLUMNS)
        rows = [_values(f"obj-{n}", now) for n in range(23)]
        statement.execute([tuple(row[name] for name in OBJECT_COLUMNS) for row in rows])
        stored = connection.execute(select(OBJECTS.c.identifier).order_by(OBJECTS.c.id)).all()
        found = connection.exec_driver_sql(
            "SELECT count(*) FROM object_fts WHERE object_fts MATCH 'muhle'"
        ).scalar()
    # Every row, in the order given (ids follow it), and each in the search index.
    assert [r.identifier for r in stored] == [f"obj-{n}" for n in range(23)]
    assert found == 23


def test_many_updates_by_id_each_change_their_own_row_and_its_index_entry(engine) -> None:
    now = datetime(2026, 12, 1, tzinfo=UTC)
    with engine.begin() as connection:
        connection.execute(insert(Institution.__table__), [{"slug": "m", "name": "M"}])
        connection.execute(insert(OBJECTS), [_values(f"obj-{n}", now) for n in range(8)])
        ids = dict(connection.execute(select(OBJECTS.c.identifier, OBJECTS.c.id)).all())
        driver = connection.connection.driver_connection
        driver.setlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER, 10)  # three rows a statement
        statement = BulkStatement(
            connection,
            update(OBJECTS).where(OBJECTS.c.id == bindparam("object_id_")),
            ("title", "search_text", "object_id_"),
        )
        assert statement.multirow is not None and statement.rows_per_statement == 3
        changed = [f"obj-{n}" for n in (1, 2, 4, 5, 7)]
        statement.execute(
            [({"en": [f"New {name}"]}, f"windmill {name}", ids[name]) for name in changed]
        )
        titles = dict(connection.execute(select(OBJECTS.c.identifier, OBJECTS.c.title)).all())
        found = (
            connection.exec_driver_sql(
                "SELECT o.identifier FROM object_fts JOIN collection_object AS o "
                "ON o.id = object_fts.rowid WHERE object_fts MATCH 'windmill' ORDER BY o.id"
            )
            .scalars()
            .all()
        )
        old = connection.exec_driver_sql(
            "SELECT count(*) FROM object_fts WHERE object_fts MATCH 'muhle'"
        ).scalar()
    assert titles == {
        name: ({"en": [f"New {name}"]} if name in changed else _values(name, now)["title"])
        for name in ids
    }
    assert found == changed
    assert old == 3  # the index forgot the changed rows' old text


def test_an_app_database_stores_bulk_rows_as_sqlalchemy_does(app) -> None:
    """On the suite's database (PostgreSQL: a binary COPY with each column's own
    type), a bulk row's stored text is the very text SQLAlchemy's INSERT stored."""
    now = datetime(2026, 12, 1, 9, 30, 15, 123456, tzinfo=UTC)
    with database(app).transaction() as session:
        connection = session.connection()
        institution = connection.execute(
            insert(Institution.__table__).values(slug="m", name="M")
        ).inserted_primary_key[0]
        by_sqlalchemy = _values("by-sqlalchemy", now) | {"institution_id": institution}
        by_sqlalchemy["record_url"] = "https://museum.example/1"  # a nullable column set
        connection.execute(insert(OBJECTS), [by_sqlalchemy])
        direct = by_sqlalchemy | {"identifier": "direct"}
        statement = BulkStatement(connection, insert(OBJECTS), OBJECT_COLUMNS)
        statement.execute([tuple(direct[name] for name in OBJECT_COLUMNS)])
        columns = ", ".join(
            f"CAST({name} AS text)" for name in OBJECT_COLUMNS if name != "identifier"
        )
        raw = connection.exec_driver_sql(
            f"SELECT {columns} FROM collection_object ORDER BY id"
        ).all()
        read = connection.execute(select(OBJECTS).order_by(OBJECTS.c.id)).all()
    assert raw[0] == raw[1]
    assert read[1].source_record == read[0].source_record  # compressed and back
    assert read[1].date_display is None and read[1].held_by_staff is False


def test_a_jsonb_column_is_copied_as_its_text(app) -> None:
    """glampub's JSON columns are ``json``; were one ``jsonb``, its already
    encoded text must still arrive as the value, not as a JSON string of it."""
    with database(app).transaction() as session:
        connection = session.connection()
        if connection.dialect.name != "postgresql":
            pytest.skip("COPY is PostgreSQL's")
        table = Table(
            "bulk_jsonb",
            MetaData(),
            Column("id", Integer, primary_key=True),
            Column("doc", postgresql.JSONB, nullable=False),
            Column("plain", JSON, nullable=False),
            prefixes=["TEMPORARY"],
        )
        table.create(connection)
        statement = BulkStatement(connection, insert(table), ("doc", "plain"))
        statement.execute([({"a": [1, "ü"]}, None), ([], {"b": None})])
        rows = connection.exec_driver_sql(
            "SELECT jsonb_typeof(doc), doc::text, plain::text FROM bulk_jsonb ORDER BY id"
        ).all()
    assert rows == [("object", '{"a": [1, "ü"]}', "null"), ("array", "[]", '{"b":null}')]
