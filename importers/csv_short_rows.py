"""What a CSV file lacks, said once: short rows, and a file with no title column.

A row such as ``RAG-002,short row`` under a header of ten columns is
something the export (or a hand edit) broke: its cells may not mean what
their position says. A row with at least half the header's cells is
imported, its missing cells read as empty, with a ``short-row`` warning that
gives both counts. A row with fewer is most likely a fragment of a broken
record, not a record: it is rejected as ``malformed-row``. (Rows that a
re-export split off a multi-line cell are joined back before this check;
see :mod:`importers.csv_rejoin`.)

A file in which neither a title nor a description column was found would
publish every object as an untitled record: that is said once, on line 1.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from glampub.errors import Problem
from importers.problem_codes import ProblemCode

if TYPE_CHECKING:
    from importers.csv_profile import ProfileConfig


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


def untitled_warning(config: ProfileConfig) -> Problem:
    """Line 1: no column gives a title or a description."""
    return Problem(
        None,
        1,
        ProblemCode.MISSING_COLUMN,
        f"neither a title nor a description column was found (profile {config.name!r}), so "
        "every record is published untitled. Name the columns with a profile: [fields] title "
        '= "..." (docs/csv-format.md)',
        "warning",
    )
