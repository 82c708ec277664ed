"""Search result pages by key-set (glampub.search.keyset): page N read after
where page N-1 ended, or walked to from the nearest page whose end is known,
is the page OFFSET gives, for every sort, through ties and NULLs, on both
databases."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import insert, select, update

from glampub.models import ChangeEvent, CollectionObject, Institution
from glampub.search import keyset
from glampub.search import query as search_query
from glampub.search import sql as search_sql
from glampub.search.query import SearchQuery, search
from tests.conftest import database

OBJECTS = 240
PAGE = 7  # odd, so pages end inside runs of equal years and timestamps
SORTS = sorted(keyset.SORT_KEYS)
#: Filters the walk is tried with: none, a word in half the objects, a facet.
FILTERS = [SearchQuery(), SearchQuery(text="mill"), SearchQuery(reuse="free")]


@pytest.fixture
def collection(app: Flask) -> Flask:
    """Objects in two museums, tied everywhere a sort can tie: five years and no
    year for every sixth, three timestamps, identifiers repeated across the
    museums; every ninth withdrawn."""
    now = datetime(2026, 3, 1, 12, 0, 0, 123456, tzinfo=UTC)
    with database(app).transaction() as session:
        museums = [Institution(slug=f"m{n}", name=f"Museum {n}") for n in range(2)]
        session.add_all(museums)
        session.flush()
        rows = []
        for n in range(OBJECTS):
            words = ["mill"] if n % 2 else ["river"]
            year = None if n % 6 == 0 else 1800 + (n * 7) % 5
            rows.append(
                {
                    "institution_id": museums[n % 2].id,
                    "identifier": f"OBJ-{n // 2:03d}",
                    "title": {"en": [" ".join(words)]},
                    "date_earliest": year,
                    "date_latest": year,
                    "rights_uri": "http://creativecommons.org/publicdomain/zero/1.0/",
                    "rights_reuse": "free" if n % 3 else "permission",
                    "rights_status": "mapped",
                    "search_text": " ".join(words),
                    "content_hash": f"{n:064d}",
                    "status": "withdrawn" if n % 9 == 4 else "published",
                    "created_at": now,
                    "updated_at": now - timedelta(seconds=(n * 5) % 3),
                }
            )
        session.execute(insert(CollectionObject), rows)
        session.add(
            ChangeEvent(institution_id=museums[0].id, object_id=1, kind="Create", revision=1)
        )
    return app


def _expected(app: Flask, query: SearchQuery, sort: str) -> list[int]:
    """Every match's id in the sort's order, sorted here from the rows themselves:
    the column, NULLs last in both directions, then the id descending."""
    key = keyset.SORT_KEYS[sort]
    with app.app_context():
        session = database(app).session()
        rows = session.execute(search_query._filtered(session, query).add_columns(key.column)).all()
    present = sorted(
        (row for row in rows if row[1] is not None), key=lambda row: -row[0]
    )  # ties: id descending
    present.sort(key=lambda row: row[1], reverse=key.descending)  # stable: ties keep id order
    return [row[0] for row in present] + [
        row[0] for row in sorted((r for r in rows if r[1] is None), key=lambda r: -r[0])
    ]


def _offset_page(app: Flask, query: SearchQuery, sort: str, page: int, many: bool) -> list[int]:
    with app.app_context():
        session = database(app).session()
        dialect = session.get_bind().dialect.name
        order = search_sql.order_by(dialect, sort, query.text, many=many)
        return list(
            session.scalars(
                search_query._filtered(session, query)
                .order_by(*order)
                .offset((page - 1) * PAGE)
                .limit(PAGE)
            )
        )


def _walk(
    app: Flask, query: SearchQuery, sort: str, after: Any, skip: int, many: bool
) -> keyset.Walked:
    with app.app_context():
        session = database(app).session()
        dialect = session.get_bind().dialect.name
        return keyset.walk(
            session,
            search_query._filtered(session, query),
            search_sql.order_by(dialect, sort, query.text, many=many),
            sort,
            after,
            skip=skip,
            take=PAGE,
        )


@pytest.mark.parametrize("many", [True, False], ids=["index-order", "sorted-order"])
@pytest.mark.parametrize("sort", SORTS)
def test_every_page_by_key_set_is_the_page_by_offset(
    collection: Flask, sort: str, many: bool
) -> None:
    """Each page read after the end of the one before equals OFFSET's page and
    the order sorted here; so does a jump to each page from the first row, and
    a jump of a few pages from any page's end (through runs of ties into the
    NULLs, where a range ends before the rows to skip do)."""
    for query in FILTERS:
        expected = _expected(collection, query, sort)
        pages = -(-len(expected) // PAGE)
        assert pages > 5
        after = None
        for page in range(1, pages + 2):
            want = expected[(page - 1) * PAGE : page * PAGE]
            assert _offset_page(collection, query, sort, page, many) == want, (query, page)
            jumped = _walk(collection, query, sort, None, skip=(page - 1) * PAGE, many=many)
            assert jumped.ids == want, (query, page)
            if page > pages:
                break
            walked = _walk(collection, query, sort, after, skip=0, many=many)
            assert walked.ids == want, (query, page)
            if len(want) == PAGE:
                after = walked.end
                assert after is not None and after[1] == want[-1]
                assert jumped.end == after
            else:
                assert walked.end is None
        # From any page's end, a jump of some pages lands where OFFSET does.
        ends = [
            _walk(collection, query, sort, None, skip=n * PAGE, many=many).end for n in range(pages)
        ]
        for start in range(0, pages - 1, 3):
            for ahead in (1, 2, 5):
                got = _walk(
                    collection, query, sort, ends[start], skip=(ahead - 1) * PAGE, many=many
                )
                first = (start + ahead) * PAGE
                assert got.ids == expected[first : first + PAGE], (query, start, ahead)


def test_a_position_with_no_value_seeks_among_the_nulls(collection: Flask) -> None:
    """Objects without a year come last; a page ending among them goes on among them."""
    query = SearchQuery()
    for sort in ("date-asc", "date-desc"):
        expected = _expected(collection, query, sort)
        undated = [i for i in expected if _year(collection, i) is None]
        first_undated = expected.index(undated[0])
        after = (None, undated[1])
        walked = _walk(collection, query, sort, after, skip=0, many=True)
        assert walked.ids == expected[first_undated + 2 : first_undated + 2 + PAGE]


def _year(app: Flask, object_id: int) -> int | None:
    with app.app_context():
        session = database(app).session()
        return session.scalar(
            select(CollectionObject.date_earliest).where(CollectionObject.id == object_id)
        )


def _search_ids(app: Flask, query: SearchQuery) -> list[int]:
    with app.app_context():
        # A threshold below the matches: on PostgreSQL the counts are sampled
        # and the pages walk sort indexes by key-set.
        result = search(database(app).session(), query, exact_up_to=10)
        return [o.id for o in result.objects]


@pytest.mark.parametrize("sort", SORTS)
def test_search_pages_in_any_order_are_the_offset_pages(collection: Flask, sort: str) -> None:
    """Through search(): a deep page first (a walk), then pages before and after it
    (seeks from the ends noted), then the first ones; every one is OFFSET's page."""
    keyset.PAGE_ENDS.clear()
    query = SearchQuery(text="mill", sort=sort, page_size=PAGE)
    expected = _expected(collection, query, sort)
    pages = -(-len(expected) // PAGE)
    for page in (9, 8, 10, 11, pages, pages + 1, 1, 2, 3, 12):
        got = _search_ids(
            collection, SearchQuery(text="mill", sort=sort, page=page, page_size=PAGE)
        )
        assert got == expected[(page - 1) * PAGE : page * PAGE], page


def test_remembered_page_ends_belong_to_one_data_version(collection: Flask) -> None:
    """After a change, pages are found again, not sought from where they ended before."""
    keyset.PAGE_ENDS.clear()
    query = SearchQuery(sort="newest", page=4, page_size=PAGE)
    before = _search_ids(collection, query)
    assert before == _expected(collection, query, "newest")[3 * PAGE : 4 * PAGE]
    # An object of page 5 becomes the newest of all: page 4 moves by one.
    moved = _expected(collection, query, "newest")[4 * PAGE + 1]
    with database(collection).transaction() as session:
        session.execute(
            update(CollectionObject)
            .where(CollectionObject.id == moved)
            .values(updated_at=datetime(2030, 1, 1, tzinfo=UTC))
        )
        museum = session.scalar(select(Institution.id).limit(1))
        session.add(ChangeEvent(institution_id=museum, object_id=moved, kind="Update", revision=2))
    after = _search_ids(collection, query)
    expected = _expected(collection, query, "newest")
    assert expected[0] == moved
    assert after == expected[3 * PAGE : 4 * PAGE] != before


def test_page_ends_are_found_nearest_first_and_kept_within_a_bound(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    ends = keyset.PageStarts()
    assert ends.nearest("q", 5) == (0, None)
    ends.note("q", {2: ("b", 20), 3: ("c", 30), 7: ("g", 70)})
    assert ends.nearest("q", 4) == (3, ("c", 30))  # the page before: a seek
    assert ends.nearest("q", 7) == (3, ("c", 30))  # the nearest before: a walk from there
    assert ends.nearest("q", 8) == (7, ("g", 70))
    assert ends.nearest("q", 2) == (0, None)
    monkeypatch.setattr(keyset.PageStarts, "POSITIONS", 4)
    ends.note("other", {1: ("a", 1)})
    ends.note("third", {1: ("a", 1)})  # five positions: the least recently used query goes
    assert ends.nearest("q", 4) == (0, None)
    assert ends.nearest("other", 2) == (1, ("a", 1))
