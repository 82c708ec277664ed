"""Give a local PostgreSQL server cores of its own, for benchmarks.

On a machine with few cores, a PostgreSQL import shares them three ways: the
import's reader, the import itself and the server's session. A site at a
million objects usually runs its database on cores (or a host) of its own;
a benchmark can show that shape on one machine by pinning the server's
processes to some cores (``sched_setaffinity``) and the import to the rest.

The server is found through a session of its own: the backend's parent is
the postmaster, and every backend it starts later inherits its cores. Only a
server on this machine can be pinned, and only with the right to (root, or
the server's own user): otherwise :class:`CannotPin` says why.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from pathlib import Path

from sqlalchemy import text

from bench._server_cpu import bench_engine, stat_fields


class CannotPin(Exception):
    """The server's processes cannot be given cores here (another machine, no right)."""


def split_cores(server_cores: int) -> tuple[set[int], set[int]]:
    """This process's cores, split: (the import's, the server's ``server_cores`` last ones)."""
    cores = sorted(os.sched_getaffinity(0))
    if not 0 < server_cores < len(cores):
        raise CannotPin(
            f"{server_cores} of {len(cores)} cores for the server leaves none for the import"
        )
    return set(cores[:-server_cores]), set(cores[-server_cores:])


def _parent(pid: int) -> int:
    return int(stat_fields(pid)[1])


def server_processes(url: str) -> list[int]:
    """The postmaster of the server at ``url`` and its processes now running."""
    engine = bench_engine(url)
    try:
        with engine.connect() as connection:
            backend = connection.execute(text("SELECT pg_backend_pid()")).scalar_one()
            try:
                postmaster = _parent(backend)
                command = Path(f"/proc/{postmaster}/cmdline").read_bytes()
            except OSError:
                raise CannotPin(f"{engine.url.host}: the server is not on this machine") from None
    finally:
        engine.dispose()
    if b"postgres" not in command:
        raise CannotPin(f"process {postmaster} does not look like PostgreSQL's postmaster")
    children = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            with contextlib.suppress(OSError, ValueError):
                if _parent(int(entry.name)) == postmaster:
                    children.append(int(entry.name))
    return [postmaster, *children]


@contextlib.contextmanager
def server_pinned(url: str, cores: set[int]) -> Iterator[None]:
    """The server's processes on ``cores`` while the block runs, as they were after."""
    before: dict[int, set[int]] = {}
    try:
        for pid in server_processes(url):
            with contextlib.suppress(ProcessLookupError):  # a backend that just ended
                before[pid] = os.sched_getaffinity(pid)
                os.sched_setaffinity(pid, cores)
    except PermissionError:
        _restore(before)
        raise CannotPin(
            "no right to set the server's cores: run as root or as the server's user"
        ) from None
    try:
        yield
    finally:
        _restore(before)


def _restore(affinities: dict[int, set[int]]) -> None:
    for pid, cores in affinities.items():
        with contextlib.suppress(ProcessLookupError):
            os.sched_setaffinity(pid, cores)
