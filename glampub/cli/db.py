"""``glampub db``: bring the database to this glampub's schema, or say where it is.

Every command that opens the database upgrades it anyway; ``glampub db
upgrade`` does only that, so that a deployment can migrate once, before its
web and worker processes start.
"""

from __future__ import annotations

import click
from sqlalchemy.engine import make_url

from glampub.cli.base import configured_database, domain_errors, out
from glampub.db import Database


def _database() -> tuple[Database, str]:
    """The configured database, opened without preparing it: these commands
    upgrade it themselves, or only look."""
    workspace = configured_database()
    shown = make_url(workspace.config["DATABASE_URL"]).render_as_string(hide_password=True)
    return workspace.database, shown


@click.group()
def db() -> None:
    """The database's schema: its migrations."""


@db.command("upgrade")
@domain_errors
def upgrade() -> None:
    """Apply every migration this glampub has that the database lacks."""
    # Loaded here, not with the module: every command loads this module (its
    # group is on ``main``), and only these two need Alembic.
    from glampub import migrations

    database, shown = _database()
    try:
        before, _after = database.prepare()
    finally:
        database.dispose()
    head = migrations.head_revision()
    if before == head:
        out.print(f"{shown}: already at revision {head}")
    else:
        out.print(f"{shown}: upgraded from revision {before or 'none'} to {head}")


@db.command("current")
def current() -> None:
    """Print the database's revision and the newest one this glampub knows."""
    from glampub import migrations

    database, shown = _database()
    assert database.engine is not None
    try:
        with database.engine.connect() as connection:
            revision = migrations.current_revision(connection)
    finally:
        database.dispose()
    head = migrations.head_revision()
    state = "up to date" if revision == head else f"behind: run `glampub db upgrade` ({head})"
    out.print(f"{shown}: revision {revision or 'none'}, {state}")
