"""How fast, and in how much memory, glampub imports a large export.

    uv run python bench/import_speed.py --format lido --records 100000
    uv run python bench/import_speed.py --format csv --records 100000

Generates a realistic export (about 7 KB per LIDO record: see
bench/_synthetic.py), then measures in one process, on the same file:

- the yardstick: a bare pass over the file (``lxml.etree.iterparse`` with
  ``clear()`` for LIDO, ``csv.DictReader`` for CSV);
- the first import into a fresh SQLite database (parse, map, decide rights,
  hash, stage and publish in one transaction);
- a second import of the same file, where every record is unchanged;
- SQLite alone storing what the first import stored (its rows of objects,
  images and change events copied into a fresh database of the same schema,
  triggers and indexes, in multi-row statements of one batch in one
  transaction, as the import writes them): the ceiling of any import that
  stores these rows, with no parsing or mapping at all.

It prints records per second, each import's rate as a share of the
yardstick's, the CPU time of each import (the importing process, its reader
process, and with ``--database-url`` on a local PostgreSQL the server's
sessions serving it: see bench/_server_cpu.py), and the peak resident memory
of the importing process and of its reader process (files over 16 MB are
parsed in one: see glampub/importing/reader.py). Images are referenced but not sent, as
in a metadata-only update. Run it on an otherwise idle machine: the import
uses two cores, the yardstick one.
"""

from __future__ import annotations

import argparse
import csv
import resource
import sqlite3
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

from lxml import etree

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench._server_cpu import server_cpu_seconds  # noqa: E402
from bench._synthetic import write_csv, write_lido  # noqa: E402
from glampub.db import Database  # noqa: E402
from glampub.importing.run import ImportOptions, run_import  # noqa: E402
from glampub.institutions.registry import add_institution  # noqa: E402

LIDO = "{http://www.lido-schema.org}lido"
TARGETS = {"lido": 0.35, "csv": 0.15}


def bare_pass(path: Path, fmt: str) -> int:
    count = 0
    if fmt == "lido":
        for _, element in etree.iterparse(str(path), tag=LIDO, resolve_entities=False):
            count += 1
            element.clear()
            while element.getprevious() is not None:
                del element.getparent()[0]
    else:
        with path.open(encoding="utf-8", newline="") as handle:
            for _ in csv.DictReader(handle):
                count += 1
    return count


def storage_alone(
    stored: Path, fresh: Path, batch: int = 250, alter: Sequence[str] = ()
) -> tuple[float, float]:
    """Seconds SQLite takes to store again the rows in ``stored``: inserting, committing.

    ``alter``: statements run on the fresh schema first (bench/storage_floor.py
    drops parts of it to see what each costs)."""
    database = Database()
    database.connect(f"sqlite:///{fresh}")
    database.prepare()
    database.dispose()
    source = sqlite3.connect(stored)
    target = sqlite3.connect(fresh, isolation_level=None)
    target.execute("PRAGMA synchronous=NORMAL")
    for statement in alter:
        target.execute(statement)
    for row in source.execute("SELECT * FROM institution"):
        target.execute(f"INSERT INTO institution VALUES ({','.join('?' * len(row))})", row)
    inserting = 0.0
    target.execute("BEGIN")
    last = 0
    while True:
        objects = source.execute(
            "SELECT * FROM collection_object WHERE id > ? ORDER BY id LIMIT ?", (last, batch)
        ).fetchall()
        if not objects:
            break
        first, last = objects[0][0], objects[-1][0]
        tables = [("collection_object", objects)]
        for table in ("image", "change_event"):
            rows = source.execute(
                f"SELECT * FROM {table} WHERE object_id BETWEEN ? AND ?", (first, last)
            ).fetchall()
            tables.append((table, rows))
        start = time.perf_counter()
        for table, rows in tables:
            if rows:
                group = "(" + ",".join("?" * len(rows[0])) + ")"
                values = [value for row in rows for value in row]
                target.execute(
                    f"INSERT INTO {table} VALUES {','.join([group] * len(rows))}", values
                )
        inserting += time.perf_counter() - start
    start = time.perf_counter()
    target.execute("COMMIT")
    committing = time.perf_counter() - start
    source.close()
    target.close()
    return inserting, committing


def peak_mb(who: int = resource.RUSAGE_SELF) -> float:
    """Peak resident memory so far (Linux reports KiB): of this process, or of
    the largest of its finished child processes."""
    return resource.getrusage(who).ru_maxrss / 1024


