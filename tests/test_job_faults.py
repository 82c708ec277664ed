"""Background jobs under faults: duplicates, parallel workers, a database that
goes away for a while, a runner that dies, and a Redis server restarted.

Worker processes are the real `glampub worker --burst` (each forked from one
process that has loaded glampub, tests/command_launcher.py); they talk to a Redis
server started here on a port of its own (never the shared one), which one
test restarts in the middle of a job.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import event, func, select

from bench._synthetic import write_lido
from glampub import create_app
from glampub.importing.lock import process_start_time
from glampub.importing.progress import progress_path
from glampub.importing.uploads import store_upload
from glampub.jobs import background as jobs
from glampub.jobs import runner as job_runner
from glampub.models import CollectionObject, ImportRun, Upload
from tests.databases import subprocess_env
from tests.fault_helpers import Launched, Launcher, integrity_problems
from tests.staff_helpers import KESTREL, login, make_staff, wait_for_upload


class RedisServer:
    """A redis-server of this test's own, on a free port, without persistence."""

    def __init__(self, tmp: Path) -> None:
        if shutil.which("redis-server") is None:
            pytest.skip("redis-server is not installed")
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            self.port = sock.getsockname()[1]
        self.dir = tmp
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        self.proc = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
             "--appendonly", "no", "--dir", str(self.dir)],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        from redis import Redis

        deadline = time.monotonic() + 20
        while True:
            try:
                Redis.from_url(self.url).ping()
                return
            except OSError:
                pass
            except Exception as exc:  # redis.ConnectionError while it starts
                if time.monotonic() > deadline:
                    raise RuntimeError("redis-server did not start") from exc
            time.sleep(0.05)

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(timeout=10)
        self.proc = None


@pytest.fixture
def redis_server(tmp_path: Path) -> Iterator[RedisServer]:
    pytest.importorskip("rq")
    server = RedisServer(tmp_path)
    server.start()
    try:
        yield server
    finally:
        server.stop()


class Site:
    """An app in this process and `glampub worker` processes on the same data folder."""

    def __init__(self, root: Path, redis_url: str | None) -> None:
        self.data = root / "data"
        # The folder's database: its SQLite file, or its PostgreSQL database when the
        # suite runs on PostgreSQL (tests/databases.py), for the app and workers alike.
        self.env = subprocess_env(self.data)
        self.env.pop("GLAMPUB_REDIS_URL", None)
        config: dict[str, object] = {"TESTING": True, "DATA_DIR": str(self.data)}
        if redis_url:
            self.env["GLAMPUB_REDIS_URL"] = redis_url
            config["REDIS_URL"] = redis_url
        self.app = create_app(config)
        self.database = self.app.extensions["glampub.db"]
        self._launcher: Launcher | None = None
        self._workers = 0

    def upload(self, slug: str, export: Path, status: str) -> int:
        make_staff(self.app, slug, f"registrar@{slug}.example")
        from glampub.institutions.registry import get_institution

        with self.app.app_context(), self.database.transaction() as session:
            with export.open("rb") as handle:
                row = store_upload(
                    session, self.data, get_institution(session, slug), None, handle, export.name
                )
            job_runner.set_waiting(row, status)  # as the pages do
            return row.id

    def worker(self) -> Launched:
        """`glampub worker --burst` in a process group of its own (its work horses in
        it too), forked from a process that has loaded glampub (tests/command_launcher.py)
        rather than paying an interpreter's start-up each; its output merged."""
        if self._launcher is None:
            self._launcher = Launcher(self.env)
        self._workers += 1
        output = self.data.parent / f"worker-{self._workers}"
        return self._launcher.start("worker", "--burst", output=output, merged=True, session=True)

    def get(self, upload_id: int) -> Upload:
        with self.app.app_context():
            session = self.database.session()
            try:
                upload = session.get(Upload, upload_id, populate_existing=True)
                assert upload is not None
                session.expunge(upload)
                return upload
            finally:
                session.close()

    def count(self, model, *where) -> int:  # type: ignore[no-untyped-def]
        with self.app.app_context():
            session = self.database.session()
            try:
                return session.scalar(select(func.count()).select_from(model).where(*where))
            finally:
                session.close()

    def integrity(self) -> list[str]:
        return integrity_problems(self.data)

    def close(self) -> None:
        if self._launcher is not None:
            self._launcher.close()
        self.database.dispose()


@pytest.fixture
def site(tmp_path: Path, redis_server: RedisServer) -> Iterator[Site]:
    site = Site(tmp_path, redis_server.url)
    yield site
    site.close()


def _finish(workers: list[Launched]) -> list[str]:
    logs = []
    for worker in workers:
        out, _ = worker.communicate(timeout=300)
        assert worker.returncode == 0, out
        logs.append(out)
    return logs


