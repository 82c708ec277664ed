"""Harvests of image URLs in the background: in a thread of ``glampub serve`` or on RQ.

After a staff upload is published, the institution's image URLs still
waiting are harvested (:func:`glampub.importing.harvest.harvest_images`) by
a job like the import's: a thread of the web process on the embedded
default, a job for ``glampub worker`` when ``GLAMPUB_REDIS_URL`` is set.
A harvest records its own runner, so a second one started meanwhile finds
it running and does nothing, and one whose process died is resumed by the
next.
"""

from __future__ import annotations

import logging
import threading
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from flask import Flask
from sqlalchemy import select

from glampub.db import Database
from glampub.errors import GlampubError, NotFound
from glampub.images.http_fetch import FetchPolicy
from glampub.importing.harvest import (
    RUNNING,
    HarvestBusy,
    harvest_images,
    latest_harvest,
    waiting_references,
)
from glampub.jobs import runner as job_runner
from glampub.models import Institution, Upload
from glampub.statuses import UploadStatus

log = logging.getLogger(__name__)
#: What an RQ worker runs (see glampub.jobs.worker), by its dotted name.
RQ_ENTRY_POINT = "glampub.jobs.worker.rq_harvest"
#: A harvest of thousands of images at a polite rate takes hours.
JOB_TIMEOUT_SECONDS = 24 * 3600


def job_id(slug: str) -> str:
    return f"glampub-harvest-{slug}"


def check_can_start(database: Database, slug: str) -> None:
    """NotFound for an unknown institution, HarvestBusy while a harvest of it runs."""
    with database.transaction() as session:
        institution = session.scalar(select(Institution).where(Institution.slug == slug))
        if institution is None:
            raise NotFound(f"no institution {slug!r} (see `glampub institution list`)")
        last = latest_harvest(session, institution.id)
        if last is not None and last.status == RUNNING and last.runner:
            holder = job_runner.Runner.parse(last.runner)
            if holder is not None and holder.alive(last.runner_seen_at, datetime.now(UTC)):
                raise HarvestBusy(
                    f"a harvest of {slug}'s images is running ({holder.describe()}); "
                    "its progress is on the staff pages (Imports)"
                )


def enqueue(app: Flask, slug: str) -> None:
    """Queue the harvest for ``glampub worker``."""
    from redis import Redis
    from rq import Queue

    queue = Queue(app.config["RQ_QUEUE"], connection=Redis.from_url(app.config["REDIS_URL"]))
    queue.enqueue(
        RQ_ENTRY_POINT,
        slug,
        job_id=job_id(slug),
        job_timeout=JOB_TIMEOUT_SECONDS,
        description=f"glampub harvest of {slug}'s images",
    )


def start(app: Flask, slug: str) -> str:
    """Queue or start a harvest of the institution; returns where it runs ("rq" or "thread")."""
    if app.config.get("REDIS_URL"):
        enqueue(app, slug)
        return "rq"
    thread = threading.Thread(
        target=_thread_job, args=(app, slug), name=f"glampub-harvest-{slug}", daemon=True
    )
    thread.start()
    app.extensions.setdefault("glampub.jobs", []).append(thread)
    return "thread"


def start_if_waiting(app: Flask, institution_id: int) -> str | None:
    """After a publish: harvest the institution's image URLs if any wait (else None).

    Only on a deployment that says who it is (``GLAMPUB_CONTACT``): fetching from
    museums' servers unasked, in the background, is done under a name they can
    write to. Elsewhere staff start the harvest (the Imports page, the command).
    """
    try:
        policy = FetchPolicy.from_environment()
    except GlampubError as exc:
        log.error("image URLs not harvested after a publish: %s", exc)
        return None
    if not policy.contact:
        return None
    database: Database = app.extensions["glampub.db"]
    with database.transaction() as session:
        institution = session.get(Institution, institution_id)
        if institution is None or not waiting_references(session, institution_id):
            return None
        slug = institution.slug
    return start(app, slug)


def after_publish(app: Flask, upload_id: int) -> str | None:
    """Once an upload is published, harvest its institution's waiting image URLs."""
    database: Database = app.extensions["glampub.db"]
    with database.transaction() as session:
        upload = session.get(Upload, upload_id)
        if upload is None or upload.status != UploadStatus.PUBLISHED:
            return None
        institution_id = upload.institution_id
    return start_if_waiting(app, institution_id)


def run(database: Database, data_dir: Path, slug: str) -> None:
    """The job itself: a harvest that cannot run (busy, bad policy) is logged, not raised."""
    try:
        report = harvest_images(database, data_dir, slug)
    except HarvestBusy as exc:
        log.info("harvest of %s skipped: %s", slug, exc)
        return
    except GlampubError as exc:
        log.error("harvest of %s could not run: %s", slug, exc)
        return
    log.info("harvest of %s: %s", slug, _summary(report.summary()))


def _summary(data: dict[str, Any]) -> str:
    return f"{data['done']} of {data['total']} dealt with, {data['failed']} failed"


def _thread_job(app: Flask, slug: str) -> None:
    database: Database = app.extensions["glampub.db"]
    with app.app_context():
        try:
            run(database, Path(app.config["DATA_DIR"]), slug)
        except Exception:
            # A thread's exception would vanish: the log keeps it; the harvest
            # row stays "running" with a runner that ends, and is resumed.
            log.exception("harvest of %s stopped on an unexpected error", slug)
