"""Finding published objects: full-text search with facets, sorting and pages.

One interface over two engines: SQLite FTS5 on the embedded default and
PostgreSQL full-text search on PostgreSQL (see :mod:`glampub.search.index` and
:mod:`glampub.search.sql`). Facet counts over the whole collection are the costly
part of a search page and the most asked for, so they are kept per data
version and reused until something is published, changed or withdrawn.
"""

from __future__ import annotations

import json
import threading
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session, selectinload

from glampub.languages import N_, SHIPPED_LANGUAGES
from glampub.models import ChangeEvent, CollectionObject, Institution
from glampub.rights import lookup
from glampub.rights.official import official_label
from glampub.search import estimates, keyset
from glampub.search import sql as search_sql
from glampub.search import summaries as search_summaries
from glampub.search.facet_labels import object_type_labels
from glampub.statuses import ObjectStatus
from importers.base import LangMap
from importers.object_types import label as pick_label

#: Each sort's name, marked for translation (the page translates it).
SORTS = {
    "relevance": N_("Best match"),
    "newest": N_("Recently published"),
    "date-asc": N_("Oldest first"),
    "date-desc": N_("Newest first"),
    "identifier": N_("Identifier"),
}
REUSE_CLASSES = ("free", "conditions", "permission")
FACET_LIMIT = 20
#: Matches ranked by relevance at most. Scoring every match is what a search
#: for a word in nearly every record spends its time on (a third of a second
#: for 100,000 on SQLite, seconds for a million on PostgreSQL), and among that
#: many the best match says little; beyond this the newest come first, and the
#: page says so.
RANKED_AT_MOST = 10_000
#: On PostgreSQL, matches are counted exactly up to this many; beyond, the
#: total and facet counts are estimated from a sample (see search/estimates.py)
#: and shown as "about". The site's setting is SEARCH_EXACT_COUNTS_UP_TO.
EXACT_COUNTS_UP_TO = 10_000


@dataclass(frozen=True)
class SearchQuery:
    text: str = ""
    institution: str | None = None
    reuse: str | None = None
    licence: str | None = None
    object_type: str | None = None
    creator: str | None = None
    date_from: int | None = None
    date_to: int | None = None
    sort: str = "relevance"
    page: int = 1
    page_size: int = 24

    def filters(self) -> dict[str, Any]:
        """The query without its page and order: what the facets depend on."""
        return {
            key: value
            for key, value in self.__dict__.items()
            if key not in ("sort", "page", "page_size") and value not in (None, "")
        }


@dataclass(frozen=True)
class FacetValue:
    value: str
    #: The name shown when ``labels`` has none in the reader's language.
    label: str
    count: int
    #: The value's names per language (object types, named per concept).
    labels: LangMap = field(default_factory=dict)


@dataclass(frozen=True)
class SearchResult:
    query: SearchQuery
    total: int
    objects: list[CollectionObject]
    facets: dict[str, list[FacetValue]] = field(default_factory=dict)
    #: Earliest and latest year among the matches (for the date range inputs).
    years: tuple[int | None, int | None] = (None, None)
    #: Best match was asked for, but there were too many matches to rank
    #: (see RANKED_AT_MOST): the newest come first.
    unranked: bool = False
    #: The total and facet counts are estimates (PostgreSQL, more matches
    #: than the exact-count threshold).
    estimated: bool = False

    @property
    def page(self) -> int:
        return self.query.page

    @property
    def page_size(self) -> int:
        return self.query.page_size

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.page_size))


