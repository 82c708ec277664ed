"""Who runs an upload's preview or publish job, and what to do when it died.

A job claims its upload before any work: one conditional UPDATE that names
this runner, which succeeds only while the upload still waits for that job
and nobody alive has claimed it. So a job queued twice (a double click, a
retry racing a re-queue) or seen by two workers runs once; the other copy
finds the claim and does nothing.

A runner is named by host, process id, that process's start time (pids are
reused) and a token of its own (one process may run several jobs, and one
attempt of a job may give way to the next in the same process). Whether it
still lives is decided as for the import lock (see
:mod:`glampub.importing.lock`): on the same host by its process, and
within this process by the tokens still running; on another host by the
heartbeat it keeps in ``runner_seen_at`` (PostgreSQL only; SQLite is one host).

An upload left "previewing" or "publishing" by a runner that is gone is
marked failed with a message saying so; one whose job never started and was
lost from the queue (Redis restarted without its data) is queued again.
"""

from __future__ import annotations

import logging
import threading
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import Engine, Update, or_, select, update
from sqlalchemy.exc import DBAPIError, DisconnectionError
from sqlalchemy.orm import Session

from glampub.importing.lock import (
    STALE_AFTER,
    Heartbeat,
    Holder,
    process_alive,
)
from glampub.models import Upload
from glampub.statuses import UploadStatus

log = logging.getLogger(__name__)
RUNNING = {"preview": UploadStatus.PREVIEWING, "publish": UploadStatus.PUBLISHING}
MODES = {status: mode for mode, status in RUNNING.items()}
#: A job not yet claimed this long after it was queued, and not in the queue
#: (or started in a thread, which claims its upload within a second), is lost.
QUEUE_GRACE = timedelta(seconds=60)

#: Tokens of the jobs running in this process now.
_LIVE: set[str] = set()
_LIVE_LOCK = threading.Lock()


@dataclass(frozen=True)
class Runner:
    host: str
    pid: int
    process_started: str
    token: str

    @classmethod
    def new(cls) -> Runner:
        here = Holder.current()
        return cls(here.host, here.pid, here.process_started, uuid.uuid4().hex[:12])

    @classmethod
    def parse(cls, text: str) -> Runner | None:
        parts = text.split(" ")
        if len(parts) != 4 or not parts[1].isdigit():
            return None
        return cls(parts[0], int(parts[1]), parts[2], parts[3])

    def __str__(self) -> str:
        return f"{self.host} {self.pid} {self.process_started or '-'} {self.token}"

    def describe(self) -> str:
        return f"process {self.pid} on {self.host}"

    def alive(self, seen_at: datetime | None, now: datetime) -> bool:
        here = Holder.current()
        if self.host != here.host:
            if seen_at is None:
                return False
            if seen_at.tzinfo is None:  # SQLite hands back naive UTC
                seen_at = seen_at.replace(tzinfo=UTC)
            return now - seen_at < STALE_AFTER
        started = "" if self.process_started == "-" else self.process_started
        if self.pid == here.pid and started == here.process_started:
            with _LIVE_LOCK:
                return self.token in _LIVE
        return process_alive(self.pid, started)


@contextmanager
def running_here(runner: Runner) -> Iterator[None]:
    """While the block runs, ``runner`` is alive in this process (another job,
    e.g. a harvest, claims its work under it and is seen alive by its token)."""
    with _LIVE_LOCK:
        _LIVE.add(runner.token)
    try:
        yield
    finally:
        with _LIVE_LOCK:
            _LIVE.discard(runner.token)


def transient(exc: BaseException) -> bool:
    """Worth trying again later: the database could not be reached, or was busy."""
    if isinstance(exc, DisconnectionError):
        return True
    if isinstance(exc, DBAPIError):
        # OperationalError (connection refused, server gone, "database is
        # locked") and InterfaceError (a connection closed under us).
        return exc.connection_invalidated or type(exc).__name__ in (
            "OperationalError",
            "InterfaceError",
        )
    return False


