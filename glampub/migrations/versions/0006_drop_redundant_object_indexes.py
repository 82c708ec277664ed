"""Drop the single-column indexes on collection_object's status and rights.

Every query that filters or counts by ``status``, ``rights_reuse`` or
``rights_uri`` also asks for published objects (search, its facet counts) or
names the institution (the staff pages): the composite indexes
(status, updated_at), (status, rights_reuse), (status, rights_uri) and
(status, institution_id) of glampub.search.index, and the unique
(institution_id, identifier), serve all of them. The three single-column
indexes only cost every imported or changed object three more index entries:
measured with bench/storage_floor.py, an eighth of what SQLite spends storing
a CSV record.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-04
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

#: The indexes dropped, each with its column.
DROPPED = {
    "ix_collection_object_status": "status",
    "ix_collection_object_rights_reuse": "rights_reuse",
    "ix_collection_object_rights_uri": "rights_uri",
}


def upgrade() -> None:
    for name in DROPPED:
        op.drop_index(name, table_name="collection_object", if_exists=True)


def downgrade() -> None:
    for name, column in DROPPED.items():
        op.create_index(name, "collection_object", [column])
