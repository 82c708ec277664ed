"""Finding published objects: every word of the query must appear in the object's text.

A plain LIKE search over a lower-cased text column, good for a few thousand
objects; full-text indexes (SQLite FTS5, PostgreSQL) replace it behind this
same function.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session, selectinload

from glampub.models import CollectionObject, Institution


@dataclass(frozen=True)
class SearchResult:
    query: str
    total: int
    page: int
    page_size: int
    objects: list[CollectionObject]

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.page_size))


def _escape_like(term: str) -> str:
    return term.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _filtered(query: str, institution: str | None, reuse: str | None) -> Select:
    stmt = select(CollectionObject).where(CollectionObject.status == "published")
    for term in query.lower().split()[:10]:
        stmt = stmt.where(CollectionObject.search_text.like(f"%{_escape_like(term)}%", escape="\\"))
    if institution:
        stmt = stmt.join(Institution).where(Institution.slug == institution)
    if reuse:
        stmt = stmt.where(CollectionObject.rights_reuse == reuse)
    return stmt


def search(
    session: Session,
    query: str,
    *,
    institution: str | None = None,
    reuse: str | None = None,
    page: int = 1,
    page_size: int = 24,
) -> SearchResult:
    stmt = _filtered(query, institution, reuse)
    total = session.scalar(select(func.count()).select_from(stmt.subquery())) or 0
    page = max(1, page)
    objects = list(
        session.scalars(
            stmt.order_by(CollectionObject.updated_at.desc(), CollectionObject.id.desc())
            .offset((page - 1) * page_size)
            .limit(page_size)
            .options(
                selectinload(CollectionObject.images), selectinload(CollectionObject.institution)
            )
        )
    )
    return SearchResult(query, total, page, page_size, objects)


def institution_counts(session: Session) -> list[tuple[Institution, int]]:
    rows = session.execute(
        select(Institution, func.count(CollectionObject.id))
        .outerjoin(
            CollectionObject,
            (CollectionObject.institution_id == Institution.id)
            & (CollectionObject.status == "published"),
        )
        .group_by(Institution.id)
        .order_by(Institution.name)
    )
    return [(inst, count) for inst, count in rows]


def recent_objects(session: Session, limit: int = 12) -> list[CollectionObject]:
    return list(
        session.scalars(
            select(CollectionObject)
            .where(CollectionObject.status == "published")
            .order_by(CollectionObject.updated_at.desc(), CollectionObject.id.desc())
            .limit(limit)
            .options(
                selectinload(CollectionObject.images), selectinload(CollectionObject.institution)
            )
        )
    )
