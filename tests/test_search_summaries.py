"""Facet counts stored in the database: shared by processes, refreshed by the import
that makes them stale, so the first searches after a publish find them ready."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import select

from bench._synthetic import write_lido
from glampub import create_app
from glampub.importing.run import ImportOptions, run_import
from glampub.institutions.registry import add_institution
from glampub.models import SearchSummary
from glampub.search import query as search
from glampub.search import summaries as search_summaries
from glampub.search.query import SearchQuery
from tests.conftest import BASE_URL, database

QUERIES = [SearchQuery(), SearchQuery(text="mill"), SearchQuery(text="river", reuse="free")]


def _app(data: Path) -> Flask:
    return create_app({"DATA_DIR": str(data), "TESTING": True, "BASE_URL": BASE_URL})


@pytest.fixture
def museum(tmp_path: Path) -> Iterator[Flask]:
    """An app whose data folder holds the institution "bench" and nothing else yet."""
    app = _app(tmp_path / "data")
    with database(app).transaction() as session:
        add_institution(session, "bench", "Bench Museum", tmp_path / "data")
    yield app
    database(app).dispose()


def _import(app: Flask, export: Path) -> None:
    options = ImportOptions(institution="bench", path=export)
    run_import(database(app), Path(app.config["DATA_DIR"]), options)


def _counts(app: Flask, query: SearchQuery) -> tuple:
    with app.app_context():
        found = search.search(database(app).session(), query)
        facets = {
            name: [(f.value, f.count) for f in values] for name, values in found.facets.items()
        }
        return found.total, facets, found.years


def _counting(monkeypatch: pytest.MonkeyPatch) -> list[dict]:
    """Every facet count made from now on, by filters."""
    made: list[dict] = []
    real = search._summary

    def counted(session, query, *args):  # type: ignore[no-untyped-def]
        made.append(query.filters())
        return real(session, query, *args)

    monkeypatch.setattr(search, "_summary", counted)
    return made


def test_the_import_counts_the_searches_asked_for_and_a_new_process_finds_them(
    museum: Flask, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _import(museum, write_lido(tmp_path / "a.xml", 60))
    before = [_counts(museum, query) for query in QUERIES]  # asked once: stored
    made = _counting(monkeypatch)
    # A changed export: every count above goes stale, and the import counts anew.
    _import(museum, write_lido(tmp_path / "b.xml", 90, variant=" (revised)"))
    assert sorted(map(str, made)) == sorted(str(q.filters()) for q in QUERIES)
    made.clear()
    # Another process (nothing in its memory) serves every one without counting.
    other = _app(tmp_path / "data")
    try:
        after = [_counts(other, query) for query in QUERIES]
        assert made == []
        assert after[0][0] == 90 and before[0][0] == 60
        with other.app_context():
            session = database(other).session()
            current = search.summary_version(session)
            versions = set(session.scalars(select(SearchSummary.version)))
        assert versions == {current}
        # And they are what counting afresh gives.
        monkeypatch.undo()
        with other.app_context():
            session = database(other).session()
            fresh = [search._summary(session, query) for query in QUERIES]
        assert [total for total, _, _ in after] == [f["total"] for f in fresh]
        assert [facets for _, facets, _ in after] == [
            {name: [(v.value, v.count) for v in values] for name, values in f["facets"].items()}
            for f in fresh
        ]
    finally:
        database(other).dispose()


def test_a_dry_run_or_an_unchanged_import_counts_nothing(
    museum: Flask, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    export = write_lido(tmp_path / "a.xml", 30)
    _import(museum, export)
    _counts(museum, SearchQuery(text="mill"))
    made = _counting(monkeypatch)
    _import(museum, export)  # all unchanged
    options = ImportOptions(
        institution="bench", path=write_lido(tmp_path / "b.xml", 40, variant="!"), dry_run=True
    )
    run_import(database(museum), tmp_path / "data", options)
    assert made == []


def test_only_the_most_recently_asked_are_counted_and_old_ones_are_forgotten(
    museum: Flask, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(search_summaries, "REFRESHED_AT_PUBLISH", 2)
    monkeypatch.setattr(search_summaries, "KEPT", 3)
    _import(museum, write_lido(tmp_path / "a.xml", 20))
    for word in ("mill", "river", "painting", "landscape"):
        _counts(museum, SearchQuery(text=word))
    made = _counting(monkeypatch)
    _import(museum, write_lido(tmp_path / "b.xml", 20, variant="!"))
    assert made == [{"text": "landscape"}, {"text": "painting"}]
    with museum.app_context():
        kept = database(museum).session().scalars(select(SearchSummary.filters)).all()
    assert sorted(kept) == sorted(
        search_summaries.filters_key({"text": w}) for w in ("river", "painting", "landscape")
    )


def test_a_very_long_query_is_counted_but_not_stored(app: Flask) -> None:
    query = SearchQuery(text="mill " * 400)
    assert _counts(app, query)[0] == 0
    with app.app_context():
        assert database(app).session().scalars(select(SearchSummary)).all() == []
