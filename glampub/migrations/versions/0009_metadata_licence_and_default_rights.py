"""No metadata licence nobody gave; an import's default rights.

- ``institution.metadata_licence``: the licence of its metadata where a record
  states none (CC0 or CC BY 4.0); NULL, the default, is "not stated" and
  publishes none. Before, CC0 was claimed for every such record.
- ``import_run.default_rights`` and ``import_run.default_rights_by``: the
  rights an import gave its records that state none, and who gave them.

No row changes: ``collection_object.record_rights_uri`` now holds NULL for a
record that states no licence of its own and "needs-review" for one that
cannot be mapped, and the next import of a file stores that (a record stored
with CC0 by default, or NULL for an unmappable licence, publishes something
else than its re-import would, so the import updates it). Rewriting rows here
would change what their content hashes cover.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-06
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Checks first, as the earlier revisions do: a database adopted without an
    # alembic_version (made by create_all from these models) already has them.
    present = sa.inspect(op.get_bind())
    if "metadata_licence" not in {c["name"] for c in present.get_columns("institution")}:
        op.add_column("institution", sa.Column("metadata_licence", sa.String(200), nullable=True))
    runs = {c["name"] for c in present.get_columns("import_run")}
    if "default_rights" not in runs:
        op.add_column("import_run", sa.Column("default_rights", sa.String(200), nullable=True))
    if "default_rights_by" not in runs:
        op.add_column("import_run", sa.Column("default_rights_by", sa.String(300), nullable=True))


def downgrade() -> None:
    # In place on both databases (SQLite has ALTER TABLE … DROP COLUMN since 3.35).
    op.execute("ALTER TABLE import_run DROP COLUMN default_rights_by")
    op.execute("ALTER TABLE import_run DROP COLUMN default_rights")
    op.execute("ALTER TABLE institution DROP COLUMN metadata_licence")
