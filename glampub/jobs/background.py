"""Background imports: the same job in a thread or on an RQ worker.

On the embedded default the job runs in a thread of the web process; with
``GLAMPUB_REDIS_URL`` set it is queued for ``glampub worker`` (RQ), which may
run on another machine that shares the database and the data folder. Either
way :func:`run_upload` does the work, so both paths behave alike.

A job first claims its upload (see :mod:`glampub.jobs.runner`), so a
job queued twice, or seen by two workers, runs once. A database that cannot
be reached (or, with SQLite, stays busy) is a transient failure: the job is
tried again after a pause, by RQ's retry on a worker, by a loop in a thread.
Anything else fails the upload at once with a message: a broken file or a
full disk does not mend itself in a minute.
"""

from __future__ import annotations

import logging
import os
import re
import threading
import time
from pathlib import Path
from typing import Any

from flask import Flask, current_app, has_app_context
from sqlalchemy import text
from sqlalchemy.orm import Session

from glampub.db import Database
from glampub.errors import GlampubError
from glampub.iiif.urls import IiifUrls
from glampub.importing.preview import sample_records
from glampub.importing.progress import ProgressFile, progress_path
from glampub.importing.run import ImportOptions, run_import
from glampub.importing.uploads import ARCHIVE_NAME
from glampub.jobs import harvest_job
from glampub.jobs import runner as job_runner
from glampub.models import Upload, User
from glampub.statuses import RunStatus, UploadStatus

log = logging.getLogger(__name__)
MODES = ("preview", "publish")
#: An RQ job is given this long before the worker stops it.
JOB_TIMEOUT_SECONDS = 6 * 3600
_RUNNING = job_runner.RUNNING
#: Pauses before each new attempt after a transient failure (seconds).
RETRY_DELAYS = (5, 30, 120)
#: RQ statuses of a job that will still run.
_WAITING = ("queued", "scheduled", "deferred")


class TransientFailure(Exception):
    """The job could not reach the database; trying again later may succeed."""


#: What an RQ worker runs (see glampub.jobs.worker); the name a queued job carries.
RQ_ENTRY_POINT = "glampub.jobs.worker.rq_job"


def job_id(upload_id: int, mode: str) -> str:
    """One RQ job id per upload and mode, so the queue can be asked about it."""
    return f"glampub-upload-{upload_id}-{mode}"


def start(app: Flask, upload_id: int, mode: str, base_url: str) -> str:
    """Queue or start the job; returns where it runs ("rq" or "thread")."""
    if mode not in MODES:
        raise ValueError(mode)
    database: Database = app.extensions["glampub.db"]
    with database.transaction() as session:
        job_runner.mark_queued(session, upload_id)
    redis_url = app.config.get("REDIS_URL")
    if redis_url:
        from rq import Retry

        # By its dotted name: the job builds the app it runs in, and the app
        # starts jobs, so this module must not import the entry point.
        _queue(app).enqueue(
            RQ_ENTRY_POINT,
            upload_id,
            mode,
            base_url,
            job_id=job_id(upload_id, mode),
            job_timeout=JOB_TIMEOUT_SECONDS,
            retry=Retry(max=len(RETRY_DELAYS), interval=list(RETRY_DELAYS)),
            description=f"glampub {mode} of upload {upload_id}",
        )
        return "rq"
    thread = threading.Thread(
        target=_thread_job,
        args=(app, upload_id, mode, base_url),
        name=f"glampub-{mode}-{upload_id}",
        daemon=True,
    )
    thread.start()
    app.extensions.setdefault("glampub.jobs", []).append(thread)
    return "thread"


def _queue(app: Flask) -> Any:
    from redis import Redis
    from rq import Queue

    return Queue(app.config["RQ_QUEUE"], connection=Redis.from_url(app.config["REDIS_URL"]))


def _thread_job(app: Flask, upload_id: int, mode: str, base_url: str) -> None:
    database: Database = app.extensions["glampub.db"]
    data_dir = Path(app.config["DATA_DIR"])
    with app.app_context():
        for attempt, delay in enumerate((*RETRY_DELAYS, None), 1):
            try:
                run_upload(database, data_dir, upload_id, mode, base_url, last=delay is None)
                if mode == "publish":
                    # The metadata is out; the image URLs it left waiting come next.
                    harvest_job.after_publish(app, upload_id)
                return
            except TransientFailure as exc:
                assert delay is not None  # the last attempt records its failure instead
                log.warning("upload %s: attempt %d failed (%s); again in %d s", upload_id,
                            attempt, exc, delay)  # fmt: skip
                time.sleep(delay)


