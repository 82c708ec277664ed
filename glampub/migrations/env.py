"""Alembic's environment: glampub's models, on the connection glampub hands over.

Run from :func:`glampub.migrations.upgrade`, which passes its connection in
``config.attributes``. The comparison behind autogenerate (and the schema
test) leaves out the search index's tables and indexes, which the models do
not declare (see glampub.search.index).
"""

from __future__ import annotations

from alembic import context

from glampub import models  # noqa: F401  (registers the tables)
from glampub.db import Base
from glampub.migrations import include_object


def run_migrations() -> None:
    connection = context.config.attributes.get("connection")
    if connection is None:
        raise RuntimeError("run glampub's migrations with `glampub db upgrade`")
    context.configure(
        connection=connection,
        target_metadata=Base.metadata,
        include_object=include_object,
        # SQLite alters a table by copying it; later revisions can then use
        # op.batch_alter_table the same way on both databases.
        render_as_batch=connection.dialect.name == "sqlite",
    )
    with context.begin_transaction():
        context.run_migrations()


run_migrations()
