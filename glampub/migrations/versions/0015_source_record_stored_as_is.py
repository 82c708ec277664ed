"""PostgreSQL: store the source records out of line as they are, without compressing them again.

A source record is kept zstd-compressed (glampub.compressed_text): some
2 KB, which with the rest of a LIDO object's row passes the 2 KB at which
PostgreSQL moves a row's largest values out of line (TOAST). Before it does,
it tries to compress them with its own method (pglz), biggest first, and on
zstd's output that never gains anything. ``STORAGE EXTERNAL`` moves the value
out of line without that attempt. Measured with perf on a 50,000-record LIDO
import: pglz took 6.1% of the server's CPU before, 4.0% after (what is left
are its attempts on the row's other, smaller values). Values already stored
stay as they are; SQLite has no such setting.

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-07
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0015"
down_revision: str | None = "0014"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("ALTER TABLE collection_object ALTER COLUMN source_record SET STORAGE EXTERNAL")


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        # EXTENDED: what PostgreSQL gives a bytea column by default.
        op.execute("ALTER TABLE collection_object ALTER COLUMN source_record SET STORAGE EXTENDED")
