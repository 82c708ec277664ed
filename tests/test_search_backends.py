"""Search behind one interface: the same answers from SQLite FTS5 and PostgreSQL
full-text search, and the FTS5 index kept in step with every writer."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import select, text, update

from glampub import create_app
from glampub.importing.demo import load_demo
from glampub.models import ChangeEvent, CollectionObject
from glampub.search.query import SearchQuery, search

PG_SERVER = "postgresql+psycopg://postgres@127.0.0.1:5432"

QUERIES = [
    SearchQuery(text="ferryman"),
    SearchQuery(text="portrait", reuse="free"),
    SearchQuery(object_type="painting", sort="identifier"),
    SearchQuery(institution="stadtmuseum-lindenau", sort="identifier", page_size=5, page=2),
    SearchQuery(date_from=1800, date_to=1900, sort="date-asc"),
    SearchQuery(licence="http://creativecommons.org/publicdomain/mark/1.0/", sort="identifier"),
]


def _answers(app) -> list[tuple[int, list[str], dict]]:  # type: ignore[no-untyped-def]
    with app.app_context():
        session = app.extensions["glampub.db"].session()
        out = []
        for query in QUERIES:
            result = search(session, query)
            facets = {k: [(f.value, f.count) for f in v] for k, v in result.facets.items()}
            out.append((result.total, [o.identifier for o in result.objects], facets))
        return out


@pytest.fixture
def postgres_app(tmp_path: Path) -> Iterator:
    psycopg = pytest.importorskip("psycopg")
    name = f"glampub_issue6_{uuid.uuid4().hex[:10]}"
    try:
        admin = psycopg.connect("postgresql://postgres@127.0.0.1:5432/test", autocommit=True)
    except psycopg.OperationalError as exc:
        pytest.skip(f"no PostgreSQL on 127.0.0.1:5432: {exc}")
    admin.execute(f'CREATE DATABASE "{name}"')
    app = create_app(
        {"DATA_DIR": str(tmp_path / "data"), "TESTING": True, "DATABASE_URL": f"{PG_SERVER}/{name}"}
    )
    try:
        yield app
    finally:
        app.extensions["glampub.db"].dispose()
        admin.execute(f'DROP DATABASE "{name}" WITH (FORCE)')
        admin.close()


def test_postgresql_and_sqlite_give_the_same_answers(demo_app, postgres_app) -> None:
    load_demo(postgres_app.extensions["glampub.db"], Path(postgres_app.config["DATA_DIR"]))
    with postgres_app.app_context():
        session = postgres_app.extensions["glampub.db"].session()
        index = session.execute(
            text("SELECT indexdef FROM pg_indexes WHERE indexname = 'object_search_tsv'")
        ).scalar_one()
        assert "USING gin (tsv)" in index
        # Every object has its stored vector, written by the trigger during the import.
        counts = session.execute(
            text(
                "SELECT (SELECT count(*) FROM object_search), "
                "(SELECT count(*) FROM collection_object)"
            )
        ).one()
        assert counts[0] == counts[1] == 40
    sqlite, postgres = _answers(demo_app), _answers(postgres_app)
    for query, lite, pg in zip(QUERIES, sqlite, postgres, strict=True):
        assert lite[0] == pg[0], query
        assert lite[1] == pg[1] or query.sort == "relevance", query
        assert lite[2] == pg[2], query
    assert sqlite[0][0] >= 1


def test_the_fts5_index_and_facets_follow_updates(app) -> None:
    load_demo(app.extensions["glampub.db"], Path(app.config["DATA_DIR"]))
    database = app.extensions["glampub.db"]
    with app.app_context():
        assert search(database.session(), SearchQuery(text="ferryman")).total == 1
    with database.transaction() as session:
        # As every writer does: the row changes, and a change event says so.
        session.execute(
            update(CollectionObject)
            .where(CollectionObject.identifier == "1887.12")
            .values(
                search_text="a boatman by the river",
                creators=[{"name": "Wren, Elias"}, {"name": "Pender, Josiah"}],
                object_type={"en": ["portrait"], "fr": ["portrait", "tableau"]},
            )
        )
        obj = session.scalar(
            select(CollectionObject).where(CollectionObject.identifier == "1887.12")
        )
        session.add(
            ChangeEvent(
                institution_id=obj.institution_id, object_id=obj.id, kind="Update", revision=2
            )
        )
    with app.app_context():
        session = database.session()
        assert search(session, SearchQuery(text="ferryman")).total == 0
        assert [o.identifier for o in search(session, SearchQuery(text="boatman")).objects] == [
            "1887.12"
        ]
        pender = search(session, SearchQuery(creator="Pender, Josiah"))
        assert [o.identifier for o in pender.objects] == ["1887.12"]
        assert [(f.value, f.count) for f in pender.facets["object_type"]] == [
            ("portrait", 1),
            ("tableau", 1),
        ]
        assert search(session, SearchQuery(object_type="tableau")).total == 1
        # The text index (FTS5, or PostgreSQL's stored vectors) has a row per object.
        index = "object_fts" if session.get_bind().dialect.name == "sqlite" else "object_search"
        count = session.execute(text(f"SELECT count(*) FROM {index}")).scalar_one()
        assert count == session.execute(text("SELECT count(*) FROM collection_object")).scalar_one()


def test_best_match_ranks_up_to_a_bound_then_the_newest_come_first(
    demo_app, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Scoring every match of a word found in nearly every record costs seconds at
    a million objects and says little: beyond RANKED_AT_MOST matches the newest
    come first, and the page says so."""
    import glampub.search.query as search_module

    query = SearchQuery(text="portrait")
    with demo_app.app_context():
        session = demo_app.extensions["glampub.db"].session()
        ranked = search(session, query)
        newest = search(session, SearchQuery(text="portrait", sort="newest"))
        assert ranked.total > 2 and not ranked.unranked
        monkeypatch.setattr(search_module, "RANKED_AT_MOST", ranked.total - 1)
        bounded = search(session, query)
    assert bounded.unranked and bounded.total == ranked.total
    assert [o.identifier for o in bounded.objects] == [o.identifier for o in newest.objects]
    assert sorted(o.identifier for o in bounded.objects) == sorted(
        o.identifier for o in ranked.objects
    )
    page = demo_app.test_client().get("/search?q=portrait").get_data(as_text=True)
    assert 'id="unranked-note"' in page and "Too many results to sort by best match" in page
    monkeypatch.undo()
    page = demo_app.test_client().get("/search?q=portrait").get_data(as_text=True)
    assert 'id="unranked-note"' not in page
