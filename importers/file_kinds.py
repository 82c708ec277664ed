"""Files people give by mistake, told by their first bytes, and what to give instead.

A workbook saved as .xlsx and renamed .csv, the PDF of a catalogue, the web
page a download link led to: the name says nothing, the bytes do. Before any
importer tries a file, :func:`identify` looks at its head (and, for a ZIP, at
its list of members) and names what it is.

Each refusal is written here once, in two endings: one for the command line,
which may name options such as ``--images``, and one for the staff pages,
which speak of what is on the page instead. The edge that shows the message
picks the ending (see :meth:`glampub.errors.GlampubError.for_web`).
"""

from __future__ import annotations

import re
import zipfile
from collections import Counter
from dataclasses import dataclass
from gettext import ngettext
from pathlib import Path

from glampub.errors import UnreadableInput

#: How much of a file is looked at.
HEAD_BYTES = 4096
#: Members of a ZIP named in the message before the rest are only counted.
ZIP_NAMES_SHOWN = 5
#: What an export inside a ZIP is named like (the staff upload takes one from a ZIP).
EXPORT_SUFFIXES = (".csv", ".tsv", ".txt", ".xml", ".lido")

_IMAGES = (
    (b"\xff\xd8\xff", "a JPEG image"),
    (b"\x89PNG\r\n\x1a\n", "a PNG image"),
    (b"GIF87a", "a GIF image"),
    (b"GIF89a", "a GIF image"),
    (b"II*\x00", "a TIFF image"),
    (b"MM\x00*", "a TIFF image"),
)
_OLE2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_ZIP = (b"PK\x03\x04", b"PK\x05\x06")
_GZIP = b"\x1f\x8b"
#: A web page: a doctype or an html, head or body tag first (after comments).
_HTML = re.compile(
    rb"\s*(<!--.*?-->\s*)*<(!doctype\s+html|html[\s>]|head[\s>]|body[\s>])", re.I | re.S
)
#: JSON: an object or an array of values, which no CSV header starts with.
_JSON = re.compile(rb'\s*(\{\s*("|\})|\[\s*[\[{"\]\d-])')
_BOMS = (b"\xef\xbb\xbf", b"\xff\xfe", b"\xfe\xff")

_EXPORT_AGAIN_CLI = "export the collection again and import the new file"
_EXPORT_AGAIN_WEB = "export the collection again and upload the new file"
_AS_CSV_OR_LIDO_CLI = (
    "export the records from your collection management system as CSV or LIDO XML, "
    "and import that file"
)
_AS_CSV_OR_LIDO_WEB = (
    "export the records from your collection management system as CSV or LIDO XML, "
    "and upload that file"
)
_SAVE_FROM_EXCEL = (
    'open it in Excel, choose File > Save As > "CSV UTF-8 (Comma delimited) (*.csv)", then '
)
_SAVE_FROM_CALC = (
    'open it in LibreOffice Calc, choose File > Save As > "Text CSV (.csv)" with the '
    'character set "Unicode (UTF-8)", then '
)


@dataclass(frozen=True)
class Refusal:
    """What a file is, and what to give instead: on the command line, on the staff pages."""

    #: Stable and machine readable: ``empty-file``, ``spreadsheet``, ``pdf``, ``zip-archive``, ...
    code: str
    what: str
    instead_cli: str
    instead_web: str

    def error(self, name: str) -> WrongKindOfFile:
        return WrongKindOfFile(
            self.code,
            f"{name}: {self.what}: {self.instead_cli}",
            web=f"{name}: {self.what}: {self.instead_web}",
        )


class WrongKindOfFile(UnreadableInput):
    """A file that is plainly not an export (a workbook, a PDF, an image, ...)."""

    def __init__(self, code: str, message: str, *, web: str) -> None:
        super().__init__(message, web=web)
        self.code = code  # what the file is: "spreadsheet", "pdf", ...