def _filtered(
    session: Session,
    query: SearchQuery,
    *,
    skip: str | None = None,
    ranked: bool = False,
    objects: Any = CollectionObject,
) -> Select:
    """Published objects matching the query; ``skip`` leaves one facet's own
    filter out, so a facet keeps showing its other values once one is chosen;
    ``ranked`` keeps the text match's rank for ordering by it; ``objects`` is
    the table to select from (or a sample of it)."""
    dialect = session.get_bind().dialect.name
    stmt = select(objects.id).select_from(objects).where(objects.status == ObjectStatus.PUBLISHED)
    if query.text:
        stmt = search_sql.match_text(stmt, dialect, query.text, ranked=ranked, obj=objects)
    if query.institution and skip != "institution":
        stmt = stmt.where(
            objects.institution_id.in_(
                select(Institution.id).where(Institution.slug == query.institution)
            )
        )
    if query.reuse and skip != "reuse":
        stmt = stmt.where(objects.rights_reuse == query.reuse)
    if query.licence and skip != "licence":
        stmt = stmt.where(objects.rights_uri == query.licence)
    if query.object_type and skip != "object_type":
        stmt = stmt.where(search_sql.has_object_type(dialect, query.object_type, objects))
    if query.creator and skip != "creator":
        stmt = stmt.where(search_sql.has_creator(dialect, query.creator, objects))
    if query.date_from is not None:
        stmt = stmt.where(
            func.coalesce(objects.date_latest, objects.date_earliest) >= query.date_from
        )
    if query.date_to is not None:
        stmt = stmt.where(objects.date_earliest <= query.date_to)
    return stmt


def search(
    session: Session, query: SearchQuery, *, exact_up_to: int = EXACT_COUNTS_UP_TO
) -> SearchResult:
    """One page of matches, with the total and the facet counts; on PostgreSQL
    counts beyond ``exact_up_to`` matches are estimates."""
    query = replace(query, page=max(1, query.page), sort=_valid_sort(query))
    dialect = session.get_bind().dialect.name
    version = summary_version(session, exact_up_to)
    summary = _cached_summary(session, query, exact_up_to, version)
    unranked = query.sort == "relevance" and summary["total"] > RANKED_AT_MOST
    sort = "newest" if unranked else query.sort
    matches = _filtered(session, query, ranked=sort == "relevance")
    order = search_sql.order_by(dialect, sort, query.text, many=summary["estimated"])
    if keyset.applies(dialect, sort, summary["estimated"]):
        # Where this page's end is remembered: per database, data version, query and sort.
        key = (
            str(session.get_bind().url),
            version,
            search_summaries.filters_key(query.filters()),
            sort,
            query.page_size,
        )
        ids = keyset.page_ids(session, matches, order, sort, key, query.page, query.page_size)
    else:
        ids = list(
            session.scalars(
                matches.order_by(*order)
                .offset((query.page - 1) * query.page_size)
                .limit(query.page_size)
            )
        )
    objects = {
        obj.id: obj
        for obj in session.scalars(
            select(CollectionObject)
            .where(CollectionObject.id.in_(ids))
            .options(
                selectinload(CollectionObject.images), selectinload(CollectionObject.institution)
            )
        )
    }
    return SearchResult(
        query=query,
        total=summary["total"],
        objects=[objects[i] for i in ids if i in objects],
        facets=summary["facets"],
        years=summary["years"],
        unranked=unranked,
        estimated=summary["estimated"],
    )


def _valid_sort(query: SearchQuery) -> str:
    if query.sort not in SORTS or (query.sort == "relevance" and not query.text):
        return "relevance" if query.text else "newest"
    return query.sort


FACETS = ("institution", "reuse", "licence", "object_type", "creator")


def _summary(
    session: Session, query: SearchQuery, exact_up_to: int = EXACT_COUNTS_UP_TO
) -> dict[str, Any]:
    """The total, facet counts and years of the matches."""
    if session.get_bind().dialect.name == "postgresql":
        return _summary_postgresql(session, query, exact_up_to)
    dialect = session.get_bind().dialect.name
    matches = _filtered(session, query)
    total, first_year, last_year = session.execute(
        matches.with_only_columns(
            func.count(),
            func.min(CollectionObject.date_earliest),
            func.max(CollectionObject.date_latest),
        )
    ).one()
    facets: dict[str, list[FacetValue]] = {}
    for name in FACETS:
        own = _filtered(session, query, skip=name)
        rows = session.execute(search_sql.facet_counts(dialect, name, own, FACET_LIMIT)).all()
        facets[name] = _labelled(session, name, [(str(v), int(c)) for v, c in rows if v])
    return {
        "total": total or 0,
        "facets": facets,
        "years": (first_year, last_year),
        "estimated": False,
    }


