"""The progress bar of ``glampub import``: records, rate and time left, on a terminal only.

The bar measures the file: each batch reports how many bytes of it its
records took (roughly: their source text), so the estimate of the time left
holds however uneven the records are. Nothing is shown when standard error
is not a terminal (a cron job, a pipe, ``--json``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from rich.console import Console
from rich.progress import (
    BarColumn,
    Progress,
    TaskProgressColumn,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)


@contextmanager
def import_progress(
    console: Console, path: Path, *, enabled: bool
) -> Iterator[Callable[[int, int], None] | None]:
    """A callback ``advance(records, bytes)`` driving the bar, or None when disabled."""
    if not enabled:
        yield None
        return
    columns = (
        TextColumn("importing"),
        BarColumn(),
        TaskProgressColumn(),
        TextColumn("{task.fields[records]:,} records, {task.fields[rate]} records/s"),
        TimeElapsedColumn(),
        TextColumn("left"),
        TimeRemainingColumn(),
    )
    size = max(path.stat().st_size, 1)
    with Progress(*columns, console=console, transient=True) as progress:
        task = progress.add_task("import", total=size, records=0, rate="-")
        records = 0

        def advance(count: int, consumed: int) -> None:
            nonlocal records
            records += count
            state = progress.tasks[task]
            elapsed = state.elapsed or 0
            progress.update(
                task,
                # Source text is a little shorter than the file (whitespace
                # between records): never claim the end before it is reached.
                completed=min(state.completed + consumed, size * 0.99),
                records=records,
                rate=f"{records / elapsed:,.0f}" if elapsed else "-",
            )

        yield advance
        progress.update(task, completed=size)
