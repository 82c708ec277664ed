"""Starts `glampub` commands by forking a process that has already loaded glampub.

The fault tests kill many imports (tests/test_import_faults.py). Each is the
real command, ``glampub.cli.main`` with its arguments, in a process of its
own with its own database connections; but a fresh interpreter spends about
a second of CPU importing SQLAlchemy, Flask and glampub before the command
begins, time in which it touches no database or file and so has nothing to
be killed in. Here one process pays that once and forks each command from it
(``python tests/command_launcher.py``, its requests one JSON line each on
standard input, its answers on standard output; it opens no database itself,
so no child shares a connection).

A command may be asked to stop itself (SIGSTOP, the whole process at once)
at a chosen point, where the test then kills it: before or just after one of
its commits, or after one of its SQL statements (see `_Points`). A command
can also write its statements and commits to a file, to aim those points.
"""

from __future__ import annotations

import json
import os
import re
import signal
import sys
from pathlib import Path
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import Engine

# Loaded before any fork: what `glampub import` of a LIDO export uses.
import glampub.cli.commands  # noqa: F401  (registers the commands on main)
import glampub.importing.run  # noqa: F401
import importers.lido  # noqa: F401
from glampub.cli.base import main

#: A statement that writes: its verb and its table (PostgreSQL's COPY bypasses events).
_WRITE = re.compile(r"\s*(insert into|update|delete from)\s+\"?(\w+)", re.IGNORECASE)


class _Points:
    """Counts the command's statements and commits; stops the process at ``stop``.

    The points of ``stop`` count from the first commit whose transaction wrote
    ``stop["anchor"]`` (say ``INSERT INTO import_lock``): ``before_commit`` or
    ``after_commit`` n, that commit being 0 and the next 1; ``after_statement``
    n, the n-th statement after it. What comes before an anchor varies (an
    import taking over a dead one's lock makes more statements first)."""

    def __init__(self, stop: dict[str, Any] | None) -> None:
        self.stop = stop or {}
        self.statements = 0
        # Each commit: how many statements came before it, and what its transaction wrote.
        self.commits: list[dict[str, Any]] = []
        self._writes: set[str] = set()
        self._from_anchor: int | None = None  # commits since the anchor's
        self._statements_since = 0
        self._after_commit = False

    def _halt(self) -> None:
        os.kill(os.getpid(), signal.SIGSTOP)

    def before_statement(self, *_: object) -> None:
        if self._after_commit:
            self._halt()

    def after_statement(self, _conn: object, _cursor: object, statement: str, *_: object) -> None:
        self.statements += 1
        if written := _WRITE.match(statement):
            self._writes.add(f"{written[1].upper()} {written[2]}")
        if self._from_anchor is not None:
            self._statements_since += 1
            if self.stop.get("after_statement") == self._statements_since:
                self._halt()

    def commit(self, *_: object) -> None:
        if self._after_commit:
            self._halt()  # a commit straight after the one to stop after
        self.commits.append({"after": self.statements, "writes": sorted(self._writes)})
        if self._from_anchor is not None:
            self._from_anchor += 1
        elif self.stop.get("anchor") in self._writes:
            self._from_anchor = 0
        self._writes = set()
        if self._from_anchor is None:
            return
        if self.stop.get("before_commit") == self._from_anchor:
            self._halt()
        # Stopped at whatever comes next: the commit has reached the database then.
        self._after_commit = self.stop.get("after_commit") == self._from_anchor

    def listen(self) -> None:
        event.listen(Engine, "before_cursor_execute", self.before_statement)
        event.listen(Engine, "after_cursor_execute", self.after_statement)
        event.listen(Engine, "commit", self.commit)


def _child(request: dict[str, Any]) -> None:
    """Runs one command in the forked process; never returns."""
    code = 1
    try:
        devnull = os.open(os.devnull, os.O_RDWR)
        os.dup2(devnull, 0)
        # Its output to files when asked (read once it ended), else nowhere; the
        # same file for both: one file, as a pipe with stderr=STDOUT would be.
        for fd, name in ((1, "stdout"), (2, "stderr")):
            path = request.get(name)
            if fd == 2 and path and path == request.get("stdout"):
                os.dup2(1, 2)
                continue
            out = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC) if path else devnull
            os.dup2(out, fd)
        if request.get("session"):
            os.setsid()  # a process group of its own, as with start_new_session
        points = _Points(request.get("stop"))
        points.listen()
        sys.argv = ["glampub", *request["argv"]]
        try:
            main(standalone_mode=True)
            code = 0
        except SystemExit as exc:
            code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
        sys.stdout.flush()
        sys.stderr.flush()
        if points._after_commit:
            points._halt()  # the last commit was the command's last statement
        if counts := request.get("counts"):
            Path(counts).write_text(
                json.dumps({"statements": points.statements, "commits": points.commits})
            )
    finally:
        os._exit(code)


def serve() -> None:
    """Answers requests until standard input closes:
    ``{"argv": [...], "stop": {...}, "counts": path, "stdout": path, "stderr": path,
    "session": true}`` forks a command and answers its pid;
    ``{"poll": pid}`` answers its exit code, null while it runs (or is stopped);
    ``{"wait": pid}`` waits for it and answers its exit code (negative: a signal)."""
    for line in sys.stdin:
        request = json.loads(line)
        if "argv" in request:
            sys.stdout.flush()
            pid = os.fork()
            if pid == 0:
                _child(request)
            answer: dict[str, Any] = {"pid": pid}
        else:
            pid = request.get("poll") or request["wait"]
            done, status = os.waitpid(pid, os.WNOHANG if "poll" in request else 0)
            answer = {"code": os.waitstatus_to_exitcode(status) if done else None}
        print(json.dumps(answer), flush=True)


if __name__ == "__main__":
    serve()
