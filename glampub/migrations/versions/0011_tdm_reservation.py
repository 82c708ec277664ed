"""An institution's text-and-data-mining reservation.

- ``institution.tdm_reservation``: publish the W3C TDM Reservation Protocol
  signals (``tdm-reservation: 1``) on its objects that may be in copyright;
  on (true) for every institution, the ones before this revision included.
- ``institution.tdm_policy``: the URL of its TDM policy, sent as
  ``tdm-policy``; NULL sends none.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-06
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Checks first, as the earlier revisions do: a database adopted without an
    # alembic_version (made by create_all from these models) already has them.
    present = {c["name"] for c in sa.inspect(op.get_bind()).get_columns("institution")}
    if "tdm_reservation" not in present:
        op.add_column(
            "institution",
            sa.Column("tdm_reservation", sa.Boolean(), nullable=False, server_default=sa.true()),
        )
    if "tdm_policy" not in present:
        op.add_column("institution", sa.Column("tdm_policy", sa.String(1000), nullable=True))


def downgrade() -> None:
    # In place on both databases (SQLite has ALTER TABLE … DROP COLUMN since 3.35).
    op.execute("ALTER TABLE institution DROP COLUMN tdm_policy")
    op.execute("ALTER TABLE institution DROP COLUMN tdm_reservation")
