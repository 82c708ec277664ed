"""Statements a bulk import runs thousands of times, compiled once.

SQLAlchemy's ``connection.execute(insert(table), [dict, ...])`` builds a
parameter dictionary per row and runs every column through its type's bind
processor. For an import that writes tens of thousands of rows a second that
bookkeeping costs more than SQLite's own work. :class:`BulkStatement` compiles
the statement once for the connection's dialect, takes the same processors
from SQLAlchemy once, applies only those that do something (JSON, dates), and
hands plain row tuples to the driver's ``executemany``.

That shortcut is taken for SQLite, whose driver wants exactly such tuples.
Other dialects keep SQLAlchemy's own path, which batches rows into
multi-row statements (``insertmanyvalues``) for drivers that need it.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from sqlalchemy import Connection
from sqlalchemy.sql.expression import Executable

Processor = Callable[[Any], Any]


class BulkStatement:
    """One INSERT or UPDATE, executed with rows given as tuples in ``columns`` order."""

    def __init__(self, connection: Connection, statement: Executable, columns: Sequence[str]):
        self.connection = connection
        self.statement = statement
        self.columns = tuple(columns)
        dialect = connection.dialect
        self.direct = dialect.name == "sqlite"
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
        self.processors: list[tuple[int, Processor]] = [(i, p) for i, p in processors if p]

    def execute(self, rows: Sequence[Sequence[Any]]) -> None:
        if not rows:
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
                for index, process in processors:
                    values[index] = process(values[index])
                params.append(tuple(values))
        self.connection.exec_driver_sql(self.sql, params)
