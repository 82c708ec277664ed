"""Record who runs an upload's job, and when that runner was last seen.

A preview or publish whose process died (a killed web process, a lost RQ
worker) used to stay "previewing" or "publishing" for ever. With the runner
and its last heartbeat stored, a job whose runner is gone is found and marked
failed (see glampub.jobs.runner).

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-01
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # A database adopted by the first revision may have been made by a glampub
    # whose models already had these columns; add only what is missing.
    present = {column["name"] for column in sa.inspect(op.get_bind()).get_columns("upload")}
    wanted = [
        sa.Column("runner", sa.String(300), nullable=True),
        sa.Column("runner_seen_at", sa.DateTime(timezone=True), nullable=True),
    ]
    missing = [column for column in wanted if column.name not in present]
    if missing:
        with op.batch_alter_table("upload") as batch:
            for column in missing:
                batch.add_column(column)


def downgrade() -> None:
    with op.batch_alter_table("upload") as batch:
        batch.drop_column("runner_seen_at")
        batch.drop_column("runner")
