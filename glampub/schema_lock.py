"""The lock every change of the schema takes, the migrations and the search
index beside the tables alike. A leaf module, so both can import it."""

from __future__ import annotations

#: PostgreSQL advisory lock held while upgrading: several workers starting at
#: once on a new database upgrade it one after another, not all together.
UPGRADE_LOCK = 0x676C616D  # "glam"
#: On SQLite the same is an exclusive lock on this file beside the database:
#: SQLite runs DDL outside a transaction, so two processes both saw no revision,
#: both ran the migrations, and the second failed on alembic_version.
UPGRADE_LOCK_SUFFIX = ".upgrade-lock"