def _summary_postgresql(session: Session, query: SearchQuery, exact_up_to: int) -> dict[str, Any]:
    """As :func:`_summary`, in as few passes as the facets allow: one over the
    matches for the total and every facet whose own filter is not set, one more
    per facet whose filter is (it counts the matches without that filter).
    Each set of matches larger than ``exact_up_to`` is counted in a sample
    instead (see search/estimates.py)."""
    sampled: estimates.Sample | None = None

    def counted(skip: str | None, names: list[str]) -> tuple[list[Any], bool]:
        nonlocal sampled
        where: estimates.Sample | None = None
        matches = _filtered(session, query, skip=skip)
        if estimates.count_up_to(session, matches, exact_up_to) > exact_up_to:
            sampled = where = sampled or estimates.sample(session)
        objects = where.objects if where else CollectionObject
        rows = session.execute(
            search_sql.counts_at_once(
                _filtered(session, query, skip=skip, objects=objects), objects, names, FACET_LIMIT
            )
        ).all()
        if where:
            rows = [(f, v, estimates.about(n * where.scale), a, b) for f, v, n, a, b in rows]
        return rows, where is not None

    own = [name for name in FACETS if getattr(query, name) not in (None, "")]
    rows, estimated = counted(None, [name for name in FACETS if name not in own])
    for name in own:
        rows += [row for row in counted(name, [name])[0] if row[0] == name]
    counts: dict[str, list[tuple[str, int]]] = {}
    total, years = 0, (None, None)
    for facet, value, count, first, last in rows:
        if facet == "":
            total, years = count, (first, last)
        elif value:
            counts.setdefault(facet, []).append((str(value), int(count)))
    if estimated:
        # A sample may find fewer than the count up to the threshold did.
        total = max(total, exact_up_to + 1)
    return {
        "total": total,
        "facets": {name: _labelled(session, name, counts.get(name, [])) for name in FACETS},
        "years": years,
        "estimated": estimated,
    }


def _labelled(session: Session, name: str, rows: list[tuple[str, int]]) -> list[FacetValue]:
    if name == "institution":
        names = dict(session.execute(select(Institution.slug, Institution.name)).all())
        return [FacetValue(v, names.get(v, v), c) for v, c in rows]
    if name == "licence":
        return [FacetValue(v, _licence_label(v), c, _licence_labels(v)) for v, c in rows]
    if name == "reuse":
        order = {key: n for n, key in enumerate(REUSE_CLASSES)}
        return sorted((FacetValue(v, v, c) for v, c in rows), key=lambda f: order.get(f.value, 9))
    if name == "object_type":
        labels = object_type_labels(session, [v for v, _ in rows])
        return [FacetValue(v, pick_label(labels[v], "en", v), c, labels[v]) for v, c in rows]
    return [FacetValue(v, v, c) for v, c in rows]


def _licence_label(uri: str) -> str:
    term = lookup(uri)
    return term.label if term else uri


def _licence_labels(uri: str) -> LangMap:
    """The licence's official label in each shipped language that has one."""
    term = lookup(uri)
    if term is None:
        return {}
    labels: LangMap = {"en": [term.label]}
    for language in SHIPPED_LANGUAGES:
        if language != "en" and (label := official_label(term.uri, language)):
            labels[language] = [label]
    return labels


class _SummaryCache:
    """Totals and facets per (database, data version, filters); small and bounded."""

    SIZE = 256

    def __init__(self) -> None:
        self._items: OrderedDict[tuple[Any, ...], dict[str, Any]] = OrderedDict()
        self._lock = threading.Lock()
        self._computing: dict[tuple[Any, ...], threading.Lock] = {}

    def get(self, key: tuple[Any, ...]) -> dict[str, Any] | None:
        with self._lock:
            value = self._items.get(key)
            if value is not None:
                self._items.move_to_end(key)
            return value

    def put(self, key: tuple[Any, ...], value: dict[str, Any]) -> None:
        with self._lock:
            self._items[key] = value
            while len(self._items) > self.SIZE:
                self._items.popitem(last=False)

    def get_or_compute(
        self, key: tuple[Any, ...], compute: Callable[[], dict[str, Any]]
    ) -> dict[str, Any]:
        """The cached summary, computed by one thread at a time per key.

        Right after a large publish every search misses the cache at once; if
        each of a worker's threads counted the facets afresh, they would all
        recount the same thing and keep the other requests (tiles, manifests)
        waiting for the processor. So the first thread counts and the others
        for the same key wait for its answer.
        """
        value = self.get(key)
        if value is not None:
            return value
        with self._lock:
            computing = self._computing.setdefault(key, threading.Lock())
        try:
            with computing:
                value = self.get(key)
                if value is None:
                    value = compute()
                    self.put(key, value)
                return value
        finally:
            with self._lock:
                if self._computing.get(key) is computing and not computing.locked():
                    del self._computing[key]


