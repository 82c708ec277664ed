"""Helpers for the fault tests, which run `glampub` as real processes.

`ImportSite` is a data folder, its database and the command run against it
(tests/test_import_faults.py); `Launcher` runs that command forked from a
process that has loaded it already (tests/command_launcher.py); `lido_export`
writes the generated LIDO exports those imports read (see bench/_synthetic.py);
`integrity_problems` is the consistency check run after every fault (also by
tests/test_job_faults.py).
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.pool import NullPool

from bench._synthetic import HEADER, lido_record
from glampub.db import application_name, make_engine
from glampub.integrity import check_integrity
from tests.databases import database_url, subprocess_env

#: The `glampub` command, run by this interpreter (the installed script may be absent).
CLI = [sys.executable, "-c", "from glampub.cli import main; main()"]


class ImportSite:
    """A data folder, its database, and the glampub command run against them."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.data = root / "data"
        # The image server of these tests is on 127.0.0.1, which fetching refuses unless allowed.
        self.env = {**subprocess_env(self.data), "GLAMPUB_FETCH_ALLOW": "127.0.0.1"}
        self.db_url = database_url(self.data)

    def run(self, *args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [*CLI, *args], env=self.env, capture_output=True, text=True, timeout=120
        )

    def start_import(self, export: Path, *options: str) -> subprocess.Popen[str]:
        return subprocess.Popen(
            [*CLI, "import", str(export), "--institution", "bench", "--json", *options],
            env=self.env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )

    def query(self, sql: str) -> list[tuple]:
        engine = create_engine(self.db_url, poolclass=NullPool)
        try:
            with engine.connect() as connection:
                return [tuple(row) for row in connection.execute(text(sql))]
        finally:
            engine.dispose()

    def published_state(self) -> dict[str, list[tuple]]:
        """Everything the site serves from: objects, revisions, images, change events."""
        return {
            "objects": self.query(
                "SELECT identifier, revision, status, content_hash, title, rights_uri"
                " FROM collection_object ORDER BY identifier"
            ),
            "images": self.query(
                "SELECT public_id, object_id, position, source_reference, rights_uri"
                " FROM image ORDER BY public_id"
            ),
            "events": self.query("SELECT object_id, kind, revision FROM change_event ORDER BY id"),
        }

    def wait_for_the_server(self, pid: int, timeout: float = 30) -> None:
        """After ``pid`` was killed: on PostgreSQL, until the server has finished what
        that process's sessions had sent. A COMMIT sent just before the kill still
        completes there (the backend notices its client is gone only afterwards), so
        reading the state earlier could see the old version turn into the new one
        a moment later. SQLite's locks die with the process: nothing to wait for."""
        if not self.db_url.startswith("postgresql"):
            return
        sessions = (
            "SELECT count(*) FROM pg_stat_activity"
            f" WHERE application_name = '{application_name(pid)}'"
        )
        wait_for(lambda: self.query(sessions) == [(0,)], f"process {pid}'s sessions", timeout)

    def lock_holder(self) -> int | None:
        rows = self.query("SELECT pid FROM import_lock")
        return rows[0][0] if rows else None

    def run_statuses(self) -> list[str]:
        return [row[0] for row in self.query("SELECT status FROM import_run ORDER BY id")]


def bench_site(root: Path) -> ImportSite:
    """An `ImportSite` under ``root`` with the institution "bench" added."""
    site = ImportSite(root)
    added = site.run("institution", "add", "bench", "--name", "Bench Museum")
    assert added.returncode == 0, added.stderr
    return site