class Claim:
    """This process's hold on one upload while its job runs."""

    def __init__(self, upload_id: int, mode: str, runner: Runner | None = None) -> None:
        self.upload_id = upload_id
        self.mode = mode
        self.runner = runner or Runner.new()

    def take(self, session: Session) -> str | None:
        """Claim the upload; None when claimed, else why this job has nothing to do."""
        upload = session.get(Upload, self.upload_id, populate_existing=True)
        if upload is None:
            return f"upload {self.upload_id} no longer exists"
        wanted = RUNNING[self.mode]
        if upload.status != wanted:
            return f"upload {self.upload_id} is {upload.status}, not {wanted}: already done"
        previous = upload.runner
        if previous and previous != str(self.runner):
            holder = Runner.parse(previous)
            if holder is not None and holder.alive(upload.runner_seen_at, datetime.now(UTC)):
                return f"upload {self.upload_id} is being run by {holder.describe()}"
        taken = session.execute(
            update(Upload)
            .where(
                Upload.id == self.upload_id,
                Upload.status == wanted,
                Upload.runner.is_(None) if previous is None else Upload.runner == previous,
            )
            .values(runner=str(self.runner), runner_seen_at=datetime.now(UTC), message=None)
            .execution_options(synchronize_session=False)
        )
        if taken.rowcount != 1:
            return f"upload {self.upload_id} was claimed by another job at the same moment"
        with _LIVE_LOCK:
            _LIVE.add(self.runner.token)
        return None

    def release(self) -> None:
        """This process no longer runs the job (whatever the database says)."""
        with _LIVE_LOCK:
            _LIVE.discard(self.runner.token)


def runner_heartbeat(engine: Engine, claim: Claim) -> Heartbeat:
    """Refreshes ``runner_seen_at`` while the claimed job runs."""
    return Heartbeat(
        engine,
        lambda: (
            update(Upload)
            .where(Upload.id == claim.upload_id, Upload.runner == str(claim.runner))
            .values(runner_seen_at=datetime.now(UTC))
        ),
        "job-heartbeat",
    )


def set_waiting(upload: Upload, status: UploadStatus) -> None:
    """The upload waits for its job: set with its status, in the same commit, so
    that nobody takes it for a job lost before it was even queued."""
    upload.status = status
    upload.runner = None
    upload.runner_seen_at = datetime.now(UTC)


def mark_queued(session: Session, upload_id: int) -> None:
    """A job was just started or queued for the upload: when nobody has claimed
    it yet, it counts as waiting from now. A live claim is never cleared: a
    duplicate queued while the job runs must find it, and do nothing."""
    session.execute(
        update(Upload)
        .where(Upload.id == upload_id, Upload.runner.is_(None))
        .values(runner_seen_at=datetime.now(UTC))
        .execution_options(synchronize_session=False)
    )


def abandoned(upload: Upload, queued: str | None, now: datetime | None = None) -> str | None:
    """Why a running upload will never finish, or None while it may.

    ``queued`` is what the job queue says of its job: "waiting" (queued or
    due for a retry), "started", "gone" (unknown to it, finished or failed);
    None when jobs run in threads, or when the queue cannot be asked now.
    """
    mode = MODES.get(upload.status)
    if mode is None:
        return None
    now = now or datetime.now(UTC)
    if upload.runner:
        runner = Runner.parse(upload.runner)
        if runner is not None and runner.alive(upload.runner_seen_at, now):
            return None
        if queued == "waiting":
            return None  # the queue retries it, and that attempt takes over
        who = runner.describe() if runner is not None else "the process"
        return (
            f"the {mode} stopped before it finished: {who} that ran it ended (it was "
            f"killed, crashed or restarted). Nothing was published by it. Start the {mode} again."
        )
    since = upload.runner_seen_at
    if since is not None and since.tzinfo is None:
        since = since.replace(tzinfo=UTC)
    if since is not None and now - since < QUEUE_GRACE:
        return None  # it is being queued, or a worker is just picking it up
    if queued == "gone":
        return (
            f"the {mode} never started: its job was lost from the queue (the queue's "
            f"server restarted without its data). Nothing was published. Start the {mode} again."
        )
    if queued is not None:
        return None  # waiting in the queue, or a worker is just picking it up
    return (
        f"the {mode} never started: the process that was to run it ended first (it was "
        f"stopped or restarted). Nothing was published. Start the {mode} again."
    )


def running_uploads(session: Session) -> list[Upload]:
    return list(
        session.scalars(select(Upload).where(or_(*(Upload.status == status for status in MODES))))
    )


def fail_if_unchanged(upload: Upload, reason: str) -> Update:
    """Mark an abandoned upload failed, unless a job claimed it meanwhile."""
    same_runner = (
        Upload.runner.is_(None) if upload.runner is None else (Upload.runner == upload.runner)
    )
    return (
        update(Upload)
        .where(Upload.id == upload.id, Upload.status == upload.status, same_runner)
        .values(status=UploadStatus.FAILED, message=reason, runner=None)
        .execution_options(synchronize_session=False)
    )
