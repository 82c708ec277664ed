"""What each image reference is and how far it got.

- ``image.reference_class``: for a URL reference, what it turned out to be
  (iiif-image, iiif-manifest, image-url, link, or url when not looked at);
  empty for a file of the export.
- ``image.state``: ``pending`` (not fetched yet) or ``failed``; empty when
  the image is available.
- ``image.state_reason``: why it failed, in words.
- ``image.remote``: a remote IIIF Image API service (id, type, profile,
  sizes) and the ETag/Last-Modified of what was fetched, for revalidation.

All are filled by the next import; local files keep them empty, so their
records' content hashes do not change.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-06
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_COLUMNS = (
    ("reference_class", sa.String(20)),
    ("state", sa.String(20)),
    ("state_reason", sa.Text()),
    ("remote", sa.JSON()),
)


def upgrade() -> None:
    # Checks first, as the earlier revisions do: a database adopted without an
    # alembic_version (made by create_all from these models) already has them.
    present = {column["name"] for column in sa.inspect(op.get_bind()).get_columns("image")}
    for name, kind in _COLUMNS:
        if name not in present:
            op.add_column("image", sa.Column(name, kind, nullable=True))


def downgrade() -> None:
    # In place on both databases (SQLite has ALTER TABLE … DROP COLUMN since 3.35).
    for name, _ in reversed(_COLUMNS):
        op.execute(f"ALTER TABLE image DROP COLUMN {name}")
