"""The identifiers a ``--full`` import withdraws, in flat memory.

"withdrawn 25" is not enough to check a full export before publishing it:
the report names the objects. A collection may lose thousands at once, so
only the first few are held in memory; past that every identifier goes, as
one JSON string per line, to a file of the import run beside its problems file, and
iterating reads it back.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import IO

from glampub.importing.problem_log import PROBLEMS_FOLDER

#: Identifiers held in memory; past that many they are all in the file.
KEEP_IN_MEMORY = 1000


def withdrawn_path(data_dir: Path, run_id: int) -> Path:
    """The file of one import run's withdrawn identifiers (written only when needed)."""
    return data_dir / PROBLEMS_FOLDER / f"run-{run_id}-withdrawn.jsonl"


class WithdrawnLog:
    """Identifiers in the order withdrawn; ``path=None`` keeps them all in memory."""

    def __init__(self, path: Path | None = None, keep: int | None = None) -> None:
        self.path = path
        self.keep = KEEP_IN_MEMORY if keep is None else keep
        self.first: list[str] = []
        self.total = 0
        self._file: IO[str] | None = None

    def append(self, identifier: str) -> None:
        self.total += 1
        if self.path is None or len(self.first) < self.keep:
            self.first.append(identifier)
            return
        if self._file is None:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._file = self.path.open("w", encoding="utf-8")
            self._file.writelines(_line(kept) for kept in self.first)
        self._file.write(_line(identifier))

    def __len__(self) -> int:
        return self.total

    def __iter__(self) -> Iterator[str]:
        if len(self.first) == self.total:
            yield from list(self.first)
            return
        assert self.path is not None
        if self._file is not None:
            self._file.flush()
        with self.path.open(encoding="utf-8") as handle:
            for line in handle:
                yield json.loads(line)

    def close(self) -> None:
        if self._file is not None:
            self._file.close()
            self._file = None


def _line(identifier: str) -> str:
    # A JSON string: one line each, whatever the identifier holds.
    return json.dumps(identifier, ensure_ascii=False) + "\n"
