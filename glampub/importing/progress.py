"""Import progress in a small JSON file beside the upload.

Not in the database: with SQLite the running import holds the only write
lock for its whole transaction, so nothing else could write a progress row.
The data folder is shared by every process (and by RQ workers), so a file
there is seen by the page that polls it, whichever process serves it.
"""

from __future__ import annotations

import json
import os
import time
from pathlib import Path
from typing import Any

from glampub.statuses import RunStatus

#: Write at most this often: a batch of records takes a few milliseconds.
EVERY_SECONDS = 0.3


def progress_path(data_dir: Path, upload_id: int) -> Path:
    return data_dir / "uploads" / "progress" / f"upload-{upload_id}.json"


class ProgressFile:
    def __init__(self, path: Path, total_bytes: int, mode: str) -> None:
        self.path = path
        self.total_bytes = max(total_bytes, 1)
        self.mode = mode
        self.records = 0
        self.bytes = 0
        self._written = 0.0
        path.parent.mkdir(parents=True, exist_ok=True)

    def __call__(self, records: int, size: int) -> None:
        """The ``progress`` callback of ``run_import``: records and bytes of one batch."""
        self.records += records
        self.bytes += size
        if time.monotonic() - self._written >= EVERY_SECONDS:
            self.write(RunStatus.RUNNING)

    def write(self, state: RunStatus, message: str | None = None) -> None:
        done = state == RunStatus.DONE
        data = {
            "mode": self.mode,
            "state": state,
            "records": self.records,
            "bytes": min(self.bytes, self.total_bytes),
            "total_bytes": self.total_bytes,
            "percent": 100 if done else min(99, 100 * self.bytes // self.total_bytes),
            "message": message,
        }
        temporary = self.path.with_suffix(".tmp")
        temporary.write_text(json.dumps(data))
        os.replace(temporary, self.path)  # readers never see half a file
        self._written = time.monotonic()


def read_progress(path: Path) -> dict[str, Any] | None:
    try:
        return json.loads(path.read_text())
    except (OSError, ValueError):
        return None
