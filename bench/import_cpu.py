"""CPU time per record of each half of an import, measured in one process.

    uv run python bench/import_cpu.py --format lido --records 4000 [--profile out]

bench/import_speed.py measures records per second on the wall clock, which
on a shared machine moves with whatever else runs. This measures CPU time
(``time.process_time``) instead, on a generated export (bench/_synthetic.py),
with the reader kept in this process so that one clock sees all the work:

- reading alone: the importer's records, parsed and mapped (the work of the
  reader process of a large import);
- the first import into a fresh SQLite database, reading included;
- a second import of the same file, every record unchanged.

The writing half of an import is the difference between an import and the
reading alone. With ``--profile PREFIX`` each phase also writes a cProfile
file, ``PREFIX.read.prof`` and so on (profiling slows everything down: compare
profiles with profiles, plain runs with plain runs).
"""

from __future__ import annotations

import argparse
import cProfile
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import glampub.importing.run as import_run  # noqa: E402
from bench._synthetic import write_csv, write_lido  # noqa: E402
from glampub.db import Database  # noqa: E402
from glampub.importing.run import ImportOptions, run_import  # noqa: E402
from glampub.institutions.registry import add_institution  # noqa: E402
from importers.base import get_importer  # noqa: E402

T = TypeVar("T")


def timed(label: str, records: int, profile: str | None, work: Callable[[], T]) -> T:
    """Run ``work``; print its CPU (and wall) time per record; profile it to ``profile``."""
    # Timed by CPU, like the totals: wall time would count the other processes too.
    profiler = cProfile.Profile(time.process_time) if profile else None
    cpu, wall = time.process_time(), time.perf_counter()
    if profiler is not None:
        profiler.enable()
    result = work()
    if profiler is not None:
        profiler.disable()
        profiler.dump_stats(profile)
    cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
    print(
        f"{label}: {cpu / records * 1e6:,.0f} us CPU a record "
        f"({wall / records * 1e6:,.0f} us on the wall clock)",
        flush=True,
    )
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--format", choices=("lido", "csv"), default="lido")
    parser.add_argument("--records", type=int, default=4000)
    parser.add_argument("--profile", help="write cProfile files PREFIX.read.prof, ...")
    args = parser.parse_args()
    count = args.records
    # Everything in this process, whatever the file's size.
    import_run.READER_PROCESS_MIN_BYTES = sys.maxsize

    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        writer = write_lido if args.format == "lido" else write_csv
        export = writer(work / f"export.{'xml' if args.format == 'lido' else 'csv'}", count)
        importer = get_importer(args.format)
        read = timed(
            "reading alone",
            count,
            args.profile and f"{args.profile}.read.prof",
            lambda: sum(1 for _ in importer.read(export, None)),
        )
        database = Database()
        database.connect(f"sqlite:///{work / 'bench.db'}")
        database.prepare()
        with database.transaction() as session:
            add_institution(session, "bench", "Bench Museum", work)
        options = ImportOptions(institution="bench", path=export, format=args.format)
        first = timed(
            "first import",
            count,
            args.profile and f"{args.profile}.first.prof",
            lambda: run_import(database, work, options),
        )
        again = timed(
            "re-import, all unchanged",
            count,
            args.profile and f"{args.profile}.again.prof",
            lambda: run_import(database, work, options),
        )
        database.dispose()
        if first.created != count or again.unchanged != count or read < count:
            raise SystemExit(f"expected {count} records each time: {first!r}, {again!r}")


if __name__ == "__main__":
    main()
