"""One import at a time per institution, on SQLite and PostgreSQL alike.

The lock is a row in ``import_lock`` naming its holder. It is taken in a short
transaction of its own, committed before the import's long transaction starts,
so every other process can read who holds it, and released when the import
run is finished.

A holder that died without releasing it (kill -9, a crash, power loss) must
not block its institution for ever. Whether a holder still lives is decided
from what the row says:

- on the same host, by its process: the pid must exist, not be a zombie, and
  have started when the holder did (pids are reused);
- on another host (possible only with a server database), by its heartbeat,
  which the holder refreshes from a second connection while it imports.

SQLite cannot take a heartbeat while the import's transaction holds its one
write lock, but with SQLite every process is on one host (WAL needs shared
memory), so the process check is all it needs.

Checking is a read, never a write: with SQLite a second import must not even
queue for the write lock that the running import holds, or it would hang for
the busy timeout instead of being refused at once.
"""

from __future__ import annotations

import os
import socket
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import Engine, Update, delete, update
from sqlalchemy.exc import IntegrityError, OperationalError, SQLAlchemyError
from sqlalchemy.orm import Session

from glampub.errors import ImportLocked
from glampub.models import ImportLock, ImportRun, Institution
from glampub.statuses import RunStatus

#: How often a holder refreshes its heartbeat, and when a silent one is dead.
HEARTBEAT_EVERY = timedelta(seconds=20)
STALE_AFTER = timedelta(seconds=120)


@dataclass(frozen=True)
class Holder:
    """This process, as a lock row describes it."""

    host: str
    pid: int
    process_started: str

    @classmethod
    def current(cls) -> Holder:
        pid = os.getpid()
        return cls(socket.gethostname(), pid, process_start_time(pid) or "")


def process_start_time(pid: int) -> str | None:
    """When process ``pid`` started (clock ticks since boot), where /proc tells."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    # The command name (field 2) may hold spaces and brackets: split after it.
    fields = stat[stat.rfind(")") + 2 :].split()
    return fields[19] if len(fields) > 19 else None


def _process_state(pid: int) -> str | None:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    return stat[stat.rfind(")") + 2 :].split(" ", 1)[0]


def process_alive(pid: int, started: str) -> bool:
    """True while the process that took the lock runs (not a reused pid, not a zombie)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        pass  # it exists, under another user
    if _process_state(pid) in ("Z", "X"):
        return False
    now_started = process_start_time(pid)
    return not (started and now_started is not None and now_started != started)


#: Runs importing in this process now. A run of this very process that holds
#: the lock but is not here gave up without releasing it (the database went
#: away under it): a retry in the same process must be able to take over.
_LIVE_RUNS: set[int] = set()


def finished_here(run_id: int) -> None:
    """The run no longer imports in this process, released or not."""
    _LIVE_RUNS.discard(run_id)


def holder_alive(lock: ImportLock, here: Holder, now: datetime) -> bool:
    if lock.host == here.host:
        if lock.pid == here.pid and lock.process_started == here.process_started:
            return lock.run_id in _LIVE_RUNS
        return process_alive(lock.pid, lock.process_started)
    beat = lock.heartbeat_at
    if beat.tzinfo is None:  # SQLite hands back naive UTC
        beat = beat.replace(tzinfo=UTC)
    return now - beat < STALE_AFTER


def _locked_message(institution: Institution, lock: ImportLock) -> str:
    started = lock.acquired_at.strftime("%Y-%m-%d %H:%M:%S")
    return (
        f"another import for {institution.slug} is running (import run {lock.run_id}, "
        f"process {lock.pid} on {lock.host}, started {started} UTC); two imports for one "
        "institution never run at once. Wait for it to finish, then run this one again."
    )


def check_unlocked(session: Session, institution: Institution) -> ImportLock | None:
    """Raise ImportLocked when a live import holds the lock; return a dead holder's row."""
    lock = session.get(ImportLock, institution.id, populate_existing=True)
    if lock is None:
        return None
    if holder_alive(lock, Holder.current(), datetime.now(UTC)):
        raise ImportLocked(_locked_message(institution, lock))
    return lock


def acquire(session: Session, institution: Institution, run_id: int) -> None:
    """Take the lock for ``run_id`` inside the caller's short transaction.

    A dead holder's lock is taken over (its run is marked failed); a race with
    another import starting at the same moment ends in ImportLocked for one.
    """
    here = Holder.current()
    now = datetime.now(UTC)
    # Read now: after a failed flush the session has rolled back and expired the
    # institution, and loading its slug again would fail instead of saying why.
    slug = institution.slug
    dead = check_unlocked(session, institution)
    values = {
        "run_id": run_id,
        "host": here.host,
        "pid": here.pid,
        "process_started": here.process_started,
        "acquired_at": now,
        "heartbeat_at": now,
    }
    try:
        if dead is None:
            session.add(ImportLock(institution_id=institution.id, **values))
            session.flush()
            _LIVE_RUNS.add(run_id)
            return
        taken = session.execute(
            update(ImportLock)
            .where(ImportLock.institution_id == institution.id, ImportLock.run_id == dead.run_id)
            .values(**values)
            .execution_options(synchronize_session=False)
        )
        if taken.rowcount != 1:
            raise ImportLocked(f"another import for {slug} has just started")
        session.execute(
            update(ImportRun)
            .where(ImportRun.id == dead.run_id, ImportRun.status == RunStatus.RUNNING)
            .values(
                status=RunStatus.FAILED,
                finished_at=now,
                message=f"interrupted: process {dead.pid} on {dead.host} stopped (or lost the "
                "database) before it finished; nothing it imported was published",
            )
            .execution_options(synchronize_session=False)
        )
        _LIVE_RUNS.add(run_id)
    except (IntegrityError, OperationalError) as exc:
        raise ImportLocked(
            f"another import for {slug} has just started; wait for it to finish"
        ) from exc


def release(session: Session, institution_id: int, run_id: int) -> None:
    """Give the lock back (only if this run still holds it)."""
    session.execute(
        delete(ImportLock).where(
            ImportLock.institution_id == institution_id, ImportLock.run_id == run_id
        )
    )


class Heartbeat:
    """Writes a "still alive" timestamp from its own connection while work runs.

    ``statement`` makes the UPDATE each beat executes (the lock's heartbeat,
    an upload's runner). Not started for SQLite, whose single write lock the
    work itself holds, and where every holder is on this machine anyway.
    """

    def __init__(self, engine: Engine, statement: Callable[[], Update], name: str) -> None:
        self.engine = engine
        self.statement = statement
        self.name = name
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def __enter__(self) -> Heartbeat:
        if self.engine.dialect.name != "sqlite":
            self._thread = threading.Thread(target=self._beat, name=self.name, daemon=True)
            self._thread.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join()

    def _beat(self) -> None:
        while not self._stop.wait(HEARTBEAT_EVERY.total_seconds()):
            try:
                with self.engine.begin() as connection:
                    connection.execute(self.statement())
            except SQLAlchemyError:
                # One missed beat is harmless (the holder is stale only after
                # several); a database that is really gone fails the work itself.
                continue


def lock_heartbeat(engine: Engine, institution_id: int, run_id: int) -> Heartbeat:
    """Keeps the import lock of ``run_id`` fresh while the import runs."""
    return Heartbeat(
        engine,
        lambda: (
            update(ImportLock)
            .where(ImportLock.institution_id == institution_id, ImportLock.run_id == run_id)
            .values(heartbeat_at=datetime.now(UTC))
        ),
        "import-heartbeat",
    )
