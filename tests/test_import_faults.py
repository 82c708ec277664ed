"""Faults during `glampub import`, on the real command in subprocesses.

One import per institution runs at a time: a second one is refused while the
first holds the lock, and two started at the same moment never both run. An
import killed with SIGKILL, at chosen points (once it holds the lock, among
its batches, each side of its commits) or at random moments (before its lock,
among its batches, while it stores images, while it commits), must leave a
database that passes every integrity check, serve what was published before
exactly as before (or, killed after its commit, the whole new version), and
let the next import complete. A full disk fails clearly and publishes nothing.
Most of the killed imports are forked from a process that has loaded glampub
already (tests/command_launcher.py): the same command, without the second of
start-up in which a new interpreter touches neither database nor files.

The imports read generated LIDO exports (see bench/_synthetic.py) into the
database of a temporary data folder (its SQLite file, or its PostgreSQL
database when the suite runs on PostgreSQL). To catch an import at an exact
point, a record names an image on a local web server that holds the request
open: with --fetch-images the import publishes, then harvests its image URLs
still holding its lock, and waits there until the test kills it or lets the
image through.
"""

from __future__ import annotations

import json
import os
import random
import sqlite3
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from PIL import Image
from sqlalchemy.engine import make_url

from glampub import create_app
from glampub.importing.staging import PlannerStatistics
from tests.conftest import BASE_URL, database
from tests.databases import ON_POSTGRESQL
from tests.fault_helpers import (
    ImportSite,
    Launched,
    Launcher,
    bench_site,
    integrity_problems,
    lido_export,
    wait_for,
)
from tests.image_server import image_server, jpeg_bytes

#: Records of the export the chosen-point kills interrupt.
HELD_RECORDS = 1200
#: Records of the exports the kills interrupt (the revised export has 50 more):
#: each import of one after the other changes enough objects for the finishing
#: steps of a large import (ANALYZE and the page boundaries before its commit,
#: VACUUM after it on PostgreSQL; glampub.importing.finishing), over several of
#: its batches (glampub.importing.run.BATCH_SIZE).
RECORDS = PlannerStatistics.FINISH_FROM
#: Records whose first image is a file in the --images folder.
WITH_IMAGES = 24
#: Kills: first at chosen points, then at random moments.
KILLS = 20


@pytest.fixture
def site(tmp_path: Path) -> ImportSite:
    return bench_site(tmp_path)


def test_a_second_import_for_the_same_institution_is_refused(site: ImportSite, tmp_path) -> None:
    with image_server() as server:
        # The first import waits for this image, holding its lock, until released.
        asked = server.hold("/hold.jpg", jpeg_bytes())
        export = lido_export(tmp_path / "export.xml", 50, {10: server.url("/hold.jpg")})
        first = site.start_import(export, "--fetch-images")
        try:
            assert asked.wait(timeout=60), "the first import never asked for its image"
            assert site.lock_holder() == first.pid
            second = site.run("import", str(export), "--institution", "bench")
            assert second.returncode == 2
            assert second.stderr.startswith(
                "Error: another import for bench is running (import run"
            )
            assert f"process {first.pid} on " in second.stderr
            assert "Wait for it to finish" in second.stderr
        finally:
            server.release.set()
            out, err = first.communicate(timeout=120)
    assert first.returncode == 0, err
    assert json.loads(out)["created"] == 50
    assert site.lock_holder() is None
    # The refused import left no trace: no run of its own, nothing half-written.
    assert site.run_statuses() == ["done"]


