"""Image rights holders and the object's media type.

- ``image.rights_holder``: who holds the rights in one image (LIDO
  rightsResource/rightsHolder), which a CC BY credit must name and a canvas
  carries.
- ``collection_object.media_type``: the Europeana type (IMAGE, TEXT, 3D,
  SOUND, VIDEO) an export gives, kept apart from the object types.

Both are filled by the next import of a file (the mapping version changes).

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-06
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Checks first, as the earlier revisions do: a database adopted without an
    # alembic_version (made by create_all from these models) already has them.
    present = sa.inspect(op.get_bind())
    if "rights_holder" not in {column["name"] for column in present.get_columns("image")}:
        op.add_column("image", sa.Column("rights_holder", sa.String(500), nullable=True))
    objects = {column["name"] for column in present.get_columns("collection_object")}
    if "media_type" not in objects:
        op.add_column("collection_object", sa.Column("media_type", sa.String(20), nullable=True))


def downgrade() -> None:
    # In place on both databases (SQLite has ALTER TABLE … DROP COLUMN since 3.35).
    op.execute("ALTER TABLE collection_object DROP COLUMN media_type")
    op.execute("ALTER TABLE image DROP COLUMN rights_holder")
