"""`glampub import` as real processes: one import per institution at a time, and
an import killed with SIGKILL leaves the published state exactly as it was.

These run the command in subprocesses on generated LIDO exports (see
bench/_synthetic.py) against the database of a temporary data folder (its
SQLite file, or its PostgreSQL database when the suite runs on PostgreSQL).
To catch an import at an exact point, a record names an image on a local web
server that holds the request open: with --fetch-images the import waits
there, lock held and earlier batches written, until the test kills it or
lets the image through.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.pool import NullPool

from bench._synthetic import HEADER, lido_record
from glampub import create_app
from glampub.db import application_name
from tests.conftest import BASE_URL, database
from tests.databases import database_url, subprocess_env
from tests.image_server import image_server, jpeg_bytes

RECORDS = 1200
CLI = [sys.executable, "-c", "from glampub.cli import main; main()"]


class Site:
    """A data folder, its database, and the glampub command run against them."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.data = root / "data"
        # The image server of these tests is on 127.0.0.1, which fetching refuses unless allowed.
        self.env = {**subprocess_env(self.data), "GLAMPUB_FETCH_ALLOW": "127.0.0.1"}
        self.db_url = database_url(self.data)

    def run(self, *args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [*CLI, *args], env=self.env, capture_output=True, text=True, timeout=120
        )

    def start_import(self, export: Path, *options: str) -> subprocess.Popen[str]:
        return subprocess.Popen(
            [*CLI, "import", str(export), "--institution", "bench", "--json", *options],
            env=self.env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )

    def query(self, sql: str) -> list[tuple]:
        engine = create_engine(self.db_url, poolclass=NullPool)
        try:
            with engine.connect() as connection:
                return [tuple(row) for row in connection.execute(text(sql))]
        finally:
            engine.dispose()

    def published_state(self) -> dict[str, list[tuple]]:
        """Everything the site serves from: objects, revisions, images, change events."""
        return {
            "objects": self.query(
                "SELECT identifier, revision, status, content_hash, title, rights_uri"
                " FROM collection_object ORDER BY identifier"
            ),
            "images": self.query(
                "SELECT public_id, object_id, position, source_reference, rights_uri"
                " FROM image ORDER BY public_id"
            ),
            "events": self.query("SELECT object_id, kind, revision FROM change_event ORDER BY id"),
        }

    def wait_for_the_server(self, pid: int, timeout: float = 30) -> None:
        """After ``pid`` was killed: on PostgreSQL, until the server has finished what
        that process's sessions had sent. A COMMIT sent just before the kill still
        completes there (the backend notices its client is gone only afterwards), so
        reading the state earlier could see the old version turn into the new one
        a moment later. SQLite's locks die with the process: nothing to wait for."""
        if not self.db_url.startswith("postgresql"):
            return
        sessions = (
            "SELECT count(*) FROM pg_stat_activity"
            f" WHERE application_name = '{application_name(pid)}'"
        )
        _wait_for(lambda: self.query(sessions) == [(0,)], f"process {pid}'s sessions", timeout)

    def lock_holder(self) -> int | None:
        rows = self.query("SELECT pid FROM import_lock")
        return rows[0][0] if rows else None

    def run_statuses(self) -> list[str]:
        return [row[0] for row in self.query("SELECT status FROM import_run ORDER BY id")]


def _wait_for(condition: Callable[[], bool], what: str, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            pytest.fail(f"timed out waiting for {what}")
        time.sleep(0.02)


def _export(path: Path, count: int, holds: dict[int, str], variant: str = "") -> Path:
    """A LIDO export whose images are file names (not sent), except records in
    ``holds``, whose first image is that URL."""
    with path.open("w", encoding="utf-8") as out:
        out.write(HEADER)
        for n in range(count):
            record = lido_record(n, variant).replace("https://images.bench-museum.example/", "")
            if n in holds:
                record = record.replace(f">{n}/1.jpg<", f">{holds[n]}<")
            out.write(record)
        out.write("</lido:lidoWrap>\n")
    return path


@pytest.fixture
def site(tmp_path: Path) -> Site:
    site = Site(tmp_path)
    added = site.run("institution", "add", "bench", "--name", "Bench Museum")
    assert added.returncode == 0, added.stderr
    return site


def test_a_second_import_for_the_same_institution_is_refused(site: Site, tmp_path) -> None:
    with image_server() as server:
        # The first import waits for this image, holding its lock, until released.
        asked = server.hold("/hold.jpg", jpeg_bytes())
        export = _export(tmp_path / "export.xml", 50, {10: server.url("/hold.jpg")})
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


def test_a_killed_import_changes_nothing_and_the_next_one_completes(site: Site, tmp_path) -> None:
    original = _export(tmp_path / "original.xml", RECORDS, {})
    done = site.run("import", str(original), "--institution", "bench", "--json")
    assert done.returncode == 0, done.stderr
    before = site.published_state()
    page_before = _object_page(site, "BENCH-7")

    with image_server() as server:
        # Batches are importing.BATCH_SIZE (250) records: the import waits for
        # record 700's image with two batches written, and for record 1400's
        # with five, of six.
        holds = {n: server.url(f"/hold-{n}.jpg") for n in (700, 1400)}
        revised = _export(tmp_path / "revised.xml", RECORDS + 300, holds, " (revised)")
        # (the image held, whether to kill once the lock is taken or once it is asked for)
        kill_points = [
            ("/hold-700.jpg", "lock"),
            ("/hold-700.jpg", "image"),
            ("/hold-1400.jpg", "image"),
        ]
        for path, when in kill_points:
            server.held.clear()
            asked = server.hold(path, jpeg_bytes())
            server.answers["/hold-700.jpg"] = (200, "image/jpeg", jpeg_bytes())
            job = site.start_import(revised, "--fetch-images")
            if when == "lock":
                _wait_for(lambda job=job: site.lock_holder() == job.pid, "the lock")
            else:
                assert asked.wait(timeout=60), f"the import never asked for {path}"
            assert job.poll() is None
            os.kill(job.pid, signal.SIGKILL)
            job.communicate()
            assert site.published_state() == before
            assert _object_page(site, "BENCH-7") == page_before
            # The dead process still holds the lock: the next import takes it over.
            assert site.lock_holder() == job.pid

        server.held.clear()
        server.answers["/hold-1400.jpg"] = (200, "image/jpeg", jpeg_bytes())
        finished = site.run(
            "import", str(revised), "--institution", "bench", "--json", "--fetch-images"
        )
    assert finished.returncode == 0, finished.stderr
    report = json.loads(finished.stdout)
    assert (report["created"], report["updated"], report["unchanged"]) == (300, RECORDS, 0)
    assert site.lock_holder() is None
    assert site.run_statuses() == ["done", "failed", "failed", "failed", "done"]
    assert "Landscape with mill no. 7 &amp; river (revised)" in _object_page(site, "BENCH-7")
    fetched = site.query("SELECT source_reference, width FROM image WHERE file_path IS NOT NULL")
    assert sorted(fetched) == sorted((url, 40) for url in holds.values())


def _object_page(site: Site, identifier: str) -> str:
    """The public page of an object, as the site serves it now."""
    app = create_app({"DATA_DIR": str(site.data), "TESTING": True, "BASE_URL": BASE_URL})
    try:
        response = app.test_client().get(f"/objects/bench/{identifier}")
        assert response.status_code == 200
        return response.get_data(as_text=True)
    finally:
        database(app).dispose()
