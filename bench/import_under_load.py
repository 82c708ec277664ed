"""Readers during a large import: manifests, info.json, tiles and search pages
under concurrent load while `glampub import` publishes 100,000 records.

    uv run --with gunicorn python bench/import_under_load.py [--records 100000]

A collection of ``--sample`` objects, each with an image, is published first
and glampub is started under gunicorn. Then reader threads, each on its own
keep-alive connection, ask in turn for manifests (cached before the import,
or never built yet: asked for under a new host name, so built and stored
while the import runs), info.json documents, tiles and search pages, while
the real command imports an export of ``--records`` records: every sample
object changed (its title gains " (revised)") and the rest new. Readers stop
a few seconds after the import has finished; the whole run is bounded by
``--max-seconds``.

Every answer is checked: a manifest or search page must be all old (no
revised title) or all new (as many revised titles as it has once the import
is done), never a mix; info.json and tiles must be byte for byte what they
were before or what they are after (a tile's metadata carries the title).
Printed: the import's duration and rate; requests, requests per second, p50,
p99 and maximum latency per kind; 5xx answers; answers over 2 s; mixed
answers. Targets (the exit status says whether they were met): no 5xx, no
request over 2 s, no mixed answer.

With ``--server postgresql+psycopg://postgres@127.0.0.1:5432`` the same runs
on a fresh PostgreSQL database on that server (dropped afterwards) instead of
SQLite.
"""

from __future__ import annotations

import argparse
import hashlib
import http.client
import itertools
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote, urlsplit

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench._servers import gunicorn  # noqa: E402
from bench._synthetic import RIGHTS, write_csv  # noqa: E402

CLI = [sys.executable, "-c", "from glampub.cli import main; main()"]
MARK = " (revised)"
MARK_BYTES = MARK.encode()
WITH_IMAGES = 12
SLOW = 2.0
#: Indexes into RIGHTS of open licences and marks.
OPEN = (0, 1, 2, 7)
QUERIES = ("mill", "river", "painting", "landscape mill")


@dataclass
class Tally:
    latencies: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    statuses: dict[int, int] = field(default_factory=lambda: defaultdict(int))
    seen: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    mixed: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    answers: list[tuple[str, str, int, int | str, float, float]] = field(default_factory=list)
    slow: list[tuple[float, float, str]] = field(default_factory=list)
    first_new: float | None = None
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, kind: str, status: int, seconds: float, verdict: str, url: str) -> None:
        with self.lock:
            self.latencies[kind].append(seconds)
            self.statuses[status] += 1
            self.seen[f"{kind}:{verdict}"] += 1
            if verdict == "mixed" and len(self.mixed) < 20:
                self.mixed.append(url)


def run(*args: str, env: dict[str, str]) -> None:
    result = subprocess.run([*CLI, *args], env=env, capture_output=True, text=True)
    if result.returncode not in (0, 3):
        sys.exit(f"glampub {' '.join(args)} failed:\n{result.stderr}")


def images(folder: Path, sample: int) -> Path:
    """An image for every sample object (only objects with one have a manifest);
    the first few big enough to be served from tiles."""
    from PIL import Image

    folder.mkdir()
    for n in range(sample):
        size = (2000, 1400) if n < WITH_IMAGES else (300, 200)
        Image.new("RGB", size, (n * 20 % 256, 90, 140)).save(folder / f"img-{n}.jpg")
    return folder


def digest(body: bytes) -> str:
    return hashlib.sha256(body).hexdigest()


def fetch(
    conn: http.client.HTTPConnection, path: str, host: str | None = None
) -> tuple[int, bytes, float]:
    began = time.monotonic()
    conn.request("GET", path, headers={"Host": host} if host else {})
    response = conn.getresponse()
    body = response.read()
    return response.status, body, time.monotonic() - began


