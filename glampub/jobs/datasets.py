"""Rebuilding the served datasets in the background, as imports run.

On the embedded default the build runs in a thread of the web process; with
``GLAMPUB_REDIS_URL`` set it is queued for ``glampub worker`` (RQ) under one
job id per queue, so a burst of requests queues one build. Either way
glampub.open_data.builds.rebuild_if_stale does the work: it takes the data
folder's build lock (one builder across processes) and builds again when
something was published meanwhile, so a request never waits for a build and
no change is missed.
"""

from __future__ import annotations

import logging
import threading
from pathlib import Path
from typing import Any

from flask import Flask

from glampub.db import Database
from glampub.iiif.urls import IiifUrls
from glampub.open_data.builds import rebuild_if_stale

log = logging.getLogger(__name__)
#: What an RQ worker runs (see glampub.jobs.worker).
RQ_ENTRY_POINT = "glampub.jobs.worker.rq_datasets_job"
JOB_TIMEOUT_SECONDS = 6 * 3600
_STATE = "glampub.datasets"


def request_rebuild(app: Flask, base: str) -> str:
    """Starts a rebuild unless one is under way; says where ("rq", "thread", "running")."""
    if app.config.get("REDIS_URL"):
        return _enqueue(app, base)
    state: dict[str, Any] = app.extensions.setdefault(
        _STATE, {"lock": threading.Lock(), "thread": None, "again": False}
    )
    with state["lock"]:
        running = state["thread"]
        if running is not None and running.is_alive():
            state["again"] = True  # it checks the stamp again before it stops
            return "running"
        thread = threading.Thread(
            target=_thread_job, args=(app, base, state), name="glampub-datasets", daemon=True
        )
        state["thread"] = thread
        state["again"] = False
        thread.start()
    return "thread"


def wait_for_rebuild(app: Flask, timeout: float = 60.0) -> None:
    """Waits until this process's rebuild thread, if any, has finished (tests, export)."""
    state = app.extensions.get(_STATE)
    thread = state["thread"] if state else None
    if thread is not None:
        thread.join(timeout)


def _thread_job(app: Flask, base: str, state: dict[str, Any]) -> None:
    database: Database = app.extensions["glampub.db"]
    assert database.engine is not None
    data_dir = Path(app.config["DATA_DIR"])
    while True:
        try:
            rebuild_if_stale(database.engine, data_dir, IiifUrls(base))
        except Exception:  # a thread has nobody to raise to: say it in the log
            log.exception("building the datasets failed; the last complete build is served")
        with state["lock"]:
            if not state["again"]:
                return
            state["again"] = False


def job_id(queue: str) -> str:
    """One job id per queue (one per deployment): a burst of requests queues one build."""
    return f"glampub-datasets-{queue}"


def _enqueue(app: Flask, base: str) -> str:
    from redis import Redis
    from rq import Queue
    from rq.exceptions import NoSuchJobError
    from rq.job import Job

    connection = Redis.from_url(app.config["REDIS_URL"])
    queue = app.config["RQ_QUEUE"]
    try:
        status = Job.fetch(job_id(queue), connection=connection).get_status()
    except NoSuchJobError:
        status = None
    if getattr(status, "value", status) in ("queued", "scheduled", "deferred", "started"):
        # A started build checks the stamp again before it stops; a change it
        # could not see is caught by the next request, which queues again.
        return "running"
    Queue(queue, connection=connection).enqueue(
        RQ_ENTRY_POINT,
        base,
        job_id=job_id(queue),
        job_timeout=JOB_TIMEOUT_SECONDS,
        description="glampub datasets rebuild",
    )
    return "rq"
