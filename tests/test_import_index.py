"""An import's search and facet rows are the ones the triggers make, on both databases.

On PostgreSQL a bulk import switches the row triggers off for its own
transaction and writes the rows of each batch set-based
(glampub.search.index.index_objects); every other writer is indexed by the
triggers. The rows must come out the same either way.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import text

from glampub.importing import staging
from glampub.importing.run import ImportOptions, run_import
from glampub.institutions.registry import add_institution
from glampub.search import index as search_index
from tests.conftest import database

HEADER = "identifier,title,creator,date_earliest,rights,description\n"
ROWS = (
    "1,Harbour at dusk,Ada Marsh,1860,CC BY 4.0,Boats in a harbour\n"
    "2,Gulls,Ben Ode,1990,CC BY 4.0,Gulls over the pier\n"
    "3,Letter rack,,1900,Ask us,A trompe-l'oeil letter rack\n"
    "4,Mill on the river,Ada Marsh,1871,CC BY 4.0,A watermill\n"
)


def _import(app, tmp_path: Path, rows: str) -> object:
    export = tmp_path / "objects.csv"
    export.write_text(HEADER + rows, encoding="utf-8")
    options = ImportOptions(institution="test-museum", path=export)
    return run_import(database(app), Path(app.config["DATA_DIR"]), options)


def _index_rows(app) -> tuple[list, list]:
    """Every object's facet rows and (PostgreSQL) stored vector, by identifier."""
    with database(app).transaction() as session:
        facets = session.execute(
            text(
                "SELECT o.identifier, f.kind, f.value FROM object_facet f "
                "JOIN collection_object o ON o.id = f.object_id ORDER BY 1, 2, 3"
            )
        ).all()
        vectors = []
        if session.get_bind().dialect.name == "postgresql":
            vectors = session.execute(
                text(
                    "SELECT o.identifier, s.tsv::text FROM object_search s "
                    "JOIN collection_object o ON o.id = s.object_id ORDER BY 1"
                )
            ).all()
    return facets, vectors


def _as_the_triggers_make_them(app) -> tuple[list, list]:
    """The same rows, made again by the triggers (as a staff edit would fire them)."""
    with database(app).transaction() as session:
        session.execute(
            text(
                "UPDATE collection_object SET search_text = search_text, "
                "object_type = object_type, creators = creators"
            )
        )
    return _index_rows(app)


def test_an_import_indexes_new_and_changed_objects_as_the_triggers_do(app, tmp_path) -> None:
    with database(app).transaction() as session:
        add_institution(session, "test-museum", "Test Museum", Path(app.config["DATA_DIR"]))
    first = _import(app, tmp_path, ROWS)
    assert first.created == 4
    imported = _index_rows(app)
    assert ("1", "creator", "Ada Marsh") in imported[0]
    assert imported == _as_the_triggers_make_them(app)

    changed = ROWS.replace("Gulls,Ben Ode", "Gulls in flight,Cy Penn").replace(
        "Letter rack,,", "Letter rack,Ben Ode,"
    )
    second = _import(app, tmp_path, changed)
    assert (second.updated, second.unchanged) == (2, 2)
    imported = _index_rows(app)
    assert ("2", "creator", "Cy Penn") in imported[0]
    assert ("2", "creator", "Ben Ode") not in imported[0]
    assert ("3", "creator", "Ben Ode") in imported[0]
    assert imported == _as_the_triggers_make_them(app)
    assert _import(app, tmp_path, changed).unchanged == 4


def _postgresql(app) -> None:
    if database(app).engine.dialect.name != "postgresql":  # type: ignore[union-attr]
        pytest.skip("PostgreSQL only: SQLite's triggers index every writer")


def test_outside_an_import_the_triggers_index_every_write(app, tmp_path) -> None:
    _postgresql(app)
    with database(app).transaction() as session:
        add_institution(session, "test-museum", "Test Museum", Path(app.config["DATA_DIR"]))
    _import(app, tmp_path, ROWS)
    with database(app).transaction() as session:
        # The import's switch went with its transaction.
        assert session.scalar(
            text(f"SELECT current_setting('{search_index.DEFER_SETTING}', true)")
        ) in (None, "")
        session.execute(
            text("UPDATE collection_object SET search_text = 'kingfisher' WHERE identifier = '2'")
        )
    with database(app).transaction() as session:
        found = session.scalars(
            text(
                "SELECT o.identifier FROM object_search s JOIN collection_object o "
                "ON o.id = s.object_id WHERE s.tsv @@ to_tsquery('simple', 'kingfisher')"
            )
        ).all()
    assert found == ["2"]


def test_older_trigger_functions_are_replaced_by_ones_with_the_switch(app) -> None:
    _postgresql(app)
    engine = database(app).engine
    assert engine is not None
    without = search_index._PG_SEARCH_FUNCTION.replace(search_index._DEFERRED, "")
    with engine.begin() as connection:
        connection.execute(text(without))
        assert not search_index._deferrable(connection)
    search_index.ensure_search_index(engine)
    with engine.begin() as connection:
        assert search_index._deferrable(connection)


def test_a_big_import_leaves_statistics_of_every_table_it_filled(
    app, tmp_path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _postgresql(app)
    monkeypatch.setattr(staging.PlannerStatistics, "FINISH_FROM", 3)
    with database(app).transaction() as session:
        add_institution(session, "test-museum", "Test Museum", Path(app.config["DATA_DIR"]))
    _import(app, tmp_path, ROWS)
    with database(app).transaction() as session:
        analysed = dict(
            session.execute(
                text(
                    "SELECT relname, reltuples FROM pg_class WHERE relname IN "
                    "('collection_object', 'change_event', 'object_search', 'object_facet')"
                )
            ).all()
        )
    assert analysed == {
        "collection_object": 4,
        "change_event": 4,
        "object_search": 4,
        "object_facet": 3,
    }
