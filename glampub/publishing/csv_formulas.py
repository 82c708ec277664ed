"""CSV handed back out, safe to open in a spreadsheet.

A cell that starts with ``=``, ``+``, ``-`` or ``@`` (or a tab or carriage
return before one) is run as a formula by Excel, LibreOffice and Google
Sheets when the file is opened: ``=HYPERLINK(...)`` or ``=cmd|' /C calc'!A0``
in a museum's export must never become code on a reader's machine. glampub
stores such cells as the plain text they are; whenever it gives CSV back (the
source record of an object), each such cell is prefixed with a single quote,
the usual neutraliser, which spreadsheets show as text. Plain numbers such as
``-12`` or ``+3.5`` are left alone. Text without any such cell is returned
byte for byte as exported.

Cells are split as the import split them. When its delimiter was not the one
sniffing the header finds (a profile or ``--delimiter`` said so), the record's
media type names it (``text/csv; delimiter=pipe``, see
importers/csv/media_type.py): guessed again, a formula in the middle of a line
would not start a cell, and would slip through.
"""

from __future__ import annotations

import csv
import io
import re

from importers.csv.text import sniff_delimiter

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_PLAIN_NUMBER = re.compile(r"[+-]?\d+(?:[.,]\d+)?")


def is_formula_like(cell: str) -> bool:
    return cell.startswith(FORMULA_START) and not _PLAIN_NUMBER.fullmatch(cell)


def neutralise_formulas(text: str, delimiter: str | None = None) -> str:
    """``text`` (a CSV document) with every formula-like cell made plain text;
    cells split on ``delimiter``, or on the one sniffed from the header."""
    if not any(mark in text for mark in FORMULA_START):
        return text
    if delimiter is None:
        delimiter = sniff_delimiter(text.splitlines()[0] if text else "")
    rows = list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter))
    if not any(is_formula_like(cell) for row in rows for cell in row):
        return text
    out = io.StringIO()
    line_end = "\r\n" if "\r\n" in text else "\n"
    writer = csv.writer(out, delimiter=delimiter, lineterminator=line_end)
    for row in rows:
        writer.writerow(["'" + cell if is_formula_like(cell) else cell for cell in row])
    return out.getvalue()
