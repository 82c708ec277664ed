"""The datasets served under ``/datasets/``: built into the data folder, swapped in whole.

Layout, under ``<data dir>/datasets/``:

- ``builds/<id>/``: one complete build: ``all/`` (the whole site's package),
  ``institutions/<slug>/`` (each institution's) and ``build.json`` (what was
  built, from which publication stamp, for which base URL, with every file's
  size and sha256);
- ``current``: the id of the build being served, replaced atomically;
- ``work/``: builds being written; ``.lock``: held by whoever builds.

A build is written in ``work/`` and renamed into ``builds/`` when complete,
then ``current`` is switched to it: a reader sees the old build or the new
one, never a mix. Older builds beyond the previous one are removed (a file
being sent stays readable until closed).

A build is current while the publication stamp
(glampub.publishing.documents.publication_stamp) and the base URL are those
it was built for; when anything published changes, it goes on being served
until the next build replaces it.
"""

from __future__ import annotations

import fcntl
import json
import os
import shutil
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Engine
from sqlalchemy.orm import Session

from glampub.iiif.urls import IiifUrls
from glampub.open_data.citation import citation
from glampub.open_data.export import write_packages
from glampub.open_data.package import WrittenPackage
from glampub.open_data.source import institutions
from glampub.publishing.documents import Stamp, publication_stamp

FOLDER = "datasets"
SITE = "all"
INSTITUTIONS = "institutions"
#: Times a builder starts over when something was published while it built.
MAX_ROUNDS = 3


@dataclass(frozen=True)
class ServedFile:
    name: str
    media_type: str
    bytes: int
    sha256: str


@dataclass(frozen=True)
class ServedPackage:
    """One package of a build, as the listing and the routes need it."""

    #: Its folder in the build and under /datasets/: "all" or "institutions/<slug>".
    path: str
    name: str
    title: str
    records: int
    created: str
    publishers: tuple[str, ...]
    #: (institution name, licence URI, slug) for each institution that chose a metadata licence.
    licences: tuple[tuple[str, str, str], ...]
    reuse: tuple[str, ...]
    files: tuple[ServedFile, ...]

    def file(self, name: str) -> ServedFile | None:
        return next((f for f in self.files if f.name == name), None)

    @property
    def total_bytes(self) -> int:
        return sum(f.bytes for f in self.files)

    def citation(self, base: str) -> str:
        url = f"{base}/datasets/{self.path}/datapackage.json"
        return citation(list(self.publishers), self.title, self.created, self.records, url)


@dataclass(frozen=True)
class Build:
    folder: Path
    id: str
    stamp: Stamp
    base: str
    built_at: str
    packages: tuple[ServedPackage, ...]

    def package(self, path: str) -> ServedPackage | None:
        return next((p for p in self.packages if p.path == path), None)

    def matches(self, stamp: Stamp, base: str) -> bool:
        return self.stamp == stamp and self.base == base


def datasets_dir(data_dir: Path) -> Path:
    return Path(data_dir) / FOLDER


def current_build(data_dir: Path) -> Build | None:
    """The build being served, or None before the first one is complete."""
    root = datasets_dir(data_dir)
    try:
        build_id = (root / "current").read_text("utf-8").strip()
        folder = root / "builds" / build_id
        data = json.loads((folder / "build.json").read_text("utf-8"))
    except (OSError, ValueError):
        return None
    return _build_from(folder, build_id, data)


def _build_from(folder: Path, build_id: str, data: dict[str, Any]) -> Build:
    packages = served_packages(data["packages"])
    stamp = tuple(data["stamp"])
    return Build(folder, build_id, stamp, data["base"], data["built_at"], packages)  # type: ignore[arg-type]


def served_packages(entries: list[dict[str, Any]]) -> tuple[ServedPackage, ...]:
    """The packages of a build, from their entries in ``build.json``."""
    return tuple(
        ServedPackage(
            path=p["path"],
            name=p["name"],
            title=p["title"],
            records=p["records"],
            created=p["created"],
            publishers=tuple(p["publishers"]),
            licences=tuple(tuple(item) for item in p["licences"]),  # type: ignore[misc]
            reuse=tuple(p["reuse"]),
            files=tuple(ServedFile(**f) for f in p["files"]),
        )
        for p in entries
    )


def package_entries(written: list[WrittenPackage]) -> list[dict[str, Any]]:
    """The entries of ``build.json`` for the packages of one pass of
    glampub.open_data.export.write_packages: the site's first, then each
    institution's, each with its folder under /datasets/."""
    return [_package_entry(SITE, written[0])] + [
        _package_entry(f"{INSTITUTIONS}/{package.info.name}", package) for package in written[1:]
    ]


