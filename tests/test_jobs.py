"""Background imports: one job function, run in a thread by default and on an RQ
worker when GLAMPUB_REDIS_URL is set."""

from __future__ import annotations

import json
import uuid
from pathlib import Path

import pytest
from sqlalchemy import func, select

from glampub import create_app
from glampub.importing.progress import progress_path
from glampub.jobs import background as jobs
from glampub.models import CollectionObject, Upload
from tests.staff_helpers import KESTREL, stored_upload, wait_for_upload

REDIS_URL = "redis://127.0.0.1:6379/0"


def test_a_thread_runs_the_preview_and_reports_progress(app) -> None:
    upload_id = stored_upload(app, "previewing")
    assert jobs.start(app, upload_id, "preview", "http://glampub.test") == "thread"
    upload = wait_for_upload(app, upload_id)
    assert upload.status == "previewed"
    assert upload.preview["created"] == 22
    progress = json.loads(progress_path(Path(app.config["DATA_DIR"]), upload_id).read_text())
    assert progress == {
        "mode": "preview",
        "state": "done",
        "records": 22,
        "bytes": progress["bytes"],
        "total_bytes": (KESTREL / "objects.csv").stat().st_size,
        "percent": 100,
        "message": None,
    }
    assert progress["bytes"] > 0


@pytest.fixture
def redis_queue(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):  # type: ignore[no-untyped-def]
    redis = pytest.importorskip("redis")
    connection = redis.Redis.from_url(REDIS_URL)
    try:
        connection.ping()
    except redis.exceptions.ConnectionError as exc:
        pytest.skip(f"no Redis at {REDIS_URL}: {exc}")
    from rq import Queue

    name = f"glampub-test-{uuid.uuid4().hex[:12]}"
    queue = Queue(name, connection=connection)
    data_dir = tmp_path / "data"
    # The worker builds its own app from the environment, as `glampub worker` does.
    monkeypatch.setenv("GLAMPUB_DATA_DIR", str(data_dir))
    monkeypatch.delenv("GLAMPUB_DATABASE_URL", raising=False)
    monkeypatch.setenv("GLAMPUB_REDIS_URL", REDIS_URL)
    app = create_app({"TESTING": True, "RQ_QUEUE": name})
    yield app, queue
    app.extensions["glampub.db"].dispose()
    queue.empty()
    queue.delete(delete_jobs=True)
    for key in connection.scan_iter(f"rq:*{name}*"):
        connection.delete(key)


def test_with_redis_the_same_job_runs_on_an_rq_worker(redis_queue) -> None:
    from rq import SimpleWorker

    app, queue = redis_queue
    upload_id = stored_upload(app, "previewing")
    assert jobs.start(app, upload_id, "preview", "http://glampub.test") == "rq"
    assert queue.count == 1
    assert queue.jobs[0].func_name == "glampub.jobs.worker.rq_job"
    # Nothing ran in the web process.
    with app.app_context():
        assert app.extensions["glampub.db"].session().get(Upload, upload_id).status == "previewing"
    SimpleWorker([queue], connection=queue.connection).work(burst=True)
    with app.app_context():
        session = app.extensions["glampub.db"].session()
        upload = session.get(Upload, upload_id)
        assert (upload.status, upload.preview["created"]) == ("previewed", 22)
        upload.status = "publishing"
        session.commit()
    jobs.start(app, upload_id, "publish", "http://glampub.test")
    SimpleWorker([queue], connection=queue.connection).work(burst=True)
    with app.app_context():
        session = app.extensions["glampub.db"].session()
        assert session.get(Upload, upload_id).status == "published"
        assert session.scalar(select(func.count(CollectionObject.id))) == 22
