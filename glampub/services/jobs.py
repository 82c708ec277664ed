"""Background imports: the same job in a thread or on an RQ worker.

On the embedded default the job runs in a thread of the web process; with
``GLAMPUB_REDIS_URL`` set it is queued for ``glampub worker`` (RQ), which may
run on another machine that shares the database and the data folder. Either
way :func:`run_upload` does the work, so both paths behave alike.
"""

from __future__ import annotations

import logging
import threading
from pathlib import Path
from typing import Any

from flask import Flask
from sqlalchemy import text

from glampub.db import Database
from glampub.errors import GlampubError
from glampub.iiif.urls import IiifUrls
from glampub.models import Upload
from glampub.services.importing import ImportOptions, run_import
from glampub.services.preview import sample_records
from glampub.services.progress import ProgressFile, progress_path

log = logging.getLogger(__name__)
MODES = ("preview", "publish")
#: An RQ job is given this long before the worker stops it.
JOB_TIMEOUT_SECONDS = 6 * 3600
_RUNNING = {"preview": "previewing", "publish": "publishing"}


def start(app: Flask, upload_id: int, mode: str, base_url: str) -> str:
    """Queue or start the job; returns where it runs ("rq" or "thread")."""
    if mode not in MODES:
        raise ValueError(mode)
    redis_url = app.config.get("REDIS_URL")
    if redis_url:
        from redis import Redis
        from rq import Queue

        queue = Queue(app.config["RQ_QUEUE"], connection=Redis.from_url(redis_url))
        queue.enqueue(
            rq_job,
            upload_id,
            mode,
            base_url,
            job_timeout=JOB_TIMEOUT_SECONDS,
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


def _thread_job(app: Flask, upload_id: int, mode: str, base_url: str) -> None:
    with app.app_context():
        run_upload(
            app.extensions["glampub.db"], Path(app.config["DATA_DIR"]), upload_id, mode, base_url
        )


def rq_job(upload_id: int, mode: str, base_url: str) -> None:
    """The RQ entry point: the worker builds the app from its own environment."""
    from glampub import create_app

    app = create_app()
    database: Database = app.extensions["glampub.db"]
    try:
        with app.app_context():
            run_upload(database, Path(app.config["DATA_DIR"]), upload_id, mode, base_url)
    finally:
        database.dispose()


def run_upload(
    database: Database, data_dir: Path, upload_id: int, mode: str, base_url: str
) -> None:
    """Dry-run (``preview``) or import (``publish``) one upload, recording the outcome."""
    with database.transaction() as session:
        upload = session.get(Upload, upload_id)
        if upload is None:
            raise GlampubError(f"no upload {upload_id}")
        slug = upload.institution.slug
        export = data_dir / upload.export_path
        options = ImportOptions(
            institution=slug,
            path=export,
            format=upload.format,
            images=data_dir / upload.images_path if upload.images_path else None,
            profile=_profile_argument(session, upload, data_dir),
            dry_run=mode == "preview",
            full=upload.full,
        )
        upload.status = _RUNNING[mode]
        upload.message = None
        size = export.stat().st_size
    progress = ProgressFile(progress_path(data_dir, upload_id), size, mode)
    progress.write("running")
    try:
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
        _finish(database, upload_id, mode, "failed", str(exc))
        progress.write("failed", str(exc))
        return
    except Exception as exc:
        # A bug, not bad input: keep the traceback in the log, tell the page.
        log.exception("upload %s: %s failed", upload_id, mode)
        message = f"the {mode} stopped on an unexpected error ({type(exc).__name__}: {exc})"
        _finish(database, upload_id, mode, "failed", message)
        progress.write("failed", message)
        return
    _finish(database, upload_id, mode, "done", None, report.summary() | extra, report.run_id)
    if mode == "publish":
        _refresh_statistics(database)
    progress.write("done")


def _refresh_statistics(database: Database) -> None:
    """After a big import PostgreSQL plans searches from stale row counts until
    autovacuum catches up; fresh statistics now keep the first searches fast."""
    engine = database.engine
    if engine is not None and engine.dialect.name == "postgresql":
        with engine.begin() as conn:
            conn.execute(text("ANALYZE collection_object, object_search, object_facet"))


def _profile_argument(session: Any, upload: Upload, data_dir: Path) -> str | None:
    """A shipped profile's name, or the institution's own written to a file."""
    from glampub.services.column_profiles import profile_file

    if upload.profile and upload.profile.startswith("profile:"):
        return str(profile_file(session, upload, data_dir))
    return upload.profile


def _finish(
    database: Database,
    upload_id: int,
    mode: str,
    outcome: str,
    message: str | None,
    summary: dict[str, Any] | None = None,
    run_id: int | None = None,
) -> None:
    with database.transaction() as session:
        upload = session.get(Upload, upload_id)
        assert upload is not None
        upload.message = message
        if outcome == "failed":
            upload.status = "failed"
        elif mode == "preview":
            upload.status = "previewed"
            upload.preview = summary or {}
            upload.preview_run_id = run_id
        else:
            upload.status = "published"
            upload.publish_run_id = run_id
