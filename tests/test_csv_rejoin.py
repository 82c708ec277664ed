"""Split-off rows of a broken re-export are joined back, and nothing else is."""

from __future__ import annotations

from pathlib import Path

from glampub.errors import Problem
from tests.csv_helpers import read, summary, write

HEADER = "identifier;title;dimensions;credit;place\n"


def _found(problems: list[Problem]) -> list[tuple[str, int | None, str, str | None]]:
    """The problems, without the note on which columns were guessed from the header."""
    return [p for p in summary(problems) if p[0] != "guessed-columns"]


def test_a_cell_split_over_three_rows_is_joined_with_the_cells_after_it(tmp_path: Path) -> None:
    text = (
        HEADER
        + '1;Beaker;"H. 5 in.";;\n'
        + "Lip: 2 in.;;;;\n"
        + '"Base: 3 in.""";Gift of A. Jones;Boston\n'
        + "2;Jug;H. 9 in.;Gift;Salem\n"
    )
    records, problems = read(write(tmp_path, text))
    assert [r.identifier for r in records] == ["1", "2"]
    assert records[0].dimensions == {"none": ["H. 5 in.\nLip: 2 in.\nBase: 3 in."]}
    assert records[0].credit_line == "Gift of A. Jones"
    assert records[0].metadata[-1][1] == {"none": ["Boston"]}  # the place, unmapped
    assert records[0].source == HEADER + text.removeprefix(HEADER).rsplit("2;Jug", 1)[0]
    assert _found(problems) == [("rejoined-rows", 2, "warning", "1")]
    assert "lines 3-4 hold further lines" in problems[-1].message


def test_rows_that_never_close_the_cell_are_left_alone(tmp_path: Path) -> None:
    # A note row after a record with empty trailing cells is no piece of it.
    header = "title;identifier;dimensions;credit;place\n"
    text = header + "Beaker;1;H. 5 in.;;\nsee also the other beaker;;;;\nJug;2;;;\n"
    records, problems = read(write(tmp_path, text))
    assert [r.identifier for r in records] == ["1", "2"]
    assert records[0].dimensions == {"none": ["H. 5 in."]}
    assert _found(problems) == [("missing-identifier", 3, "error", None)]


def test_a_closing_row_that_does_not_fit_is_not_joined(tmp_path: Path) -> None:
    # Four cells after the leftover quote, but only two empty cells to take them.
    text = HEADER + '1;Beaker;"H. 5 in.";;\n"Base: 3 in.""";a;b;c;d\n'
    records, problems = read(write(tmp_path, text))
    assert records[0].dimensions == {"none": ["H. 5 in."]}
    assert len(records) == 2  # the other row stays a row of its own
    assert "rejoined-rows" not in [p.code for p in problems]


def test_a_complete_row_holds_nothing_back(tmp_path: Path) -> None:
    text = HEADER + '1;Beaker;H. 5 in.;Gift;Boston\n"Base: 3 in.""";;;;\n'
    records, problems = read(write(tmp_path, text))
    assert records[0].dimensions == {"none": ["H. 5 in."]}
    assert len(records) == 2
    assert "rejoined-rows" not in [p.code for p in problems]