def test_a_killed_import_changes_nothing_and_the_next_one_completes(
    site: ImportSite, tmp_path
) -> None:
    original = lido_export(tmp_path / "original.xml", HELD_RECORDS, {})
    done = site.run("import", str(original), "--institution", "bench", "--json")
    assert done.returncode == 0, done.stderr
    before = site.published_state()
    page_before = _object_page(site, "BENCH-7")

    # The killed imports are forked from a loaded process (tests/command_launcher.py).
    with image_server() as server, _launcher(site) as launcher:
        holds = {n: server.url(f"/hold-{n}.jpg") for n in (700, 1400)}
        revised = lido_export(tmp_path / "revised.xml", HELD_RECORDS + 300, holds, " (revised)")
        args = ("import", str(revised), "--institution", "bench", "--json", "--fetch-images")
        # Killed once the lock is taken, the import has published nothing.
        server.hold("/hold-700.jpg", jpeg_bytes())
        job = launcher.start(*args)
        wait_for(lambda: site.lock_holder() == job.pid, "the lock")
        assert job.poll() is None
        job.kill()
        assert site.published_state() == before
        assert _object_page(site, "BENCH-7") == page_before
        # The dead process still holds the lock: the next import takes it over.
        assert site.lock_holder() == job.pid

        # With --fetch-images the images are harvested once the metadata is published,
        # still under the import's lock. Killed there, what it published stays published
        # (and whole), and the next import's harvest resumes where this one stopped.
        # First both images are held, and the harvest is killed once it asks for
        # one; then the first is answered (and stored) and the kill waits on the second.
        stored_700 = (
            "SELECT count(*) FROM image WHERE file_path IS NOT NULL"
            f" AND source_reference = '{holds[700]}'"
        )
        for path, answered in (("/hold-700.jpg", None), ("/hold-1400.jpg", "/hold-700.jpg")):
            server.held.clear()
            asked = server.hold(path, jpeg_bytes())
            if answered is None:
                server.hold("/hold-1400.jpg", jpeg_bytes())
            job = launcher.start(*args)
            assert asked.wait(timeout=120), f"the harvest never asked for {path}"
            if answered is not None:
                wait_for(lambda: site.query(stored_700) == [(1,)], "hold-700 stored", 120)
            assert job.poll() is None
            job.kill()
            site.wait_for_the_server(job.pid)
            assert site.lock_holder() == job.pid
            assert integrity_problems(site.data) == []
            assert "mill no. 7 &amp; river (revised)" in _object_page(site, "BENCH-7")

        server.held.clear()
        server.answers["/hold-1400.jpg"] = (200, "image/jpeg", jpeg_bytes())
        asked_before = len(server.requests)
        finished = site.run(
            "import", str(revised), "--institution", "bench", "--json", "--fetch-images"
        )
        # Only what the killed harvests left: hold-700 was fetched by the second one.
        assert server.requests[asked_before:] == ["/hold-1400.jpg"]
    assert finished.returncode == 0, finished.stderr
    report = json.loads(finished.stdout)
    assert (report["created"], report["updated"], report["unchanged"]) == (0, 0, HELD_RECORDS + 300)
    assert report["harvest"]["resumed"] and report["harvest"]["failed"] == 0
    assert site.lock_holder() is None
    # The run killed before publishing failed; those killed while harvesting are done.
    assert site.run_statuses() == ["done", "failed", "done", "done", "done"]
    assert "Landscape with mill no. 7 &amp; river (revised)" in _object_page(site, "BENCH-7")
    fetched = site.query("SELECT source_reference, width FROM image WHERE file_path IS NOT NULL")
    assert sorted(fetched) == sorted((url, 40) for url in holds.values())
    assert integrity_problems(site.data) == []


@contextmanager
def _launcher(site: ImportSite) -> Iterator[Launcher]:
    launcher = Launcher(site.env)
    try:
        yield launcher
    finally:
        launcher.close()


def _object_page(site: ImportSite, identifier: str) -> str:
    """The public page of an object, as the site serves it now."""
    app = create_app({"DATA_DIR": str(site.data), "TESTING": True, "BASE_URL": BASE_URL})
    try:
        response = app.test_client().get(f"/objects/bench/{identifier}")
        assert response.status_code == 200
        return response.get_data(as_text=True)
    finally:
        database(app).dispose()


def _images(folder: Path, colour: str) -> Path:
    """Files for the first records' first images, big enough to need a pyramid."""
    for n in range(WITH_IMAGES):
        (folder / str(n)).mkdir(parents=True, exist_ok=True)
        size = (1700, 1100) if n % 3 == 0 else (300, 200)
        Image.new("RGB", size, (n * 9 % 256, 80, 160 if colour == "blue" else 20)).save(
            folder / str(n) / "1.jpg", quality=80
        )
    return folder


class Served:
    """What the site answers for one object with an image: page, manifest, info.json."""

    def __init__(self, site: ImportSite) -> None:
        self.app = create_app({"DATA_DIR": str(site.data), "TESTING": True, "BASE_URL": BASE_URL})
        self.client = self.app.test_client()

    def now(self) -> dict[str, str]:
        manifest = self.client.get("/iiif/3/bench/BENCH-3/manifest")
        assert manifest.status_code == 200
        body = manifest.get_json()
        service = body["items"][0]["items"][0]["items"][0]["body"]["service"][0]
        info = self.client.get(service["id"].removeprefix(BASE_URL) + "/info.json")
        page = self.client.get("/objects/bench/BENCH-3")
        assert (info.status_code, page.status_code) == (200, 200)
        return {
            "manifest": manifest.get_data(as_text=True),
            "etag": manifest.headers["ETag"],
            "info": info.get_data(as_text=True),
            "page": page.get_data(as_text=True),
        }

    def close(self) -> None:
        database(self.app).dispose()