def test_the_same_job_queued_twice_and_seen_by_two_workers_runs_once(site: Site) -> None:
    upload_id = site.upload("kestrel-museum", KESTREL / "objects.csv", "publishing")
    # A double click: the publish is queued twice, and two workers take one each.
    jobs.start(site.app, upload_id, "publish", "http://glampub.test")
    jobs.start(site.app, upload_id, "publish", "http://glampub.test")
    _finish([site.worker(), site.worker()])
    upload = site.get(upload_id)
    assert (upload.status, upload.message, upload.runner) == ("published", None, None)
    assert site.count(ImportRun, ImportRun.dry_run.is_(False)) == 1
    assert site.count(CollectionObject) == 22
    assert site.integrity() == []


def test_a_job_queued_again_while_it_runs_does_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The claimed job is held until the second click has been made: an import of
    # a few thousand records may otherwise finish before the click comes.
    second_click_made = threading.Event()
    run_claimed = jobs._run_claimed

    def held_run_claimed(*args: object, **kwargs: object) -> None:
        assert second_click_made.wait(60), "the test never made its second click"
        run_claimed(*args, **kwargs)

    monkeypatch.setattr(jobs, "_run_claimed", held_run_claimed)
    site = Site(tmp_path, None)
    try:
        export = write_lido(tmp_path / "big.xml", 3000)
        upload_id = site.upload("north-museum", export, "publishing")
        jobs.start(site.app, upload_id, "publish", "http://glampub.test")
        deadline = time.monotonic() + 60
        while site.get(upload_id).runner is None:
            assert time.monotonic() < deadline, "the job never claimed its upload"
            time.sleep(0.01)
        claimed = site.get(upload_id).runner
        try:
            jobs.start(site.app, upload_id, "publish", "http://glampub.test")  # a second click
            # The second job found the claim and did nothing; the claim is unchanged.
            for thread in site.app.extensions["glampub.jobs"][1:]:
                thread.join(60)
            assert site.get(upload_id).runner == claimed
        finally:
            second_click_made.set()
        upload = wait_for_upload(site.app, upload_id)
        assert (upload.status, upload.message) == ("published", None)
        assert site.count(ImportRun) == 1
        assert site.count(CollectionObject) == 3000
    finally:
        site.close()


def test_several_workers_run_imports_of_several_institutions(site: Site, tmp_path) -> None:
    uploads = {}
    for n, slug in enumerate(("north-museum", "south-museum", "east-museum", "west-museum")):
        export = write_lido(tmp_path / f"{slug}.xml", 300 + 50 * n)
        uploads[slug] = site.upload(slug, export, "publishing")
        jobs.start(site.app, uploads[slug], "publish", "http://glampub.test")
    logs = _finish([site.worker() for _ in range(3)])
    print("\n".join(logs))
    for n, upload_id in enumerate(uploads.values()):
        upload = site.get(upload_id)
        assert upload.status == "published", (upload.message, logs)
        with site.app.app_context():
            run = site.database.session().get(ImportRun, upload.publish_run_id)
            assert (run.created, run.status) == (300 + 50 * n, "done")
    assert site.count(CollectionObject) == 300 + 350 + 400 + 450
    assert site.integrity() == []


class Outage:
    """The database unreachable during the first ``attempts`` imports, then back.

    The first attempt cannot connect at all; later ones lose it in the middle
    of the import, once its lock is taken and a batch written: every statement
    then fails, as on a connection whose server went away. The failures are
    the driver's own OperationalError (sqlite3's or psycopg's), raised where
    the driver would raise it: on connecting, and on executing.
    """

    def __init__(self, monkeypatch: pytest.MonkeyPatch, attempts: int) -> None:
        self.cannot_connect = False
        self.statements_fail = False
        self.attempts = attempts
        self.calls = 0
        real_import = jobs.run_import

        def connect(dialect, *_args):  # type: ignore[no-untyped-def]
            if self.cannot_connect:
                raise dialect.loaded_dbapi.OperationalError("unable to open database file")
            return None  # connect as usual

        def fail_statement(connection, *_args) -> None:  # type: ignore[no-untyped-def]
            if self.statements_fail:
                raise connection.dialect.loaded_dbapi.OperationalError("disk I/O error")

        def run_import(db, *args, progress=None, **kwargs):  # type: ignore[no-untyped-def]
            self.calls += 1
            if self.calls > self.attempts:
                return real_import(db, *args, progress=progress, **kwargs)

            def lose_it(*counts: int) -> None:
                self.statements_fail = True
                if progress is not None:
                    progress(*counts)

            event.listen(db.engine, "before_cursor_execute", fail_statement)
            event.listen(db.engine, "do_connect", connect)
            db.engine.dispose()  # pooled connections go: every one must be made anew
            self.cannot_connect = self.calls == 1
            try:
                return real_import(db, *args, progress=lose_it, **kwargs)
            finally:
                self.cannot_connect = self.statements_fail = False
                event.remove(db.engine, "before_cursor_execute", fail_statement)
                event.remove(db.engine, "do_connect", connect)

        monkeypatch.setattr(jobs, "run_import", run_import)


