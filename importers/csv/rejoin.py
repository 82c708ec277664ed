"""Rows that a broken re-export split off a record, joined back to it.

Some tools re-save a CSV by writing each physical line of a multi-line cell
(a "Dimensions" value of three lines, say) as a row of its own, padded with
empty cells to the full width. The record's row then ends at the split cell,
with every later cell empty; the next rows carry the cell's further lines in
their first cell; the last of them also carries the record's remaining cells,
shifted to the left. Without repair each such row is a record without an
identifier, and the record loses its later fields (credit line, place, link).

The shape is checked strictly before anything is joined: the record's cells
after the split cell are all empty; a middle row has nothing but its first
cell; the last row's first cell ends with the quote that closed the original
cell (left behind as a literal quote), and its further cells fit exactly into
the record's empty ones. Rows are only joined once that last row arrives;
any other run of rows is left alone, to be reported as it is. Each join is
reported as a warning naming the lines, so the collections manager can fix
the export.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

from glampub.errors import Problem
from importers.csv.text import TextEvent
from importers.problem_codes import ProblemCode

#: (first physical line, cells, raw text) of one record as the csv module read it.
Row = tuple[int, list[str], str]
#: Physical rows joined to one record at most: a cell of a few lines, not a file.
MAX_PIECES = 50


@dataclass
class _Held:
    """A record row kept back until the next rows show whether it was split."""

    identifier: str
    start: int
    cells: list[str]
    raw: str
    #: What decoding reported while the row was read (handed on with the row).
    events: list[TextEvent]
    #: The cell the export split: the last non-empty one.
    split: int
    #: Middle pieces seen so far, joined only when the closing piece comes.
    pieces: list[tuple[Row, list[TextEvent]]] = field(default_factory=list)


def rejoin_split_rows(
    rows: Iterator[Row | Problem],
    width: int,
    identifier: Callable[[list[str]], str],
    events: list[TextEvent],
) -> Iterator[Row | Problem]:
    """``rows`` with split-off rows joined back into their record.

    ``events`` is the text source's list of decoding events, which the next
    stage reads after each row: a row kept back takes its own events with it.
    """
    held: _Held | None = None
    for item in rows:
        # What decoding reported while this row was read belongs to this row.
        mine = events[:]
        events.clear()
        if isinstance(item, Problem):
            yield from _release(held, events)
            held = None
            events.extend(mine)
            yield item
            continue
        start, cells, raw = item
        if len(cells) < width:
            cells.extend([""] * (width - len(cells)))
        # Whatever a piece holds in the identifier column is text of the split
        # cell or of a later one: the shape decides, not the identifier.
        if held is not None:
            piece = _piece(held, cells, width)
            if piece == "middle" and len(held.pieces) < MAX_PIECES:
                held.pieces.append((item, mine))
                continue
            if piece == "closing":
                yield from _joined(held, item, mine, events)
                held = None
                continue
        yield from _release(held, events)
        ident = identifier(cells)
        held = _hold(ident, start, cells, raw, width, mine) if ident else None
        if held is None:
            events.extend(mine)
            yield item
    yield from _release(held, events)


def _hold(
    ident: str, start: int, cells: list[str], raw: str, width: int, events: list[TextEvent]
) -> _Held | None:
    filled = [i for i, cell in enumerate(cells[:width]) if cell.strip()]
    if not filled or filled[-1] >= width - 1:
        return None  # a complete row: nothing can have been split off it
    return _Held(ident, start, cells, raw, events, filled[-1])


def _piece(held: _Held, cells: list[str], width: int) -> str | None:
    """ "middle", "closing", or None when the row is not a piece of ``held``."""
    if len(cells) > width:
        return None
    filled = [i for i, cell in enumerate(cells) if cell.strip()]
    if not filled or filled[0] != 0:
        return None
    leftover_quote = cells[0].count('"') % 2 == 1 and cells[0].rstrip().endswith('"')
    if not leftover_quote:
        return "middle" if filled == [0] else None
    gap = width - 1 - held.split  # the record's empty cells after the split one
    return "closing" if filled[-1] <= gap else None


def _joined(
    held: _Held, closing: Row, events_of_closing: list[TextEvent], events: list[TextEvent]
) -> Iterator[Row | Problem]:
    pieces = [*held.pieces, (closing, events_of_closing)]
    cells = held.cells
    lines = [cells[held.split]]
    for (_, piece_cells, _), _ in pieces:
        lines.append(piece_cells[0].strip())
    lines[-1] = lines[-1].rstrip()[:-1]  # the original cell's closing quote
    cells[held.split] = "\n".join(lines)
    rest = [i for i, cell in enumerate(closing[1]) if cell.strip()]
    last = rest[-1]
    cells[held.split + 1 : held.split + 1 + last] = closing[1][1 : last + 1]
    first, end = pieces[0][0][0], closing[0]
    where = (
        f"line {first} holds a further line"
        if first == end
        else f"lines {first}-{end} hold further lines"
    )
    yield Problem(
        held.identifier,
        held.start,
        ProblemCode.REJOINED_ROWS,
        f"{where} of a value of the record on line {held.start} (the export split a "
        "multi-line cell into rows of their own); joined back into it",
        "warning",
    )
    events.extend(held.events)
    for _, piece_events in pieces:
        events.extend(piece_events)
    yield held.start, cells, held.raw + "".join(row[2] for row, _ in pieces)


def _release(held: _Held | None, events: list[TextEvent]) -> Iterator[Row | Problem]:
    """The held record as it was, then the pieces that never closed, as they were."""
    if held is None:
        return
    events.extend(held.events)
    yield held.start, held.cells, held.raw
    for row, piece_events in held.pieces:
        events.extend(piece_events)
        yield row