def _spreadsheet(what: str, save: str) -> Refusal:
    return Refusal(
        "spreadsheet", what, save + "import that .csv file", save + "upload that .csv file"
    )


def _not_an_export(code: str, what: str) -> Refusal:
    return Refusal(code, what, _AS_CSV_OR_LIDO_CLI, _AS_CSV_OR_LIDO_WEB)


EMPTY = Refusal("empty-file", "the file is empty", _EXPORT_AGAIN_CLI, _EXPORT_AGAIN_WEB)
BLANK = Refusal(
    "empty-file", "the file holds nothing but spaces and blank lines", _EXPORT_AGAIN_CLI,
    _EXPORT_AGAIN_WEB,
)  # fmt: skip
XLSX = _spreadsheet("this is an Excel workbook (.xlsx), not a CSV file", _SAVE_FROM_EXCEL)
XLS = _spreadsheet("this is an Excel 97-2003 workbook (.xls), not a CSV file", _SAVE_FROM_EXCEL)
ODS = _spreadsheet("this is an OpenDocument spreadsheet (.ods), not a CSV file", _SAVE_FROM_CALC)
PDF = _not_an_export("pdf", "this is a PDF document, not a collection export")
WORD = _not_an_export("document", "this is a word-processor document, not a collection export")
OLD_OFFICE = _not_an_export(
    "document", "this is a Microsoft Office file of the old kind (.doc or .xls), not an export"
)
JSON = _not_an_export("json", "this is a JSON file; glampub reads CSV and LIDO XML exports")
HTML = Refusal(
    "html",
    "this is a web page (HTML), not a collection export",
    "it is often the page a download link led to: download the export file itself "
    "(CSV or LIDO XML) and import that",
    "it is often the page a download link led to: download the export file itself "
    "(CSV or LIDO XML) and upload that",
)
GZIP = Refusal(
    "compressed",
    "this is a gzip-compressed file",
    "unpack it (gunzip) and import the file inside",
    "unpack it and upload the file inside",
)


def _image(what: str) -> Refusal:
    return Refusal(
        "image",
        f"this is {what}, not a collection export",
        "import the export (CSV or LIDO XML) and give the images with --images FOLDER-or-ZIP",
        "choose the export (CSV or LIDO XML) as the export file, and the images, "
        "in one ZIP, as the images",
    )


def identify(path: Path) -> Refusal | None:
    """What ``path`` is when it is plainly not an export; None when it may be one.

    Looks only at bytes, never at the name. A file that cannot be opened is
    left to the importer, which says so with the reason.
    """
    try:
        with Path(path).open("rb") as handle:
            head = handle.read(HEAD_BYTES)
    except OSError:
        return None
    if not head:
        return EMPTY
    if not head.strip():
        return BLANK
    for magic, what in _IMAGES:
        if head.startswith(magic):
            return _image(what)
    if head[:12].startswith(b"RIFF") and head[8:12] == b"WEBP":
        return _image("a WebP image")
    if head.startswith(b"%PDF-"):
        return PDF
    if head.startswith(_OLE2):
        return _old_office(Path(path), head)
    if head.startswith(_GZIP):
        return GZIP
    if head.startswith(_ZIP):
        return _zip(Path(path))
    text = head
    for bom in _BOMS:
        text = text.removeprefix(bom)
    if _HTML.match(text):
        return HTML
    if _JSON.match(text):
        return JSON
    return None


def _old_office(path: Path, head: bytes) -> Refusal:
    """A compound file: .xls keeps a stream named Workbook (or Book), .doc WordDocument."""
    names = _compound_names(path, head)
    if "Workbook" in names or "Book" in names:
        return XLS
    if "WordDocument" in names:
        return WORD
    return OLD_OFFICE