def run_upload(
    database: Database,
    data_dir: Path,
    upload_id: int,
    mode: str,
    base_url: str,
    *,
    last: bool = True,
) -> None:
    """Dry-run (``preview``) or import (``publish``) one upload, recording the outcome.

    Does nothing when another job has already done it or is doing it now.
    Raises TransientFailure when the database could not be reached, unless
    this is the ``last`` attempt: then the upload is marked failed (when the
    database answers again) like for any other error.
    """
    claim = job_runner.Claim(upload_id, mode)
    progress = ProgressFile(progress_path(data_dir, upload_id), 1, mode)
    try:
        with database.transaction() as session:
            busy = claim.take(session)
        if busy is not None:
            log.info("upload %s: %s skipped: %s", upload_id, mode, busy)
            return
        assert database.engine is not None
        with job_runner.runner_heartbeat(database.engine, claim):
            _run_claimed(database, data_dir, upload_id, mode, base_url, progress)
    except Exception as exc:
        if not job_runner.transient(exc):
            raise
        message = (
            f"the {mode} could not reach the database ({type(exc).__name__}: "
            f"{str(exc).splitlines()[0]})"
        )
        if not last:
            progress.write("retrying", message + "; it will be tried again shortly")
            raise TransientFailure(message) from exc
        message += f"; it was tried {len(RETRY_DELAYS) + 1} times. Start the {mode} again."
        progress.write(RunStatus.FAILED, message)
        try:
            _finish(database, upload_id, mode, RunStatus.FAILED, message)
        except Exception as again:
            if not job_runner.transient(again):
                raise
            # Still unreachable: once it answers, recover() sees the runner gone.
            log.error("upload %s: %s; not recorded, the database is still away", upload_id,
                      message)  # fmt: skip
    finally:
        claim.release()


def _for_staff(
    message: str, data_dir: Path, export: Path, images: Path | None, original_name: str
) -> str:
    """A failure message as the staff page shows it: the files by the names they
    were uploaded under, and no path of the server's data folder, not even one
    relative to it (it tells where uploads are kept, and under which names)."""
    message = message.replace(str(export), original_name)
    if images is not None:
        # An export sent inside its ZIP: that ZIP is the file uploaded.
        shown = original_name if images.name == ARCHIVE_NAME else "the images ZIP"
        message = message.replace(str(images), shown)
    # Any other file of the data folder by its name alone.
    folder = re.escape(f"{data_dir}{os.sep}")
    message = re.sub(folder + r"(?:[^\s'\"]*/)?([^\s'\"/]+)", r"\1", message)
    return message.replace(str(data_dir), "the data folder")


def _page_sizes() -> dict[str, int]:
    """The app's collection and change stream page sizes, which the import
    counts the pages of before its commit (both job runners run in the app)."""
    if not has_app_context():
        return {}
    config = current_app.config
    return {
        "collection_page_size": config["COLLECTION_PAGE_SIZE"],
        "discovery_page_size": config["DISCOVERY_PAGE_SIZE"],
    }


def _uploader(session: Session, upload: Upload) -> str | None:
    user = session.get(User, upload.user_id) if upload.user_id else None
    return user.email if user else None


def _run_claimed(
    database: Database,
    data_dir: Path,
    upload_id: int,
    mode: str,
    base_url: str,
    progress: ProgressFile,
) -> None:
    with database.transaction() as session:
        upload = session.get(Upload, upload_id)
        assert upload is not None
        slug = upload.institution.slug
        export = data_dir / upload.export_path
        images = data_dir / upload.images_path if upload.images_path else None
        original_name = upload.original_name
        try:
            profile = _profile_argument(session, upload, data_dir)
        except GlampubError as exc:
            # The staff's own profile, no longer valid (or gone): fail the upload, saying why.
            profile_failure: GlampubError | None = exc
        else:
            profile_failure = None
        options = ImportOptions(
            institution=slug,
            path=export,
            format=upload.format,
            images=images,
            profile=profile if profile_failure is None else None,
            dry_run=mode == "preview",
            full=upload.full,
            # Who gave a profile's default rights, on the import run: who uploaded.
            operator=_uploader(session, upload),
            **_page_sizes(),
        )
        progress.total_bytes = max(export.stat().st_size, 1)
    progress.write(RunStatus.RUNNING)
    try:
        if profile_failure is not None:
            raise profile_failure
        report = run_import(database, data_dir, options, progress=progress)
        extra: dict[str, Any] = {}
        if mode == "preview":
            urls = IiifUrls(base_url)
            with database.transaction() as session:
                upload = session.get(Upload, upload_id)
                assert upload is not None
                extra["sample"] = sample_records(
                    session,
                    upload.institution,
                    export,
                    options.format,
                    options.profile,
                    lambda identifier: urls.object_page(slug, identifier),
                )
    except GlampubError as exc:
        message = _for_staff(exc.for_web(), data_dir, export, images, original_name)
        _finish(database, upload_id, mode, RunStatus.FAILED, message)
        progress.write(RunStatus.FAILED, message)
        return
    except Exception as exc:
        if job_runner.transient(exc):
            raise
        # A bug, not bad input: keep the traceback in the log, tell the page.
        log.exception("upload %s: %s failed", upload_id, mode)
        message = f"the {mode} stopped on an unexpected error ({type(exc).__name__}: {exc})"
        message = _for_staff(message, data_dir, export, images, original_name)
        _finish(database, upload_id, mode, RunStatus.FAILED, message)
        progress.write(RunStatus.FAILED, message)
        return
    _finish(
        database, upload_id, mode, RunStatus.DONE, None, report.summary() | extra, report.run_id
    )
    if mode == "publish":
        _refresh_statistics(database)
    progress.write(RunStatus.DONE)


