"""How long ``glampub import`` of a three-record CSV takes, and what it loads.

    uv run python bench/cli_start.py [--runs 10] [--source DIR]

Each run is a fresh interpreter running the command as the entry point does,
on the same file into the same SQLite database (the first, unmeasured run
of each tree creates the records and compiles its bytecode, kept in a
temporary folder; every measured run finds them unchanged). Such an import
is nearly all start-up: loading glampub and its libraries, opening and
preparing the database. It prints, per tree, the median wall time, the
median CPU time (user + system, of the child process: steadier than wall
time on a shared machine), the modules the interpreter holds when the
command ends and whether Flask is among them.

``--source`` also runs another checkout (e.g. one of the commit before a
change), alternating the two run by run so that both meet the same load.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parents[1]

# The entry point (glampub.cli:main), then what the interpreter holds, to argv[1].
COMMAND = """
import json, sys
from glampub.cli import main
try:
    main(sys.argv[2:], prog_name="glampub")
except SystemExit as end:
    code = end.code
with open(sys.argv[1], "w") as out:
    json.dump({"exit": code, "modules": len(sys.modules), "flask": "flask" in sys.modules}, out)
"""


def child_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def run(tree: Path, work: Path, *args: str) -> dict[str, float]:
    """``glampub ARGS`` from ``tree``: its wall and CPU seconds, modules, Flask loaded."""
    env = {
        **{k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"},
        "PYTHONPATH": str(tree),
        "PYTHONPYCACHEPREFIX": str(work / f"bytecode-{abs(hash(tree))}"),
        "GLAMPUB_DATA_DIR": str(work / "data"),
    }
    env.pop("GLAMPUB_DATABASE_URL", None)
    result = work / "result.json"
    cpu, wall = child_cpu(), time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-c", COMMAND, str(result), *args],
        cwd=work,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    wall, cpu = time.perf_counter() - wall, child_cpu() - cpu
    ran = json.loads(result.read_text())
    if ran["exit"] not in (0, None):
        raise SystemExit(f"glampub {' '.join(args)} ({tree}) failed:\n{done.stderr}")
    return {"wall": wall, "cpu": cpu, "modules": ran["modules"], "flask": ran["flask"]}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=10)
    parser.add_argument("--source", type=Path, help="another checkout, run alternately")
    options = parser.parse_args()
    trees = [HERE] + ([options.source.resolve()] if options.source else [])
    with tempfile.TemporaryDirectory(prefix="glampub-cli-start-") as folder:
        work = Path(folder)
        (work / "tiny.csv").write_text(
            "identifier,title,rights\nA1,Jug,CC0\nA2,Bowl,In Copyright\nA3,Cup,CC BY 4.0\n",
            encoding="utf-8",
        )
        run(HERE, work, "institution", "add", "bench", "--name", "Bench")
        command = ("import", "tiny.csv", "--institution", "bench", "--json")
        for tree in trees:
            run(tree, work, *command)  # creates the records, compiles the bytecode
        measured: dict[Path, list[dict[str, float]]] = {tree: [] for tree in trees}
        for _ in range(options.runs):
            for tree in trees:
                measured[tree].append(run(tree, work, *command))
    for tree, runs in measured.items():
        wall = statistics.median(r["wall"] for r in runs)
        cpu = statistics.median(r["cpu"] for r in runs)
        print(
            f"{tree}: glampub import (3 records, unchanged), median of {len(runs)}: "
            f"wall {wall:.3f} s, CPU {cpu:.3f} s; {runs[-1]['modules']} modules loaded, "
            f"flask loaded: {'yes' if runs[-1]['flask'] else 'no'}"
        )


if __name__ == "__main__":
    main()
