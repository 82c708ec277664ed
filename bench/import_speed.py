"""How fast, and in how much memory, glampub imports a large export.

    uv run python bench/import_speed.py --format lido --records 100000

Prints records per second and peak resident memory for the full import (parse,
map rights, write to the database in one transaction), next to a bare parse
of the same file with lxml or the csv module, so the cost of glampub's own work
is visible. Images are referenced but not sent, as in a metadata-only update.
"""

from __future__ import annotations

import argparse
import csv
import resource
import sys
import tempfile
import time
from pathlib import Path

from lxml import etree

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench._synthetic import write_csv, write_lido  # noqa: E402
from glampub.db import Database  # noqa: E402
from glampub.services.importing import ImportOptions, run_import  # noqa: E402
from glampub.services.institutions import add_institution  # noqa: E402

LIDO = "{http://www.lido-schema.org}lido"


def bare_parse(path: Path, fmt: str) -> int:
    count = 0
    if fmt == "lido":
        for _, element in etree.iterparse(str(path), tag=LIDO, resolve_entities=False):
            count += 1
            element.clear()
            while element.getprevious() is not None:
                del element.getparent()[0]
    else:
        with path.open(encoding="utf-8", newline="") as handle:
            count = sum(1 for _ in csv.DictReader(handle))
    return count


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--format", choices=("lido", "csv"), default="lido")
    parser.add_argument("--records", type=int, default=100_000)
    parser.add_argument("--database-url", help="default: a fresh SQLite file")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        writer = write_lido if args.format == "lido" else write_csv
        export = writer(work / f"export.{'xml' if args.format == 'lido' else 'csv'}", args.records)
        size_mb = export.stat().st_size / 1e6
        start = time.perf_counter()
        parsed = bare_parse(export, args.format)
        bare = time.perf_counter() - start

        url = args.database_url or f"sqlite:///{work / 'bench.db'}"
        database = Database()
        database.connect(url)
        database.create_all()
        with database.transaction() as session:
            add_institution(session, "bench", "Bench Museum", work)
        baseline_mb = peak_mb()
        start = time.perf_counter()
        report = run_import(
            database, work, ImportOptions(institution="bench", path=export, format=args.format)
        )
        first = time.perf_counter() - start
        start = time.perf_counter()
        again = run_import(
            database, work, ImportOptions(institution="bench", path=export, format=args.format)
        )
        second = time.perf_counter() - start
        database.dispose()

    print(f"export: {args.format}, {args.records:,} records, {size_mb:,.1f} MB")
    print(f"bare parse ({parsed:,} records): {bare:.2f} s, {parsed / bare:,.0f} records/s")
    print(
        f"first import: {first:.2f} s, {report.created / first:,.0f} records/s "
        f"(created {report.created:,}, rejected {report.rejected:,})"
    )
    print(
        f"re-import, all unchanged: {second:.2f} s, {again.unchanged / second:,.0f} records/s "
        f"(unchanged {again.unchanged:,})"
    )
    print(f"peak memory: {peak_mb():,.0f} MB (before importing: {baseline_mb:,.0f} MB)")


if __name__ == "__main__":
    main()