def queue_state(app: Flask, upload_id: int, mode: str) -> str | None:
    """What the RQ queue says of an upload's job (see job_runner.abandoned)."""
    if not app.config.get("REDIS_URL"):
        return None
    from redis.exceptions import RedisError
    from rq.exceptions import NoSuchJobError
    from rq.job import Job

    queue = _queue(app)
    try:
        status = Job.fetch(job_id(upload_id, mode), connection=queue.connection).get_status()
    except NoSuchJobError:
        return "gone"
    except RedisError:
        return None  # the queue cannot tell now: assume nothing
    if status is None:
        return "gone"
    value = getattr(status, "value", status)
    if value in _WAITING:
        return "waiting"
    return "started" if value == "started" else "gone"


def stopped_reason(app: Flask, upload: Upload) -> str | None:
    """Why this running upload will never finish (its runner is gone), or None."""
    mode = job_runner.MODES.get(upload.status)
    if mode is None:
        return None
    return job_runner.abandoned(upload, queue_state(app, upload.id, mode))


def recover_one(app: Flask, session: Session, upload: Upload) -> bool:
    """For a page showing a running upload: mark it failed now if its runner is gone."""
    reason = stopped_reason(app, upload)
    if reason is None:
        return False
    if session.execute(job_runner.fail_if_unchanged(upload, reason)).rowcount == 1:
        log.warning("upload %s: %s", upload.id, reason)
    session.commit()
    session.refresh(upload)
    return True


def recover(app: Flask, ignore: int | None = None) -> list[int]:
    """Mark failed every upload whose job's runner is gone; returns their ids.

    Run when a worker starts and before each job it picks up, and when the
    site starts: an upload never stays "previewing" or "publishing" for ever.
    """
    database: Database = app.extensions["glampub.db"]
    marked = []
    with database.transaction() as session:
        for upload in job_runner.running_uploads(session):
            if upload.id == ignore:
                continue
            reason = stopped_reason(app, upload)
            if reason is None:
                continue
            taken = session.execute(job_runner.fail_if_unchanged(upload, reason)).rowcount
            if taken == 1:
                log.warning("upload %s: %s", upload.id, reason)
                marked.append(upload.id)
    return marked


def _refresh_statistics(database: Database) -> None:
    """After a big import PostgreSQL plans searches from stale row counts until
    autovacuum catches up; fresh statistics now keep the first searches fast."""
    engine = database.engine
    if engine is not None and engine.dialect.name == "postgresql":
        with engine.begin() as conn:
            conn.execute(text("ANALYZE collection_object, object_search, object_facet"))


def _profile_argument(session: Any, upload: Upload, data_dir: Path) -> str | None:
    """A shipped profile's name, or the institution's own written to a file."""
    from glampub.importing.column_profiles import profile_file

    if upload.profile and upload.profile.startswith("profile:"):
        return str(profile_file(session, upload, data_dir))
    return upload.profile


def _finish(
    database: Database,
    upload_id: int,
    mode: str,
    outcome: RunStatus,
    message: str | None,
    summary: dict[str, Any] | None = None,
    run_id: int | None = None,
) -> None:
    with database.transaction() as session:
        upload = session.get(Upload, upload_id)
        assert upload is not None
        upload.message = message
        upload.runner = None
        if outcome == RunStatus.FAILED:
            upload.status = UploadStatus.FAILED
        elif mode == "preview":
            upload.status = UploadStatus.PREVIEWED
            upload.preview = summary or {}
            upload.preview_run_id = run_id
        else:
            upload.status = UploadStatus.PUBLISHED
            upload.publish_run_id = run_id
