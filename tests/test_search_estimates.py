"""Counts of a search: exact up to a threshold, estimated from a sample beyond it
on PostgreSQL (shown as "about N"), always exact on SQLite; sorting and pages
the same on both databases."""

from __future__ import annotations

import random
import re
from datetime import UTC, datetime, timedelta

import pytest
from flask import Flask
from sqlalchemy import insert, select, text

import glampub.search.estimates as estimates
from glampub.models import ChangeEvent, CollectionObject, Institution
from glampub.search.query import SearchQuery, search
from tests.conftest import database

OBJECTS = 3000
CREATORS = ("Becker, Maria", "Vogel, Otto", "Roth, Clara")


@pytest.fixture
def collection(app: Flask) -> Flask:
    """OBJECTS published objects: every one says "mill", one in three "river",
    one in a thousand "heron"; three creators; a year for all but every tenth."""
    rng = random.Random(5)
    now = datetime.now(UTC)
    with database(app).transaction() as session:
        museum = Institution(slug="museum", name="Museum")
        session.add(museum)
        session.flush()
        rows = []
        for n in range(OBJECTS):
            words = ["mill", f"no{n}"]
            if n % 3 == 0:
                words.append("river")
            if n % 1000 == 7:
                words.append("heron")
            year = None if n % 10 == 0 else 1500 + rng.randint(0, 400)
            rows.append(
                {
                    "institution_id": museum.id,
                    "identifier": f"OBJ-{n:05d}",
                    "title": {"en": [" ".join(words)]},
                    "creators": [{"name": CREATORS[n % 3], "role": "artist"}],
                    "date_earliest": year,
                    "date_latest": year,
                    "object_type": {"en": ["painting" if n % 2 else "drawing"]},
                    "rights_uri": "http://creativecommons.org/publicdomain/zero/1.0/",
                    "rights_label": "CC0 1.0",
                    "rights_reuse": "free" if n % 4 else "permission",
                    "rights_status": "mapped",
                    "search_text": " ".join(words),
                    "content_hash": f"{n:064d}",
                    "status": "published",
                    "created_at": now,
                    "updated_at": now - timedelta(seconds=n % 500),
                }
            )
        session.execute(insert(CollectionObject), rows)
        session.add(ChangeEvent(institution_id=museum.id, object_id=1, kind="Create", revision=1))
    return app


def _search(app: Flask, query: SearchQuery, exact_up_to: int):  # type: ignore[no-untyped-def]
    with app.app_context():
        return search(database(app).session(), query, exact_up_to=exact_up_to)


def _on_postgresql(app: Flask) -> bool:
    return database(app).engine.dialect.name == "postgresql"


def test_counts_are_exact_up_to_the_threshold(collection: Flask) -> None:
    rare = _search(collection, SearchQuery(text="heron"), exact_up_to=10)
    assert (rare.total, rare.estimated) == (3, False)
    river = _search(collection, SearchQuery(text="river", reuse="free"), exact_up_to=OBJECTS)
    expected = sum(1 for n in range(OBJECTS) if n % 3 == 0 and n % 4)
    assert (river.total, river.estimated) == (expected, False)
    creators = {f.value: f.count for f in river.facets["creator"]}
    assert creators == {
        name: sum(1 for n in range(OBJECTS) if n % 3 == 0 and n % 4 and n % 3 == i)
        for i, name in enumerate(CREATORS)
        if any(n % 3 == 0 and n % 4 and n % 3 == i for n in range(OBJECTS))
    }
    # The reuse facet leaves out its own filter: it counts every "river".
    reuse = {f.value: f.count for f in river.facets["reuse"]}
    assert reuse == {
        "free": expected,
        "permission": sum(1 for n in range(OBJECTS) if n % 3 == 0 and n % 4 == 0),
    }