def _compound_names(path: Path, head: bytes) -> set[str]:
    """The stream names in the first sector of a compound file's directory.

    The header gives the sector size (a power of two at byte 30) and the
    directory's first sector (at byte 48); each 128-byte entry there starts
    with its name in UTF-16, and its byte length at byte 64.
    """
    shift = int.from_bytes(head[30:32], "little")
    first = int.from_bytes(head[48:52], "little")
    if not 7 <= shift <= 16 or first >= 0xFFFFFFFA:
        return set()
    size = 1 << shift
    with path.open("rb") as handle:
        handle.seek((first + 1) * size)
        sector = handle.read(size)
    names = set()
    for start in range(0, len(sector) - 127, 128):
        length = int.from_bytes(sector[start + 64 : start + 66], "little")
        if 2 <= length <= 64:
            names.add(sector[start : start + length - 2].decode("utf-16-le", "replace"))
    return names


def _zip(path: Path) -> Refusal:
    try:
        with zipfile.ZipFile(path) as archive:
            names = [
                info.filename
                for info in archive.infolist()
                if not info.is_dir() and not info.filename.startswith("__MACOSX/")
            ]
            mimetype = _member_text(archive, "mimetype") if "mimetype" in names else ""
    except (zipfile.BadZipFile, OSError):
        return Refusal(
            "zip-archive",
            "this is a damaged ZIP archive",
            "make the ZIP again, or import the export file itself",
            "make the ZIP again, or upload the export file itself",
        )
    if "xl/workbook.xml" in names:
        return XLSX
    if mimetype.startswith("application/vnd.oasis.opendocument.spreadsheet"):
        return ODS
    if "word/document.xml" in names or mimetype.startswith("application/vnd.oasis"):
        return WORD
    return _other_zip(names)


def _member_text(archive: zipfile.ZipFile, name: str) -> str:
    with archive.open(name) as member:
        return member.read(200).decode("ascii", "replace")


def _other_zip(names: list[str]) -> Refusal:
    """A ZIP that is no office file: what it holds, and where its export is, if anywhere."""
    exports = [n for n in names if Path(n).suffix.lower() in EXPORT_SUFFIXES]
    others = [n for n in names if n not in exports]
    what = f"this is a ZIP archive of {_holding(exports + others)}"
    if len(exports) == 1:
        export = exports[0]
        return Refusal(
            "zip-archive",
            what,
            f"unpack it and import the folder it unpacks to: glampub takes {export} as the "
            "export and the rest as its images",
            "upload it under a name that ends in .zip: glampub then takes the export "
            "and the images from it",
        )
    if exports:
        return Refusal(
            "zip-archive",
            f"{what}, with {len(exports)} possible exports in it",
            "unpack it and import one export at a time, giving the images with --images",
            "upload one export at a time, each with its images",
        )
    return Refusal(
        "zip-archive",
        f"{what}, and no CSV or LIDO XML export among them",
        "import the export file itself and give this ZIP with --images if it holds the images",
        "choose the export file (CSV or LIDO XML) as the export file, and this ZIP as the "
        "images if it holds them",
    )


def _holding(names: list[str]) -> str:
    """E.g. "14 files (12 .jpg, 1 .csv, 1 .txt): objects.csv, a.jpg, …"."""
    if not names:
        return "no files"
    kinds = Counter(Path(n).suffix.lower() or "without extension" for n in names)
    counted = ", ".join(f"{count} {suffix}" for suffix, count in kinds.most_common())
    shown = ", ".join(names[:ZIP_NAMES_SHOWN]) + (", …" if len(names) > ZIP_NAMES_SHOWN else "")
    files = ngettext("%(count)d file", "%(count)d files", len(names)) % {"count": len(names)}
    return f"{files} ({counted}): {shown}"


def refuse_wrong_kind(path: Path, name: str | None = None) -> None:
    """Raise :class:`WrongKindOfFile` when ``path`` is plainly not an export."""
    refusal = identify(path)
    if refusal is not None:
        raise refusal.error(name or str(path))
