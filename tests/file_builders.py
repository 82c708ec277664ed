"""Files the tests hand to glampub, built in memory: spreadsheets and documents
given by mistake for an export, images, and ZIP archives of either.

Shared by tests/test_wrong_files.py (files named for what they are),
tests/test_hostile_input.py (files made to break the import) and
tests/test_images.py (images that claim more pixels than they hold).
"""

from __future__ import annotations

import io
import struct
import zipfile
import zlib

from PIL import Image

CONTENT_TYPES = "http://schemas.openxmlformats.org/package/2006/content-types"


def xlsx() -> bytes:
    """The parts Excel writes for a one-sheet workbook (no office suite needed)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", f'<Types xmlns="{CONTENT_TYPES}"/>')
        archive.writestr("_rels/.rels", "<Relationships/>")
        archive.writestr("xl/workbook.xml", "<workbook><sheets><sheet/></sheets></workbook>")
        archive.writestr("xl/worksheets/sheet1.xml", "<worksheet><sheetData/></worksheet>")
    return buffer.getvalue()


def ods() -> bytes:
    """An OpenDocument spreadsheet: its first member, stored, names its type."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("mimetype", "application/vnd.oasis.opendocument.spreadsheet")
        archive.writestr("content.xml", "<office:document-content/>")
    return buffer.getvalue()


def compound_file(stream: str) -> bytes:
    """An OLE2 compound file as Excel 97-2003 (or Word) writes it: the header,
    then data sectors, then the directory, whose first sector names the streams."""
    header = bytearray(512)
    header[:8] = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
    header[30:32] = (9).to_bytes(2, "little")  # 512-byte sectors
    header[48:52] = (3).to_bytes(4, "little")  # the directory starts at sector 3
    data = bytes(512 * 3)
    directory = bytearray(512)
    for number, name in enumerate(["Root Entry", stream]):
        encoded_name = (name + "\x00").encode("utf-16-le")
        entry = number * 128
        directory[entry : entry + len(encoded_name)] = encoded_name
        directory[entry + 64 : entry + 66] = len(encoded_name).to_bytes(2, "little")
    return bytes(header) + data + bytes(directory)


def encoded(image: Image.Image, fmt: str, **options: object) -> bytes:
    """``image`` saved as ``fmt`` (a Pillow format name), with Pillow's save options."""
    buffer = io.BytesIO()
    image.save(buffer, fmt, **options)
    return buffer.getvalue()


def png_header(width: int, height: int) -> bytes:
    """A valid PNG signature and IHDR claiming any size, with almost no pixel data."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        crc = struct.pack(">I", zlib.crc32(kind + data))
        return struct.pack(">I", len(data)) + kind + data + crc

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", ihdr)
        + chunk(b"IDAT", zlib.compress(b""))
        + chunk(b"IEND", b"")
    )


def image(kind: str) -> bytes:
    """A small white image in the format ``kind`` (a Pillow format name)."""
    return encoded(Image.new("RGB", (4, 4), "white"), kind)


def zip_of(members: dict[str, bytes], compression: int = zipfile.ZIP_STORED) -> bytes:
    """A ZIP archive of ``members`` (name -> bytes), in their order."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression) as archive:
        for name, content in members.items():
            archive.writestr(name, content)
    return buffer.getvalue()


def images_zip() -> bytes:
    """Seven JPEGs under images/, and no export: what is sent for the export by mistake."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for number in range(1, 8):
            archive.writestr(f"images/{number}.jpg", image("JPEG"))
        archive.writestr("images/", "")
    return buffer.getvalue()


def export_zip() -> bytes:
    """An export and its image in one ZIP."""
    return zip_of({"images/1.jpg": image("JPEG"), "objects.csv": b"identifier,title\n1,Jug\n"})
