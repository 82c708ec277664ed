"""Every problem of an import, in flat memory.

A large export can have a warning on every record: a million problems would
not fit the memory budget of an import. :class:`ProblemLog` therefore keeps
only counts (per code and per severity) and the first few problems in memory,
and writes every problem as one JSON object per line to a file of the import
run under the data folder. Iterating over the log reads that file back, so
the report can still name every problem, on the terminal and in ``--json``,
without ever holding them all.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import BinaryIO

import orjson

from glampub.errors import Problem

#: Problems kept in memory and on the ImportRun row; the rest only in the file.
KEEP_IN_MEMORY = 1000
#: Where problem files go, under the data folder.
PROBLEMS_FOLDER = "import-runs"


def problem_json(problem: Problem) -> str:
    """One problem as a JSON object (``record``, ``line``, ``code``, ``message``, ``severity``)."""
    return _problem_bytes(problem).decode()


def _problem_bytes(problem: Problem) -> bytes:
    return orjson.dumps(
        {
            "record": problem.record,
            "line": problem.line,
            "code": problem.code,
            "message": problem.message,
            "severity": problem.severity,
        }
    )


def problems_path(data_dir: Path, run_id: int) -> Path:
    """The problems file of one import run."""
    return data_dir / PROBLEMS_FOLDER / f"run-{run_id}-problems.jsonl"


class ProblemLog:
    """A list-like collection of problems that spills to a JSON-lines file.

    With ``path=None`` everything stays in memory (for small, in-process uses).
    """

    def __init__(self, path: Path | None = None, keep: int | None = None) -> None:
        self.path = path
        self.keep = KEEP_IN_MEMORY if keep is None else keep
        self.first: list[Problem] = []
        self.counts: Counter[str] = Counter()
        self.errors = 0
        self.total = 0
        self._file: BinaryIO | None = None

    def append(self, problem: Problem) -> None:
        self.total += 1
        self.counts[problem.code] += 1
        if problem.severity == "error":
            self.errors += 1
        if self.path is None or len(self.first) < self.keep:
            self.first.append(problem)
        if self.path is not None:
            if self._file is None:
                self.path.parent.mkdir(parents=True, exist_ok=True)
                # Bytes as orjson makes them (UTF-8): an import may write a
                # problem for every image, and decoding each to text only to
                # encode it again cost as much as making it.
                self._file = self.path.open("wb")
            self._file.write(_problem_bytes(problem) + b"\n")

    def extend(self, problems: Iterable[Problem]) -> None:
        for problem in problems:
            self.append(problem)

    @property
    def complete_in_memory(self) -> bool:
        return len(self.first) == self.total

    def __len__(self) -> int:
        return self.total

    def __bool__(self) -> bool:
        return self.total > 0

    def __iter__(self) -> Iterator[Problem]:
        """Every problem in the order met, from memory or read back from the file."""
        if self.complete_in_memory:
            yield from list(self.first)
            return
        self.flush()
        assert self.path is not None
        with self.path.open(encoding="utf-8") as handle:
            for line in handle:
                yield Problem(**json.loads(line))

    def flush(self) -> None:
        if self._file is not None:
            self._file.flush()

    def close(self) -> None:
        if self._file is not None:
            self._file.close()
            self._file = None
