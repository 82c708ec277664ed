"""What a CSV file lacks, said once: short rows, and a file with no title column.

A row such as ``RAG-002,short row`` under a header of ten columns is
something the export (or a hand edit) broke: its cells may not mean what
their position says. A row with at least half the header's cells is
imported, its missing cells read as empty, with a ``short-row`` warning that
gives both counts. A row with fewer is most likely a fragment of a broken
record, not a record: it is rejected as ``malformed-row``. (Rows that a
re-export split off a multi-line cell are joined back before this check;
see :mod:`importers.csv.rejoin`.)

A file in which guessing found neither a title nor a description column, while
some column feeds no field, would publish every object untitled although its
titles may be under a header nobody recognised: that is said once, on line 1.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterator
from typing import TYPE_CHECKING

from glampub.errors import Problem
from importers.problem_codes import ProblemCode

#: (first physical line, cells, raw text), as the CSV importer parses rows.
Row = tuple[int, list[str], str]

if TYPE_CHECKING:
    from importers.csv.columns import ColumnPlan
    from importers.csv.profile import ProfileConfig


class ShortRows:
    """Remembers how many cells each short row had, before later stages pad it.

    Rows that a re-export split off are joined (and padded) between parsing
    and mapping; the count the export wrote is taken here, as rows are parsed,
    and asked for by the row's first line. Only rows not yet mapped are kept.
    """

    def __init__(self, width: int) -> None:
        self.width = width
        self._short: deque[tuple[int, int]] = deque()

    def watch(self, rows: Iterator[Row | Problem]) -> Iterator[Row | Problem]:
        """``rows`` unchanged, noting each short one."""
        for item in rows:
            if not isinstance(item, Problem) and len(item[1]) < self.width:
                self._short.append((item[0], len(item[1])))
            yield item

    def cells(self, start: int, now: int) -> int:
        """The cells the row starting on line ``start`` had; ``now`` if it was not short."""
        short = self._short
        while short and short[0][0] < start:
            short.popleft()  # pieces joined into a record before them
        if short and short[0][0] == start:
            return short.popleft()[1]
        return now


def short_row(identifier: str, line: int, cells: int, width: int) -> Problem:
    """The warning (or, under half the header's cells, the rejection) for a short row."""
    counts = f"the row has {cells} cell{'s' if cells != 1 else ''} but the header {width}"
    if cells * 2 < width:
        return Problem(
            identifier or None,
            line,
            ProblemCode.MALFORMED_ROW,
            f"{counts}: under half, so it is probably a fragment of a broken record, and its "
            "cells may not mean what their place says; it was skipped",
        )
    return Problem(
        identifier or None,
        line,
        ProblemCode.SHORT_ROW,
        f"{counts}: the missing cells at its end were read as empty. Check that its values "
        "are in their columns",
        "warning",
    )


def untitled_warning(config: ProfileConfig, plan: ColumnPlan) -> list[Problem]:
    """Line 1: no column gives a title or a description, though some column is unread.

    A file whose every column feeds a field chose to have no title; one with
    columns left over may hold its titles under a header nobody recognised.
    """
    used = {
        index for bounds in plan.fields.values() for bound in bounds for index in bound.indexes()
    }
    left = [column.name for column in plan.columns if column.index not in used]
    if not left:
        return []
    shown = ", ".join(repr(name) for name in left[:8]) + (", ..." if len(left) > 8 else "")
    return [
        Problem(
            None,
            1,
            ProblemCode.MISSING_COLUMN,
            f"neither a title nor a description column was found (profile {config.name!r}), "
            f"so every record is published untitled; columns no field reads: {shown}. If one "
            'holds the titles, name it with a profile: [fields] title = "..." '
            "(docs/csv-format.md)",
            "warning",
        )
    ]
