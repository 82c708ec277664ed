"""The static export's folder: files written only when their bytes changed, and
an inventory that lets a re-run skip what did not change at all.

Files belong to *units* (one object with its page, documents and image tiles;
one logo). The inventory records, per unit, the version it was built from and
the files it wrote. A re-run skips a unit whose version is the same and whose
files are all still there, without rendering anything: re-cutting an image's
tiles only to find the bytes unchanged is what made an idle re-run as slow as
the first. The whole inventory counts only for the same base URL and the same
code (glampub's source, templates and assets, Pillow): any of those changing
renders every unit again (still writing only files whose bytes changed).
Files outside units (home, institution and search pages, collections, change
lists, assets) are cheap and always rendered and compared.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote, urlsplit

#: Lists what the last export wrote, so the next one can skip and remove.
INVENTORY = ".glampub-export.json"
#: Bump when the inventory's shape changes.
INVENTORY_FORMAT = 2


@dataclass
class ExportReport:
    written: int = 0
    unchanged: int = 0
    removed: int = 0
    manifests: int = 0
    images: int = 0
    #: Objects rendered this time, and objects skipped as unchanged since the last export.
    objects_rendered: int = 0
    objects_reused: int = 0
    #: Whether the zoomable viewer was installed, and so shipped.
    viewer: bool = False


def fingerprint(*parts: str, folders: tuple[Path, ...] = ()) -> str:
    """A digest of ``parts`` and of every file (name and bytes) under ``folders``."""
    digest = hashlib.sha256()
    for part in parts:
        digest.update(part.encode("utf-8") + b"\0")
    for folder in folders:
        for path in sorted(folder.rglob("*")):
            if path.is_file() and "__pycache__" not in path.parts:
                digest.update(path.relative_to(folder).as_posix().encode("utf-8") + b"\0")
                digest.update(hashlib.sha256(path.read_bytes()).digest())
    return digest.hexdigest()


def version_of(value: object) -> str:
    """A short digest of a JSON-ready value: what a unit was built from."""
    text = json.dumps(value, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:32]


class ExportTree:
    """Writes files under the export folder, only when their bytes changed."""

    def __init__(self, root: Path, base_url: str, code: str, report: ExportReport) -> None:
        self.root = root.resolve()
        self.base_url = base_url
        self.base_path = urlsplit(base_url).path.rstrip("/")
        self.report = report
        self.files: set[str] = set()
        self._stamp = f"{INVENTORY_FORMAT}:{base_url}:{code}"
        self._previous = self._read_inventory()
        self._units: dict[str, dict[str, object]] = {}
        self._recording: list[str] | None = None

    def _read_inventory(self) -> tuple[dict[str, dict], set[str]]:
        inventory = self.root / INVENTORY
        if not inventory.is_file():
            return {}, set()
        data = json.loads(inventory.read_text("utf-8"))
        if isinstance(data, list):  # an export by an older glampub: files only
            return {}, set(data)
        units = data["units"] if data.get("stamp") == self._stamp else {}
        return units, set(data["files"])

    def path_for(self, url: str) -> Path:
        # A static server decodes the URL path once to find the file.
        path = unquote(urlsplit(url).path)
        if not path.startswith(self.base_path + "/"):
            raise ValueError(f"{url} is not under the export's base URL")
        target = (self.root / path[len(self.base_path) + 1 :]).resolve()
        if not target.is_relative_to(self.root):
            raise ValueError(f"{url} points outside the export folder")
        return target

    def write(self, url: str, data: bytes) -> None:
        target = self.path_for(url)
        relative = target.relative_to(self.root).as_posix()
        self.files.add(relative)
        if self._recording is not None:
            self._recording.append(relative)
        if target.is_file() and target.stat().st_size == len(data) and target.read_bytes() == data:
            self.report.unchanged += 1
            return
        target.parent.mkdir(parents=True, exist_ok=True)
        partial = target.with_name(target.name + ".part")
        partial.write_bytes(data)
        os.replace(partial, target)
        self.report.written += 1

    def reuse(self, key: str, version: str) -> bool:
        """True (and its files kept) when the last export built unit ``key``
        from the same ``version`` and every file of it is still there."""
        unit = self._previous[0].get(key)
        if unit is None or unit["version"] != version:
            return False
        files = unit["files"]
        if not all((self.root / name).is_file() for name in files):
            return False
        self.files.update(files)
        self.report.unchanged += len(files)
        self._units[key] = unit
        return True

    @contextmanager
    def unit(self, key: str, version: str) -> Iterator[None]:
        """Records the files written inside the block as unit ``key``; a unit
        whose rendering fails is not recorded, so the next run renders it again."""
        self._recording = []
        try:
            yield
            self._units[key] = {"version": version, "files": sorted(set(self._recording))}
        finally:
            self._recording = None

    def finish(self) -> None:
        """Remove the files of the last export this one did not write, and
        write the inventory (last: an interrupted run leaves the old one)."""
        for stale in sorted(self._previous[1] - self.files):
            path = self.root / stale
            if path.is_file():
                path.unlink()
                self.report.removed += 1
        inventory = {"stamp": self._stamp, "units": self._units, "files": sorted(self.files)}
        partial = self.root / (INVENTORY + ".part")
        partial.write_text(json.dumps(inventory, separators=(",", ":")), "utf-8")
        os.replace(partial, self.root / INVENTORY)