def wait_for(condition: Callable[[], bool], what: str, timeout: float = 60) -> None:
    """Until ``condition()`` holds; the test fails naming ``what`` after ``timeout`` s."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            pytest.fail(f"timed out waiting for {what}")
        time.sleep(0.02)


def lido_export(path: Path, count: int, holds: dict[int, str], variant: str = "") -> Path:
    """A LIDO export whose images are file names (not sent), except records in
    ``holds``, whose first image is that URL."""
    with path.open("w", encoding="utf-8") as out:
        out.write(HEADER)
        for n in range(count):
            record = lido_record(n, variant).replace("https://images.bench-museum.example/", "")
            if n in holds:
                record = record.replace(f">{n}/1.jpg<", f">{holds[n]}<")
            out.write(record)
        out.write("</lido:lidoWrap>\n")
    return path


def integrity_problems(data: Path) -> list[str]:
    """What the consistency check finds wrong in the database and files of ``data``."""
    engine = make_engine(database_url(data))
    try:
        return check_integrity(engine, data).problems
    finally:
        engine.dispose()


#: The process that forks commands already loaded (tests/command_launcher.py).
LAUNCHER = [sys.executable, str(Path(__file__).with_name("command_launcher.py"))]


class Launched:
    """One command forked by a `Launcher`: its pid, whether it ended or stopped itself."""

    def __init__(self, launcher: Launcher, pid: int, output: Path | None = None) -> None:
        self.launcher = launcher
        self.pid = pid
        self.output = output
        self.returncode: int | None = None

    def communicate(self, timeout: float | None = None) -> tuple[str, str]:
        """Waits for it to end (failing the test after ``timeout`` s); its standard
        output and error (if `output` was given; both in the first if it merged them)."""
        if timeout is None:
            self.wait()
        else:
            wait_for(lambda: self.poll() is not None, f"process {self.pid} to end", timeout)
        assert self.output is not None
        out, err = (Path(f"{self.output}.{end}") for end in ("out", "err"))
        return out.read_text("utf-8"), err.read_text("utf-8") if err.exists() else ""

    def poll(self) -> int | None:
        if self.returncode is None:
            self.returncode = self.launcher.ask({"poll": self.pid})["code"]
        return self.returncode

    def wait(self) -> int:
        if self.returncode is None:
            self.returncode = self.launcher.ask({"wait": self.pid})["code"]
        assert self.returncode is not None
        return self.returncode

    def stopped(self) -> bool:
        """True once the command has stopped itself at the point it was asked to."""
        try:
            stat = Path(f"/proc/{self.pid}/stat").read_text()
        except OSError:
            return False
        return stat.rsplit(")", 1)[1].split()[0] == "T"

    def wait_until_stopped(self, timeout: float = 60) -> bool:
        """True once stopped at its point; False if it ended without reaching it."""
        wait_for(lambda: self.stopped() or self.poll() is not None, f"{self.pid} to stop", timeout)
        return self.poll() is None

    def kill(self) -> None:
        """SIGKILL, as the test would kill `glampub import`; then reaped."""
        os.kill(self.pid, signal.SIGKILL)
        self.wait()


class Launcher:
    """Runs `glampub` commands against a site by forking them from one loaded process."""

    def __init__(self, env: dict[str, str]) -> None:
        self.process = subprocess.Popen(
            LAUNCHER, env=env, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
        )
        self.jobs: list[Launched] = []

    def ask(self, request: dict[str, Any]) -> dict[str, Any]:
        assert self.process.stdin is not None and self.process.stdout is not None
        self.process.stdin.write(json.dumps(request) + "\n")
        self.process.stdin.flush()
        answer = self.process.stdout.readline()
        assert answer, f"the launcher ended (exit code {self.process.wait()})"
        return json.loads(answer)

    def start(
        self,
        *args: str,
        stop: dict[str, Any] | None = None,
        counts: Path | None = None,
        output: Path | None = None,
        merged: bool = False,
        session: bool = False,
    ) -> Launched:
        """``glampub *args``; ``stop``: where it stops itself (see tests/command_launcher.py);
        ``counts``: a file it writes its statement and commit counts to when done;
        ``output``: a path whose .out and .err files get its standard output and error
        (``merged``: both in .out); ``session``: in a process group of its own."""
        request: dict[str, Any] = {"argv": list(args), "stop": stop, "session": session}
        if counts is not None:
            request["counts"] = str(counts)
        if output is not None:
            request["stdout"] = f"{output}.out"
            request["stderr"] = request["stdout"] if merged else f"{output}.err"
        job = Launched(self, self.ask(request)["pid"], output)
        self.jobs.append(job)
        return job

    def close(self) -> None:
        """Ends the launcher; a command still running or stopped (a test that failed
        before its kill) is killed first, so that none keeps its database open."""
        for job in self.jobs:
            if job.poll() is None:
                job.kill()
        assert self.process.stdin is not None and self.process.stdout is not None
        self.process.stdin.close()
        self.process.stdout.close()
        assert self.process.wait(timeout=30) == 0