def test_beyond_the_threshold_postgresql_estimates_from_a_sample(
    collection: Flask, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A sample of a few pages, scaled up: near the truth, and said to be an estimate.
    SQLite counts exactly whatever the threshold."""
    # A few pages out of the table's, so the sample really is one.
    monkeypatch.setattr(estimates, "SAMPLE_PAGES", 40)
    every = _search(collection, SearchQuery(text="mill"), exact_up_to=100)
    river = _search(collection, SearchQuery(text="river"), exact_up_to=100)
    rare = _search(collection, SearchQuery(text="heron"), exact_up_to=100)
    assert (rare.total, rare.estimated) == (3, False)
    if not _on_postgresql(collection):
        assert (every.total, every.estimated) == (OBJECTS, False)
        assert (river.total, river.estimated) == (OBJECTS // 3, False)
        return
    assert every.estimated and river.estimated
    assert 0.6 * OBJECTS <= every.total <= 1.4 * OBJECTS
    assert 0.5 * OBJECTS / 3 <= river.total <= 1.5 * OBJECTS / 3
    assert every.total > 100 and river.total > 100
    types = {f.value: f.count for f in every.facets["object_type"]}
    assert set(types) == {"painting", "drawing"}
    assert all(0.5 * OBJECTS / 2 <= count <= 1.5 * OBJECTS / 2 for count in types.values())
    # The first page is the exact one, whatever the counts.
    exact = _search(collection, SearchQuery(text="river", sort="identifier"), exact_up_to=OBJECTS)
    sampled = _search(collection, SearchQuery(text="river", sort="identifier"), exact_up_to=100)
    assert [o.identifier for o in sampled.objects] == [o.identifier for o in exact.objects]
    assert exact.total == OBJECTS // 3 and not exact.estimated


def test_an_estimate_of_every_object_is_the_table_size(
    collection: Flask, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Scaled by the rows the sample holds, a search that matches every object is
    estimated at the collection's size, not a few per cent over it: the sample
    takes a few more or fewer pages than asked, and scaling by pages showed
    "about 310,000 results" in a collection of 300,000."""
    if not _on_postgresql(collection):
        pytest.skip("SQLite counts exactly: there is no estimate")
    monkeypatch.setattr(estimates, "SAMPLE_PAGES", 40)
    with collection.app_context():
        # As a large import leaves it: the table analysed.
        session = database(collection).session()
        session.execute(text("ANALYZE collection_object"))
        session.commit()
        sample = estimates.sample(session)
        pages = session.scalar(text("SELECT pg_relation_size('collection_object') / 8192"))
        by_pages = sum(1 for _ in session.scalars(select(sample.objects.id))) * pages / 40
    everything = _search(collection, SearchQuery(), exact_up_to=100)
    every = _search(collection, SearchQuery(text="mill"), exact_up_to=100)
    assert everything.estimated and every.estimated
    assert everything.total == every.total == OBJECTS
    # The old scaling, by pages, would not have said so for this sample.
    assert round(by_pages) != OBJECTS


def test_the_search_page_says_about(collection: Flask, monkeypatch: pytest.MonkeyPatch) -> None:
    client = collection.test_client()
    collection.config["SEARCH_EXACT_COUNTS_UP_TO"] = 100
    few = client.get("/search?q=heron").get_data(as_text=True)
    assert "3 results" in few and "about" not in few
    page = client.get("/search?q=mill").get_data(as_text=True)
    if _on_postgresql(collection):
        assert re.search(r"about \d,\d00 results", page)
        assert "(~" in page
    else:
        assert "3,000 results" in page and "about" not in page


@pytest.mark.parametrize("sort", ["newest", "date-asc", "date-desc", "identifier"])
def test_every_sort_pages_through_in_order(collection: Flask, sort: str) -> None:
    """Pages follow one another without gaps or repeats, objects without a year last."""
    seen: list[CollectionObject] = []
    for page in range(1, 4):
        result = _search(
            collection,
            SearchQuery(text="river", sort=sort, page=page, page_size=400),
            exact_up_to=10_000,
        )
        seen += result.objects
    assert len(seen) == OBJECTS // 3 == len({o.id for o in seen})
    if sort == "identifier":
        assert [o.identifier for o in seen] == sorted(o.identifier for o in seen)
    elif sort == "newest":
        keys = [(o.updated_at, o.id) for o in seen]
        assert keys == sorted(keys, reverse=True)
    else:
        dated = [o for o in seen if o.date_earliest is not None]
        assert seen[: len(dated)] == dated  # undated last, in both directions
        years = [o.date_earliest for o in dated]
        assert years == sorted(years, reverse=sort == "date-desc")
        ties = [(o.date_earliest, -o.id) for o in dated]
        assert ties == sorted(ties, key=lambda t: (t[0] if sort == "date-asc" else -t[0], t[1]))
