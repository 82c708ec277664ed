"""Drop the index on collection_object.institution_id alone.

The unique index on (institution_id, identifier) begins with the same column
and serves every lookup by institution, so the single-column one only cost
each imported object one more index entry to write. On PostgreSQL it also
misled the planner during a large import (see PlannerStatistics in
glampub.importing.staging): with statistics older than the import it
preferred it to the unique index, and compared identifiers row by row.

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-01
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.drop_index("ix_collection_object_institution_id", table_name="collection_object")


def downgrade() -> None:
    op.create_index("ix_collection_object_institution_id", "collection_object", ["institution_id"])
