"""From the bytes of a delimited export to decoded text lines.

Real exports rarely say what encoding they are in and are sometimes not even
consistent about it. The encoding is settled from a byte-order mark, the
profile or the first 64 KB; bytes that still do not decode are carried through
as escapes and repaired record by record, so a stray Windows-1252 byte in line
80,000 of a UTF-8 file costs one warning, not the import. This module also
sniffs whether a file is delimited text at all and which delimiter it uses,
strips NUL bytes, and hands out the raw text of each record for
``SourceRecord.source``.
"""

from __future__ import annotations

import codecs
import io
import re
from collections.abc import Iterator
from dataclasses import dataclass
from itertools import islice, tee
from pathlib import Path
from typing import BinaryIO

from glampub.errors import UnsafeInput
from importers.problem_codes import ProblemCode

#: Appended after the last real line. When the file ends inside a quoted field
#: the csv module swallows it into that field, which is how a truncated file is
#: told apart from a complete one without reading anything twice. Private-use
#: code points cannot clash with a delimiter or quote.
END_MARKER = "\ue000glampub-end-of-file\ue000"

#: Why a file that starts like markup is not read as CSV.
XML_NOT_DELIMITED = "it looks like XML or HTML, not delimited text"

#: How much of the file is looked at to decide whether it is delimited text.
HEAD_BYTES = 65536

DELIMITERS = (",", ";", "\t")
DELIMITER_NAMES = {"comma": ",", "semicolon": ";", "tab": "\t", "pipe": "|"}

_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)
_QUOTED = re.compile(r'"[^"]*"')
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0e-\x1f\x7f]")
_PLAIN_SUFFIXES = {".csv", ".tsv", ".tab", ".txt"}


@dataclass(frozen=True)
class TextEvent:
    """Something about the bytes of one physical line worth a warning."""

    line: int
    code: ProblemCode
    message: str


def detect_bom(head: bytes) -> tuple[str | None, int]:
    """The encoding a byte-order mark announces, and the mark's length."""
    for bom, encoding in _BOMS:
        if head.startswith(bom):
            return encoding, len(bom)
    return None, 0


def is_ascii_compatible(encoding: str) -> bool:
    """True when line breaks, delimiters and quotes are single ASCII bytes."""
    probe = '\n\r,;\t"|ab'
    try:
        return probe.encode(encoding) == probe.encode("ascii")
    except (UnicodeError, LookupError):
        return False


def decode_head(head: bytes) -> str:
    """Best-effort text of the first bytes of a file (for sniffing only)."""
    encoding, skip = detect_bom(head)
    if encoding:
        return head[skip:].decode(encoding, errors="replace")
    try:
        # final=False: the head may stop in the middle of a multi-byte character.
        return codecs.getincrementaldecoder("utf-8")().decode(head, final=False)
    except UnicodeDecodeError:
        return head.decode("cp1252", errors="replace")


