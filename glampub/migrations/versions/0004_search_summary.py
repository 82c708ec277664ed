"""Keep search facet counts in the database, shared by every process.

After a large publish every search used to count its facets afresh in every
web worker at once; the counts now live in ``search_summary``, refreshed by the
import itself for the filters asked for most recently (see
glampub.search.summaries).

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-01
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    if sa.inspect(op.get_bind()).has_table("search_summary"):
        return
    op.create_table(
        "search_summary",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("filters", sa.String(1000), nullable=False, unique=True),
        sa.Column("version", sa.String(200), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("asked_at", sa.DateTime(timezone=True), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("search_summary")
