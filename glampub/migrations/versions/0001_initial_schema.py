"""The schema of glampub 0.1: the first revision, and the adoption of older databases.

A new database gets every table. A database made before glampub had
migrations (by ``create_all``, then the additive column step) has some or all
of them: only what is missing is created, and the columns an older glampub did
not have yet are added with their defaults. Either way it ends as this
revision's schema, with the search index beside it.

The tables are written out here, not taken from glampub.models, so that this
revision stays what it is when the models move on.

Revision ID: 0001
Revises:
Create Date: 2026-12-01
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from glampub.db import add_missing_columns
from glampub.search.index import create_search_index, drop_search_index

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    bind = op.get_bind()
    schema = _schema()
    schema.create_all(bind)  # checkfirst: an older database keeps its tables
    add_missing_columns(bind, schema)
    present = sa.inspect(bind)
    for table in schema.sorted_tables:
        names = {index["name"] for index in present.get_indexes(table.name)}
        for index in table.indexes:
            if index.name not in names:
                index.create(bind)
    create_search_index(bind)


def downgrade() -> None:
    bind = op.get_bind()
    drop_search_index(bind)
    _schema().drop_all(bind)


def _schema() -> sa.MetaData:
    metadata = sa.MetaData()
    sa.Table(
        "document_cache",
        metadata,
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=300), nullable=False),
        sa.Column("base_url", sa.String(length=500), nullable=False),
        sa.Column("version", sa.String(length=200), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("etag", sa.String(length=80), nullable=False),
        sa.Column("built_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("key", "base_url"),
    )
    sa.Table(
        "institution",
        metadata,
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("slug", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=300), nullable=False),
        sa.Column("homepage", sa.String(length=1000), nullable=True),
        sa.Column("logo_path", sa.String(length=500), nullable=True),
        sa.Column("logo_width", sa.Integer(), nullable=True),
        sa.Column("logo_height", sa.Integer(), nullable=True),
        sa.Column("courtesy_statement", sa.Boolean(), nullable=False, default=False),
        sa.Column("full_images_in_copyright", sa.Boolean(), nullable=False, default=False),
        sa.Column("copyright_term_years", sa.Integer(), nullable=False, default=70),
        sa.Column("revision", sa.Integer(), nullable=False, default=1),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("slug"),
    )
    sa.Table(
        "login_attempt",
        metadata,
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=400), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.Index("ix_login_attempt_at", "at"),
        sa.Index("ix_login_attempt_key", "key"),
    )
    sa.Table(
        "collection_object",
        metadata,
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("institution_id", sa.Integer(), nullable=False),
        sa.Column("identifier", sa.String(length=500), nullable=False),
        sa.Column("title", sa.JSON(), nullable=False),
        sa.Column("description", sa.JSON(), nullable=False),
        sa.Column("creators", sa.JSON(), nullable=False),
        sa.Column("date_display", sa.String(length=300), nullable=True),
        sa.Column("date_earliest", sa.Integer(), nullable=True),
        sa.Column("date_latest", sa.Integer(), nullable=True),
        sa.Column("object_type", sa.JSON(), nullable=False),
        sa.Column("materials", sa.JSON(), nullable=False),
        sa.Column("dimensions", sa.JSON(), nullable=False),
        sa.Column("inventory_number", sa.String(length=300), nullable=True),
        sa.Column("credit_line", sa.Text(), nullable=True),
        sa.Column("rights_holder", sa.String(length=500), nullable=True),
        sa.Column("extra_metadata", sa.JSON(), nullable=False),
        sa.Column("record_url", sa.String(length=2000), nullable=True),
        sa.Column("rights_statement", sa.Text(), nullable=False, default=""),
        sa.Column("rights_statements", sa.JSON(), nullable=False),
        sa.Column("rights_key", sa.String(length=64), nullable=False, default=""),
        sa.Column("rights_uri", sa.String(length=200), nullable=True),
        sa.Column("rights_status", sa.String(length=20), nullable=False, default="needs-review"),
        sa.Column("rights_label", sa.String(length=200), nullable=False, default=""),
        sa.Column("rights_reuse", sa.String(length=20), nullable=False, default="permission"),
        sa.Column("rights_rule", sa.String(length=60), nullable=False, default=""),
        sa.Column("rights_reason", sa.Text(), nullable=False, default=""),
        sa.Column("rights_warnings", sa.JSON(), nullable=False),
        sa.Column("record_rights_uri", sa.String(length=200), nullable=True),
        sa.Column("source_record", sa.Text(), nullable=False, default=""),
        sa.Column("source_format", sa.String(length=20), nullable=False, default=""),
        sa.Column("source_media_type", sa.String(length=100), nullable=False, default="text/plain"),
        sa.Column("search_text", sa.Text(), nullable=False, default=""),
        sa.Column("content_hash", sa.String(length=64), nullable=False),
        sa.Column("revision", sa.Integer(), nullable=False, default=1),
        sa.Column("status", sa.String(length=20), nullable=False, default="published"),
        sa.Column("held_by_staff", sa.Boolean(), nullable=False, default=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["institution_id"],
            ["institution.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("institution_id", "identifier"),
        sa.Index("ix_collection_object_institution_id", "institution_id"),
        sa.Index("ix_collection_object_rights_key", "rights_key"),
        sa.Index("ix_collection_object_rights_reuse", "rights_reuse"),
        sa.Index("ix_collection_object_rights_uri", "rights_uri"),
        sa.Index("ix_collection_object_status", "status"),
    )
    sa.Table(
        "column_profile",
        metadata,
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("institution_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("toml", sa.Text(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["institution_id"],
            ["institution.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("institution_id", "name"),
        sa.Index("ix_column_profile_institution_id", "institution_id"),
    )
    sa.Table(
        "credit_template",
        metadata,
        sa.Column("institution_id", sa.Integer(), nullable=False),
        sa.Column("template", sa.String(length=500), nullable=False),
        sa.ForeignKeyConstraint(
            ["institution_id"],
            ["institution.id"],
        ),
        sa.PrimaryKeyConstraint("institution_id"),
    )
    sa.Table(
        "import_lock",
        metadata,
        sa.Column("institution_id", sa.Integer(), nullable=False),
        sa.Column("run_id", sa.Integer(), nullable=False),
        sa.Column("host", sa.String(length=255), nullable=False),
        sa.Column("pid", sa.Integer(), nullable=False),
        sa.Column("process_started", sa.String(length=40), nullable=False, default=""),
        sa.Column("acquired_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("heartbeat_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["institution_id"],
            ["institution.id"],
        ),
        sa.PrimaryKeyConstraint("institution_id"),
    )
    sa.Table(
        "import_run",
        metadata,
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("institution_id", sa.Integer(), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("file_name", sa.String(length=1000), nullable=False),
        sa.Column("format", sa.String(length=20), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False, default="running"),
        sa.Column("dry_run", sa.Boolean(), nullable=False, default=False),
        sa.Column("created", sa.Integer(), nullable=False, default=0),
        sa.Column("updated", sa.Integer(), nullable=False, default=0),
        sa.Column("unchanged", sa.Integer(), nullable=False, default=0),
        sa.Column("withdrawn", sa.Integer(), nullable=False, default=0),
        sa.Column("rejected", sa.Integer(), nullable=False, default=0),
        sa.Column("rights", sa.JSON(), nullable=False),
        sa.Column("problems", sa.JSON(), nullable=False),
        sa.Column("problems_total", sa.Integer(), nullable=False, default=0),
        sa.Column("problem_counts", sa.JSON(), nullable=False),
        sa.Column("problems_file", sa.String(length=500), nullable=True),
        sa.Column("message", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["institution_id"],
            ["institution.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.Index("ix_import_run_institution_id", "institution_id"),
    )
    sa.Table(
        "rights_rule",
        metadata,
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("institution_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=10), nullable=False),
        sa.Column("match", sa.String(length=2000), nullable=False),
        sa.Column("target", sa.String(length=200), nullable=False),
        sa.Column("origin", sa.String(length=10), nullable=False, default="rule"),
        sa.Column("decided_by", sa.String(length=300), nullable=False),
        sa.Column("note", sa.Text(), nullable=False, default=""),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["institution_id"],
            ["institution.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("institution_id", "kind", "match"),
        sa.Index("ix_rights_rule_institution_id", "institution_id"),
    )
    sa.Table(
        "user_account",
        metadata,
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("email", sa.String(length=320), nullable=False),
        sa.Column("password_hash", sa.String(length=300), nullable=False),
        sa.Column("institution_id", sa.Integer(), nullable=False),
        sa.Column("is_admin", sa.Boolean(), nullable=False, default=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["institution_id"],
            ["institution.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("email"),
    )
    sa.Table(
        "api_token",
        metadata,
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["user_account.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("token_hash"),
        sa.Index("ix_api_token_user_id", "user_id"),
    )
    sa.Table(
        "change_event",
        metadata,
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("institution_id", sa.Integer(), nullable=False),
        sa.Column("object_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=10), nullable=False),
        sa.Column("revision", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["institution_id"],
            ["institution.id"],
        ),
        sa.ForeignKeyConstraint(
            ["object_id"],
            ["collection_object.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.Index("ix_change_event_institution_id", "institution_id"),
        sa.Index("ix_change_event_object_id", "object_id"),
    )
    sa.Table(
        "image",
        metadata,
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("public_id", sa.String(length=64), nullable=False),
        sa.Column("object_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("label", sa.JSON(), nullable=False),
        sa.Column("source_reference", sa.String(length=2000), nullable=False),
        sa.Column("file_path", sa.String(length=500), nullable=True),
        sa.Column("mime_type", sa.String(length=100), nullable=True),
        sa.Column("width", sa.Integer(), nullable=True),
        sa.Column("height", sa.Integer(), nullable=True),
        sa.Column("checksum", sa.String(length=64), nullable=True),
        sa.Column("rights_uri", sa.String(length=200), nullable=True),
        sa.Column("rights_status", sa.String(length=20), nullable=False, default="needs-review"),
        sa.Column("rights_label", sa.String(length=200), nullable=False, default=""),
        sa.Column("rights_statements", sa.JSON(), nullable=False),
        sa.Column("credit_line", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["object_id"],
            ["collection_object.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("public_id"),
        sa.Index("ix_image_object_id", "object_id"),
    )
    sa.Table(
        "upload",
        metadata,
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("institution_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("original_name", sa.String(length=500), nullable=False),
        sa.Column("export_path", sa.String(length=500), nullable=False),
        sa.Column("images_path", sa.String(length=500), nullable=True),
        sa.Column("size", sa.Integer(), nullable=False, default=0),
        sa.Column("format", sa.String(length=20), nullable=False, default="auto"),
        sa.Column("profile", sa.String(length=200), nullable=True),
        sa.Column("full", sa.Boolean(), nullable=False, default=False),
        sa.Column("status", sa.String(length=20), nullable=False, default="uploaded"),
        sa.Column("preview_run_id", sa.Integer(), nullable=True),
        sa.Column("publish_run_id", sa.Integer(), nullable=True),
        sa.Column("preview", sa.JSON(), nullable=False),
        sa.Column("message", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["institution_id"],
            ["institution.id"],
        ),
        sa.ForeignKeyConstraint(
            ["preview_run_id"],
            ["import_run.id"],
        ),
        sa.ForeignKeyConstraint(
            ["publish_run_id"],
            ["import_run.id"],
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["user_account.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.Index("ix_upload_institution_id", "institution_id"),
    )
    return metadata