class CpuClock:
    """CPU seconds of one import: this process, its reader, the database server's sessions."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.started = self._now()

    def _now(self) -> tuple[float, float, float | None]:
        children = resource.getrusage(resource.RUSAGE_CHILDREN)
        return (
            time.process_time(),
            children.ru_utime + children.ru_stime,
            server_cpu_seconds(self.url),
        )

    def report(self, records: int) -> str:
        (own, reader, server), (own0, reader0, server0) = self._now(), self.started
        parts = [f"importer {own - own0:,.1f} s", f"reader {reader - reader0:,.1f} s"]
        total = own - own0
        if server is not None and server0 is not None:
            parts.append(f"database server {server - server0:,.1f} s")
            total += server - server0
        per_record = total / max(1, records) * 1e6
        return f"CPU {', '.join(parts)} ({per_record:,.0f} us a record besides the reader)"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--format", choices=("lido", "csv"), default="lido")
    parser.add_argument("--records", type=int, default=100_000)
    parser.add_argument("--database-url", help="default: a fresh SQLite file")
    parser.add_argument("--workdir", type=Path, help="default: a temporary folder")
    parser.add_argument("--skip-reimport", action="store_true")
    parser.add_argument(
        "--skip-storage-alone", action="store_true", help="do not time SQLite storing alone"
    )
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(dir=args.workdir) as tmp:
        work = Path(tmp)
        writer = write_lido if args.format == "lido" else write_csv
        export = writer(work / f"export.{'xml' if args.format == 'lido' else 'csv'}", args.records)
        size_mb = export.stat().st_size / 1e6
        print(
            f"export: {args.format}, {args.records:,} records, {size_mb:,.1f} MB "
            f"({export.stat().st_size / args.records / 1024:,.1f} KB per record)",
            flush=True,
        )
        start = time.perf_counter()
        parsed = bare_pass(export, args.format)
        bare = parsed / (time.perf_counter() - start)
        yardstick = "lxml iterparse + clear()" if args.format == "lido" else "csv.DictReader"
        print(f"bare pass, {yardstick}: {bare:,.0f} records/s", flush=True)

        url = args.database_url or f"sqlite:///{work / 'bench.db'}"
        database = Database()
        database.connect(url)
        database.prepare()
        with database.transaction() as session:
            add_institution(session, "bench", "Bench Museum", work)
        options = ImportOptions(institution="bench", path=export, format=args.format)
        before_mb = peak_mb()
        clock = CpuClock(url)
        start = time.perf_counter()
        report = run_import(database, work, options)
        first = report.created / (time.perf_counter() - start)
        print(
            f"first import: {first:,.0f} records/s = {first / bare:.0%} of the bare pass "
            f"(target {TARGETS[args.format]:.0%}); created {report.created:,}, "
            f"rejected {report.rejected:,}, problems {report.problems.total:,}; "
            f"{clock.report(report.created)}",
            flush=True,
        )
        if not args.database_url and not args.skip_storage_alone:
            database.dispose()
            alone = work / "storage-alone.db"
            inserting, committing = storage_alone(work / "bench.db", alone)
            for leftover in work.glob("storage-alone.db*"):
                leftover.unlink()
            rate = report.created / (inserting + committing)
            print(
                f"SQLite alone storing what it stored: {rate:,.0f} records/s = {rate / bare:.0%} "
                f"of the bare pass ({inserting / report.created * 1e6:,.0f} us a record to "
                f"insert, {committing / report.created * 1e6:,.0f} us to commit)",
                flush=True,
            )
        if not args.skip_reimport:
            clock = CpuClock(url)
            start = time.perf_counter()
            again = run_import(database, work, options)
            second = again.unchanged / (time.perf_counter() - start)
            print(
                f"re-import, all unchanged: {second:,.0f} records/s = {second / bare:.0%} "
                f"of the bare pass; unchanged {again.unchanged:,}; {clock.report(again.unchanged)}",
                flush=True,
            )
        database.dispose()
    print(
        f"peak memory: {peak_mb():,.0f} MB in the importing process (before importing: "
        f"{before_mb:,.0f} MB), {peak_mb(resource.RUSAGE_CHILDREN):,.0f} MB in the reader process"
    )


if __name__ == "__main__":
    main()
