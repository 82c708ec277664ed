"""Harvests of image URLs: the job of each institution, and what it did to each image.

- ``image_harvest``: one row per harvest of an institution's image URLs
  (``glampub images harvest``, or after an import publishes): its status
  (running, done), how many references it set out to fetch, who runs it and
  when that runner was last seen (a killed harvest is resumed, not restarted).
- ``image_harvest_item``: one row per image reference a harvest has dealt
  with (fetched, unchanged after a 304, or failed with the reason), written
  with the image it changed: what a resumed harvest skips, and what the staff
  pages count and name.

Revision ID: 0012
Revises: 0010
Create Date: 2026-12-06
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # A database adopted without an alembic_version (create_all from these
    # models) already has the tables.
    present = set(sa.inspect(op.get_bind()).get_table_names())
    if "image_harvest" not in present:
        op.create_table(
            "image_harvest",
            sa.Column("id", sa.Integer(), primary_key=True),
            sa.Column(
                "institution_id", sa.Integer(), sa.ForeignKey("institution.id"), nullable=False
            ),
            sa.Column("status", sa.String(20), nullable=False),
            sa.Column("total", sa.Integer(), nullable=False),
            sa.Column("runner", sa.String(300), nullable=True),
            sa.Column("runner_seen_at", sa.DateTime(timezone=True), nullable=True),
            sa.Column("message", sa.Text(), nullable=True),
            sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
            sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        )
        op.create_index("ix_image_harvest_institution_id", "image_harvest", ["institution_id"])
    if "image_harvest_item" not in present:
        op.create_table(
            "image_harvest_item",
            sa.Column(
                "harvest_id",
                sa.Integer(),
                sa.ForeignKey("image_harvest.id", ondelete="CASCADE"),
                primary_key=True,
            ),
            sa.Column("image_id", sa.Integer(), primary_key=True),
            sa.Column("outcome", sa.String(20), nullable=False),
            sa.Column("record", sa.String(500), nullable=False),
            sa.Column("url", sa.String(2000), nullable=False),
            sa.Column("reason", sa.Text(), nullable=True),
        )


def downgrade() -> None:
    op.drop_table("image_harvest_item")
    op.drop_index("ix_image_harvest_institution_id", table_name="image_harvest")
    op.drop_table("image_harvest")
