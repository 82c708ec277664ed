"""The catalogue of problem codes: every code an import can report, once.

A :class:`glampub.errors.Problem` carries one of these codes. The code is
stable and machine readable (reports, ``--json``, the problems file), so code
never spells it as a bare string: renaming one here renames it everywhere, and
a check such as "the file was cut short" cannot silently stop matching.
:data:`CATALOGUE` gives each code its severity and meaning; docs/problem-codes.md
shows the same table (tests/test_problem_codes.py keeps the two equal).

Pure: importers and services both use it, so it imports no web framework or
database.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from glampub.errors import Severity


class ProblemCode(StrEnum):
    # Whole records rejected.
    MISSING_IDENTIFIER = "missing-identifier"
    DUPLICATE_IDENTIFIER = "duplicate-identifier"
    MALFORMED_ROW = "malformed-row"
    MALFORMED_CSV = "malformed-csv"
    TRUNCATED_FILE = "truncated-file"
    MALFORMED_XML = "malformed-xml"
    RECORD_TOO_LARGE = "record-too-large"
    # Reading the file.
    NO_RECORDS = "no-records"
    BLANK_HEADER = "blank-header"
    DUPLICATE_HEADER = "duplicate-header"
    MISSING_COLUMN = "missing-column"
    GUESSED_COLUMNS = "guessed-columns"
    ENCODING_GUESSED = "encoding-guessed"
    ENCODING_FALLBACK = "encoding-fallback"
    NUL_BYTES = "nul-bytes"
    REJOINED_ROWS = "rejoined-rows"
    EXTRA_CELLS = "extra-cells"
    ENTITY_REFERENCE = "entity-reference"
    UNKNOWN_ELEMENT = "unknown-element"
    SHORT_ROW = "short-row"
    # Fields of a record.
    MISSING_TITLE = "missing-title"
    BAD_DATE = "bad-date"
    BAD_VALUE = "bad-value"
    MISALIGNED_VALUES = "misaligned-values"
    UNSAFE_LINK = "unsafe-link"
    RIGHTS_NEEDS_REVIEW = "rights-needs-review"
    RIGHTS_WARNING = "rights-warning"
    METADATA_LICENCE_NEEDS_REVIEW = "metadata-licence-needs-review"
    # Images.
    MISSING_IMAGE = "missing-image"
    UNREADABLE_IMAGE = "unreadable-image"
    IMAGE_CHANGED = "image-changed"
    REMOTE_IMAGE = "remote-image"
    IMAGE_FETCH_FAILED = "image-fetch-failed"
    NOT_AN_IMAGE = "not-an-image"
    AMBIGUOUS_IMAGE_NAME = "ambiguous-image-name"
    UNSAFE_IMAGE_FILE = "unsafe-image-file"
    UNSAFE_IMAGE_MEMBER = "unsafe-image-member"
    DAMAGED_ZIP_ENTRY = "damaged-zip-entry"
    # Publishing.
    WITHDRAWN_BY_STAFF = "withdrawn-by-staff"
    NOT_WITHDRAWN = "not-withdrawn"


@dataclass(frozen=True)
class ProblemKind:
    severity: Severity
    #: One sentence for people reading a report.
    meaning: str


_ERROR, _WARNING = "error", "warning"

CATALOGUE: dict[ProblemCode, ProblemKind] = {
    ProblemCode.MISSING_IDENTIFIER: ProblemKind(
        _ERROR, "The record has no identifier; it is skipped."
    ),
    ProblemCode.DUPLICATE_IDENTIFIER: ProblemKind(
        _ERROR, "The identifier was already used earlier in the file; the later record is skipped."
    ),
    ProblemCode.MALFORMED_ROW: ProblemKind(
        _ERROR,
        "A CSV row that looks like a fragment of a broken record; it is skipped.",
    ),
    ProblemCode.MALFORMED_CSV: ProblemKind(_ERROR, "A CSV record cannot be parsed at all."),
    ProblemCode.TRUNCATED_FILE: ProblemKind(
        _ERROR, "The file ends inside a quoted value; the last record is incomplete and skipped."
    ),
    ProblemCode.MALFORMED_XML: ProblemKind(
        _ERROR, "The XML is malformed here; the records before it were read, none after it."
    ),
    ProblemCode.RECORD_TOO_LARGE: ProblemKind(
        _ERROR, "A LIDO record is over the size limit; the rest of the file was not read."
    ),
    ProblemCode.NO_RECORDS: ProblemKind(_WARNING, "The LIDO file holds no records."),
    ProblemCode.BLANK_HEADER: ProblemKind(
        _WARNING, "CSV columns without a name; they are read as column_N."
    ),
    ProblemCode.DUPLICATE_HEADER: ProblemKind(_WARNING, "The CSV header names a column twice."),
    ProblemCode.MISSING_COLUMN: ProblemKind(
        _WARNING, "Columns the profile names are not in the CSV header."
    ),
    ProblemCode.GUESSED_COLUMNS: ProblemKind(
        _WARNING, "The column mapping was guessed from the CSV header."
    ),
    ProblemCode.ENCODING_GUESSED: ProblemKind(
        _WARNING, "The CSV file was read as Windows-1252 (cp1252) by guess."
    ),
    ProblemCode.ENCODING_FALLBACK: ProblemKind(
        _WARNING, "Bytes of this record did not decode and were read as cp1252."
    ),
    ProblemCode.NUL_BYTES: ProblemKind(_WARNING, "NUL bytes in this record were removed."),
    ProblemCode.REJOINED_ROWS: ProblemKind(
        _WARNING, "Rows a re-export split from one multi-line cell were joined back."
    ),
    ProblemCode.EXTRA_CELLS: ProblemKind(
        _WARNING, "The CSV row has more cells than the header; the extra values are not mapped."
    ),
    ProblemCode.ENTITY_REFERENCE: ProblemKind(
        _WARNING, "An undefined XML entity reference was kept as literal text."
    ),
    ProblemCode.UNKNOWN_ELEMENT: ProblemKind(
        _WARNING, "An element in the LIDO namespace that LIDO does not define; it is not read."
    ),
    ProblemCode.SHORT_ROW: ProblemKind(
        _WARNING, "The CSV row has fewer cells than the header; the missing cells are empty."
    ),
    ProblemCode.MISSING_TITLE: ProblemKind(_WARNING, "The record has no title."),
    ProblemCode.BAD_DATE: ProblemKind(
        _WARNING,
        "A year is not a year, earliest is after latest, or a display date that looks like "
        "a date cannot be read; the years stay empty.",
    ),
    ProblemCode.BAD_VALUE: ProblemKind(
        _WARNING, "A value does not match the profile's pattern; it is left out."
    ),
    ProblemCode.MISALIGNED_VALUES: ProblemKind(
        _WARNING, "Columns meant to line up value by value hold different numbers of values."
    ),
    ProblemCode.UNSAFE_LINK: ProblemKind(_WARNING, "A link that is not http(s) was left out."),
    ProblemCode.RIGHTS_NEEDS_REVIEW: ProblemKind(
        _WARNING, "No rights URI could be decided; the record waits in the review queue."
    ),
    ProblemCode.RIGHTS_WARNING: ProblemKind(
        _WARNING, "The rights were decided, but something about them deserves a look."
    ),
    ProblemCode.METADATA_LICENCE_NEEDS_REVIEW: ProblemKind(
        _WARNING,
        "The record's own metadata licence is not one glampub knows; no metadata licence "
        "is published for it until the export states one it can map.",
    ),
    ProblemCode.MISSING_IMAGE: ProblemKind(
        _WARNING, "A named image file is not in the images folder or ZIP."
    ),
    ProblemCode.UNREADABLE_IMAGE: ProblemKind(_WARNING, "An image file cannot be read."),
    ProblemCode.IMAGE_CHANGED: ProblemKind(
        _WARNING, "An image was stored changed (for example only its first page)."
    ),
    ProblemCode.REMOTE_IMAGE: ProblemKind(
        _WARNING, "An image is a URL that was not fetched; the link is kept without a canvas."
    ),
    ProblemCode.IMAGE_FETCH_FAILED: ProblemKind(
        _WARNING, "An image URL could not be fetched; the link is kept without a canvas."
    ),
    ProblemCode.NOT_AN_IMAGE: ProblemKind(
        _WARNING, "An image URL answers something else (an HTML page, a PDF); kept as a link."
    ),
    ProblemCode.AMBIGUOUS_IMAGE_NAME: ProblemKind(
        _WARNING, "Several image files share a name; a reference to the name alone matches none."
    ),
    ProblemCode.UNSAFE_IMAGE_FILE: ProblemKind(
        _WARNING, "A file in the images folder or ZIP was skipped as unsafe."
    ),
    ProblemCode.UNSAFE_IMAGE_MEMBER: ProblemKind(
        _WARNING, "A member of the images ZIP was skipped as unsafe."
    ),
    ProblemCode.DAMAGED_ZIP_ENTRY: ProblemKind(
        _WARNING, "An image in the ZIP is damaged (its CRC check fails); it is left out."
    ),
    ProblemCode.WITHDRAWN_BY_STAFF: ProblemKind(
        _WARNING, "Staff withdrew this object; the import updated it but kept it withdrawn."
    ),
    ProblemCode.NOT_WITHDRAWN: ProblemKind(
        _WARNING, "--full withdrew nothing: the file was not read to its end, or nothing in it."
    ),
}

#: Problems that mean the file was not read to its end: a ``--full`` import
#: must not then withdraw the objects it did not get to.
FILE_CUT_SHORT = frozenset(
    {ProblemCode.MALFORMED_XML, ProblemCode.TRUNCATED_FILE, ProblemCode.RECORD_TOO_LARGE}
)
