"""The media type a CSV record is stored under, naming its delimiter when
sniffing the header would guess another (``text/csv; delimiter=pipe``), so that
whoever hands the record back out splits its cells as the import did
(glampub/publishing/csv_formulas.py)."""

from __future__ import annotations

import re

from importers.csv.text import DELIMITER_NAMES, sniff_delimiter

CSV_MEDIA_TYPE = "text/csv"

_NAME_OF = {char: name for name, char in DELIMITER_NAMES.items()}
_DELIMITER_PARAMETER = re.compile(r";\s*delimiter=(?:([a-z]+)|U\+([0-9A-F]{4,6}))\b")


def csv_media_type(delimiter: str, header_line: str) -> str:
    """The media type of a record read with ``delimiter``: the delimiter is named
    when sniffing ``header_line`` would take another."""
    if delimiter == sniff_delimiter(header_line):
        return CSV_MEDIA_TYPE
    name = _NAME_OF.get(delimiter) or f"U+{ord(delimiter):04X}"
    return f"{CSV_MEDIA_TYPE}; delimiter={name}"


def is_csv(media_type: str) -> bool:
    return media_type.split(";", 1)[0].strip() == CSV_MEDIA_TYPE


def delimiter_of(media_type: str) -> str | None:
    """The delimiter a media type from :func:`csv_media_type` names, if any."""
    found = _DELIMITER_PARAMETER.search(media_type)
    if found is None:
        return None
    name, code = found.groups()
    return DELIMITER_NAMES.get(name) if name else chr(int(code, 16))
