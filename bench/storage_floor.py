"""What storing an import costs SQLite, part by part, against the import's yardstick.

    uv run python bench/storage_floor.py --format csv --records 100000
    uv run python bench/storage_floor.py --format lido --records 100000

bench/import_speed.py measures an import as a share of a bare pass over the
file (``lxml.etree.iterparse`` with ``clear()``, ``csv.DictReader``). This
asks how much of that budget storing alone leaves: it imports the generated
export once, then stores the imported rows again into fresh databases (as
``storage_alone`` there: the import's batches, one transaction, no parsing or
mapping) with parts of the schema taken away, and last into the least schema
any import that keeps records and makes them searchable needs: one table with
a unique (institution, identifier) and the source record, and an FTS5 index of
the record's text. Each line prints microseconds a record and the rate as a
share of the yardstick; the first line prints what the target share leaves for
everything an import does, storing included. The import uses two cores and
SQLite writes on one: storing must fit the budget on its own.
"""

from __future__ import annotations

import argparse
import sqlite3
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench._synthetic import write_csv, write_lido  # noqa: E402
from bench.import_speed import TARGETS, bare_pass, storage_alone  # noqa: E402
from glampub.db import Database  # noqa: E402
from glampub.importing.run import ImportOptions, run_import  # noqa: E402
from glampub.institutions.registry import add_institution  # noqa: E402

#: The tables an import writes, whose indexes and triggers are taken away in turn.
WRITTEN = ("collection_object", "image", "change_event", "object_facet")

_LEAST_SCHEMA = (
    "CREATE TABLE record (id INTEGER PRIMARY KEY, institution_id INTEGER NOT NULL, "
    "identifier TEXT NOT NULL, source_record BLOB, search_text TEXT, "
    "UNIQUE (institution_id, identifier))",
    "CREATE VIRTUAL TABLE record_fts USING fts5(search_text, content='record', "
    "content_rowid='id', tokenize='unicode61 remove_diacritics 2')",
    "CREATE TRIGGER record_fts_insert AFTER INSERT ON record BEGIN "
    "INSERT INTO record_fts(rowid, search_text) VALUES (new.id, new.search_text); END",
)


def schema_parts(stored: Path) -> tuple[list[str], list[str], list[str]]:
    """The facet triggers, the full-text triggers and the secondary indexes of ``stored``."""
    connection = sqlite3.connect(stored)
    try:
        triggers = connection.execute(
            "SELECT name FROM sqlite_master WHERE type = 'trigger' ORDER BY name"
        ).fetchall()
        indexes = connection.execute(
            "SELECT name FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL "
            f"AND tbl_name IN ({','.join('?' * len(WRITTEN))}) ORDER BY name",
            WRITTEN,
        ).fetchall()
    finally:
        connection.close()
    facets = [name for (name,) in triggers if "facet" in name]
    full_text = [name for (name,) in triggers if "fts" in name]
    return facets, full_text, [name for (name,) in indexes]


def least_searchable_store(stored: Path, fresh: Path, batch: int = 250) -> float:
    """Seconds to store each object's identifier, source record and text in the least schema."""
    source = sqlite3.connect(stored)
    target = sqlite3.connect(fresh, isolation_level=None)
    for pragma in ("page_size=16384", "journal_mode=WAL", "synchronous=NORMAL"):
        target.execute(f"PRAGMA {pragma}")
    for statement in _LEAST_SCHEMA:
        target.execute(statement)
    rows = source.execute(
        "SELECT institution_id, identifier, source_record, search_text "
        "FROM collection_object ORDER BY id"
    )
    seconds = 0.0
    target.execute("BEGIN")
    while chunk := rows.fetchmany(batch):
        values = [value for row in chunk for value in row]
        start = time.perf_counter()
        target.execute(
            "INSERT INTO record (institution_id, identifier, source_record, search_text) "
            f"VALUES {','.join(['(?,?,?,?)'] * len(chunk))}",
            values,
        )
        seconds += time.perf_counter() - start
    start = time.perf_counter()
    target.execute("COMMIT")
    seconds += time.perf_counter() - start
    source.close()
    target.close()
    return seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--format", choices=("lido", "csv"), default="csv")
    parser.add_argument("--records", type=int, default=100_000)
    parser.add_argument("--workdir", type=Path, help="default: a temporary folder")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(dir=args.workdir) as tmp:
        work = Path(tmp)
        writer = write_lido if args.format == "lido" else write_csv
        export = writer(work / f"export.{'xml' if args.format == 'lido' else 'csv'}", args.records)
        start = time.perf_counter()
        records = bare_pass(export, args.format)
        bare = records / (time.perf_counter() - start)
        target = TARGETS[args.format]
        print(
            f"yardstick: {bare:,.0f} records/s ({1e6 / bare:,.1f} us a record); the target, "
            f"{target:.0%} of it, leaves {1e6 / (target * bare):,.1f} us a record for the "
            "whole import",
            flush=True,
        )

        stored = work / "imported.db"
        database = Database()
        database.connect(f"sqlite:///{stored}")
        database.prepare()
        with database.transaction() as session:
            add_institution(session, "bench", "Bench Museum", work)
        report = run_import(
            database, work, ImportOptions(institution="bench", path=export, format=args.format)
        )
        database.dispose()
        count = report.created

        def show(label: str, seconds: float) -> None:
            rate = count / seconds
            print(
                f"{label}: {seconds / count * 1e6:,.1f} us a record = {rate / bare:.1%} "
                "of the yardstick",
                flush=True,
            )

        facets, full_text, indexes = schema_parts(stored)
        drop_facets = [f"DROP TRIGGER {name}" for name in facets]
        drop_full_text = [f"DROP TRIGGER {name}" for name in full_text]
        drop_indexes = [f"DROP INDEX {name}" for name in indexes]
        variants = {
            "glampub's schema, all of it": [],
            "  without the facet triggers": drop_facets,
            "  without the full-text triggers": drop_full_text,
            f"  without the {len(indexes)} secondary indexes": drop_indexes,
            "  the rows alone (objects, images, change events; keys only)": (
                drop_facets + drop_full_text + drop_indexes
            ),
        }
        for label, alter in variants.items():
            fresh = work / "alone.db"
            show(label, sum(storage_alone(stored, fresh, alter=alter)))
            for leftover in work.glob("alone.db*"):
                leftover.unlink()
        show(
            "least searchable store (one row, unique key, FTS5)",
            least_searchable_store(stored, work / "least.db"),
        )


if __name__ == "__main__":
    main()