class Targets:
    """The URLs asked for, and what their answers were before and after the import."""

    def __init__(self, base: str, sample: int) -> None:
        parts = urlsplit(base)
        self.host, self.port = parts.hostname or "127.0.0.1", parts.port or 80
        self.warm = [f"/iiif/3/bench/BENCH-{n}/manifest" for n in range(0, sample, 2)]
        self.cold = [f"/iiif/3/bench/BENCH-{n}/manifest" for n in range(1, sample, 2)]
        self.search = [f"/search?q={quote(q)}" for q in QUERIES]
        #: info.json and tiles: digests of their bodies before and after (a
        #: tile carries its credit, with the object's title, in its metadata).
        self.fixed: dict[str, str] = {}
        self.fixed_after: dict[str, str] = {}
        self.new_marks: dict[str, int] = {}
        #: When the import was started (request times are counted from it).
        self.began = time.monotonic()

    def connection(self) -> http.client.HTTPConnection:
        return http.client.HTTPConnection(self.host, self.port, timeout=60)

    def before(self) -> None:
        conn = self.connection()
        for path in self.warm + self.search:
            status, body, _ = fetch(conn, path)
            assert status == 200, (path, status)
            assert MARK.encode() not in body, path
        # Warm manifests' images under open licences (in-copyright ones are
        # served as small thumbnails only).
        for n in (n for n in range(0, WITH_IMAGES, 2) if n % len(RIGHTS) in OPEN):
            manifest = json.loads(fetch(conn, f"/iiif/3/bench/BENCH-{n}/manifest")[1])
            service = manifest["items"][0]["items"][0]["items"][0]["body"]["service"][0]["id"]
            image = urlsplit(service).path
            for path in (f"{image}/info.json", f"{image}/0,0,512,512/512,/0/default.jpg",
                         f"{image}/full/256,/0/default.jpg"):  # fmt: skip
                status, body, _ = fetch(conn, path)
                assert status == 200, (path, status)
                self.fixed[path] = digest(body)
        conn.close()

    def after(self) -> None:
        conn = self.connection()
        for path in self.warm + self.cold + self.search:
            status, body, _ = fetch(conn, path)
            assert status == 200, (path, status)
            self.new_marks[path] = body.count(MARK.encode())
            assert self.new_marks[path] > 0, f"{path} shows no revised title after the import"
        for path in self.fixed:
            status, body, _ = fetch(conn, path)
            assert status == 200, (path, status)
            self.fixed_after[path] = digest(body)
        conn.close()


def reader(targets: Targets, tally: Tally, stop: threading.Event, seed: int) -> None:
    chance = random.Random(seed)
    conn = targets.connection()
    hosts = itertools.count()
    fixed = list(targets.fixed)
    # (kind, path, status, what the body showed, seconds): judged after the
    # import, once the new answers are known; bodies are not kept.
    answers: list[tuple[str, str, int, int | str, float, float]] = []
    while not stop.is_set():
        pick = chance.random()
        host = None
        if pick < 0.35:
            kind, path = "manifest", chance.choice(targets.warm)
        elif pick < 0.45:
            # Never built for this host name (documents are stored per base
            # URL): built now, and stored while the import holds the database.
            kind, path = "manifest (cold)", chance.choice(targets.cold)
            host = f"reader-{seed}-{next(hosts)}.example"
        elif pick < 0.60:
            kind, path = "search page", chance.choice(targets.search)
        else:
            path = chance.choice(fixed)
            kind = "info.json" if path.endswith("info.json") else "tile"
        asked = time.monotonic() - targets.began
        try:
            status, body, seconds = fetch(conn, path, host)
        except (OSError, http.client.HTTPException) as exc:
            with tally.lock:
                tally.errors.append(f"{path}: {exc}")
            conn.close()
            conn = targets.connection()
            continue
        shown = digest(body) if path in targets.fixed else body.count(MARK_BYTES)
        answers.append((kind, path, status, shown, seconds, asked))
    conn.close()
    with tally.lock:
        tally.answers.extend(answers)


def judge(targets: Targets, tally: Tally) -> None:
    for kind, path, status, shown, seconds, asked in sorted(tally.answers, key=lambda a: a[5]):
        if status != 200:
            verdict = "error"
        elif path in targets.fixed:
            old, new = targets.fixed[path], targets.fixed_after[path]
            verdict = "old" if shown == old else "new" if shown == new else "mixed"
        else:
            marks = shown
            if marks == 0:
                verdict = "old"
            elif marks == targets.new_marks[path]:
                verdict = "new"
            else:
                verdict = "mixed"
        tally.add(kind, status, seconds, verdict, path)
        if verdict == "new" and tally.first_new is None:
            tally.first_new = asked + seconds
        if seconds > SLOW:
            tally.slow.append((asked, seconds, f"{kind} {path}"))


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--records", type=int, default=100_000)
    parser.add_argument("--sample", type=int, default=400, help="objects published first")
    parser.add_argument("--threads", type=int, default=12)
    parser.add_argument("--after", type=float, default=3.0, help="seconds of load after it")
    parser.add_argument("--max-seconds", type=float, default=1200)
    parser.add_argument("--server", help="a PostgreSQL server to use instead of SQLite")
    args = parser.parse_args()
    with fresh_database(args.server) as url:
        measure(args, url)