def test_imports_killed_at_chosen_and_random_points_leave_everything_whole(
    site: ImportSite, tmp_path
) -> None:
    variants = {
        "": (lido_export(tmp_path / "a.xml", RECORDS, {}), _images(tmp_path / "img-a", "green")),
        " (revised)": (
            lido_export(tmp_path / "b.xml", RECORDS + 50, {}, " (revised)"),
            _images(tmp_path / "img-b", "blue"),
        ),
    }
    launcher = Launcher(site.env)

    def start(variant: str, **how: Any) -> Launched:
        export, images = variants[variant]
        return launcher.start("import", str(export), "--institution", "bench", "--full",
                              "--images", str(images), **how)  # fmt: skip

    served: Served | None = None
    try:
        assert start("").wait() == 0
        # The second import (its images' files new too) watched from outside: when it
        # takes its lock and when it is done; and counted from inside: its commits.
        began = time.monotonic()
        second = start(" (revised)", counts=tmp_path / "counts.json")
        while site.lock_holder() != second.pid and second.poll() is None:
            time.sleep(0.005)
        locked = time.monotonic() - began
        assert second.wait() == 0
        work = time.monotonic() - began - locked  # from taking the lock to being done
        current = " (revised)"
        served = Served(site)
        chosen = _chosen_points(json.loads((tmp_path / "counts.json").read_text()))
        seed = int(os.environ.get("GLAMPUB_KILL_SEED", random.SystemRandom().randrange(1 << 30)))
        chance = random.Random(seed)
        outcomes: dict[str, int] = {"before its lock": 0, "inside": 0, "after its commit": 0}
        kills = completed = 0
        points = iter(chosen)
        while kills < KILLS:
            assert kills + completed < KILLS * 2, f"seed {seed}: imports kept finishing first"
            point = next(points, None)  # the chosen points first, then random moments
            before, page_before = site.published_state(), served.now()
            runs_before = site.run_statuses()
            target = " (revised)" if current == "" else ""
            where = f"seed {seed}, kill {kills + 1}, at {point or 'random'}"
            if point is not None:
                job = start(target, stop={**point[1], "anchor": LOCK})
                assert job.wait_until_stopped(), f"{where}: the import ended before its stop"
            else:
                job = start(target)
                # Some kills before the import takes its lock (preparing the database,
                # recording its run); most while it holds it, at a random point of its
                # work or just after its commit: timed from the lock, which on a loaded
                # machine comes later than the lock of the timed import did.
                if chance.random() < 0.15:
                    time.sleep(chance.uniform(0, locked * 0.8))
                else:
                    while site.lock_holder() != job.pid and job.poll() is None:
                        time.sleep(0.005)
                    delay = chance.uniform(0, work * 1.05)
                    time.sleep(delay)
                    if job.poll() is not None:
                        # Later imports reuse stored images and run faster: aim earlier.
                        work = min(work, delay * 0.95)
                if job.poll() is not None:  # it finished first: the state is the new one
                    assert job.returncode == 0
                    completed += 1
                    current = target
                    assert integrity_problems(site.data) == []
                    continue
            job.kill()
            site.wait_for_the_server(job.pid)
            kills += 1
            assert integrity_problems(site.data) == [], where
            holder, runs = site.lock_holder(), site.run_statuses()
            if site.published_state() != before:
                # Killed after its commit: the whole new version, never a part of it.
                assert _published(site) == RECORDS + (50 if target else 0), where
                assert _versions(site) == {target}, where
                current = target
                outcome = "after its commit"
            else:
                assert served.now() == page_before, where
                if len(runs) == len(runs_before):  # nothing recorded: no lock taken
                    assert holder != job.pid and runs == runs_before, where
                    outcome = "before its lock"
                else:  # killed holding its lock: the lock is left to the next import
                    assert (holder, runs[-1]) == (job.pid, "running"), where
                    outcome = "inside"
            outcomes[outcome] += 1
            if point is not None:
                assert outcome == _expected(point[0]), where
    finally:
        if served is not None:
            served.close()
        launcher.close()
    print(f"\n{kills} kills ({len(chosen)} at chosen points): {outcomes}; {completed} "
          f"imports finished first; seed {seed}; one import took its lock after "
          f"{locked:.2f} s and was done {work:.2f} s later")  # fmt: skip
    # The next import, the command itself started afresh, takes over the dead one's lock.
    target = " (revised)" if current == "" else ""
    export, images = variants[target]
    finished = site.run("import", str(export), "--institution", "bench", "--json",
                        "--images", str(images), "--full")  # fmt: skip
    assert finished.returncode == 0, finished.stderr
    report = json.loads(finished.stdout)
    assert report["created"] + report["updated"] == RECORDS + (50 if target else 0)
    assert _published(site) == RECORDS + (50 if target else 0)
    assert site.lock_holder() is None
    assert "running" not in site.run_statuses()
    assert integrity_problems(site.data) == []
    assert _versions(site) == {target}
    stored = site.query("SELECT count(*) FROM image WHERE file_path IS NOT NULL")
    assert stored == [(WITH_IMAGES,)]