def test_an_rq_job_is_retried_while_the_database_is_unreachable(
    site: Site, monkeypatch: pytest.MonkeyPatch
) -> None:
    from rq import Queue, SimpleWorker
    from rq.job import Job

    monkeypatch.setattr(jobs, "RETRY_DELAYS", (0, 0, 0))
    monkeypatch.setenv("GLAMPUB_DATA_DIR", str(site.data))
    monkeypatch.setenv("GLAMPUB_REDIS_URL", site.env["GLAMPUB_REDIS_URL"])
    upload_id = site.upload("kestrel-museum", KESTREL / "objects.csv", "publishing")
    outage = Outage(monkeypatch, attempts=2)
    jobs.start(site.app, upload_id, "publish", "http://glampub.test")
    queue = Queue(site.app.config["RQ_QUEUE"], connection=jobs._queue(site.app).connection)
    # The worker runs the job in this process, where the outage is.
    SimpleWorker([queue], connection=queue.connection).work(burst=True)
    assert outage.calls == 3
    upload = site.get(upload_id)
    assert (upload.status, upload.message) == ("published", None), upload.message
    job = Job.fetch(jobs.job_id(upload_id, "publish"), connection=queue.connection)
    assert job.get_status() == "finished"
    assert job.retries_left == 1  # three attempts of the four allowed
    assert site.count(CollectionObject) == 22
    # The failed attempts left no lock and no run claiming to be running.
    assert site.integrity() == []
    with site.app.app_context():
        runs = site.database.session().scalars(select(ImportRun.status).order_by(ImportRun.id))
        statuses = list(runs)
    # The second attempt lost the database holding its lock; the third took it over.
    assert statuses == ["failed", "done"]


