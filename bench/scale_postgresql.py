"""A million objects on PostgreSQL: import, search, collection pages, change discovery.

    uv run --extra postgresql python bench/scale_postgresql.py --records 1000000
    uv run --extra postgresql python bench/scale_postgresql.py --records 20000 --format csv

Makes a fresh database on the server (``--server``, default the local one),
writes a synthetic export (bench/_synthetic.py: about 7 KB per LIDO record),
and imports it with the real ``glampub import`` command in a child process,
sampling the resident memory of that process and of its reader process
every second: a flat import holds the same memory at a tenth of the file as
at nine tenths. The export references its images without sending them, as
in a metadata-only import; since the IIIF Collection lists objects with an
ingested image, every image is then given a size, as an ingest would record.
The same file is then imported the same way into a temporary SQLite database
(``--skip-sqlite`` leaves that out), and both rates are printed side by side
with the CPU time of each import's processes (PostgreSQL's server sessions
are not among them). That import runs last, after everything below: it
writes a database as large as PostgreSQL's, and run in between it would push
PostgreSQL's pages out of the operating system's cache, which a server that
runs glampub alone keeps (on 7 December 2026 the date-range searches read
from disk that way took up to 3.7 s at a million objects).
Before it, in this process, through the WSGI app (no network):

- searches, each timed the first time (facets counted) and then (facets reused);
- fresh searches: a table of query kinds (no words, a common word, two words, a
  rare word, facet filters, date ranges, every sort, a deep page), each asked
  ``--fresh`` times with other words or values and with the stored and cached
  counts emptied first, so every one is a first search; p50/p95/p99 per kind
  and over all (the database's page cache stays as warm as the run left it);
- deep search pages: page 1 against page 200 of a few queries, each built
  with nothing cached (counts and where pages end forgotten), the median of
  ``--fresh`` tries interleaved;
- the institution's IIIF Collection: where its pages start, counted once per
  data version, then its first, middle and last pages, each built the first
  time (median of three, the stored page forgotten before each) and then from
  the cache;
- Change Discovery: the collection and its first, middle and last pages, likewise.

The database is dropped at the end unless ``--keep`` is given; ``--database``
measures a kept one again without importing (say, before and after a change
of the search code). Run it on an otherwise idle machine.

With ``--server-cores N`` the server runs on cores of its own during
PostgreSQL's import, as a site at a million objects usually runs its
database: its processes are pinned to the last N cores and the import's
processes to the others (bench/_cores.py; a local server, and the right to
set its cores). SQLite's import later runs on those same cores. On two cores
that is one core for each import against one more for the server: whether
PostgreSQL's import keeps up with SQLite's once the server's work no longer
takes the import's cores. The searches and pages run unpinned.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import random
import resource
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any, NamedTuple
from urllib.parse import quote

from sqlalchemy import create_engine, make_url, text
from sqlalchemy.pool import NullPool

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench._cores import CannotPin, server_pinned, split_cores  # noqa: E402
from bench._synthetic import PEOPLE as _PEOPLE  # noqa: E402
from bench._synthetic import write_csv, write_lido  # noqa: E402

CLI = [sys.executable, "-c", "from glampub.cli import main; main()"]
BASE_URL = "http://bench.test"
SEARCHES = {
    "no words, first page": "/search",
    "a word in every record": "/search?q=landscape",
    "a rare inventory number": "/search?q=GM+777777",
    "two words": "/search?q=mill+river",
    "word + free to reuse": "/search?q=painting&reuse=free",
    "creator facet": "/search?creator=Maria+Becker",
    "date range, oldest first": "/search?from=1850&to=1860&sort=date-asc",
    "deep page": "/search?q=landscape&page=200",
}
#: Words of the synthetic records (bench/_synthetic.py) in nearly every record
#: or in a share of them; names are each in 1 of 56 records.
COMMON = ("landscape", "mill", "river", "painting", "collection", "provenance", "restoration")
SHARED = ("bronze", "papier", "leinwand", "öl", "maria", "becker", "clara", "vogel")
PEOPLE = [name for name, _, _ in _PEOPLE]
REUSE = ("free", "conditions", "permission")
#: The rights URIs the synthetic records' statements map to (bench/_synthetic.py RIGHTS).
LICENCES = (
    "http://creativecommons.org/licenses/by/4.0/",
    "http://creativecommons.org/licenses/by-sa/4.0/",
    "http://rightsstatements.org/vocab/InC/1.0/",
)
#: The object type every synthetic record has (a painting, by its AAT concept).
TYPE = "http://vocab.getty.edu/aat/300033618"


def _year(rng: random.Random) -> int:
    return rng.randint(1800, 1990)


#: Kinds of fresh query: each makes a new URL from a random generator.
FRESH: dict[str, Callable[[random.Random], str]] = {
    "no words, recently published": lambda r: "/search?sort=newest",
    "no words, oldest first": lambda r: "/search?sort=date-asc",
    "no words, newest first": lambda r: "/search?sort=date-desc",
    "no words, by identifier": lambda r: "/search?sort=identifier",
    "a common word": lambda r: f"/search?q={r.choice(COMMON)}",
    "a common word, oldest first": lambda r: f"/search?q={r.choice(COMMON)}&sort=date-asc",
    "a common word, by identifier": lambda r: f"/search?q={r.choice(COMMON)}&sort=identifier",
    "a shared word": lambda r: f"/search?q={r.choice(SHARED)}",
    "two words": lambda r: f"/search?q={r.choice(COMMON)}+{r.choice(SHARED)}",
    "a name (two words)": lambda r: "/search?q=" + r.choice(PEOPLE).replace(" ", "+"),
    "a rare word": lambda r: f"/search?q={r.randint(10_000, 99_999)}",
    "a rare word, newest first": lambda r: f"/search?q={r.randint(10_000, 99_999)}&sort=date-desc",
    "a word + free to reuse": lambda r: f"/search?q={r.choice(SHARED)}&reuse=free",
    "creator facet": lambda r: "/search?creator=" + r.choice(PEOPLE).replace(" ", "+"),
    "creator facet + date range": lambda r: (
        "/search?creator="
        + r.choice(PEOPLE).replace(" ", "+")
        + f"&from={(y := _year(r))}&to={y + 30}"
    ),
    "date range, oldest first": lambda r: (
        f"/search?from={(y := _year(r))}&to={y + 10}&sort=date-asc"
    ),
    "a word + date range, newest first": lambda r: (
        f"/search?q={r.choice(SHARED)}&from={(y := _year(r))}&to={y + 40}&sort=date-desc"
    ),
    "reuse facet + date range": lambda r: (
        f"/search?reuse={r.choice(('free', 'conditions', 'permission'))}"
        f"&from={(y := _year(r))}&to={y + 20}"
    ),
    "a common word, page 200": lambda r: f"/search?q={r.choice(COMMON)}&page=200",
    "no words, page 200, by identifier": lambda r: "/search?sort=identifier&page=200",
    "a shared word, by identifier": lambda r: f"/search?q={r.choice(SHARED)}&sort=identifier",
    "two words, oldest first": lambda r: (
        f"/search?q={r.choice(COMMON)}+{r.choice(SHARED)}&sort=date-asc"
    ),
    "a name, newest first": lambda r: (
        "/search?q=" + r.choice(PEOPLE).replace(" ", "+") + "&sort=date-desc"
    ),
    "a rare word + free to reuse": lambda r: f"/search?q={r.randint(10_000, 99_999)}&reuse=free",
    "a rare word + creator facet": lambda r: (
        f"/search?q={r.randint(10_000, 99_999)}&creator=" + r.choice(PEOPLE).replace(" ", "+")
    ),
    "creator facet, by identifier": lambda r: (
        "/search?creator=" + r.choice(PEOPLE).replace(" ", "+") + "&sort=identifier"
    ),
    "reuse facet": lambda r: f"/search?reuse={r.choice(REUSE)}",
    "licence facet": lambda r: f"/search?licence={quote(r.choice(LICENCES), safe='')}",
    "licence facet + a word, oldest first": lambda r: (
        f"/search?licence={quote(r.choice(LICENCES), safe='')}&q={r.choice(SHARED)}&sort=date-asc"
    ),
    "type facet": lambda r: f"/search?type={quote(TYPE, safe='')}",
    "institution facet, newest first": lambda r: "/search?institution=bench&sort=date-desc",
    "date range, newest first": lambda r: (
        f"/search?from={(y := _year(r))}&to={y + 25}&sort=date-desc"
    ),
    "a word + creator facet + date range": lambda r: (
        f"/search?q={r.choice(COMMON)}&creator="
        + r.choice(PEOPLE).replace(" ", "+")
        + f"&from={(y := _year(r))}&to={y + 60}"
    ),
    "a shared word, page 50": lambda r: f"/search?q={r.choice(SHARED)}&page=50",
    "a word + reuse + creator + dates, oldest first": lambda r: (
        f"/search?q={r.choice(SHARED)}&reuse={r.choice(REUSE)}&creator="
        + r.choice(PEOPLE).replace(" ", "+")
        + f"&from={(y := _year(r))}&to={y + 80}&sort=date-asc"
    ),
}


#: The run's figures as Markdown tables, written to ``--markdown`` at the end
#: (the README's scaling section shows them as printed here).
MARKDOWN: list[str] = []


def rss_mb(pid: int) -> list[float]:
    """Resident memory of one process and of each of its descendants, in MB
    (the process first; empty once it is gone)."""
    try:
        children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
        own = next(
            int(line.split()[1]) / 1024
            for line in Path(f"/proc/{pid}/status").read_text().splitlines()
            if line.startswith("VmRSS:")
        )
    except (FileNotFoundError, ProcessLookupError, StopIteration):
        return []
    return [own] + [mb for child in children for mb in rss_mb(int(child))]


def children_cpu() -> float:
    """CPU seconds of the finished child processes (and theirs) so far."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def run_import(
    env: dict[str, str], export: Path, fmt: str, cores: set[int] | None
) -> tuple[float, list[list[float]]]:
    """``glampub import`` in a child process (on ``cores``, which its reader process
    inherits; None: any); its duration and memory each second."""
    started = time.perf_counter()
    process = subprocess.Popen(
        [*CLI, "import", str(export), "--institution", "bench", "--format", fmt, "--json"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        preexec_fn=None if cores is None else lambda: os.sched_setaffinity(0, cores),
    )
    samples: list[list[float]] = []

    def sample() -> None:
        while process.poll() is None:
            samples.append(rss_mb(process.pid))
            time.sleep(1)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    out, err = process.communicate()
    sampler.join()
    took = time.perf_counter() - started
    if process.returncode != 0:
        raise SystemExit(f"glampub import failed ({process.returncode}):\n{err[-3000:]}")
    print(f"import report: {out.strip()[:400]}")
    return took, samples


def memory_at_tenths(samples: list[list[float]]) -> str:
    """The importer's resident memory and its reader process's at a tenth, half
    and nine tenths of the run, each process on its own (the limit is per process)."""
    tenths = [samples[min(len(samples) - 1, len(samples) * k // 10)] for k in (1, 5, 9)]
    importer = " / ".join(f"{sample[0] if sample else 0:,.0f}" for sample in tenths)
    reader = " / ".join(f"{max(sample[1:], default=0):,.0f}" for sample in tenths)
    return f"importer {importer} MB, reader {reader} MB"


def timed(label: str, call: Callable[[], Any], runs: int = 5) -> Any:
    """Times ``runs`` calls (the first one builds, the later ones are cached); the last answer."""
    times = []
    for _ in range(runs):
        began = time.perf_counter()
        response = call()
        times.append((time.perf_counter() - began) * 1000)
        assert response.status_code == 200, (label, response.status_code)
    print(f"  {label:<34} first {times[0]:8.1f} ms   then {statistics.median(times[1:]):7.1f} ms")
    return response


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=1_000_000)
    parser.add_argument("--format", choices=("lido", "csv"), default="lido")
    parser.add_argument("--server", default="postgresql+psycopg://postgres@127.0.0.1:5432")
    parser.add_argument("--workdir", type=Path, help="default: a temporary folder")
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards")
    parser.add_argument("--database", help="measure this kept database again (no import)")
    parser.add_argument("--fresh", type=int, default=5, help="fresh queries of each kind")
    parser.add_argument(
        "--pages-only",
        action="store_true",
        help="only deep search pages, collection and discovery pages (no search tables)",
    )
    parser.add_argument(
        "--skip-sqlite", action="store_true", help="do not import the file into SQLite as well"
    )
    parser.add_argument(
        "--server-cores",
        type=int,
        default=0,
        help="during the imports, pin the (local) server to this many cores, the imports "
        "to the others (default: all share every core)",
    )
    parser.add_argument(
        "--markdown", type=Path, help="also write the figures to this file as Markdown tables"
    )
    args = parser.parse_args()
    try:
        run(args)
    except CannotPin as exc:
        raise SystemExit(f"--server-cores: {exc}") from None
    finally:
        if args.markdown and MARKDOWN:
            args.markdown.write_text("\n".join(MARKDOWN).rstrip() + "\n", encoding="utf-8")


def run(args: argparse.Namespace) -> None:
    if args.database:
        url = make_url(args.server).set(database=args.database)
        with tempfile.TemporaryDirectory(dir=args.workdir) as tmp:
            measure_pages(
                Path(tmp), url.render_as_string(hide_password=False), args.fresh, args.pages_only
            )
        return

    server = make_url(args.server)
    name = f"glampub_bench_{uuid.uuid4().hex[:8]}"
    admin = create_engine(
        server.set(database="postgres"), isolation_level="AUTOCOMMIT", poolclass=NullPool
    )
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    url = server.set(database=name).render_as_string(hide_password=False)
    print(f"database: {name}", flush=True)
    try:
        with tempfile.TemporaryDirectory(dir=args.workdir) as tmp:
            cores = split_cores(args.server_cores) if args.server_cores else None
            imported = measure(Path(tmp), url, args.records, args.format, cores)
            measure_pages(Path(tmp), url, args.fresh, args.pages_only)
            if not args.skip_sqlite:
                compare_with_sqlite(Path(tmp), imported, args.format, args.records)
    finally:
        if not args.keep:
            with admin.connect() as connection:
                connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def _cores(cores: set[int]) -> str:
    """How cores read in the figures: 1 core (1), 2 cores (0, 1)."""
    numbers = ", ".join(map(str, sorted(cores)))
    return f"{len(cores)} core{'s' if len(cores) > 1 else ''} ({numbers})"


class PostgresImport(NamedTuple):
    export: Path
    rate: float  # records a second
    sqlite_row_at: int  # where in MARKDOWN the SQLite import's row belongs
    cores: set[int] | None  # the cores the import ran on; None: any


def measure(
    work: Path, url: str, records: int, fmt: str, cores: tuple[set[int], set[int]] | None
) -> PostgresImport:
    """Write the export and import it into PostgreSQL; with ``cores`` (the import's,
    the server's), each on its own."""
    started = time.perf_counter()
    writer = write_lido if fmt == "lido" else write_csv
    export = writer(work / f"export.{'xml' if fmt == 'lido' else 'csv'}", records)
    size = export.stat().st_size
    print(
        f"export: {fmt}, {records:,} records, {size / 1e6:,.0f} MB, "
        f"written in {time.perf_counter() - started:,.0f} s",
        flush=True,
    )
    env = {**os.environ, "GLAMPUB_DATA_DIR": str(work / "data"), "GLAMPUB_DATABASE_URL": url}
    subprocess.run(
        [*CLI, "institution", "add", "bench", "--name", "Bench Museum"], env=env, check=True
    )

    import_cores, server_cores = cores or (None, None)
    if cores:
        print(
            f"cores: the imports on {sorted(import_cores)}, the server on {sorted(server_cores)}",
            flush=True,
        )
    with server_pinned(url, server_cores) if server_cores else contextlib.nullcontext():
        cpu = children_cpu()
        took, samples = run_import(env, export, fmt, import_cores)
        cpu = children_cpu() - cpu
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    memory = memory_at_tenths(samples)
    print(
        f"import: {took:,.0f} s = {records / took:,.0f} records/s (CPU of the import's "
        f"processes {cpu:,.0f} s); resident memory at 10/50/90% of the run: {memory}; "
        f"peak of the largest process {peak:,.0f} MB",
        flush=True,
    )
    MARKDOWN.extend(
        [
            f"Import of {records:,} LIDO records ({size / 1e6:,.0f} MB):"
            if fmt == "lido"
            else f"Import of {records:,} CSV rows ({size / 1e6:,.0f} MB):",
            *(
                [
                    "",
                    f"Each import on {_cores(import_cores)}; PostgreSQL's server on "
                    f"{_cores(server_cores)} of its own.",
                ]
                if cores
                else []
            ),
            "",
            "| Database | Time | Records/s | CPU of the import's processes | Memory at 10/50/90% |",
            "|---|---|---|---|---|",
            f"| PostgreSQL | {took:,.0f} s | {records / took:,.0f} | {cpu:,.0f} s | {memory} |",
        ]
    )
    sqlite_row_at = len(MARKDOWN)  # the SQLite import's row goes here, measured last
    engine = create_engine(url, poolclass=NullPool)
    with engine.begin() as connection:
        # The export references images without sending them (a metadata-only
        # import), and the IIIF Collection lists only objects with an ingested
        # image: give every image the size an ingest would have recorded.
        connection.execute(text("UPDATE image SET width = 4000, height = 3000"))
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        # As autovacuum would before long (and a server may run without it):
        # statistics that know the images' sizes and the objects' values, and
        # the visibility map that lets index-only scans skip the table.
        connection.execute(text("VACUUM ANALYZE"))
        db_size = connection.execute(text("SELECT pg_database_size(current_database())")).scalar()
        objects = connection.execute(text("SELECT count(*) FROM collection_object")).scalar()
    engine.dispose()
    print(f"database: {objects:,} objects, {db_size / 1e9:,.1f} GB", flush=True)
    MARKDOWN.extend(["", f"Database: {objects:,} objects, {db_size / 1e9:,.1f} GB.", ""])
    return PostgresImport(export, records / took, sqlite_row_at, import_cores)


def compare_with_sqlite(work: Path, imported: PostgresImport, fmt: str, records: int) -> None:
    """Import the same file the same way into a temporary SQLite database; print both
    rates; the row goes under PostgreSQL's in the import's table."""
    folder = work / "sqlite"
    folder.mkdir()
    env = {
        **os.environ,
        "GLAMPUB_DATA_DIR": str(folder / "data"),
        "GLAMPUB_DATABASE_URL": f"sqlite:///{folder / 'glampub.db'}",
    }
    try:
        subprocess.run(
            [*CLI, "institution", "add", "bench", "--name", "Bench Museum"], env=env, check=True
        )
        cpu = children_cpu()
        took, samples = run_import(env, imported.export, fmt, imported.cores)
        cpu = children_cpu() - cpu
    finally:
        for leftover in folder.glob("glampub.db*"):
            leftover.unlink()
    sqlite_rate = records / took
    print(
        f"the same file into SQLite: {took:,.0f} s = {sqlite_rate:,.0f} records/s (CPU of the "
        f"import's processes {cpu:,.0f} s; memory {memory_at_tenths(samples)}); "
        f"PostgreSQL {imported.rate:,.0f} records/s = "
        f"{imported.rate / sqlite_rate:.0%} of SQLite's rate",
        flush=True,
    )
    MARKDOWN.insert(
        imported.sqlite_row_at,
        f"| SQLite, the same file | {took:,.0f} s | {sqlite_rate:,.0f} | {cpu:,.0f} s "
        f"| {memory_at_tenths(samples)} |",
    )


def forget_counts(app: Any) -> None:
    """Empty the stored and cached search counts: the next search is a first one."""
    from glampub.search import keyset
    from glampub.search import query as search_query

    with app.extensions["glampub.db"].transaction() as session:
        session.execute(text("DELETE FROM search_summary"))
    with search_query._CACHE._lock:
        search_query._CACHE._items.clear()
    keyset.PAGE_ENDS.clear()


#: Page 1 against page 200, nothing cached: one query per way a page is found.
DEEP = {
    "no words, recently published": "/search?sort=newest",
    "no words, by identifier": "/search?sort=identifier",
    "no words, oldest first": "/search?sort=date-asc",
    "a common word": "/search?q=landscape",
    "a common word, by identifier": "/search?q=mill&sort=identifier",
    "creator facet, newest first": "/search?creator=Maria+Becker&sort=date-desc",
}


def deep_pages(app: Any, client: Any, runs: int) -> None:
    """Page 1 and page 200 of each DEEP query, each a first search (counts and
    page ends forgotten), interleaved ``runs`` times; medians."""
    print(f"search page 1 against page 200 (nothing cached, median of {runs}):")
    print(f"  {'query':<36} {'page 1':>9} {'page 200':>9}")
    MARKDOWN.extend(
        [
            f"Search result pages, nothing cached (median of {runs}):",
            "",
            "| Query | Page 1 | Page 200 |",
            "|---|---|---|",
        ]
    )
    for label, path in DEEP.items():
        times: dict[int, list[float]] = {1: [], 200: []}
        for _ in range(runs):
            for page in (1, 200):
                forget_counts(app)
                began = time.perf_counter()
                response = client.get(f"{path}&page={page}")
                times[page].append((time.perf_counter() - began) * 1000)
                assert response.status_code == 200, (path, page)
        print(
            f"  {label:<36} {statistics.median(times[1]):6.0f} ms"
            f" {statistics.median(times[200]):6.0f} ms",
            flush=True,
        )
        MARKDOWN.append(
            f"| {label} | {statistics.median(times[1]):,.0f} ms "
            f"| {statistics.median(times[200]):,.0f} ms |"
        )
    MARKDOWN.append("")


def forget_documents(app: Any, prefix: str) -> None:
    """Drop the stored and served documents whose key starts with ``prefix``:
    the next request for one builds it ("collection:" leaves the counted page
    boundaries, "collection-paging:…", in place; "collection" drops them too)."""
    with app.extensions["glampub.db"].transaction() as session:
        session.execute(
            text("DELETE FROM document_cache WHERE key LIKE :prefix"), {"prefix": prefix + "%"}
        )
    answers = app.extensions["glampub.fast_documents"].answers
    with answers._lock:
        answers._entries.clear()
        answers._bytes = 0


def first_builds(app: Any, client: Any, label: str, path: str, prefix: str) -> None:
    """A page built the first time (three times, its stored copy forgotten
    before each, the page boundaries kept), then served from the cache."""
    built = []
    for _ in range(3):
        forget_documents(app, prefix)
        began = time.perf_counter()
        response = client.get(path)
        built.append((time.perf_counter() - began) * 1000)
        assert response.status_code == 200, (path, response.status_code)
    cached = []
    for _ in range(3):
        began = time.perf_counter()
        client.get(path)
        cached.append((time.perf_counter() - began) * 1000)
    print(
        f"  {label:<34} first {statistics.median(built):8.1f} ms   "
        f"then {statistics.median(cached):7.1f} ms"
    )
    MARKDOWN.append(
        f"| {label} | {statistics.median(built):,.0f} ms | {statistics.median(cached):,.1f} ms |"
    )


def top_first_ms(app: Any, client: Any, path: str, prefix: str) -> float:
    """Milliseconds of a top document's first build with its page boundaries
    counted anew (everything stored under ``prefix`` forgotten first)."""
    forget_documents(app, prefix)
    began = time.perf_counter()
    response = client.get(path)
    assert response.status_code == 200, (path, response.status_code)
    return (time.perf_counter() - began) * 1000


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def fresh_searches(app: Any, client: Any, runs: int) -> None:
    """Every kind of FRESH query ``runs`` times, each a first search."""
    rng = random.Random(23)
    every: list[float] = []
    print(f"fresh searches ({runs} of each kind, counts forgotten before each):")
    print(f"  {'query':<36} {'p50':>8} {'p95':>8} {'p99':>8}  results (first)")
    MARKDOWN.extend(
        [
            f"Fresh searches, {len(FRESH)} kinds, {runs} of each with other words or values, "
            "every one a first search (no stored or cached counts):",
            "",
            "| Query | p50 | p95 | p99 | Results (the first) |",
            "|---|---|---|---|---|",
        ]
    )
    for label, make in FRESH.items():
        times = []
        shown = ""
        for _ in range(runs):
            path = make(rng)
            forget_counts(app)
            began = time.perf_counter()
            response = client.get(path)
            times.append((time.perf_counter() - began) * 1000)
            assert response.status_code == 200, (path, response.status_code)
            if not shown:
                body = response.get_data(as_text=True)
                start = body.find('class="result-count"')
                shown = body[body.find(">", start) + 1 : body.find("</p>", start)][:40]
        every += times
        print(
            f"  {label:<36} {percentile(times, 0.5):6.0f} ms {percentile(times, 0.95):6.0f} ms"
            f" {percentile(times, 0.99):6.0f} ms  {shown}",
            flush=True,
        )
        MARKDOWN.append(
            f"| {label} | {percentile(times, 0.5):,.0f} ms | {percentile(times, 0.95):,.0f} ms "
            f"| {percentile(times, 0.99):,.0f} ms | {' '.join(shown.split()).split(' for “')[0]} |"
        )
    print(
        f"  {'all ' + str(len(every)) + ' fresh searches':<36} {percentile(every, 0.5):6.0f} ms"
        f" {percentile(every, 0.95):6.0f} ms {percentile(every, 0.99):6.0f} ms"
    )
    MARKDOWN.extend(
        [
            f"| **All {len(every)} fresh searches** | **{percentile(every, 0.5):,.0f} ms** "
            f"| **{percentile(every, 0.95):,.0f} ms** | **{percentile(every, 0.99):,.0f} ms** | |",
            "",
        ]
    )


def measure_pages(work: Path, url: str, runs: int, pages_only: bool = False) -> None:
    """Search, IIIF Collection and Change Discovery through the WSGI app."""
    from glampub import create_app

    app = create_app({"DATA_DIR": str(work / "data"), "DATABASE_URL": url, "BASE_URL": BASE_URL})
    client = app.test_client()
    if not pages_only:
        print("search (the public search page):")
        for label, path in SEARCHES.items():
            timed(label, lambda path=path: client.get(path))
        fresh_searches(app, client, runs)

    deep_pages(app, client, runs)

    # Imported before the clock starts, as a worker that has served any IIIF
    # document has it: the first collection would otherwise time the import.
    import iiif_prezi3  # noqa: F401

    print("IIIF Collection of the institution:")
    forget_documents(app, "collection")
    top = timed(
        "collection (counts where pages start)", lambda: client.get("/iiif/3/collection/bench")
    )
    MARKDOWN.extend(
        [
            "IIIF Collection and Change Discovery pages, built the first time (median of 3, "
            "the stored page forgotten before each) and then served:",
            "",
            "| Page | First build | Then |",
            "|---|---|---|",
            f"| the institution's collection, with where its pages start counted "
            f"| {top_first_ms(app, client, '/iiif/3/collection/bench', 'collection'):,.0f} ms | |",
        ]
    )
    pages = len(top.get_json()["items"])
    for label, page in (("first", 1), ("middle", (pages + 1) // 2), ("last", pages)):
        first_builds(
            app,
            client,
            f"page {page:,} of {pages:,} ({label})",
            f"/iiif/3/collection/bench/page/{page}",
            "collection:",
        )

    print("Change Discovery:")
    forget_documents(app, "discovery")
    changes = timed(
        "all-changes (counts where pages start)", lambda: client.get("/iiif/discovery/all-changes")
    )
    MARKDOWN.append(
        f"| Change Discovery, with where its pages start counted "
        f"| {top_first_ms(app, client, '/iiif/discovery/all-changes', 'discovery'):,.0f} ms | |"
    )
    last = int(changes.get_json()["last"]["id"].rsplit("/", 1)[1])
    for label, page in (("first", 1), ("middle", (last + 1) // 2), ("last", last)):
        first_builds(
            app,
            client,
            f"page {page:,} of {last:,} ({label})",
            f"/iiif/discovery/all-changes/page/{page}",
            "discovery:",
        )
    app.extensions["glampub.db"].dispose()


if __name__ == "__main__":
    main()