#: What the transaction that takes the lock writes (the new run, recorded with the
#: lock, whether taken free or over from a dead import), and the run's last one.
LOCK, RELEASE = "INSERT INTO import_run", "DELETE FROM import_lock"


def _expected(point: str) -> str:
    """What a kill at a chosen point must leave: see the test's outcomes."""
    if point == "before the lock's commit":
        return "before its lock"
    if point in ("after the publishing commit", "before the run's last commit"):
        return "after its commit"
    return "inside"


def _chosen_points(counts: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    """Where the chosen kills stop an import, found from the commits of one
    (``counts``, from tests/command_launcher.py): each side of the commit that
    takes the lock, of the one that publishes and of the run's last one; and
    after statements spread over the publishing transaction (its batches, the
    image files each stores, the withdrawals of --full, the search summaries).
    They count from the lock's commit: what comes before it varies."""
    commits = counts["commits"]
    lock = next(n for n, commit in enumerate(commits) if LOCK in commit["writes"])
    last = next(n for n in range(lock + 1, len(commits)) if RELEASE in commits[n]["writes"])
    # The publishing commit: the one that writes the most, between those two.
    spans = {n: commits[n]["after"] - commits[n - 1]["after"] for n in range(lock + 1, last)}
    assert spans, f"no commit between the lock's and the run's last: {commits}"
    publish = max(spans, key=spans.__getitem__)
    first = commits[publish - 1]["after"] - commits[lock]["after"]
    span = spans[publish]
    # Spread over its first 80%: an import of the other export makes a few fewer.
    statements = sorted({first + 1 + span * share // 10 for share in (0, 2, 4, 6, 8)})
    return [
        ("before the lock's commit", {"before_commit": 0}),
        ("after the lock's commit", {"after_commit": 0}),
        *[(f"after statement {n} from the lock", {"after_statement": n}) for n in statements],
        ("before the publishing commit", {"before_commit": publish - lock}),
        ("after the publishing commit", {"after_commit": publish - lock}),
        ("before the run's last commit", {"before_commit": last - lock}),
    ]


def _published(site: ImportSite) -> int:
    return site.query("SELECT count(*) FROM collection_object WHERE status = 'published'")[0][0]


def _versions(site: ImportSite) -> set[str]:
    """Which export each object's title comes from: "" or " (revised)"."""
    titles = site.query("SELECT title FROM collection_object WHERE status = 'published'")
    # The title is a language map: text from SQLite, already a dict from PostgreSQL's JSON.
    return {" (revised)" if "(revised)" in str(title) else "" for (title,) in titles}


def test_two_imports_started_together_never_interleave(site: ImportSite, tmp_path) -> None:
    exports = [
        lido_export(tmp_path / "a.xml", 600, {}),
        lido_export(tmp_path / "b.xml", 600, {}, " (revised)"),
    ]
    outcomes = []
    # Forked from one loaded process (tests/command_launcher.py): the two of a pair
    # start within milliseconds, with no interpreter start-up to set them apart.
    pairs = []
    with _launcher(site) as launcher:
        for round_ in range(4):
            args = ("import", str(exports[round_ % 2]), "--institution", "bench", "--json")
            pair = [launcher.start(*args, output=tmp_path / f"{round_}-{n}") for n in range(2)]
            pairs.append([(job.communicate(), job.returncode) for job in pair])
    for pair in pairs:
        for (out, err), returncode in pair:
            outcomes.append(returncode)
            if returncode == 2:
                # Refused at once, or after waiting for the other to take the lock.
                assert err.startswith("Error: another import for bench "), err
            else:
                assert returncode == 0, err
                json.loads(out)
    print(f"\nexit codes of the four pairs: {outcomes}")
    assert outcomes.count(0) >= 4  # at least one of each pair ran
    assert integrity_problems(site.data) == []
    assert _versions(site) == {" (revised)"}
    runs = site.query("SELECT started_at, finished_at, status FROM import_run ORDER BY started_at")
    assert [status for *_, status in runs] == ["done"] * outcomes.count(0)
    # One institution's runs follow each other: none starts before the last has ended.
    for (_, finished, _), (started, _, _) in zip(runs, runs[1:], strict=False):
        assert started >= finished


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Path]:
    """A 2 MB tmpfs (needs root: mounting is the honest way to fill a disk)."""
    folder = tmp_path / "small-disk"
    folder.mkdir()
    mounted = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=2m", "tmpfs", str(folder)], capture_output=True
    )
    if mounted.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {mounted.stderr.decode().strip()}")
    try:
        yield folder
    finally:
        subprocess.run(["umount", str(folder)], check=True)


def _noise_images(folder: Path, count: int) -> Path:
    """Photographs' worth of entropy: JPEGs of random pixels, about 1 MB each."""
    for n in range(count):
        (folder / str(n)).mkdir(parents=True, exist_ok=True)
        Image.frombytes("RGB", (1600, 1000), os.urandom(1600 * 1000 * 3)).save(
            folder / str(n) / "1.jpg", quality=90
        )
    return folder


def test_a_full_disk_while_storing_images_fails_clearly_and_publishes_nothing(
    site: ImportSite, tmp_path: Path, small_disk: Path
) -> None:
    original = lido_export(tmp_path / "a.xml", 40, {})
    assert site.run("import", str(original), "--institution", "bench").returncode in (0, 3)
    before = site.published_state()
    # The image store is on the small disk; the database is not.
    assert not (site.data / "images").exists()
    (site.data / "images").symlink_to(small_disk)
    images = _noise_images(tmp_path / "noise", 6)
    revised = lido_export(tmp_path / "b.xml", 40, {}, " (revised)")
    full = site.run("import", str(revised), "--institution", "bench", "--images", str(images))
    assert full.returncode == 2, full.stderr
    assert full.stderr.startswith(
        f"Error: the disk is full: glampub could not write under {site.data} (its images, "
        "import reports or database) ([Errno 28] No space left on device"
    ), full.stderr
    assert full.stderr.rstrip().endswith(
        "Nothing was published; what was published before is unchanged. Free some space, "
        "then run the import again."
    )
    assert "Traceback" not in full.stderr
    assert site.published_state() == before
    assert site.run_statuses()[-1] == "failed"
    assert site.lock_holder() is None
    assert integrity_problems(site.data) == []
    # Nothing half-written is left behind: only whole masters (and whole pyramids).
    leftovers = [
        p.name for p in small_disk.rglob("*") if p.name.startswith(".") or p.suffix == ".part"
    ]
    assert leftovers == []
    # With room again the same import completes.
    (site.data / "images").unlink()
    again = site.run("import", str(revised), "--institution", "bench", "--images", str(images))
    assert again.returncode in (0, 3), again.stderr
    assert _versions(site) == {" (revised)"}
    assert site.query("SELECT count(*) FROM image WHERE file_path IS NOT NULL") == [(6,)]
    assert integrity_problems(site.data) == []


@pytest.mark.skipif(
    ON_POSTGRESQL, reason="SQLite's single write lock; PostgreSQL readers never wait"
)
def test_documents_are_served_while_an_import_holds_the_database(
    site: ImportSite, tmp_path
) -> None:
    """With SQLite an import holds the one write lock until its commit: a
    manifest never built before is built and served at once, stored later."""
    export = lido_export(tmp_path / "a.xml", 10, {})
    images = _images(tmp_path / "img", "green")
    assert site.run("import", str(export), "--institution", "bench", "--images", str(images),
                    "--json").returncode == 0  # fmt: skip
    served = Served(site)
    import_like = sqlite3.connect(make_url(site.db_url).database or "", timeout=30)
    try:
        import_like.execute("BEGIN IMMEDIATE")  # what a running import holds
        began = time.monotonic()
        first = served.now()
        assert time.monotonic() - began < 2
        assert site.query("SELECT count(*) FROM document_cache") == [(0,)]
        import_like.rollback()
    finally:
        import_like.close()
        served.close()
    # Another process (nothing kept in memory) asks again, and stores it now.
    again = Served(site)
    try:
        assert again.now() == first
    finally:
        again.close()
    assert site.query("SELECT count(*) FROM document_cache")[0][0] >= 1
