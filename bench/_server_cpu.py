"""CPU time a process's PostgreSQL sessions have used on the server, for benchmarks.

Wall time on a shared machine moves with whatever else runs; CPU time much
less. An import into PostgreSQL spends part of its work in the server
processes serving its sessions, which the importing process's own CPU time
leaves out. glampub names each session after its process ("glampub 4242",
see glampub.db.application_name), so a benchmark on the same machine as the
server can find them in ``pg_stat_activity`` and read their CPU time from
``/proc``. Sessions still open count (the engine's pool keeps them): call
before and after, and take the difference.
"""

from __future__ import annotations

import os
from pathlib import Path

from sqlalchemy import Engine, create_engine, make_url, text
from sqlalchemy.pool import NullPool

from glampub.db import application_name


def bench_engine(url: str) -> Engine:
    """An engine of the benchmark's own (one connection at a time, none kept) on ``url``."""
    parsed = make_url(url)
    if parsed.drivername == "postgresql":
        parsed = parsed.set(drivername="postgresql+psycopg")  # as glampub.db.make_engine
    return create_engine(parsed, poolclass=NullPool)


def stat_fields(pid: int) -> list[str]:
    """The fields of ``/proc/PID/stat`` after the command's name (the state first,
    then the parent's pid, ...); OSError for a process not on this machine."""
    return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()


def server_cpu_seconds(url: str, pid: int | None = None) -> float | None:
    """User and system CPU of the open sessions of process ``pid`` (default:
    this one), in seconds; None when the database is not a local PostgreSQL."""
    if not url.startswith("postgresql"):
        return None
    # Not glampub's engine: this session must not be named as the measured ones.
    engine = bench_engine(url)
    try:
        with engine.connect() as connection:
            pids = connection.execute(
                text("SELECT pid FROM pg_stat_activity WHERE application_name = :name"),
                {"name": application_name(pid)},
            ).scalars()
            pids = list(pids)
    finally:
        engine.dispose()
    tick = os.sysconf("SC_CLK_TCK")
    total = 0.0
    for backend in pids:
        try:
            fields = stat_fields(backend)
        except OSError:
            return None  # another machine's server, or not ours to read
        total += (int(fields[11]) + int(fields[12])) / tick
    return total
