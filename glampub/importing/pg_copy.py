"""An import's INSERTs on PostgreSQL, sent as ``COPY ... FROM STDIN``.

SQLAlchemy's executemany on psycopg sends one INSERT per row (pipelined),
wraps every JSON value in a driver adapter, and the server plans and runs
each row's statement on its own: per batch of 250 LIDO records that cost
more than the records' parsing. ``COPY`` streams the rows in one statement
that the server loads as they arrive (on the other core, while this process
formats the next ones), and psycopg's C implementation writes the rows.

The values written are the ones SQLAlchemy would bind: JSON columns are
encoded by the engine's serializer (``None`` as JSON ``null``, as
SQLAlchemy's JSON type stores it unless the column says ``none_as_null``),
and columns of a type with its own bind processor (the compressed source
record) go through that processor.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from sqlalchemy import JSON, Connection, Table

from glampub.db import json_dumps

Converter = Callable[[Any], Any]


def _json_converter(column_type: JSON) -> Converter:
    none = None if column_type.none_as_null else "null"

    def convert(value: Any) -> Any:
        return none if value is None else json_dumps(value)

    return convert


class CopyInsert:
    """Rows given as tuples in ``columns`` order, copied into ``table``."""

    def __init__(self, connection: Connection, table: Table, columns: Sequence[str]) -> None:
        self.connection = connection
        # COPY leaves out SQLAlchemy's Python-side defaults: a column left out
        # would get the server's default (or NULL), not what an INSERT gives.
        defaulted = [c.name for c in table.columns if c.default is not None and not c.primary_key]
        if missing := sorted(set(defaulted) - set(columns)):
            raise ValueError(f"COPY into {table.name} needs values for {missing}")
        dialect = connection.dialect
        preparer = dialect.identifier_preparer
        names = ", ".join(preparer.quote(name) for name in columns)
        self.sql = f"COPY {preparer.format_table(table)} ({names}) FROM STDIN"
        self.converters: list[tuple[int, Converter]] = []
        for index, name in enumerate(columns):
            column_type = table.c[name].type
            if isinstance(column_type, JSON):
                self.converters.append((index, _json_converter(column_type)))
                continue
            processor = column_type.dialect_impl(dialect).bind_processor(dialect)
            if processor is not None:
                self.converters.append((index, processor))

    def execute(self, rows: Sequence[Sequence[Any]]) -> None:
        self.send(self.convert(rows))

    def convert(self, rows: Sequence[Sequence[Any]]) -> Sequence[Sequence[Any]]:
        """The rows with every value as the server takes it (JSON encoded, the
        source record compressed): the part of a COPY that is this process's
        own work, which an import does beside the server's work on the rows
        before (see glampub.importing.bulk_sql.BulkStatement.prepare)."""
        converters = self.converters
        if not converters:
            return rows
        converted = []
        for row in rows:
            values = list(row)
            for index, convert in converters:
                values[index] = convert(values[index])
            converted.append(values)
        return converted

    def send(self, rows: Sequence[Sequence[Any]]) -> None:
        """Copy rows :meth:`convert` gave."""
        if not rows:
            return
        # The session's own connection, so the rows join the import's transaction.
        driver = self.connection.connection.driver_connection
        with driver.cursor() as cursor, cursor.copy(self.sql) as copy:  # type: ignore[union-attr]
            for row in rows:
                copy.write_row(row)
