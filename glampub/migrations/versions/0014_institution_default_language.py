"""The institution's default interface language.

- ``institution.default_language``: the language its pages (public and staff)
  are shown in to a visitor whose browser asks for none glampub ships
  (``de``, ``nl``, ...); empty: English.

Revision ID: 0014
Revises: 0011
Create Date: 2026-12-06
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0014"
# After 0011 (main when this was written); 0012 and 0013 were given to other branches.
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Checked first, as the earlier revisions do: a database adopted without an
    # alembic_version (made by create_all from these models) already has it.
    present = {column["name"] for column in sa.inspect(op.get_bind()).get_columns("institution")}
    if "default_language" not in present:
        op.add_column("institution", sa.Column("default_language", sa.String(8), nullable=True))


def downgrade() -> None:
    # In place on both databases (SQLite has ALTER TABLE … DROP COLUMN since 3.35).
    op.execute("ALTER TABLE institution DROP COLUMN default_language")