@contextmanager
def fresh_database(server: str | None) -> Iterator[str | None]:
    """A new database on ``server`` for the run, dropped after it (None: SQLite)."""
    if server is None:
        yield None
        return
    from sqlalchemy import create_engine, make_url, text
    from sqlalchemy.pool import NullPool

    name = f"glampub_load_{os.getpid()}"
    admin = create_engine(
        make_url(server).set(database="postgres"), isolation_level="AUTOCOMMIT", poolclass=NullPool
    )
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield make_url(server).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def measure(args: argparse.Namespace, url: str | None) -> None:
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="glampub-load-") as tmp:
        root = Path(tmp)
        env = {**os.environ, "GLAMPUB_DATA_DIR": str(root / "data")}
        env.pop("GLAMPUB_DATABASE_URL", None)
        env.pop("GLAMPUB_REDIS_URL", None)
        if url is not None:
            env["GLAMPUB_DATABASE_URL"] = url
        pictures = images(root / "images", args.sample)
        run("institution", "add", "bench", "--name", "Bench Museum", env=env)
        first = write_csv(root / "first.csv", args.sample)
        run("import", str(first), "--institution", "bench", "--images", str(pictures), env=env)
        print(f"exporting {args.records:,} records ...", flush=True)
        big = write_csv(root / "big.csv", args.records, variant=MARK)
        with gunicorn("glampub:create_app()", env) as server:
            targets = Targets(server.base_url, args.sample)
            targets.before()
            tally, stop = Tally(), threading.Event()
            threads = [
                threading.Thread(target=reader, args=(targets, tally, stop, n), daemon=True)
                for n in range(args.threads)
            ]
            for thread in threads:
                thread.start()
            print(f"importing {args.records:,} records under load ...", flush=True)
            import_began = targets.began = time.monotonic()
            importer = subprocess.Popen(
                [*CLI, "import", str(big), "--institution", "bench", "--images", str(pictures)],
                env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
            )  # fmt: skip
            remaining = args.max_seconds - (time.monotonic() - started)
            try:
                _, err = importer.communicate(timeout=max(remaining, 1))
            except subprocess.TimeoutExpired:
                importer.kill()
                stop.set()
                sys.exit(f"the import did not finish within --max-seconds {args.max_seconds:.0f}")
            import_seconds = time.monotonic() - import_began
            if importer.returncode not in (0, 3):
                stop.set()
                sys.exit(f"the import failed:\n{err}")
            time.sleep(args.after)
            stop.set()
            for thread in threads:
                thread.join()
            load_seconds = time.monotonic() - import_began
            targets.after()
    judge(targets, tally)
    report(tally, args, import_seconds, load_seconds)


def report(tally: Tally, args: argparse.Namespace, import_seconds: float, load: float) -> None:
    total = sum(len(v) for v in tally.latencies.values())
    print(
        f"\nimport of {args.records:,} records under load: {import_seconds:.1f} s "
        f"({args.records / import_seconds:,.0f} records/s)"
    )
    print(f"readers: {args.threads} threads, {total:,} requests in {load:.1f} s "
          f"({total / load:,.0f} req/s)")  # fmt: skip
    print(f"{'kind':<17}{'requests':>10}{'p50 ms':>9}{'p99 ms':>9}{'max ms':>9}")
    for kind, values in sorted(tally.latencies.items()):
        print(
            f"{kind:<17}{len(values):>10,}{statistics.median(values) * 1000:>9.1f}"
            f"{percentile(values, 0.99) * 1000:>9.1f}{max(values) * 1000:>9.1f}"
        )
    worst = max((max(v) for v in tally.latencies.values()), default=0.0)
    server_errors = sum(n for status, n in tally.statuses.items() if status >= 500)
    slow = sum(1 for v in tally.latencies.values() for s in v if s > SLOW)
    mixed = sum(n for key, n in tally.seen.items() if key.endswith(":mixed"))
    print("statuses:", dict(sorted(tally.statuses.items())))
    print("versions seen:", dict(sorted(tally.seen.items())))
    print(f"5xx: {server_errors}; over {SLOW:.0f} s: {slow} (max {worst * 1000:.0f} ms); "
          f"mixed versions: {mixed}; connection errors: {len(tally.errors)}")  # fmt: skip
    if tally.first_new is not None:
        print(f"the new version was first served {tally.first_new:.1f} s after the import "
              f"started; the import ended after {import_seconds:.1f} s")  # fmt: skip
    for asked, seconds, what in tally.slow[:8]:
        print(f"  slow: asked at {asked:.1f} s, answered in {seconds:.1f} s: {what}")
    for url in tally.mixed[:5]:
        print("  mixed:", url)
    for error in tally.errors[:5]:
        print("  error:", error)
    met = not server_errors and not slow and not mixed and not tally.errors
    print("targets met" if met else "TARGETS MISSED")
    sys.exit(0 if met else 1)


if __name__ == "__main__":
    main()
