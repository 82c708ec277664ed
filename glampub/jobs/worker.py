"""The RQ entry point of an import job: on a worker, the job builds its own app.

glampub.jobs.background queues this function by its dotted name
(``RQ_ENTRY_POINT``), so no import leads from the jobs back to the app that
starts them.
"""

from __future__ import annotations

from pathlib import Path

from glampub.app import create_app
from glampub.db import Database
from glampub.jobs.background import recover, run_upload


def rq_job(upload_id: int, mode: str, base_url: str) -> None:
    """The worker builds the app from its own environment and runs the upload's job.

    A transient failure is raised for RQ to retry, except on the last attempt,
    which records it on the upload.
    """
    from rq import get_current_job

    job = get_current_job()
    last = job is None or not job.retries_left
    app = create_app()
    database: Database = app.extensions["glampub.db"]
    try:
        with app.app_context():
            recover(app, ignore=upload_id)  # this job takes its own upload over
            run_upload(database, Path(app.config["DATA_DIR"]), upload_id, mode, base_url, last=last)
    finally:
        database.dispose()


def rq_datasets_job(base_url: str) -> None:
    """The worker rebuilds the served datasets (see glampub.jobs.datasets)."""
    from glampub.iiif.urls import IiifUrls
    from glampub.open_data.builds import rebuild_if_stale

    app = create_app()
    database: Database = app.extensions["glampub.db"]
    assert database.engine is not None
    try:
        rebuild_if_stale(database.engine, Path(app.config["DATA_DIR"]), IiifUrls(base_url))
    finally:
        database.dispose()
