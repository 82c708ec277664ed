"""A text column kept zstd-compressed: the source records.

Every object keeps the record exactly as exported, and a LIDO record is some
8 KB of XML: three quarters of an object's row, and, in a large import, most
of what SQLite writes twice (into the write-ahead log, then into the database
at the commit). zstd at level 1 turns it into about 2 KB in some 25 µs, and
reading it back costs about as much, once per page that shows it. Measured
with bench/import_speed.py (LIDO, this project's 2-core machine): the
database holds an object in 7.3 KB instead of 18.2 KB, SQLite stores one in
185 µs instead of 250 (its commit 27 µs instead of 70), and the first import
runs 12% faster.

Short values (a CSV row is typically 0.4 KB) gain little from compression and
are stored as they are. The stored value says what it is: text, or bytes that
are either a zstd frame (which starts with bytes no UTF-8 text can start
with) or UTF-8 text. Rows written before this type existed read back as they
were.
"""

from __future__ import annotations

import threading
from typing import Any

import zstandard
from sqlalchemy import Dialect, LargeBinary, Text
from sqlalchemy.types import TypeDecorator, TypeEngine

#: Shorter values are stored as they are: compression would save a few bytes.
COMPRESS_FROM_BYTES = 1024
#: Level 1: nearly the ratio of the default level 3 (2.0 against 1.9 KB on the
#: benchmark's records) at a little less CPU, spent by the importing process.
LEVEL = 1
#: Every zstd frame starts with these bytes; as UTF-8, 0xB5 cannot follow "(".
ZSTD_MAGIC = b"\x28\xb5\x2f\xfd"

# A compressor keeps state between calls and is not safe to share between
# threads (a web worker's threads may save objects at the same time).
_local = threading.local()


def _compressor() -> zstandard.ZstdCompressor:
    compressor = getattr(_local, "compressor", None)
    if compressor is None:
        compressor = _local.compressor = zstandard.ZstdCompressor(level=LEVEL)
    return compressor


def _decompressor() -> zstandard.ZstdDecompressor:
    decompressor = getattr(_local, "decompressor", None)
    if decompressor is None:
        decompressor = _local.decompressor = zstandard.ZstdDecompressor()
    return decompressor


def pack(value: str) -> bytes:
    """``value`` as stored: a zstd frame, or UTF-8 when it is short."""
    data = value.encode("utf-8")
    if len(data) < COMPRESS_FROM_BYTES:
        return data
    return _compressor().compress(data)


def unpack(stored: bytes | str | None) -> str:
    """The text :func:`pack` stored (or a value stored as plain text before)."""
    if stored is None:
        return ""
    if isinstance(stored, str):
        return stored
    data = bytes(stored)  # PostgreSQL's driver hands over a memoryview
    if data.startswith(ZSTD_MAGIC):
        data = _decompressor().decompress(data)
    return data.decode("utf-8")


class CompressedText(TypeDecorator[str]):
    """Text in Python; :func:`pack`-ed in the database.

    SQLite keeps the column declared TEXT (it stores a BLOB in any column, and
    an existing database needs no rebuild); elsewhere it is binary (BYTEA).
    """

    impl = LargeBinary
    cache_ok = True

    def load_dialect_impl(self, dialect: Dialect) -> TypeEngine[Any]:
        if dialect.name == "sqlite":
            return dialect.type_descriptor(Text())
        return dialect.type_descriptor(LargeBinary())

    def process_bind_param(self, value: str | None, dialect: Dialect) -> bytes | str | None:
        if value is None:
            return None
        packed = pack(value)
        if dialect.name == "sqlite" and not packed.startswith(ZSTD_MAGIC):
            return value  # short: kept as readable text
        return packed

    def process_result_value(self, value: bytes | str | None, dialect: Dialect) -> str:
        return unpack(value)
