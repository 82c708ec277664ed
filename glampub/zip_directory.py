"""How many members a ZIP holds, found before :mod:`zipfile` lists them.

Opening a ``zipfile.ZipFile`` reads the whole central directory into memory
and builds a ``ZipInfo`` for every member: an archive of 51 MB holding
600,000 empty members costs some 200 MB before anyone can count them. So the
count is read first, from the end-of-central-directory record (its ZIP64 form
too). That count can lie (zipfile itself walks the directory by its size, not
by the count), so the directory is then walked header by header, in fixed-size
reads, and counting stops one past the limit.

Anything this module cannot make sense of is left for zipfile to refuse with
its own error: here only counting is decided.
"""

from __future__ import annotations

import struct
from pathlib import Path
from typing import BinaryIO

_EOCD = struct.Struct("<4s4H2LH")
_EOCD_SIGNATURE = b"PK\x05\x06"
_ZIP64_LOCATOR = struct.Struct("<4sLQL")
_ZIP64_LOCATOR_SIGNATURE = b"PK\x06\x07"
_ZIP64_EOCD = struct.Struct("<4sQ2H2L4Q")
_ZIP64_EOCD_SIGNATURE = b"PK\x06\x06"
_ENTRY = struct.Struct("<4s4B4HL2L5H2L")
_ENTRY_SIGNATURE = b"PK\x01\x02"
#: The end record is the last 22 bytes, unless a comment (at most 64 KiB) follows it.
_TAIL = _EOCD.size + 0xFFFF
#: The central directory is read this much at a time.
_CHUNK = 1024 * 1024


def members_over(path: Path, limit: int) -> str | None:
    """How many members ``path`` holds ("600,000 members") when over ``limit``, else None.

    None too when the file has no readable end record: zipfile then says why."""
    with open(path, "rb") as fh:
        directory = _directory(fh)
        if directory is None:
            return None
        start, size, declared = directory
        if declared > limit:
            return f"{declared:,} members"
        if _count_entries(fh, start, size, limit) > limit:
            return f"more than {limit:,} members"
    return None


def _directory(fh: BinaryIO) -> tuple[int, int, int] | None:
    """(start, size, declared member count) of the central directory, as zipfile finds it."""
    fh.seek(0, 2)
    file_size = fh.tell()
    tail_start = max(0, file_size - _TAIL)
    fh.seek(tail_start)
    tail = fh.read()
    at = tail.rfind(_EOCD_SIGNATURE)
    while at >= 0 and len(tail) - at >= _EOCD.size:
        record = _EOCD.unpack_from(tail, at)
        if at + _EOCD.size + record[7] <= len(tail):
            break
        at = tail.rfind(_EOCD_SIGNATURE, 0, at)
    else:
        return None
    position = tail_start + at
    _sig, _disk, _cd_disk, _here, count, size, _offset, _comment = _EOCD.unpack_from(tail, at)
    if position >= _ZIP64_LOCATOR.size:
        fh.seek(position - _ZIP64_LOCATOR.size)
        locator = fh.read(_ZIP64_LOCATOR.size)
        if locator[:4] == _ZIP64_LOCATOR_SIGNATURE:
            zip64 = _zip64_directory(fh, position - _ZIP64_LOCATOR.size)
            if zip64 is None:
                return None
            position, size, count = zip64
    # zipfile reads the directory just before the end record, whatever offset it claims
    # (data may have been put in front of the archive, as self-extractors do).
    return max(0, position - size), size, count


def _zip64_directory(fh: BinaryIO, locator_position: int) -> tuple[int, int, int] | None:
    """(position, size, member count) from the ZIP64 end record just before the locator."""
    position = locator_position - _ZIP64_EOCD.size
    if position < 0:
        return None
    fh.seek(position)
    data = fh.read(_ZIP64_EOCD.size)
    if len(data) < _ZIP64_EOCD.size or data[:4] != _ZIP64_EOCD_SIGNATURE:
        return None
    fields = _ZIP64_EOCD.unpack(data)
    count, size = fields[7], fields[8]
    return position, size, count


def _count_entries(fh: BinaryIO, start: int, size: int, limit: int) -> int:
    """Headers in the directory's ``size`` bytes from ``start``, counted up to ``limit + 1``."""
    count = 0
    offset = 0  # within the directory
    buffer = b""
    buffer_start = 0  # the directory offset of buffer[0]
    while offset + _ENTRY.size <= size and count <= limit:
        end = offset + _ENTRY.size
        if end > buffer_start + len(buffer):
            fh.seek(start + offset)
            buffer, buffer_start = fh.read(min(_CHUNK, size - offset)), offset
            if len(buffer) < _ENTRY.size:
                break
        entry = _ENTRY.unpack_from(buffer, offset - buffer_start)
        if entry[0] != _ENTRY_SIGNATURE:
            break  # not a directory any more: zipfile will refuse it
        name, extra, comment = entry[12], entry[13], entry[14]
        offset = end + name + extra + comment
        count += 1
    return count
