"""One dataset as a Frictionless Data Package, written as a stream.

A package is a folder: ``<stem>.jsonl.gz`` and ``<stem>.csv.gz`` (one line
per published object, see glampub.open_data.rows), ``datapackage.json`` (the
descriptor: what the files hold, their sha256 and size, who publishes them
and under which metadata licence) and ``SHA256SUMS`` (``sha256sum -c``
checks a download). Rows go to gzip as they come, each file hashed while it
is written, so nothing is held in memory but the row at hand. The gzip
header carries no time and no file name: the same data gives the same bytes,
hence the same checksums and ETags, whenever it is built.

Licences: a package states a metadata licence only where its institution
chose one (glampub.institutions.registry.METADATA_LICENCES); a whole-site
package names each institution's choice, and a licence for the whole only
when every institution chose the same one. The images' rights are never the
package's: each record carries its own.
"""

from __future__ import annotations

import contextlib
import csv
import gzip
import hashlib
import io
import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any

from glampub.open_data.rows import CSV_FIELDS, CSV_HEADER, csv_row
from glampub.rights import lookup

DESCRIPTOR = "datapackage.json"
CHECKSUMS = "SHA256SUMS"
JSONL_TYPE = "application/x-ndjson"
GZIP_TYPE = "application/gzip"
#: SPDX names of the licences an institution may choose for its metadata.
SPDX = {
    "http://creativecommons.org/publicdomain/zero/1.0/": "CC0-1.0",
    "http://creativecommons.org/licenses/by/4.0/": "CC-BY-4.0",
}
IMAGE_RIGHTS_NOTE = (
    "The metadata licence covers the records only. The images' rights differ from "
    "object to object: each record states its own (rights_uri, reuse, image_rights) "
    "and the credit line to give; check them before reusing an image."
)


@dataclass(frozen=True)
class Publisher:
    """An institution as a package names it."""

    slug: str
    name: str
    homepage: str
    metadata_licence: str | None


@dataclass(frozen=True)
class PackageInfo:
    """What a package says about itself; ``stem`` names its data files."""

    name: str
    title: str
    stem: str
    homepage: str
    publishers: tuple[Publisher, ...]


@dataclass(frozen=True)
class WrittenFile:
    name: str
    media_type: str
    bytes: int
    sha256: str


@dataclass
class WrittenPackage:
    info: PackageInfo
    records: int
    created: str
    files: list[WrittenFile]
    #: The reuse classes of the records it holds (free, conditions, permission).
    reuse: list[str] = field(default_factory=list)


class _HashingFile(io.RawIOBase):
    """A binary file that counts and hashes what passes through it."""

    def __init__(self, target: IO[bytes]) -> None:
        self.target = target
        self.sha256 = hashlib.sha256()
        self.size = 0

    def writable(self) -> bool:
        return True

    def write(self, data: Any) -> int:
        chunk = bytes(data)
        self.sha256.update(chunk)
        self.size += len(chunk)
        self.target.write(chunk)
        return len(chunk)


