"""The derivative image cache on disk: capped in bytes, least recently used first out.

Every worker process serving the same data folder shares it, so nothing here
trusts memory: the files are the truth.

- Recency is each file's access time, set by this module on a hit (at most
  once a minute per file, so a hit costs one ``stat`` and rarely a ``utime``),
  never left to the mount's atime options.
- The running total of bytes is a small file (:data:`TOTAL_FILE`); a file
  is added, and counted, under an exclusive lock. When the total passes the
  cap, the process that pushed it over scans the folder, removes the least
  recently used files until :data:`LOW_WATER` of the cap is left, and writes
  the scanned total back. A scan thus happens once per fifth of the cap
  written, not per request, and a lost or stale total (a crashed worker,
  files of an older version) is put right by the next scan.

A file removed by another process between a lookup and its sending is simply
rendered again (see the Image API view).
"""

from __future__ import annotations

import os
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

try:
    import fcntl
except ImportError:  # Windows: no gunicorn there, so one process serves; the thread lock suffices
    fcntl = None  # type: ignore[assignment]

TOTAL_FILE = ".total-bytes"
LOCK_FILE = ".lock"
#: What a scan leaves of the cap, so that the next one is a fifth of the cap away.
LOW_WATER = 0.8
#: A hit refreshes a file's recency only when it is older than this (seconds).
TOUCH_AFTER = 60
#: A ``.part`` file untouched this long was left by a process that died writing it.
PART_AGE_SECONDS = 3600

_thread_locks: dict[Path, threading.Lock] = {}
_thread_locks_guard = threading.Lock()


class DerivativeCache:
    """Files under ``root`` named by a relative key, at most ``cap_bytes`` in all."""

    def __init__(self, root: Path, cap_bytes: int) -> None:
        self.root = root
        self.cap_bytes = cap_bytes
        with _thread_locks_guard:
            self._thread_lock = _thread_locks.setdefault(root, threading.Lock())

    def lookup(self, key: str) -> Path | None:
        """The cached file for ``key`` (now the most recently used), or None."""
        path = self.root / key
        try:
            stat = path.stat()
            if time.time() - stat.st_atime > TOUCH_AFTER:
                # The modification time stays: it is the file's Last-Modified.
                os.utime(path, ns=(time.time_ns(), stat.st_mtime_ns))
        except FileNotFoundError:
            return None
        return path

    def keep(self, key: str, data: bytes) -> bool:
        """Store ``data`` under ``key``; False when it is too big to be worth a
        fifth of the cache (it would push out what many viewers share)."""
        if len(data) > self.cap_bytes * (1 - LOW_WATER):
            return False
        path = self.root / key
        # Written under the lock, so that a scan never counts a file that is
        # then counted again as added (a cached render is small; its render,
        # the expensive part, happened outside).
        with self._locked():
            if path.is_file():
                return True  # kept by another process meanwhile
            _write_atomically(path, data)
            total = self._read_total()
            if total is not None:
                total += len(data)
            if total is None or total > self.cap_bytes:
                total = self.evict(int(self.cap_bytes * LOW_WATER))
            self._write_total(total)
        return True

    def evict(self, down_to: int) -> int:
        """Remove the least recently used files until at most ``down_to``
        bytes are left, and return what is left (call it under the lock)."""
        entries = []
        for path, stat in _files(self.root):
            entries.append((stat.st_atime, stat.st_size, path))
        total = sum(size for _, size, _ in entries)
        entries.sort()
        for _, size, path in entries:
            if total <= down_to:
                break
            path.unlink(missing_ok=True)
            total -= size
            _remove_empty_parents(path.parent, self.root)
        return total

    def size(self) -> int:
        """The bytes the cache holds now, counted on disk."""
        return sum(stat.st_size for _, stat in _files(self.root))

    @contextmanager
    def _locked(self) -> Iterator[None]:
        self.root.mkdir(parents=True, exist_ok=True)
        with self._thread_lock, open(self.root / LOCK_FILE, "a+b") as handle:
            if fcntl is not None:
                fcntl.flock(handle, fcntl.LOCK_EX)  # released when the file closes
            yield

    def _read_total(self) -> int | None:
        try:
            return int((self.root / TOTAL_FILE).read_text("ascii"))
        except (FileNotFoundError, ValueError):
            return None  # never counted, or torn: the scan counts again

    def _write_total(self, total: int) -> None:
        _write_atomically(self.root / TOTAL_FILE, str(total).encode("ascii"))


def _files(root: Path) -> Iterator[tuple[Path, os.stat_result]]:
    """Every cached file under ``root`` with its stat; the cache's own
    bookkeeping files are not counted, and dead ``.part`` files are removed."""
    stale_part = time.time() - PART_AGE_SECONDS
    for folder, _, names in os.walk(root):
        for name in names:
            if folder == str(root) and name in (TOTAL_FILE, LOCK_FILE):
                continue
            path = Path(folder, name)
            try:
                stat = path.stat()
            except FileNotFoundError:
                continue  # removed by another process meanwhile
            if name.endswith(".part"):
                if stat.st_mtime < stale_part:
                    path.unlink(missing_ok=True)
                continue  # being written right now
            yield path, stat


def _remove_empty_parents(folder: Path, root: Path) -> None:
    while folder != root and folder.is_relative_to(root):
        try:
            folder.rmdir()
        except OSError:
            return  # not empty (or already gone): nothing more to tidy
        folder = folder.parent


def _write_atomically(path: Path, data: bytes) -> None:
    """Write then rename, so a concurrent reader never sees half a file. A
    scan may remove the emptied folder meanwhile: then make it again, once."""
    for attempt in (1, 2):
        path.parent.mkdir(parents=True, exist_ok=True)
        try:
            fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".", suffix=".part")
        except FileNotFoundError:
            if attempt == 2:
                raise
            continue
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        os.replace(tmp, path)
        return