def test_a_thread_job_retries_then_says_the_database_could_not_be_reached(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(jobs, "RETRY_DELAYS", (0.05, 0.05, 0.05))
    site = Site(tmp_path, None)
    try:
        upload_id = site.upload("kestrel-museum", KESTREL / "objects.csv", "previewing")
        outage = Outage(monkeypatch, attempts=10)
        assert jobs.start(site.app, upload_id, "preview", "http://glampub.test") == "thread"
        # Waited for by joining its thread, not by polling the database: the outage
        # is this process's, and would fail the polling too.
        for thread in site.app.extensions["glampub.jobs"]:
            thread.join(timeout=120)
        upload = site.get(upload_id)
        assert outage.calls == 4
        assert upload.status == "failed"
        driver_error = site.database.engine.dialect.loaded_dbapi.OperationalError
        assert upload.message.startswith(
            "the preview could not reach the database (OperationalError: "
            f"({driver_error.__module__}.OperationalError) disk I/O error)"
        ), upload.message
        assert upload.message.endswith("it was tried 4 times. Start the preview again.")
        progress = json.loads(progress_path(site.data, upload_id).read_text())
        assert (progress["state"], progress["message"]) == ("failed", upload.message)
        assert site.integrity() == []
    finally:
        site.close()


def _records_read(site: Site, upload_id: int) -> int:
    try:
        return json.loads(progress_path(site.data, upload_id).read_text())["records"]
    except (OSError, ValueError):
        return 0


def _dead_runner() -> str:
    """The runner string of a process that has ended."""
    proc = subprocess.Popen(["sleep", "30"])
    started = process_start_time(proc.pid)
    proc.kill()
    proc.wait()
    return f"{socket.gethostname()} {proc.pid} {started} 0123abcd"


def test_the_staff_page_says_when_the_runner_of_a_job_is_gone(tmp_path: Path) -> None:
    site = Site(tmp_path, None)
    try:
        upload_id = site.upload("kestrel-museum", KESTREL / "objects.csv", "publishing")
        with site.app.app_context(), site.database.transaction() as session:
            upload = session.get(Upload, upload_id)
            upload.runner = _dead_runner()
            upload.runner_seen_at = datetime.now(UTC)
        client = site.app.test_client()
        login(client, "registrar@kestrel-museum.example")
        progress = client.get(f"/staff/kestrel-museum/uploads/{upload_id}/progress").get_json()
        assert (progress["status"], progress["finished"]) == ("failed", True)
        page = client.get(f"/staff/kestrel-museum/uploads/{upload_id}").get_data(as_text=True)
        pid = upload.runner.split()[1]
        assert '<span class="status status-failed" id="upload-status">failed</span>' in page
        assert (
            f"the publish stopped before it finished: process {pid} on "
            f"{socket.gethostname()} that ran it ended (it was killed, crashed or restarted). "
            "Nothing was published by it. Start the publish again."
        ) in page
        assert site.get(upload_id).runner is None
    finally:
        site.close()


def test_a_thread_job_that_never_started_is_marked_failed(tmp_path: Path) -> None:
    site = Site(tmp_path, None)
    try:
        upload_id = site.upload("kestrel-museum", KESTREL / "objects.csv", "previewing")
        with site.app.app_context(), site.database.transaction() as session:
            upload = session.get(Upload, upload_id)
            upload.runner_seen_at = datetime.now(UTC) - timedelta(seconds=5)
        with site.app.app_context():
            assert jobs.recover(site.app) == []  # it may still be starting
            with site.database.transaction() as session:
                session.get(Upload, upload_id).runner_seen_at = datetime.now(UTC) - timedelta(
                    minutes=5
                )
            assert jobs.recover(site.app) == [upload_id]
        upload = site.get(upload_id)
        assert upload.status == "failed"
        assert upload.message.startswith("the preview never started: the process that was to")
    finally:
        site.close()


def test_a_worker_killed_mid_job_leaves_nothing_half_published(site: Site, tmp_path) -> None:
    upload_id = site.upload("north-museum", write_lido(tmp_path / "big.xml", 6000), "publishing")
    jobs.start(site.app, upload_id, "publish", "http://glampub.test")
    worker = site.worker()
    deadline = time.monotonic() + 120
    # Killed once it has written a few batches, well before its commit.
    while _records_read(site, upload_id) < 500:
        assert time.monotonic() < deadline and worker.poll() is None, "the job never started"
        time.sleep(0.02)
    # The work horse (in a process group of its own), then its worker.
    os.kill(int(site.get(upload_id).runner.split()[1]), signal.SIGKILL)
    os.killpg(worker.pid, signal.SIGKILL)
    worker.communicate()
    assert site.count(CollectionObject) == 0
    assert site.integrity() == []
    # The next worker to start says what happened, and the upload says so too.
    restarted = site.worker()
    out = _finish([restarted])[0]
    assert f"Upload {upload_id}: its job's runner had gone; marked failed" in out
    upload = site.get(upload_id)
    assert upload.status == "failed"
    assert upload.message.startswith("the publish stopped before it finished: process ")


def test_redis_restarted_mid_job(site: Site, redis_server: RedisServer, tmp_path) -> None:
    """The job's state lives in the database: Redis losing everything mid-job
    loses no import, and a job lost from the queue is marked failed, not kept
    spinning."""
    running = site.upload("north-museum", write_lido(tmp_path / "big.xml", 3000), "publishing")
    jobs.start(site.app, running, "publish", "http://glampub.test")
    waiting = site.upload("south-museum", write_lido(tmp_path / "small.xml", 50), "publishing")
    worker = site.worker()
    deadline = time.monotonic() + 120
    while site.get(running).runner is None:
        assert time.monotonic() < deadline and worker.poll() is None, "the job never started"
        time.sleep(0.05)
    jobs.start(site.app, waiting, "publish", "http://glampub.test")
    redis_server.stop()
    redis_server.start()  # empty: the queued job is gone
    out, _ = worker.communicate(timeout=300)
    # The import in flight completes or fails as a whole, never half.
    published = site.count(CollectionObject)
    upload = site.get(running)
    assert (upload.status, published) in (("published", 3000), ("failed", 0)), (upload, out)
    if upload.status == "failed":
        assert upload.message
    assert site.integrity() == []
    assert site.get(waiting).status == "publishing"  # it may still be on its way to the queue
    with site.app.app_context():
        assert jobs.recover(site.app) == []
        with site.database.transaction() as session:  # a minute later, it is not
            session.get(Upload, waiting).runner_seen_at = datetime.now(UTC) - timedelta(minutes=2)
        assert jobs.recover(site.app) == [waiting]
    lost = site.get(waiting)
    assert lost.status == "failed"
    assert lost.message.startswith("the publish never started: its job was lost from the queue")
    # The restarted server takes new jobs as before.
    with site.app.app_context(), site.database.transaction() as session:
        session.get(Upload, waiting).status = "publishing"
    jobs.start(site.app, waiting, "publish", "http://glampub.test")
    _finish([site.worker()])
    assert site.get(waiting).status == "published"


def test_runner_names_round_trip() -> None:
    runner = job_runner.Runner.new()
    assert job_runner.Runner.parse(str(runner)) == runner
    assert runner.alive(None, datetime.now(UTC)) is False  # not running a job here
    assert job_runner.Runner.parse("garbage") is None
