"""Exports uploaded by staff: stored on disk under generated names, never in memory.

The request body is streamed by :class:`glampub.web.requests.StreamingRequest`
into a temporary file in ``uploads/incoming`` of the data folder (outside the
web root); here it is linked to its final, generated name. A ZIP may carry
the export itself beside its images: the export is then copied out of it in
chunks and the ZIP becomes the image source.
"""

from __future__ import annotations

import os
import shutil
import uuid
import zipfile
from pathlib import Path
from typing import BinaryIO

from sqlalchemy.orm import Session

from glampub.errors import UnsafeInput, UsageError
from glampub.images.sources import MAX_MEMBERS, MAX_RATIO, RATIO_CHECK_FROM
from glampub.models import Institution, Upload
from glampub.zip_directory import members_over
from importers.base import AUTO_FORMAT, choose_importer, format_choices

UPLOAD_FOLDER = "uploads"
EXPORT_SUFFIXES = (".csv", ".tsv", ".txt", ".xml", ".lido")
CHUNK = 1024 * 1024
#: What an uploaded ZIP (an export beside its images) is kept as.
ARCHIVE_NAME = "upload.zip"


def incoming_dir(data_dir: Path) -> Path:
    folder = data_dir / UPLOAD_FOLDER / "incoming"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def _place(stream: BinaryIO, dest: Path) -> int:
    """Put an uploaded stream at ``dest``: a hard link when it is already a file
    on disk (no copy at all), else a copy in chunks. Returns its size."""
    name = getattr(stream, "name", None)
    if isinstance(name, str) and os.path.isfile(name):
        stream.flush()
        try:
            os.link(name, dest)
            return dest.stat().st_size
        except OSError:
            pass  # another file system: copy below
    stream.seek(0)
    with dest.open("wb") as out:
        shutil.copyfileobj(stream, out, CHUNK)
    return dest.stat().st_size


def _suffix(filename: str, allowed: tuple[str, ...]) -> str:
    suffix = Path(filename).suffix.lower()
    return suffix if suffix in allowed else ""


def _export_member(archive: zipfile.ZipFile) -> zipfile.ZipInfo | None:
    """The export inside a ZIP: its one CSV or XML file (macOS extras ignored)."""
    found = [
        info
        for info in archive.infolist()
        if not info.is_dir()
        and not info.filename.startswith("__MACOSX/")
        and not Path(info.filename).name.startswith(".")
        and Path(info.filename).suffix.lower() in EXPORT_SUFFIXES
    ]
    if len(found) > 1:
        names = ", ".join(info.filename for info in found[:5])
        raise UsageError(
            f"the ZIP holds several possible exports ({names}): put exactly one CSV or "
            "LIDO XML file in it, beside the images"
        )
    return found[0] if found else None


def store_upload(
    session: Session,
    data_dir: Path,
    institution: Institution,
    user_id: int | None,
    export: BinaryIO,
    export_name: str,
    *,
    images: BinaryIO | None = None,
    fmt: str = AUTO_FORMAT,
    profile: str | None = None,
    full: bool = False,
) -> Upload:
    """Keep an uploaded export (and its images) and record it; nothing is imported yet.

    Whatever fails, the files of this upload go again: none is left without its row.
    """
    if fmt not in format_choices():
        raise UsageError(f"unknown format {fmt!r}: choose one of {', '.join(format_choices())}")
    if "\x00" in export_name:
        raise UsageError(f"the file name {export_name!r} holds a NUL character")
    folder_name = uuid.uuid4().hex
    folder = data_dir / UPLOAD_FOLDER / folder_name
    folder.mkdir(parents=True)
    try:
        export_path, images_path, size, shown = _store(folder, export, export_name, images)
        # A workbook, a PDF or a file of no known format is refused now, on
        # the form, rather than by the preview a moment later.
        choose_importer(export_path, fmt, name=shown)
        row = Upload(
            institution_id=institution.id,
            user_id=user_id,
            original_name=Path(export_name).name[:500] or "export",
            export_path=str(export_path.relative_to(data_dir)),
            images_path=str(images_path.relative_to(data_dir)) if images_path else None,
            size=size,
            format=fmt,
            profile=profile or None,
            full=full,
        )
        session.add(row)
        # The row is written now, so a database that refuses it fails here,
        # while the files can still be taken back.
        session.flush()
    except BaseException:
        shutil.rmtree(folder, ignore_errors=True)
        raise
    return row


def _store(
    folder: Path, export: BinaryIO, export_name: str, images: BinaryIO | None
) -> tuple[Path, Path | None, int, str]:
    """The export's path, the images' path, the upload's size, and the export's name."""
    if _suffix(export_name, (".zip",)):
        archive_path = folder / ARCHIVE_NAME
        size = _place(export, archive_path)
        if not zipfile.is_zipfile(archive_path):
            raise UsageError(f"{export_name!r} is not a readable ZIP file")
        # Counted before zipfile builds its member list, which alone can take 200 MB.
        if over := members_over(archive_path, MAX_MEMBERS):
            raise UnsafeInput(f"{export_name!r} has {over}, over the limit of {MAX_MEMBERS:,}")
        with zipfile.ZipFile(archive_path) as archive:
            member = _export_member(archive)
            if member is None:
                raise UsageError(
                    f"{export_name!r} holds no export: put one CSV or LIDO XML file in the "
                    "ZIP beside the images"
                )
            # zipfile never inflates past the declared size: checking it bounds the disk used.
            if member.file_size > RATIO_CHECK_FROM and member.file_size > MAX_RATIO * max(
                member.compress_size, 1
            ):
                raise UnsafeInput(
                    f"{export_name!r} looks like a ZIP bomb: {member.filename} inflates "
                    f"{member.compress_size:,} bytes to {member.file_size:,}"
                )
            target = folder / f"export{Path(member.filename).suffix.lower()}"
            with archive.open(member) as source, target.open("wb") as out:
                shutil.copyfileobj(source, out, CHUNK)
        return target, archive_path, size, f"{Path(export_name).name} > {member.filename}"
    suffix = _suffix(export_name, EXPORT_SUFFIXES)
    if not suffix:
        raise UsageError(
            f"{export_name!r} is not an export glampub reads: upload a .csv file, a LIDO "
            ".xml file, or a .zip with one of them and its images"
        )
    target = folder / f"export{suffix}"
    size = _place(export, target)
    images_path = None
    if images is not None:
        images_path = folder / "images.zip"
        _place(images, images_path)
        if not zipfile.is_zipfile(images_path):
            raise UsageError("the images must come as one .zip file")
    return target, images_path, size, Path(export_name).name
