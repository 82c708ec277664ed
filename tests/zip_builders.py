"""ZIP archives of very many empty members, written byte by byte.

zipfile needs minutes and hundreds of MB to write 600,000 members; written
here straight to disk, the archive takes a second. The central directory may
also be made to lie about its member count, as a hostile archive can.
"""

from __future__ import annotations

import struct
from pathlib import Path

_LOCAL = struct.Struct("<4s2B4HL2L2H")
_CENTRAL = struct.Struct("<4s4B4HL2L5H2L")
_END = struct.Struct("<4s4H2LH")
_ZIP64_END = struct.Struct("<4sQ2H2L4Q")
_ZIP64_LOCATOR = struct.Struct("<4sLQL")
_BATCH = 10_000


def zip_of_empty_members(path: Path, count: int, *, declared: int | None = None) -> Path:
    """``count`` empty stored members ``000000.jpg`` …; the end record claims ``declared``
    (``count`` unless given), in its ZIP64 form when that is over 65,535."""
    declared = count if declared is None else declared
    directory = bytearray()
    offset = 0
    with path.open("wb") as out:
        for first in range(0, count, _BATCH):
            local = bytearray()
            for number in range(first, min(first + _BATCH, count)):
                name = f"{number:06d}.jpg".encode()
                local += _LOCAL.pack(b"PK\x03\x04", 20, 0, 0, 0, 0, 0x21, 0, 0, 0, len(name), 0)
                local += name
                directory += _CENTRAL.pack(
                    b"PK\x01\x02", 20, 3, 20, 0, 0, 0, 0, 0x21, 0, 0, 0, len(name), 0, 0, 0, 0,
                    0o100644 << 16, offset,
                )  # fmt: skip
                directory += name
                offset += _LOCAL.size + len(name)
            out.write(local)
        out.write(directory)
        directory_end = offset + len(directory)
        if declared > 0xFFFF:
            out.write(
                _ZIP64_END.pack(
                    b"PK\x06\x06",
                    _ZIP64_END.size - 12,
                    45,
                    45,
                    0,
                    0,
                    declared,
                    declared,
                    len(directory),
                    offset,
                )  # fmt: skip
            )
            out.write(_ZIP64_LOCATOR.pack(b"PK\x06\x07", 0, directory_end, 1))
        short = min(declared, 0xFFFF)
        out.write(_END.pack(b"PK\x05\x06", 0, 0, short, short, len(directory), offset, 0))
    return path


#: Runs one step in a fresh interpreter and prints, last, how far the process's peak
#: resident memory rose during it (MB): the step is the code in argv[1], after the
#: set-up in argv[2]. A fresh process, so nothing measured before counts.
PEAK_GROWTH = """
import sys

def peak_kb():
    with open("/proc/self/status") as status:
        return next(int(line.split()[1]) for line in status if line.startswith("VmHWM:"))

setup, step = sys.argv[1], sys.argv[2]
exec(setup)
before = peak_kb()
exec(step)
print((peak_kb() - before) // 1024)
"""
