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
    Select,
    column,
    false,
    func,
    literal_column,
    select,
    table,
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


def match_text(stmt: Select, dialect: str, text: str, *, ranked: bool = False) -> Select:
    """``stmt`` narrowed to the objects matching ``text``; ``ranked`` makes the
    match's rank available to :func:`order_by` (it costs: every match is scored)."""
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
        return stmt.join(_PG_SEARCH, _PG_SEARCH.c.object_id == CollectionObject.id).where(
            _PG_SEARCH.c.tsv.op("@@")(func.to_tsquery(_PG_CONFIG, query))
        )
    # Any other database: every word must appear somewhere in the text.
    for word in text.lower().split()[:MAX_TERMS]:
        escaped = word.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        stmt = stmt.where(CollectionObject.search_text.like(f"%{escaped}%", escape="\\"))
    return stmt


def order_by(dialect: str, sort: str, text: str) -> list[ColumnElement[Any]]:
    """The ORDER BY of a page; "relevance" needs the statement matched with ``ranked``."""
    tie = CollectionObject.id.desc()
    if sort == "relevance" and text:
        if dialect == "sqlite" and fts5_query(text):
            return [literal_column("fts_matches.rank"), tie]
        if dialect == "postgresql" and tsquery(text):
            query = func.to_tsquery(_PG_CONFIG, tsquery(text))
            return [func.ts_rank(_PG_SEARCH.c.tsv, query).desc(), tie]
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


def _has_facet(kind: str, value: str) -> ColumnElement[bool]:
    return CollectionObject.id.in_(
        select(_FACETS.c.object_id).where(_FACETS.c.kind == kind, _FACETS.c.value == value)
    )


def has_object_type(dialect: str, value: str) -> ColumnElement[bool]:
    return _has_facet("object_type", value)


def has_creator(dialect: str, value: str) -> ColumnElement[bool]:
    return _has_facet("creator", value)


def facet_counts(dialect: str, name: str, matches: Select, limit: int) -> Select:
    """(value, count) rows of one facet over ``matches`` (the filtered select of
    object ids), grouped in the same statement: an ``id IN (…)`` over a
    subquery of 100,000 ids cost more than the counting itself."""
    count: Any = func.count()
    if name == "institution":
        value: Any = Institution.slug
        stmt = matches.join(Institution, Institution.id == CollectionObject.institution_id)
    elif name in ("reuse", "licence"):
        value = CollectionObject.rights_reuse if name == "reuse" else CollectionObject.rights_uri
        stmt = matches
    else:
        # One row per (object, value): the triggers that fill the table keep them distinct.
        value = _FACETS.c.value
        stmt = matches.join(_FACETS, _FACETS.c.object_id == CollectionObject.id).where(
            _FACETS.c.kind == name
        )
    return (
        stmt.with_only_columns(value.label("value"), count.label("n"))
        .where(value.is_not(None))
        .group_by(value)
        .order_by(count.desc(), value)
        .limit(limit)
    )
