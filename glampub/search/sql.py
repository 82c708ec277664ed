"""The SQL that differs between SQLite and PostgreSQL in search.

Full-text matching and ranking (FTS5 ``MATCH``/``rank`` against PostgreSQL
``@@``/``ts_rank``); the facets read the ``object_facet`` table that triggers
fill on both databases.
"""

from __future__ import annotations

import re
from typing import Any

from sqlalchemy import (
    ColumnElement,
    CompoundSelect,
    Select,
    String,
    column,
    false,
    func,
    literal_column,
    select,
    table,
    true,
    union_all,
)

from glampub.models import CollectionObject, Institution
from glampub.search.index import PG_CONFIG

#: Words of a query that count; the rest are ignored (a query is typed by a person).
MAX_TERMS = 12
_WORD = re.compile(r"\w+")
_FTS = table("object_fts", column("rowid"), column("rank"), column("object_fts"))
_PG_CONFIG = literal_column(f"'{PG_CONFIG}'::regconfig")
_PG_SEARCH = table("object_search", column("object_id"), column("tsv"))
#: Filled by triggers (see glampub.search.index): object types and creator names, one row each.
_FACETS = table("object_facet", column("object_id"), column("kind"), column("value"))


def fts5_query(text: str) -> str | None:
    """Every word, as a quoted prefix term: user input never reaches FTS5 syntax."""
    terms = _WORD.findall(text.lower())[:MAX_TERMS]
    return " ".join(f'"{term}"*' for term in terms) or None


def tsquery(text: str) -> str | None:
    """Every whitespace-separated word as a quoted prefix lexeme, ANDed."""
    words = text.split()[:MAX_TERMS]
    quoted = ["'" + w.replace("\\", "\\\\").replace("'", "''") + "':*" for w in words]
    return " & ".join(quoted) or None


def match_text(
    stmt: Select, dialect: str, text: str, *, ranked: bool = False, obj: Any = CollectionObject
) -> Select:
    """``stmt`` narrowed to the objects matching ``text``; ``ranked`` makes the
    match's rank available to :func:`order_by` (it costs: every match is scored);
    ``obj`` is the objects' table or an alias of it (a sample, see search/estimates.py)."""
    if dialect == "sqlite":
        query = fts5_query(text)
        if query is None:
            return stmt.where(false())
        if not ranked:
            # The matching rowids, collected once (the subquery is not correlated):
            # SQLite then walks collection_object in the order asked for and stops
            # at the page's end. Scoring 100,000 matches to ignore the score cost
            # 15 times as much.
            return stmt.where(
                CollectionObject.id.in_(
                    select(_FTS.c.rowid).where(_FTS.c.object_fts.op("MATCH")(query))
                )
            )
        # Materialised once per statement: joined directly, SQLite may drive the
        # join from collection_object and run the MATCH once per row.
        matches = (
            select(_FTS.c.rowid.label("rowid"), _FTS.c.rank.label("rank"))
            .where(_FTS.c.object_fts.op("MATCH")(query))
            .cte("fts_matches")
            .prefix_with("MATERIALIZED")
        )
        return stmt.join(matches, matches.c.rowid == CollectionObject.id)
    if dialect == "postgresql":
        query = tsquery(text)
        if query is None:
            return stmt.where(false())
        if obj is not CollectionObject:
            # A sample (a few thousand rows): each row's vector fetched by its
            # id. Joined, the planner read every vector of the table, matched
            # it and hashed the matches, for a word in every record the
            # whole index's worth.
            vector = (
                select(_PG_SEARCH.c.tsv).where(_PG_SEARCH.c.object_id == obj.id).scalar_subquery()
            )
            return stmt.where(vector.op("@@")(func.to_tsquery(_PG_CONFIG, query)))
        return stmt.join(_PG_SEARCH, _PG_SEARCH.c.object_id == obj.id).where(
            _PG_SEARCH.c.tsv.op("@@")(func.to_tsquery(_PG_CONFIG, query))
        )
    # Any other database: every word must appear somewhere in the text.
    for word in text.lower().split()[:MAX_TERMS]:
        escaped = word.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        stmt = stmt.where(CollectionObject.search_text.like(f"%{escaped}%", escape="\\"))
    return stmt


