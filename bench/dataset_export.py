"""``glampub export-dataset``: time and peak memory as the collection grows.

    uv run python bench/dataset_export.py --records 100000

Generates a CSV export (bench/_synthetic.py: varied titles, people, dates and
rights), imports a tenth of it into a fresh SQLite database and runs the
installed ``glampub export-dataset`` on the whole site, then imports it all
and exports again. Printed for each: records, wall seconds, the command's CPU
seconds (user + system, which the shared machine's other load does not
inflate) and its peak resident memory, and the size of what it wrote. The
same peak at a tenth and at the whole means the export holds one page of
objects at a time, whatever the collection's size.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench._synthetic import write_csv  # noqa: E402

GLAMPUB = Path(sys.executable).parent / "glampub"


def load(data_dir: Path, export: Path) -> None:
    from glampub import create_app
    from glampub.importing.run import ImportOptions, run_import
    from glampub.institutions.registry import add_institution

    app = create_app({"DATA_DIR": str(data_dir)})
    database = app.extensions["glampub.db"]
    with database.transaction() as session:
        add_institution(session, "bench", "Bench Museum", data_dir)
    started = time.perf_counter()
    report = run_import(database, data_dir, ImportOptions(institution="bench", path=export))
    print(
        f"imported {report.created:,} new records ({report.unchanged:,} unchanged) "
        f"in {time.perf_counter() - started:.1f} s"
    )
    database.dispose()


def export(data_dir: Path, outdir: Path) -> None:
    """The installed command in a child process: its wall time, CPU time and peak RSS."""
    env = {**os.environ, "GLAMPUB_DATA_DIR": str(data_dir)}
    env.pop("GLAMPUB_DATABASE_URL", None)
    started = time.perf_counter()
    child = subprocess.Popen(
        [str(GLAMPUB), "export-dataset", str(outdir), "--base-url", "https://bench.example"],
        env=env,
        stdout=subprocess.PIPE,
        text=True,
    )
    _pid, status, usage = os.wait4(child.pid, 0)
    wall = time.perf_counter() - started
    output = child.stdout.read() if child.stdout else ""
    if status != 0:
        raise SystemExit(f"export-dataset failed ({status}): {output}")
    records = output.split()[1]
    written = sum(p.stat().st_size for p in outdir.iterdir())
    print(
        f"export-dataset: {records} records in {wall:.1f} s wall, "
        f"{usage.ru_utime + usage.ru_stime:.1f} s CPU "
        f"({int(records.replace(',', '')) / max(wall, 1e-9):,.0f} records/s wall), "
        f"peak RSS {usage.ru_maxrss / 1024:.0f} MB, {written / 1e6:.1f} MB written"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=100_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="glampub-dataset-bench-") as folder:
        root = Path(folder)
        data_dir = root / "data"
        for count in (args.records // 10, args.records):
            load(data_dir, write_csv(root / f"export-{count}.csv", count))
            export(data_dir, root / f"out-{count}")


if __name__ == "__main__":
    main()