def _package_entry(path: str, written: WrittenPackage) -> dict[str, Any]:
    return {
        "path": path,
        "name": written.info.name,
        "title": written.info.title,
        "records": written.records,
        "created": written.created,
        "publishers": [p.name for p in written.info.publishers],
        "licences": [
            [p.name, p.metadata_licence, p.slug]
            for p in written.info.publishers
            if p.metadata_licence
        ],
        "reuse": written.reuse,
        "files": [
            {"name": f.name, "media_type": f.media_type, "bytes": f.bytes, "sha256": f.sha256}
            for f in written.files
        ],
    }


def build(session: Session, data_dir: Path, urls: IiifUrls, stamp: Stamp) -> Build:
    """Writes every package (the site's, each institution's) as a new build and
    serves it. Call under :func:`build_lock`."""
    root = datasets_dir(data_dir)
    for name in ("builds", "work"):
        (root / name).mkdir(parents=True, exist_ok=True)
    started = datetime.now(UTC)
    build_id = f"{started.strftime('%Y%m%dT%H%M%S')}-{os.getpid()}-{time.monotonic_ns() % 10**6}"
    work = Path(tempfile.mkdtemp(prefix=f"{build_id}-", dir=root / "work"))
    try:
        site = work / SITE
        site.mkdir()
        folders = {}
        for institution in institutions(session):
            folders[institution.slug] = work / INSTITUTIONS / institution.slug
            folders[institution.slug].mkdir(parents=True)
        written = write_packages(session, urls, site, folders)
        entries = package_entries(written)
        data = {
            "stamp": list(stamp),
            "base": urls.base,
            "built_at": started.strftime("%Y-%m-%dT%H:%M:%SZ"),
            "packages": entries,
        }
        (work / "build.json").write_text(json.dumps(data, indent=1), encoding="utf-8")
        final = root / "builds" / build_id
        os.rename(work, final)
    except BaseException:
        shutil.rmtree(work, ignore_errors=True)
        raise
    pointer = root / "current.new"
    pointer.write_text(build_id, encoding="utf-8")
    previous = (root / "current").read_text("utf-8").strip() if (root / "current").exists() else ""
    os.replace(pointer, root / "current")
    _prune(root, keep={build_id, previous})
    return _build_from(final, build_id, data)


def _prune(root: Path, keep: set[str]) -> None:
    for folder in (root / "builds").iterdir():
        if folder.name not in keep:
            shutil.rmtree(folder, ignore_errors=True)


@contextmanager
def build_lock(data_dir: Path) -> Iterator[bool]:
    """True when this process may build now: one builder at a time across
    processes and machines sharing the data folder (an flock on ``.lock``)."""
    root = datasets_dir(data_dir)
    root.mkdir(parents=True, exist_ok=True)
    with (root / ".lock").open("a") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            yield False
            return
        try:
            yield True
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def rebuild_if_stale(engine: Engine, data_dir: Path, urls: IiifUrls) -> Build | None:
    """Builds the datasets unless the current build is for the data as published now.

    Returns the build now current, or None when another process is building
    (it checks the stamp again when it is done, so nothing is missed). When
    something is published while a build runs, the build is served and a new
    one started straight after.
    """
    with build_lock(data_dir) as mine:
        if not mine:
            return None
        latest = current_build(data_dir)
        for _round in range(MAX_ROUNDS):
            stamp = publication_stamp(engine)
            if latest is not None and latest.matches(stamp, urls.base):
                break
            with Session(engine) as session:
                latest = build(session, data_dir, urls, stamp)
        return latest


def dataset_files(data_dir: Path) -> Iterator[tuple[str, frozenset[str]]]:
    """Every file served under /datasets/ now: its URL path, and the reuse classes
    (free, conditions, permission) of the records it holds, for the signals a
    download carries (text-and-data-mining reservation, see issue 22)."""
    current = current_build(data_dir)
    if current is None:
        return
    for package in current.packages:
        for item in package.files:
            yield f"/{FOLDER}/{package.path}/{item.name}", frozenset(package.reuse)


def served_build(engine: Engine, data_dir: Path, base: str) -> tuple[Build | None, bool]:
    """(the build to serve, whether a new one is wanted): one small query for the
    publication stamp and two small file reads, cheap enough for every request."""
    latest = current_build(data_dir)
    stale = latest is None or not latest.matches(publication_stamp(engine), base)
    return latest, stale
