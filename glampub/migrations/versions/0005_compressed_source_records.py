"""Keep source records compressed: binary on PostgreSQL.

A LIDO record is some 8 KB of XML, most of an object's row; glampub now
stores long source records as zstd frames (see glampub.compressed_text).
SQLite stores such bytes in its TEXT column as it is, so only PostgreSQL's
column changes type, to BYTEA, its rows kept as UTF-8 (read as they are; new
and changed records are written compressed).

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-01
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from glampub.compressed_text import unpack

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _column_type(bind: sa.Connection) -> sa.types.TypeEngine:
    columns = sa.inspect(bind).get_columns("collection_object")
    return next(c["type"] for c in columns if c["name"] == "source_record")


def upgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name != "postgresql" or isinstance(_column_type(bind), sa.LargeBinary):
        return  # SQLite, or a database made by models that already had it
    op.execute(
        "ALTER TABLE collection_object ALTER COLUMN source_record TYPE bytea "
        "USING convert_to(source_record, 'UTF8')"
    )


def downgrade() -> None:
    bind = op.get_bind()
    postgresql = bind.dialect.name == "postgresql"
    if postgresql:
        op.add_column("collection_object", sa.Column("source_text", sa.Text(), nullable=True))
    column = "source_text" if postgresql else "source_record"
    select = sa.text(
        "SELECT id, source_record FROM collection_object WHERE id > :last ORDER BY id LIMIT 1000"
    )
    update = sa.text(f"UPDATE collection_object SET {column} = :text WHERE id = :id")
    last = 0
    while rows := bind.execute(select, {"last": last}).all():
        bind.execute(update, [{"id": row.id, "text": unpack(row.source_record)} for row in rows])
        last = rows[-1].id
    if postgresql:
        op.drop_column("collection_object", "source_record")
        op.alter_column(
            "collection_object", "source_text", new_column_name="source_record", nullable=False
        )
