"""Revocable sessions and tokens, disabled accounts, an atomic login throttle.

- ``user_account.session_version``: the session cookie carries it (instead of
  a piece of the password hash) and every request checks it, so signing out,
  a password reset and disabling end sessions; ``disabled_at`` disables.
- ``api_token`` gains the institution it was made for, an expiry, its last
  use and its revocation. Tokens made before this revision are bound to their
  account's institution now and expire in 90 days, so automation keeps
  working while new tokens are made.
- ``login_counter`` replaces ``login_attempt``: one counter per account and
  address, counted up by one conditional statement, instead of rows counted
  by a read that concurrent attempts all passed at once. Counts in progress
  are not carried over (at worst an attacker gets one fresh window).

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-06
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

#: How long tokens made before this revision stay valid.
EXISTING_TOKENS_DAYS = 90


def upgrade() -> None:
    # Each step checks first, as the earlier revisions do: a database adopted
    # without an alembic_version (made by create_all from these models) already
    # has what this revision adds.
    present = sa.inspect(op.get_bind())
    accounts = {column["name"] for column in present.get_columns("user_account")}
    # Added in place (SQLite too): copying user_account, as a batch alteration
    # would, cannot drop the table that api_token and upload rows refer to.
    if "disabled_at" not in accounts:
        op.add_column("user_account", sa.Column("disabled_at", sa.DateTime(timezone=True)))
    if "session_version" not in accounts:
        op.add_column(
            "user_account",
            sa.Column("session_version", sa.Integer(), nullable=False, server_default="1"),
        )
    if "expires_at" not in {column["name"] for column in present.get_columns("api_token")}:
        _bind_and_expire_tokens()
    if present.has_table("login_attempt"):
        op.drop_index("ix_login_attempt_at", table_name="login_attempt")
        op.drop_index("ix_login_attempt_key", table_name="login_attempt")
        op.drop_table("login_attempt")
    if not present.has_table("login_counter"):
        op.create_table(
            "login_counter",
            sa.Column("key", sa.String(400), primary_key=True),
            sa.Column("window_start", sa.DateTime(timezone=True), nullable=False),
            sa.Column("failures", sa.Integer(), nullable=False),
        )
        op.create_index("ix_login_counter_window_start", "login_counter", ["window_start"])


def _bind_and_expire_tokens() -> None:
    with op.batch_alter_table("api_token") as batch:
        batch.add_column(sa.Column("institution_id", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("expires_at", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("last_used_at", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True))
    op.execute(
        sa.text(
            "UPDATE api_token SET expires_at = :expires, institution_id = "
            "(SELECT institution_id FROM user_account WHERE user_account.id = api_token.user_id)"
        ).bindparams(
            sa.bindparam(
                "expires",
                datetime.now(UTC) + timedelta(days=EXISTING_TOKENS_DAYS),
                type_=sa.DateTime(timezone=True),
            )
        )
    )
    with op.batch_alter_table("api_token") as batch:
        batch.alter_column("institution_id", existing_type=sa.Integer(), nullable=False)
        batch.alter_column("expires_at", existing_type=sa.DateTime(timezone=True), nullable=False)
        batch.create_foreign_key(
            "fk_api_token_institution_id", "institution", ["institution_id"], ["id"]
        )


def downgrade() -> None:
    op.drop_index("ix_login_counter_window_start", table_name="login_counter")
    op.drop_table("login_counter")
    op.create_table(
        "login_attempt",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("key", sa.String(400), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_login_attempt_at", "login_attempt", ["at"])
    op.create_index("ix_login_attempt_key", "login_attempt", ["key"])

    # Revoked and expired tokens, and those of disabled accounts, would work
    # again without these columns.
    op.execute(
        sa.text(
            "DELETE FROM api_token WHERE revoked_at IS NOT NULL OR expires_at <= :now"
            " OR user_id IN (SELECT id FROM user_account WHERE disabled_at IS NOT NULL)"
        ).bindparams(sa.bindparam("now", datetime.now(UTC), type_=sa.DateTime(timezone=True)))
    )
    with op.batch_alter_table("api_token") as batch:
        batch.drop_constraint("fk_api_token_institution_id", type_="foreignkey")
        batch.drop_column("revoked_at")
        batch.drop_column("last_used_at")
        batch.drop_column("expires_at")
        batch.drop_column("institution_id")
    # In place on both databases (SQLite has ALTER TABLE … DROP COLUMN since 3.35).
    op.execute("ALTER TABLE user_account DROP COLUMN session_version")
    op.execute("ALTER TABLE user_account DROP COLUMN disabled_at")