class _GzipText:
    """A gzip-compressed UTF-8 text file, hashed as its compressed bytes are written."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._raw = path.open("wb")
        self._hashing = _HashingFile(self._raw)
        # mtime=0 and no name in the header: the same rows give the same bytes.
        self._gzip = gzip.GzipFile(filename="", mode="wb", fileobj=self._hashing, mtime=0)
        self.text = io.TextIOWrapper(self._gzip, encoding="utf-8", newline="")

    def close(self, media_type: str) -> WrittenFile:
        self.text.close()  # closes the gzip stream, which writes its trailer
        self._raw.close()
        return WrittenFile(
            self.path.name, media_type, self._hashing.size, self._hashing.sha256.hexdigest()
        )

    def discard(self) -> None:
        try:
            self.text.close()
        finally:
            self._raw.close()


class PackageWriter:
    """Writes one package into ``folder`` (which must exist) row by row."""

    def __init__(self, folder: Path, info: PackageInfo) -> None:
        self.folder = folder
        self.info = info
        self.records = 0
        self.reuse: set[str] = set()
        self._jsonl = _GzipText(folder / f"{info.stem}.jsonl.gz")
        self._csv = _GzipText(folder / f"{info.stem}.csv.gz")
        self._rows = csv.writer(self._csv.text, lineterminator="\r\n")
        self._rows.writerow(CSV_HEADER)

    def add(self, record: dict[str, Any]) -> None:
        self._jsonl.text.write(json.dumps(record, ensure_ascii=False, separators=(",", ":")))
        self._jsonl.text.write("\n")
        self._rows.writerow(csv_row(record))
        self.records += 1
        self.reuse.add(record["rights"]["reuse"])

    def finish(self, created: datetime | None = None) -> WrittenPackage:
        """Closes the data files, then writes the descriptor and the checksums."""
        moment = (created or datetime.now(UTC)).astimezone(UTC)
        files = [self._jsonl.close(GZIP_TYPE), self._csv.close(GZIP_TYPE)]
        written = WrittenPackage(
            self.info,
            self.records,
            moment.strftime("%Y-%m-%dT%H:%M:%SZ"),
            files,
            sorted(self.reuse),
        )
        descriptor = json.dumps(descriptor_of(written), ensure_ascii=False, indent=2) + "\n"
        (self.folder / DESCRIPTOR).write_text(descriptor, encoding="utf-8")
        data = descriptor.encode("utf-8")
        files.append(
            WrittenFile(DESCRIPTOR, "application/json", len(data), hashlib.sha256(data).hexdigest())
        )
        sums = "".join(f"{f.sha256}  {f.name}\n" for f in files)
        (self.folder / CHECKSUMS).write_text(sums, encoding="utf-8")
        sums_data = sums.encode("utf-8")
        files.append(
            WrittenFile(
                CHECKSUMS, "text/plain", len(sums_data), hashlib.sha256(sums_data).hexdigest()
            )
        )
        return written

    def discard(self) -> None:
        """Closes the files of a package that will not be finished."""
        for stream in (self._jsonl, self._csv):
            # Closing a stream that failed mid-write may fail again: the
            # folder is discarded anyway.
            with contextlib.suppress(OSError, ValueError):
                stream.discard()


def licence_entry(uri: str) -> dict[str, str]:
    """A Data Package ``licenses`` entry for a licence URI."""
    term = lookup(uri)
    entry = {"path": uri, "title": term.label if term else uri}
    if uri in SPDX:
        entry["name"] = SPDX[uri]
    return entry


def package_licences(publishers: Iterable[Publisher]) -> list[dict[str, str]]:
    """The package's own licence: only one every publisher chose (none stated: none)."""
    chosen = {p.metadata_licence for p in publishers}
    if len(chosen) != 1 or None in chosen:
        return []
    (uri,) = chosen
    assert uri is not None
    return [licence_entry(uri)]


def _description(written: WrittenPackage) -> str:
    publishers = written.info.publishers
    licences = package_licences(publishers)
    if licences:
        licence = f"The metadata is published under {licences[0]['title']} ({licences[0]['path']})."
    elif len(publishers) == 1:
        licence = (
            f"{publishers[0].name} has stated no licence for its metadata; a record "
            "that carries its own says so in metadata_licence."
        )
    else:
        licence = (
            "Each institution chose its own metadata licence (or none): see "
            "glampub:institutions, and each record's metadata_licence."
        )
    return (
        f"{written.records} published objects, one line each, as JSON Lines and CSV "
        f"(gzip-compressed). {licence} {IMAGE_RIGHTS_NOTE}"
    )


def _schema() -> dict[str, Any]:
    return {
        "fields": [
            {"name": name, "type": kind, "description": description}
            for name, kind, description in CSV_FIELDS
        ],
        "primaryKey": ["institution", "identifier"],
    }


def _resource(written: WrittenFile, **extra: Any) -> dict[str, Any]:
    return {
        "path": written.name,
        "bytes": written.bytes,
        "hash": f"sha256:{written.sha256}",
        "encoding": "utf-8",
        "compression": "gz",
        **extra,
    }


def descriptor_of(written: WrittenPackage) -> dict[str, Any]:
    """The ``datapackage.json`` of a written package (Data Package 1.0)."""
    info = written.info
    jsonl, csv_file = written.files[0], written.files[1]
    descriptor: dict[str, Any] = {
        "profile": "data-package",
        "name": info.name,
        "title": info.title,
        "description": _description(written),
        "homepage": info.homepage,
        "created": written.created,
        "keywords": ["cultural heritage", "museum", "collection", "IIIF"],
        "contributors": [
            {"title": p.name, "role": "publisher", "path": p.homepage} for p in info.publishers
        ],
    }
    licences = package_licences(info.publishers)
    if licences:
        descriptor["licenses"] = licences
    descriptor["glampub:institutions"] = [
        {"slug": p.slug, "name": p.name, "metadata_licence": p.metadata_licence}
        for p in info.publishers
    ]
    descriptor["glampub:records"] = written.records
    descriptor["glampub:image_rights"] = IMAGE_RIGHTS_NOTE
    descriptor["resources"] = [
        _resource(
            csv_file,
            name="objects-csv",
            title="Published objects (CSV)",
            profile="tabular-data-resource",
            format="csv",
            mediatype="text/csv",
            dialect={"delimiter": ",", "lineTerminator": "\r\n", "header": True},
            schema=_schema(),
        ),
        _resource(
            jsonl,
            name="objects-jsonl",
            title="Published objects (JSON Lines)",
            profile="data-resource",
            format="jsonl",
            mediatype=JSONL_TYPE,
        ),
    ]
    return descriptor
