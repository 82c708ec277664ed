"""Statements a bulk import runs thousands of times, compiled once.

SQLAlchemy's ``connection.execute(insert(table), [dict, ...])`` builds a
parameter dictionary per row and runs every column through its type's bind
processor. For an import that writes tens of thousands of rows a second that
bookkeeping costs more than SQLite's own work. :class:`BulkStatement` compiles
the statement once for the connection's dialect, takes the same processors
from SQLAlchemy once, applies only those that do something (JSON, dates), and
hands plain row tuples to the driver's ``executemany``.

That shortcut is taken for SQLite, whose driver wants exactly such tuples.
There an INSERT also goes as few multi-row statements (``VALUES (...), (...)``)
rather than one statement per row: SQLite opens a savepoint for every
statement, and at each one the full-text index (FTS5, filled by a trigger)
writes out what it holds in memory, so one statement per row made each
object's index entries a segment of their own, merged again and again (an
object's insert cost 138 µs with its triggers per row, 57 µs per batch).
On PostgreSQL an INSERT goes as ``COPY ... FROM STDIN`` (see
:mod:`glampub.importing.pg_copy`); an UPDATE, and any statement of another
dialect, keeps SQLAlchemy's own executemany.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Sequence
from itertools import chain
from typing import TYPE_CHECKING, Any

from sqlalchemy import Column, Connection, Dialect
from sqlalchemy.sql import operators
from sqlalchemy.sql.elements import BindParameter
from sqlalchemy.sql.expression import Executable

if TYPE_CHECKING:
    from glampub.importing.pg_copy import CopyInsert

Processor = Callable[[Any], Any]
#: SQLite's bound for parameters in one statement, when the driver cannot say
#: (999 before SQLite 3.32).
_DEFAULT_VARIABLE_LIMIT = 999


class PreparedRows(list):  # type: ignore[type-arg]
    """Rows :meth:`BulkStatement.prepare` converted already."""


class BulkStatement:
    """One INSERT or UPDATE, executed with rows given as tuples in ``columns`` order."""

    def __init__(self, connection: Connection, statement: Executable, columns: Sequence[str]):
        self.connection = connection
        self.statement = statement
        self.columns = tuple(columns)
        dialect = connection.dialect
        self.direct = dialect.name == "sqlite"
        self.copy: CopyInsert | None = None
        if dialect.name == "postgresql" and getattr(statement, "is_insert", False):
            # Imported here: an import into SQLite (the default) loads no module
            # it does not use (the command's start-up time, docs/architecture.md).
            from glampub.importing.pg_copy import CopyInsert

            self.copy = CopyInsert(connection, statement.table, self.columns)  # type: ignore[attr-defined]
        if not self.direct:
            return
        compiled = statement.compile(dialect=dialect, column_keys=list(self.columns))
        names = list(compiled.positiontup or ())
        missing = set(names) - set(self.columns)
        if missing:
            raise ValueError(f"no value given for {sorted(missing)} in {compiled}")
        self.sql = str(compiled)
        #: Where each driver parameter comes from in a row tuple.
        self.order = [self.columns.index(name) for name in names]
        self.in_order = self.order == list(range(len(self.columns)))
        # The dialect's own implementation of each type: SQLite's DATETIME writes
        # the text SQLAlchemy reads back, where the generic DateTime would leave
        # the value to the driver's (deprecated) default adapter.
        processors = [
            (i, compiled.binds[name].type.dialect_impl(dialect).bind_processor(dialect))
            for i, name in enumerate(names)
        ]
        # With what each gives for None, worked out once: most rows leave many
        # of their JSON columns (an image's ``remote``) empty.
        self.processors: list[tuple[int, Processor, Any]] = [
            (i, p, p(None)) for i, p in processors if p
        ]
        #: The statement for many rows at once: its text before the rows, one
        #: row's placeholders, its text after them (None: one row a statement).
        self.multirow = _multirow_template(statement, self.sql, names, dialect)
        self.rows_per_statement = max(1, _variable_limit(connection) // max(1, len(names)))
        self._sql_for: dict[int, str] = {}

    def prepare(self, rows: Sequence[Sequence[Any]]) -> Sequence[Sequence[Any]]:
        """``rows``, converted now for a later :meth:`execute` where that is
        this process's work: a ``COPY``'s values JSON-encoded and compressed.
        An import's batch is written on another thread while the next batch
        is mapped (glampub.importing.overlapped_writes), and on PostgreSQL
        those writes were the slower side: converting the rows there took
        4.2 s of CPU of the 15 s they took for 30,000 LIDO records, with the
        server waiting meanwhile. Converted with the mapping, they leave the
        writing thread mostly the server to wait for."""
        if self.copy is None:
            return rows
        return PreparedRows(self.copy.convert(rows))

    def execute(self, rows: Sequence[Sequence[Any]]) -> None:
        if not rows:
            return
        if self.copy is not None:
            if isinstance(rows, PreparedRows):
                self.copy.send(rows)
            else:
                self.copy.execute(rows)
            return
        if not self.direct:
            columns = self.columns
            self.connection.execute(
                self.statement, [dict(zip(columns, row, strict=True)) for row in rows]
            )
            return
        params: list[Sequence[Any]]
        if self.in_order and not self.processors:
            params = list(rows)
        else:
            order, processors, in_order = self.order, self.processors, self.in_order
            params = []
            for row in rows:
                values = list(row) if in_order else [row[i] for i in order]
                for index, process, for_none in processors:
                    value = values[index]
                    values[index] = for_none if value is None else process(value)
                params.append(tuple(values))
        if self.multirow is None:
            self.connection.exec_driver_sql(self.sql, params)
            return
        step = self.rows_per_statement
        for start in range(0, len(params), step):
            chunk = params[start : start + step]
            flat = tuple(chain.from_iterable(chunk))
            self.connection.exec_driver_sql(self._sql_for_rows(len(chunk)), flat)

    def _sql_for_rows(self, count: int) -> str:
        sql = self._sql_for.get(count)
        if sql is None:
            head, group, tail = self.multirow  # type: ignore[misc]
            sql = head + ", ".join([group] * count) + tail
            if len(self._sql_for) < 64:  # full batches and a few last ones
                self._sql_for[count] = sql
        return sql


def _multirow_template(
    statement: Executable, sql: str, names: Sequence[str], dialect: Dialect
) -> tuple[str, str, str] | None:
    """How to write ``sql`` for many rows in one statement, if it can be.

    An INSERT repeats its VALUES group. An UPDATE of one row by a key
    (``WHERE table.key = :param``) becomes ``UPDATE ... FROM (VALUES ...)``
    (SQLite 3.33 and newer), each row of the VALUES giving its key and new
    values in the order of ``names``.
    """
    if getattr(statement, "is_insert", False):
        head, values, group = sql.partition(" VALUES ")
        if values and group.startswith("(") and group.endswith(")"):
            return head + values, group, ""
        return None
    if not getattr(statement, "is_update", False) or sqlite3.sqlite_version_info < (3, 33):
        return None
    where = statement.whereclause  # type: ignore[attr-defined]
    key = getattr(where, "left", None)
    param = getattr(where, "right", None)
    if (
        getattr(where, "operator", None) is not operators.eq
        or not isinstance(key, Column)
        or not isinstance(param, BindParameter)
        or param.key not in names
    ):
        return None
    quote = dialect.identifier_preparer.quote
    table = dialect.identifier_preparer.format_table(statement.table)  # type: ignore[attr-defined]
    position = {name: f"glampub_rows.column{i}" for i, name in enumerate(names, 1)}
    assignments = ", ".join(
        f"{quote(name)} = {position[name]}" for name in names if name != param.key
    )
    group = "(" + ", ".join("?" for _ in names) + ")"
    return (
        f"UPDATE {table} SET {assignments} FROM (VALUES ",
        group,
        f") AS glampub_rows WHERE {table}.{quote(key.name)} = {position[param.key]}",
    )


def _variable_limit(connection: Connection) -> int:
    driver = connection.connection.driver_connection
    getlimit = getattr(driver, "getlimit", None)  # Python 3.11 and newer
    if getlimit is None:
        return _DEFAULT_VARIABLE_LIMIT
    return int(getlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER))
