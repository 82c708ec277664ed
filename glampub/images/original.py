"""The original file, with the credit spliced in: full resolution, not re-encoded.

A download of the full image must carry the credit like every other file
glampub serves, but decoding and re-encoding a large master would cost
quality, seconds and hundreds of megabytes. So the XMP packet is written
into the file's own structure instead: a JPEG APP1 segment after the
leading JFIF/EXIF segments, or a PNG ``iTXt`` chunk before the first image
data. Any XMP the file already had is replaced (one packet, ours); every
other byte is copied as it is, in chunks.
"""

from __future__ import annotations

import os
import shutil
import struct
import tempfile
import zlib
from pathlib import Path
from typing import BinaryIO

from glampub.errors import UnreadableInput

XMP_SIGNATURE = b"http://ns.adobe.com/xap/1.0/\x00"
EXTENDED_XMP_SIGNATURE = b"http://ns.adobe.com/xmp/extension/\x00"
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
PNG_XMP_KEYWORD = b"XML:com.adobe.xmp"
_SOS, _EOI = 0xDA, 0xD9
# Markers without a length field.
_STANDALONE = {0x01, *range(0xD0, 0xD8)}


def write_with_xmp(master: Path, target: Path, xmp: bytes) -> None:
    """Copy ``master`` to ``target`` with ``xmp`` as its only XMP packet.

    The target appears whole or not at all (written aside, then renamed).
    """
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, partial = tempfile.mkstemp(dir=target.parent, suffix=".part")
    try:
        with master.open("rb") as source, os.fdopen(fd, "wb") as out:
            head = source.read(8)
            source.seek(0)
            if head.startswith(b"\xff\xd8"):
                _jpeg(source, out, xmp)
            elif head == PNG_SIGNATURE:
                _png(source, out, xmp)
            else:
                raise UnreadableInput(f"{master.name}: not a JPEG or PNG master")
        os.replace(partial, target)
    finally:
        Path(partial).unlink(missing_ok=True)


def _jpeg(source: BinaryIO, out: BinaryIO, xmp: bytes) -> None:
    if len(XMP_SIGNATURE) + len(xmp) + 2 > 0xFFFF:
        raise ValueError("the XMP packet does not fit one JPEG segment")
    out.write(source.read(2))  # SOI
    placed = False
    while True:
        marker = _read(source, 2)
        if marker[0] != 0xFF:
            raise UnreadableInput("damaged JPEG: a segment does not start with a marker")
        code = marker[1]
        if code in _STANDALONE:
            out.write(marker)
            continue
        if code in (_SOS, _EOI):
            if not placed:
                out.write(_xmp_segment(xmp))
            out.write(marker)
            shutil.copyfileobj(source, out, 1024 * 1024)  # the image data, as it is
            return
        length = struct.unpack(">H", _read(source, 2))[0]
        body = _read(source, length - 2)
        is_xmp = code == 0xE1 and body.startswith((XMP_SIGNATURE, EXTENDED_XMP_SIGNATURE))
        leading = code == 0xE0 or (code == 0xE1 and body.startswith(b"Exif\x00"))
        if not placed and not leading and not is_xmp:
            # After JFIF and EXIF, where readers look for XMP.
            out.write(_xmp_segment(xmp))
            placed = True
        if not is_xmp:
            out.write(marker + struct.pack(">H", length) + body)


def _xmp_segment(xmp: bytes) -> bytes:
    payload = XMP_SIGNATURE + xmp
    return b"\xff\xe1" + struct.pack(">H", len(payload) + 2) + payload


def _png(source: BinaryIO, out: BinaryIO, xmp: bytes) -> None:
    out.write(source.read(8))
    placed = False
    while True:
        header = source.read(8)
        if len(header) < 8:
            raise UnreadableInput("damaged PNG: it ends before its image data")
        length, kind = struct.unpack(">I4s", header)
        if kind in (b"IDAT", b"IEND"):
            if not placed:
                out.write(_xmp_chunk(xmp))
            out.write(header)
            shutil.copyfileobj(source, out, 1024 * 1024)
            return
        data_and_crc = _read(source, length + 4)
        if kind == b"iTXt" and data_and_crc.startswith(PNG_XMP_KEYWORD + b"\x00"):
            continue  # the old packet: ours replaces it
        out.write(header + data_and_crc)


def _xmp_chunk(xmp: bytes) -> bytes:
    # keyword, NUL, compression flag and method (none), empty language and translation.
    data = PNG_XMP_KEYWORD + b"\x00\x00\x00\x00\x00" + xmp
    body = b"iTXt" + data
    return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))


def _read(source: BinaryIO, size: int) -> bytes:
    data = source.read(size)
    if len(data) != size:
        raise UnreadableInput("damaged image file: it ends in the middle of a segment")
    return data