def classify_head(head: bytes, suffix: str = "") -> str | None:
    """None when ``head`` looks like delimited text; otherwise why it does not."""
    if not head.strip():
        return "the file is empty"
    text = decode_head(head)
    stripped = text.lstrip("\ufeff \t\r\n")
    if stripped.startswith("<"):
        return XML_NOT_DELIMITED
    if stripped.startswith(("{", "[")):
        return "it looks like JSON, not delimited text"
    # A few NUL or control bytes happen in real exports; many mean a binary file.
    if len(_CONTROL.findall(text)) > max(2, len(text) // 100):
        return "it looks like a binary file, not delimited text"
    first_line = stripped.split("\n", 1)[0]
    if not any(d in first_line for d in DELIMITERS) and suffix.lower() not in _PLAIN_SUFFIXES:
        return "its first line has no comma, semicolon or tab, so it is not a delimited table"
    return None


def looks_delimited(path: Path) -> bool:
    """Cheap check used by ``--format auto``: text whose first line is a header."""
    try:
        with open(path, "rb") as fh:
            head = fh.read(HEAD_BYTES)
    except OSError:
        return False
    return classify_head(head, Path(path).suffix) is None


def sniff_delimiter(header_line: str) -> str:
    """The delimiter used most often in the header line (quoted text ignored).

    Ties go to the comma, then the semicolon: a header with no delimiter at all
    is a one-column file and the comma is as good as any.
    """
    unquoted = _QUOTED.sub("", header_line)
    counts = {d: unquoted.count(d) for d in DELIMITERS}
    best = max(DELIMITERS, key=lambda d: counts[d])
    return best if counts[best] else ","


#: The longest physical line read. Iterating a text file reads a whole line
#: into memory, however long; real exports have lines of kilobytes (a quoted
#: value may span many lines, each counted on its own, and csv caps a value).
MAX_LINE_CHARS = 16 * 2**20


class LineTooLong(UnsafeInput):
    """A physical line longer than :data:`MAX_LINE_CHARS`."""


def bounded_lines(stream: io.TextIOBase, limit: int) -> Iterator[str]:
    """The lines of ``stream``, refusing one longer than ``limit`` characters."""
    number = 0
    while line := stream.readline(limit + 1):
        number += 1
        if len(line) > limit:
            raise LineTooLong(
                f"line {number} is longer than {limit:,} characters, which no real export "
                "has; nothing was imported"
            )
        yield line


class TextSource:
    """The decoded lines of one file, for :mod:`csv`, and the raw text of each record.

    Decoding is done by :class:`io.TextIOWrapper` (fast, and it splits lines
    on CR, LF and CRLF alike). The encoding comes from a byte-order mark, the
    profile, or the first 64 KB: UTF-8 if they decode as UTF-8, otherwise
    Windows-1252, which also reads Latin-1 text correctly. Bytes that do not
    decode are carried through as escapes and repaired record by record
    (:meth:`repair`), so one stray byte costs a warning, not the import.
    """

    def __init__(self, fh: BinaryIO, encoding: str | None = None) -> None:
        head = fh.read(HEAD_BYTES)
        bom_encoding, bom_length = detect_bom(head)
        body = head[bom_length:]
        self.events: list[TextEvent] = []
        #: False while the file could still turn out not to be UTF-8.
        self._settled = True
        #: True once stray bytes are known to be Windows-1252 and not worth a warning each.
        self._quiet = False
        if bom_encoding:
            self.encoding = bom_encoding
        elif encoding:
            self.encoding = codecs.lookup(encoding).name
        else:
            self.encoding, self._settled = self._detect(body)
        # With an ASCII-compatible encoding, undecodable bytes become lone
        # surrogates (U+DC80..U+DCFF) that never look like a delimiter or a
        # quote, so parsing goes on and the record is repaired afterwards.
        self.escapes = is_ascii_compatible(self.encoding)
        fh.seek(bom_length)
        stream = io.TextIOWrapper(
            fh,
            encoding=self.encoding,
            errors="surrogateescape" if self.escapes else "replace",
            newline="",
        )
        #: Lines for the csv reader; a twin iterator yields the same lines as raw text.
        self.lines, self._raw_lines = tee(bounded_lines(stream, MAX_LINE_CHARS))
        self._stream = stream

    def _detect(self, body: bytes) -> tuple[str, bool]:
        """UTF-8 or cp1252 from the first bytes, and whether that is settled.

        A few stray bytes among plenty of valid UTF-8 letters are a UTF-8 file
        with a flaw (each such record gets a warning); mostly stray bytes mean
        a single-byte encoding.
        """
        decoder = codecs.getincrementaldecoder("utf-8")(errors="surrogateescape")
        text = decoder.decode(body, final=False)
        stray = _ESCAPED_BYTE.search(text)
        if stray is None:
            return "utf-8", not text.isascii()
        escaped = len(_ESCAPED_BYTE.findall(text))
        valid = len(_NON_ASCII.findall(text)) - escaped
        if valid > escaped:
            return "utf-8", True
        line = text.count("\n", 0, stray.start()) + 1
        self.events.append(TextEvent(line, ProblemCode.ENCODING_GUESSED, _GUESSED_CP1252))
        return "cp1252", True

    def take(self, count: int) -> str:
        """The raw text of the next ``count`` lines (the lines of one record)."""
        return "".join(islice(self._raw_lines, count))

    def needs_repair(self, raw: str) -> bool:
        """True when ``raw`` holds NUL bytes or bytes the encoding could not decode."""
        if "\0" in raw:
            return True
        if raw.isascii():
            return False
        if not self.escapes:
            return "\ufffd" in raw
        try:
            # Escaped bytes are lone surrogates, which UTF-8 cannot encode: this
            # C-speed check is several times faster than searching with a regex.
            raw.encode("utf-8")
        except UnicodeEncodeError:
            return True
        self._settled = True  # valid non-ASCII text: the encoding is right
        return False

    def repair(self, row: list[str], raw: str, line: int) -> tuple[list[str], str]:
        """The row and raw text with NUL bytes removed and stray bytes read as cp1252."""
        if "\0" in raw:
            self.events.append(
                TextEvent(line, ProblemCode.NUL_BYTES, "NUL bytes in this record were removed")
            )
            raw = raw.replace("\0", "")
            row = [cell.replace("\0", "") for cell in row]
        if not self.escapes:
            if "\ufffd" in raw:
                self.events.append(
                    TextEvent(
                        line,
                        ProblemCode.ENCODING_FALLBACK,
                        f"bytes in this record are not valid {self.encoding}; they were replaced",
                    )
                )
            return row, raw
        if not _ESCAPED_BYTE.search(raw):
            return row, raw
        if not self._settled:
            # Nothing but ASCII before this record: the file is not UTF-8 after all,
            # and every later stray byte is simply Windows-1252.
            self.events.append(TextEvent(line, ProblemCode.ENCODING_GUESSED, _GUESSED_CP1252))
            self.encoding = "cp1252"
            self._settled = self._quiet = True
        elif not self._quiet:
            self.events.append(
                TextEvent(
                    line,
                    ProblemCode.ENCODING_FALLBACK,
                    f"bytes in this record are not valid {self.encoding}; "
                    "they were read as cp1252 (or Latin-1)",
                )
            )
        raw = _ESCAPED_BYTE.sub(_as_cp1252, raw)
        row = [cell if cell.isascii() else _ESCAPED_BYTE.sub(_as_cp1252, cell) for cell in row]
        return row, raw

    def close(self) -> None:
        self._stream.detach()


_GUESSED_CP1252 = (
    "the file is not UTF-8 (first seen on this line); it is read as Windows-1252 (cp1252); "
    "if letters look wrong, name the file's encoding: --encoding (e.g. --encoding mac-roman) "
    "on the command line, or `encoding` in the column profile"
)
_ESCAPED_BYTE = re.compile("[\udc80-\udcff]")
_NON_ASCII = re.compile("[^\x00-\x7f]")


def _as_cp1252(match: re.Match[str]) -> str:
    byte = bytes([ord(match.group()) - 0xDC00])
    try:
        return byte.decode("cp1252")
    except UnicodeDecodeError:
        return byte.decode("latin-1")  # the five bytes cp1252 leaves undefined