def order_by(dialect: str, sort: str, text: str, *, many: bool = True) -> list[ColumnElement[Any]]:
    """The ORDER BY of a page; "relevance" needs the statement matched with ``ranked``.
    ``many``: the matches are too many to count exactly, so the page walks a sort
    index (PostgreSQL); a few are better found first and then sorted."""
    tie = CollectionObject.id.desc()
    if sort == "relevance" and text:
        if dialect == "sqlite" and fts5_query(text):
            return [literal_column("fts_matches.rank"), tie]
        if dialect == "postgresql" and tsquery(text):
            query = func.to_tsquery(_PG_CONFIG, tsquery(text))
            return [func.ts_rank(_PG_SEARCH.c.tsv, query).desc(), tie]
    if dialect == "postgresql" and many:
        # The same orders as below, spelled as the partial indexes of
        # search/index.py are, so that a page walks one and stops at its end.
        # Spelled otherwise for a few matches: the planner, misjudging how
        # many a rare word has, walked the whole index for one match.
        if sort == "date-asc":
            return [CollectionObject.date_earliest.asc().nulls_last(), tie]
        if sort == "date-desc":
            return [CollectionObject.date_earliest.desc().nulls_last(), tie]
    if sort == "date-asc":
        return [CollectionObject.date_earliest.is_(None), CollectionObject.date_earliest, tie]
    if sort == "date-desc":
        return [
            CollectionObject.date_earliest.is_(None),
            CollectionObject.date_earliest.desc(),
            tie,
        ]
    if sort == "identifier":
        return [CollectionObject.identifier, tie]
    return [CollectionObject.updated_at.desc(), tie]


def _has_facet(kind: str, value: str, obj: Any) -> ColumnElement[bool]:
    return obj.id.in_(
        select(_FACETS.c.object_id).where(_FACETS.c.kind == kind, _FACETS.c.value == value)
    )


def has_object_type(dialect: str, value: str, obj: Any = CollectionObject) -> ColumnElement[bool]:
    return _has_facet("object_type", value, obj)


def has_creator(dialect: str, value: str, obj: Any = CollectionObject) -> ColumnElement[bool]:
    return _has_facet("creator", value, obj)


def facet_counts(
    dialect: str, name: str, matches: Select, limit: int, obj: Any = CollectionObject
) -> Select:
    """(value, count) rows of one facet over ``matches`` (the filtered select of
    object ids), grouped in the same statement: an ``id IN (…)`` over a
    subquery of 100,000 ids cost more than the counting itself. ``obj`` is
    the table ``matches`` selects from (or its alias)."""
    count: Any = func.count()
    if name == "institution":
        value: Any = Institution.slug
        stmt = matches.join(Institution, Institution.id == obj.institution_id)
    elif name in ("reuse", "licence"):
        value = obj.rights_reuse if name == "reuse" else obj.rights_uri
        stmt = matches
    else:
        # One row per (object, value): the triggers that fill the table keep them distinct.
        value = _FACETS.c.value
        stmt = matches.join(_FACETS, _FACETS.c.object_id == obj.id).where(_FACETS.c.kind == name)
    return (
        stmt.with_only_columns(value.label("value"), count.label("n"))
        .where(value.is_not(None))
        .group_by(value)
        .order_by(count.desc(), value)
        .limit(limit)
    )


def counts_at_once(matches: Select, obj: Any, names: list[str], limit: int) -> CompoundSelect:
    """One statement for PostgreSQL counting ``matches`` (a select from ``obj``)
    and the facets ``names`` over them: rows of (facet, value, count, first
    year, last year), the facet "" being the total and its years.

    The matching rows are read once, into a materialised CTE, and every count
    groups those: counting each facet in a statement of its own read the
    matches (and joined the text index) six times, most of a first search's
    time."""
    rows = (
        matches.with_only_columns(
            obj.id.label("id"),
            obj.institution_id.label("institution_id"),
            obj.rights_reuse.label("reuse"),
            obj.rights_uri.label("licence"),
            obj.date_earliest.label("date_earliest"),
            obj.date_latest.label("date_latest"),
        )
        .cte("matched")
        .prefix_with("MATERIALIZED")
    )
    none = literal_column("NULL")
    parts = [
        select(
            literal_column("''").label("facet"),
            none.label("value"),
            func.count().label("n"),
            func.min(rows.c.date_earliest).label("first"),
            func.max(rows.c.date_latest).label("last"),
        ).select_from(rows)
    ]
    for name in names:
        if name == "institution":
            value: Any = Institution.slug
            source: Any = rows.join(Institution, Institution.id == rows.c.institution_id)
            where: Any = value.is_not(None)
        elif name in ("reuse", "licence"):
            value, source, where = rows.c[name], rows, rows.c[name].is_not(None)
        else:
            # Each match's values looked up by its id in object_facet_by_object
            # (OFFSET 0 keeps the planner from making this a join): joined, it
            # hashed the whole facet table, two rows per object, to count a
            # few thousand matches.
            values = (
                select(_FACETS.c.value)
                .where(_FACETS.c.object_id == rows.c.id, _FACETS.c.kind == name)
                .offset(0)
                .lateral(f"values_{name}")
            )
            value = values.c.value
            source = rows.join(values, true())
            where = true()
        count: Any = func.count()
        grouped = (
            select(value.label("value"), count.label("n"))
            .select_from(source)
            .where(where)
            .group_by(value)
            .order_by(count.desc(), value)
            .limit(limit)
            .subquery(f"facet_{name}")
        )
        parts.append(
            select(
                literal_column(f"'{name}'").label("facet"),
                grouped.c.value.cast(String).label("value"),
                grouped.c.n,
                none.label("first"),
                none.label("last"),
            ).select_from(grouped)
        )
    return union_all(*parts)
