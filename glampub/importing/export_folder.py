"""A folder given where an export file goes.

Museums often hand over a folder: the export beside its images, or the images
in a subfolder. When the folder holds exactly one export file at its top
level, that file is the export and the folder is where its images are. Any
other folder is refused with what it holds: importing several exports in one
go would give one report and one exit code for several files, and with
``--full`` each file would withdraw the objects the others list.
"""

from __future__ import annotations

from dataclasses import dataclass
from gettext import ngettext
from pathlib import Path

from glampub.errors import UsageError

#: Files at a folder's top level taken for an export. Not .txt: a folder of
#: images often holds a README.txt or a licence.txt beside the export.
EXPORT_SUFFIXES = (".csv", ".tsv", ".tab", ".xml", ".lido")
#: Names listed when a folder holds several exports.
NAMES_SHOWN = 10


@dataclass(frozen=True)
class FolderExport:
    export: Path
    #: The folder itself, when it holds anything besides the export.
    images: Path | None


def export_in_folder(folder: Path, institution: str = "SLUG") -> FolderExport:
    """The one export ``folder`` holds, and the folder as its images' source.

    Raises UsageError, naming what the folder holds, when there is not exactly
    one (its example command names ``institution``).
    """
    entries = sorted(p for p in folder.iterdir() if not p.name.startswith("."))
    exports = [p for p in entries if p.is_file() and p.suffix.lower() in EXPORT_SUFFIXES]
    if len(exports) == 1:
        others = [p for p in entries if p != exports[0]]
        return FolderExport(exports[0], folder if others else None)
    suffixes = ", ".join(EXPORT_SUFFIXES)
    if not entries:
        raise UsageError(
            f"{folder} is an empty folder, not an export file: give the export file as PATH"
        )
    if not exports:
        held = ngettext("%(count)d entry", "%(count)d entries", len(entries)) % {
            "count": len(entries)
        }
        raise UsageError(
            f"{folder} is a folder, not an export file, and none of the {held} at its top "
            f"level is an export ({suffixes}): give the export file itself as PATH"
        )
    names = ", ".join(p.name for p in exports[:NAMES_SHOWN])
    more = len(exports) - NAMES_SHOWN
    if more > 0:
        names += ngettext(" and %(count)d more", " and %(count)d more", more) % {"count": more}
    raise UsageError(
        f"{folder} is a folder with {len(exports)} exports in it ({names}): import one file "
        f"at a time, e.g. glampub import {exports[0]} --institution {institution}"
    )