_CACHE = _SummaryCache()
#: Where result pages end, so that the next page seeks (see search/keyset.py).


def data_version(session: Session) -> tuple[Any, ...]:
    """Changes whenever what search shows could change: every publication,
    update and withdrawal writes a change event, and every edit of an
    institution bumps its revision."""
    last_event = session.scalar(select(func.max(ChangeEvent.id)))
    revisions = session.execute(
        select(func.count(Institution.id), func.sum(Institution.revision))
    ).one()
    return (last_event, revisions[0], revisions[1])


def summary_version(session: Session, exact_up_to: int = EXACT_COUNTS_UP_TO) -> str:
    """What stored counts are tagged with: the data version, and the threshold
    they were counted with (counts made with another one are other counts)."""
    return search_summaries.version_key((*data_version(session), exact_up_to))


def _cached_summary(
    session: Session, query: SearchQuery, exact_up_to: int, version: str
) -> dict[str, Any]:
    """The query's counts at ``version`` (see summary_version): from this
    process's memory, else as stored in the database (see search_summaries),
    else counted now and stored."""
    engine = session.get_bind()
    filters = search_summaries.filters_key(query.filters())

    def stored_or_counted() -> dict[str, Any]:
        stored = search_summaries.load(session, filters, version)
        if stored is not None:
            return _decode(stored)
        summary = _summary(session, query, exact_up_to)
        search_summaries.store(engine, filters, version, _encode(summary))  # type: ignore[arg-type]
        return summary

    return _CACHE.get_or_compute((str(engine.url), version, filters), stored_or_counted)


def refresh_stored_summaries(session: Session, exact_up_to: int = EXACT_COUNTS_UP_TO) -> int:
    """Count again, in the caller's transaction (an import's, before its commit),
    the filters searched for most recently; how many were counted."""
    version = summary_version(session, exact_up_to)
    return search_summaries.refresh(
        session,
        version,
        lambda filters: _encode(_summary(session, SearchQuery(**filters), exact_up_to)),
    )


def _encode(summary: dict[str, Any]) -> str:
    facets = {
        name: [[f.value, f.label, f.count, f.labels] for f in values]
        for name, values in summary["facets"].items()
    }
    return json.dumps(
        {
            "total": summary["total"],
            "facets": facets,
            "years": summary["years"],
            "estimated": summary["estimated"],
        }
    )


def _decode(body: str) -> dict[str, Any]:
    data = json.loads(body)
    facets = {
        name: [FacetValue(*value) for value in values] for name, values in data["facets"].items()
    }
    return {
        "total": data["total"],
        "facets": facets,
        "years": tuple(data["years"]),
        "estimated": data["estimated"],
    }


def institution_counts(session: Session) -> list[tuple[Institution, int]]:
    rows = session.execute(
        select(Institution, func.count(CollectionObject.id))
        .outerjoin(
            CollectionObject,
            (CollectionObject.institution_id == Institution.id)
            & (CollectionObject.status == ObjectStatus.PUBLISHED),
        )
        .group_by(Institution.id)
        .order_by(Institution.name)
    )
    return [(inst, count) for inst, count in rows]


def recent_objects(session: Session, limit: int = 12) -> list[CollectionObject]:
    return list(
        session.scalars(
            select(CollectionObject)
            .where(CollectionObject.status == ObjectStatus.PUBLISHED)
            .order_by(CollectionObject.updated_at.desc(), CollectionObject.id.desc())
            .limit(limit)
            .options(
                selectinload(CollectionObject.images), selectinload(CollectionObject.institution)
            )
        )
    )
