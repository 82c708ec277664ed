"""Image ingest (verify, orient, store) and the credit embedded in delivered files."""

from __future__ import annotations

import hashlib
import io
import json
import shutil
import subprocess
import warnings
from pathlib import Path

import pytest
from lxml import etree
from PIL import Image

from glampub.errors import UnreadableInput, UnsafeInput
from glampub.images import files as images
from glampub.images.credit import embed_credit, rights_marked
from glampub.images.files import ingest, open_image
from tests.file_builders import png_header

RED, BLUE = (255, 0, 0), (0, 0, 255)
NS = {
    "rdf": "http://www.w3.org/1999/02/22-rdf-syntax-ns#",
    "dc": "http://purl.org/dc/elements/1.1/",
    "xmpRights": "http://ns.adobe.com/xap/1.0/rights/",
    "photoshop": "http://ns.adobe.com/photoshop/1.0/",
    "cc": "http://creativecommons.org/ns#",
}
CREDIT = 'Musée <Nationale> & "Fils" — Ünïcode'
PDM = "http://creativecommons.org/publicdomain/mark/1.0/"
CC_BY = "http://creativecommons.org/licenses/by/4.0/"


def encode(img: Image.Image, fmt: str, **options) -> bytes:
    buf = io.BytesIO()
    img.save(buf, fmt, **options)
    return buf.getvalue()


def half_red(size=(1000, 600), mode="RGB") -> Image.Image:
    img = Image.new(mode, size, BLUE)
    img.paste(RED, (0, 0, size[0] // 2, size[1]))
    return img


def near(pixel, colour) -> bool:
    return all(abs(a - b) < 40 for a, b in zip(pixel, colour, strict=False))


def leftovers(dest: Path) -> list[str]:
    return sorted(p.name for p in dest.rglob(".*"))


# --- ingest ---------------------------------------------------------------------


def test_exif_orientation_is_applied_and_dimensions_swapped(tmp_path):
    exif = Image.Exif()
    exif[0x0112] = 6  # "rotate 90 clockwise to display"
    data = encode(half_red(), "JPEG", exif=exif, quality=95)
    stored = ingest(data, tmp_path)
    assert (stored.width, stored.height) == (600, 1000)
    assert stored.mime_type == "image/jpeg"
    assert stored.checksum == hashlib.sha256(data).hexdigest()
    assert stored.relative_path == f"{stored.checksum[:2]}/{stored.checksum}.jpg"
    with Image.open(tmp_path / stored.relative_path) as master:
        assert master.format == "JPEG" and master.size == (600, 1000)
        assert master.getexif().get(0x0112, 1) == 1
        # The red left half is now on top.
        assert near(master.getpixel((300, 10)), RED) and near(master.getpixel((300, 990)), BLUE)


def test_upright_jpeg_is_stored_byte_for_byte(tmp_path):
    data = encode(half_red(), "JPEG")
    stored = ingest(io.BytesIO(data), tmp_path)
    assert (stored.width, stored.height) == (1000, 600)
    assert (tmp_path / stored.relative_path).read_bytes() == data
    assert stored.notes == ()
    assert leftovers(tmp_path) == []


def test_the_same_file_is_not_processed_twice(tmp_path, monkeypatch):
    exif = Image.Exif()
    exif[0x0112] = 8
    data = encode(half_red(), "JPEG", exif=exif)
    first = ingest(data, tmp_path)

    def must_not_run(*args, **kwargs):
        raise AssertionError("an unchanged image was processed again")

    monkeypatch.setattr(images, "_store", must_not_run)
    again = ingest(io.BytesIO(data), tmp_path)
    assert again == first
    assert (again.width, again.height) == (600, 1000)
    assert len(list(tmp_path.rglob("*.jpg"))) == 1


@pytest.mark.parametrize(
    ("make", "mime", "size", "note"),
    [
        (lambda: encode(half_red(mode="RGBA"), "PNG"), "image/png", (1000, 600), None),
        (lambda: encode(half_red().convert("P"), "GIF"), "image/png", (1000, 600), None),
        (lambda: encode(half_red(), "BMP"), "image/png", (1000, 600), None),
        (
            lambda: encode(half_red(), "TIFF", compression="tiff_lzw"),
            "image/png",
            (1000, 600),
            None,
        ),
        (lambda: encode(half_red(), "WEBP", quality=90), "image/jpeg", (1000, 600), None),
        (
            lambda: encode(half_red(mode="RGBA"), "WEBP", lossless=True),
            "image/png",
            (1000, 600),
            None,
        ),
        (
            lambda: encode(half_red().convert("CMYK"), "JPEG"),
            "image/jpeg",
            (1000, 600),
            "CMYK image converted to RGB",
        ),
        (
            lambda: encode(
                half_red(), "TIFF", save_all=True, append_images=[half_red(), half_red()]
            ),
            "image/png",
            (1000, 600),
            "the file has 3 pages; only the first was kept",
        ),
        (
            lambda: encode(
                half_red().convert("P"),
                "GIF",
                save_all=True,
                append_images=[Image.new("P", (1000, 600))],
            ),
            "image/png",
            (1000, 600),
            "the file has 2 frames; only the first was kept",
        ),
    ],
    ids=[
        "png-alpha",
        "gif",
        "bmp",
        "tiff",
        "webp-lossy",
        "webp-alpha",
        "cmyk-jpeg",
        "multipage-tiff",
        "animated-gif",
    ],
)
def test_formats_become_jpeg_or_png_masters(tmp_path, make, mime, size, note):
    stored = ingest(make(), tmp_path)
    assert stored.mime_type == mime
    assert (stored.width, stored.height) == size
    assert stored.notes == ((note,) if note else ())
    with Image.open(tmp_path / stored.relative_path) as master:
        assert master.format == ("JPEG" if mime == "image/jpeg" else "PNG")
        assert master.mode in ("L", "LA", "P", "RGB", "RGBA")
        assert near(master.convert("RGB").getpixel((10, 10)), RED)
        assert near(master.convert("RGB").getpixel((990, 590)), BLUE)
    assert leftovers(tmp_path) == []


def test_sixteen_bit_gray_is_scaled_not_clipped(tmp_path):
    img = Image.new("I;16", (64, 64), 32768)  # mid gray in 16 bits
    stored = ingest(encode(img, "PNG"), tmp_path)
    assert stored.notes == ("16-bit image reduced to 8 bits",)
    with Image.open(tmp_path / stored.relative_path) as master:
        assert master.mode == "L"
        assert 120 <= master.getpixel((5, 5)) <= 135


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"<!DOCTYPE html><html><body>Not found</body></html>", "HTML or XML text"),
        (b"\xef\xbb\xbf  <html><head><title>403</title></head></html>", "HTML or XML text"),
        (b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg"/>', "SVG text"),
        (b"GIF89a but not really", "not an image in a supported format"),
        (b"", "not an image in a supported format"),
        (b"%PDF-1.7\n", "not an image in a supported format"),
    ],
)
def test_non_images_are_refused(tmp_path, data, message):
    with pytest.raises(UnreadableInput) as err:
        ingest(data, tmp_path)
    assert message in str(err.value)
    assert not isinstance(err.value, UnsafeInput)
    assert list(tmp_path.rglob("*")) == []


def test_formats_we_do_not_accept_are_refused(tmp_path):
    data = encode(half_red(), "PPM")
    with pytest.raises(UnreadableInput, match="not an image in a supported format"):
        ingest(data, tmp_path)


@pytest.mark.parametrize("fmt", ["JPEG", "PNG"])
def test_truncated_images_are_refused(tmp_path, fmt):
    noise = Image.effect_noise((800, 600), 60).convert("RGB")
    data = encode(noise, fmt)
    with pytest.raises(UnreadableInput, match="damaged or truncated"):
        ingest(data[: len(data) * 2 // 3], tmp_path)
    assert list(tmp_path.rglob("*")) == []


def test_truncated_jpeg_that_needs_rotation_is_refused(tmp_path):
    exif = Image.Exif()
    exif[0x0112] = 6
    data = encode(Image.effect_noise((800, 600), 60).convert("RGB"), "JPEG", exif=exif)
    with pytest.raises(UnreadableInput, match="damaged or truncated"):
        ingest(data[: len(data) // 2], tmp_path)


@pytest.mark.parametrize(
    ("width", "height"),
    [
        (100_000, 100_000),  # beyond twice the ceiling: Pillow's own error
        (12_000, 12_000),  # 144 MP: Pillow would only warn; we refuse
        (10_001, 10_000),  # just over our 100 MP cap
    ],
)
def test_decompression_bombs_are_refused_before_decoding(tmp_path, width, height):
    with pytest.raises(UnsafeInput, match="decompression bomb|over the limit"):
        ingest(png_header(width, height), tmp_path)
    assert list(tmp_path.rglob("*")) == []


def test_bombs_are_refused_even_if_pillows_warning_is_silenced(tmp_path):
    # Someone may reset the warning filters; our own size check still holds.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with pytest.raises(UnsafeInput, match="144,000,000 pixels, over the limit"):
            ingest(png_header(12_000, 12_000), tmp_path)


def test_the_cap_cannot_be_raised_above_the_process_ceiling(tmp_path):
    with pytest.raises(UnsafeInput, match="over the limit|decompression bomb"):
        ingest(png_header(12_000, 12_000), tmp_path, max_pixels=10**9)


def test_a_lower_pixel_cap_applies_per_call(tmp_path):
    data = encode(half_red((200, 100)), "PNG")
    with pytest.raises(UnsafeInput, match="20,000 pixels, over the limit of 10,000"):
        ingest(data, tmp_path, max_pixels=10_000)
    assert ingest(data, tmp_path, max_pixels=20_000).width == 200


def test_oversized_files_are_refused_while_reading(tmp_path):
    with pytest.raises(UnsafeInput, match="larger than the limit of 1,000 bytes"):
        ingest(io.BytesIO(b"\xff" * 5000), tmp_path, max_bytes=1000)
    assert list(tmp_path.rglob("*")) == []


def test_open_image_serves_only_master_formats(tmp_path):
    path = tmp_path / "x.bmp"
    half_red().save(path)
    with pytest.raises(UnreadableInput):
        open_image(path)
    with open_image(path, formats=("BMP",)) as img:
        assert img.size == (1000, 600)


# --- credit embedded in files ----------------------------------------------------


def read_xmp(data: bytes) -> etree._Element:
    with Image.open(io.BytesIO(data)) as img:
        raw = img.info["xmp"]
        img.load()
    if isinstance(raw, str):
        raw = raw.encode("utf-8")
    assert raw.startswith(b"<?xpacket begin=") and raw.endswith(b'<?xpacket end="w"?>')
    parser = etree.XMLParser(resolve_entities=False, no_network=True)
    return etree.fromstring(raw, parser)


def one(root: etree._Element, path: str) -> str:
    values = root.xpath(path, namespaces=NS)
    assert len(values) == 1, path
    return values[0]


@pytest.mark.parametrize("fmt", ["jpg", "png", "webp"])
def test_credit_round_trips_through_xmp(fmt):
    img = half_red((300, 200))
    data = embed_credit(
        img,
        fmt,
        credit=CREDIT,
        rights_uri=CC_BY,
        title="Zwei <Frauen> & ein Hund",
        source_url="https://museum.example/objects/a?b=1&c=2",
        rights_label="CC BY 4.0",
        creators=["Käthe Kollwitz", "O'Neil & Co"],
    )
    with Image.open(io.BytesIO(data)) as decoded:
        assert decoded.format == {"jpg": "JPEG", "png": "PNG", "webp": "WEBP"}[fmt]
        assert decoded.size == (300, 200)
    root = read_xmp(data)
    assert one(root, "//dc:rights/rdf:Alt/rdf:li/text()") == (f"{CREDIT}. CC BY 4.0 ({CC_BY})")
    assert one(root, "//dc:rights/rdf:Alt/rdf:li/@xml:lang") == "x-default"
    assert one(root, "//photoshop:Credit/text()") == CREDIT
    assert one(root, "//cc:attributionName/text()") == CREDIT
    assert one(root, "//cc:license/@rdf:resource") == CC_BY
    assert one(root, "//dc:title/rdf:Alt/rdf:li/text()") == "Zwei <Frauen> & ein Hund"
    assert root.xpath("//dc:creator/rdf:Seq/rdf:li/text()", namespaces=NS) == [
        "Käthe Kollwitz",
        "O'Neil & Co",
    ]
    assert one(root, "//dc:source/text()") == "https://museum.example/objects/a?b=1&c=2"
    assert one(root, "//xmpRights:WebStatement/text()") == (
        "https://museum.example/objects/a?b=1&c=2"
    )
    assert one(root, "//xmpRights:Marked/text()") == "True"
    assert one(root, "//xmpRights:UsageTerms/rdf:Alt/rdf:li/text()") == (
        f"CC BY 4.0 ({CC_BY}). Credit: {CREDIT}."
    )


def test_public_domain_credit_is_a_courtesy_and_not_marked():
    data = embed_credit(
        half_red((50, 50)),
        "png",
        credit="Rijksmuseum",
        rights_uri=PDM,
        title=None,
        source_url=None,
        rights_label="Public Domain Mark 1.0",
        use_guidelines="https://museum.example/reuse",
    )
    root = read_xmp(data)
    assert one(root, "//xmpRights:Marked/text()") == "False"
    assert one(root, "//xmpRights:WebStatement/text()") == PDM
    assert one(root, "//xmpRights:UsageTerms/rdf:Alt/rdf:li/text()") == (
        f"Public Domain Mark 1.0 ({PDM}). Credit is appreciated: Rijksmuseum."
    )
    assert one(root, "//cc:useGuidelines/@rdf:resource") == "https://museum.example/reuse"
    assert root.xpath("//dc:title | //dc:source | //dc:creator", namespaces=NS) == []


def test_credit_without_rights_still_names_the_source():
    root = read_xmp(
        embed_credit(
            half_red((20, 20)),
            "jpg",
            credit="Logo of Museum X",
            rights_uri=None,
            title=None,
            source_url=None,
        )
    )
    assert one(root, "//dc:rights/rdf:Alt/rdf:li/text()") == "Logo of Museum X"
    assert (
        root.xpath("//xmpRights:Marked | //cc:license | //xmpRights:UsageTerms", namespaces=NS)
        == []
    )


def test_jpeg_carries_exif_copyright_and_artist_in_ascii():
    data = embed_credit(
        half_red((40, 40)),
        "jpeg",
        credit="Musée d'Orsay © 2024",
        rights_uri=CC_BY,
        title=None,
        source_url=None,
        creators=["Degas"],
    )
    with Image.open(io.BytesIO(data)) as img:
        exif = img.getexif()
    assert exif[0x8298] == f"Musee d'Orsay (c) 2024. {CC_BY}"
    assert exif[0x013B] == "Degas"


def test_exif_is_left_out_rather_than_written_as_question_marks():
    data = embed_credit(
        half_red((40, 40)),
        "jpg",
        credit="東京国立博物館",
        rights_uri=None,
        title=None,
        source_url=None,
    )
    with Image.open(io.BytesIO(data)) as img:
        assert 0x8298 not in img.getexif()
    assert one(read_xmp(data), "//photoshop:Credit/text()") == "東京国立博物館"


def test_png_also_carries_the_standard_text_keywords():
    data = embed_credit(
        half_red((40, 40)),
        "png",
        credit=CREDIT,
        rights_uri=CC_BY,
        title="Title & <more>",
        source_url="https://museum.example/o/1",
    )
    with Image.open(io.BytesIO(data)) as img:
        assert img.info["Copyright"] == CREDIT
        assert img.info["Title"] == "Title & <more>"
        assert img.info["Source"] == "https://museum.example/o/1"


def test_control_characters_cannot_break_the_xmp():
    data = embed_credit(
        half_red((20, 20)),
        "webp",
        credit="A\x00B\x1bC\x07",
        rights_uri=None,
        title="x\ufffey",
        source_url=None,
    )
    root = read_xmp(data)
    assert one(root, "//photoshop:Credit/text()") == "ABC"
    assert one(root, "//dc:title/rdf:Alt/rdf:li/text()") == "xy"


@pytest.mark.parametrize("mode", ["RGBA", "LA", "1", "P", "CMYK"])
def test_any_mode_encodes_as_jpeg(mode):
    img = half_red((30, 20)).convert(mode)
    data = embed_credit(img, "jpg", credit="X", rights_uri=None, title=None, source_url=None)
    with Image.open(io.BytesIO(data)) as out:
        assert out.size == (30, 20)


def test_icc_profile_is_kept_only_where_it_fits():
    from PIL import ImageCms

    srgb = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    rgb = half_red((20, 20))
    rgb.info["icc_profile"] = srgb
    gray = rgb.convert("L")
    gray.info["icc_profile"] = srgb
    for img, kept in ((rgb, True), (gray, False)):
        data = embed_credit(img, "jpg", credit="X", rights_uri=None, title=None, source_url=None)
        with Image.open(io.BytesIO(data)) as out:
            assert ("icc_profile" in out.info) is kept


def test_unknown_format_is_a_programming_error():
    with pytest.raises(ValueError, match="use jpg, png or webp"):
        embed_credit(
            half_red((5, 5)), "gif", credit="X", rights_uri=None, title=None, source_url=None
        )


@pytest.mark.parametrize(
    ("uri", "marked"),
    [
        ("http://creativecommons.org/publicdomain/mark/1.0/", False),
        ("http://creativecommons.org/publicdomain/zero/1.0/", False),
        ("http://rightsstatements.org/vocab/NoC-US/1.0/", False),
        ("http://creativecommons.org/licenses/by-nc-nd/4.0/", True),
        ("http://rightsstatements.org/vocab/InC/1.0/", True),
        ("http://rightsstatements.org/vocab/CNE/1.0/", None),
        (None, None),
    ],
)
def test_rights_marked(uri, marked):
    assert rights_marked(uri) is marked


@pytest.mark.skipif(shutil.which("exiftool") is None, reason="exiftool is not installed")
@pytest.mark.parametrize("fmt", ["jpg", "png", "webp"])
def test_exiftool_reads_the_credit_and_finds_nothing_to_warn_about(tmp_path, fmt):
    data = embed_credit(
        half_red((64, 48)),
        fmt,
        credit=CREDIT,
        rights_uri=CC_BY,
        title="Zwei <Frauen>",
        source_url="https://museum.example/o/1?a=1&b=2",
        rights_label="CC BY 4.0",
        creators=["Käthe Kollwitz"],
    )
    path = tmp_path / f"credit.{fmt}"
    path.write_bytes(data)
    out = subprocess.run(
        ["exiftool", "-j", "-validate", "-warning", "-XMP:all", str(path)],
        capture_output=True,
        text=True,
        check=True,
    )
    tags = json.loads(out.stdout)[0]
    assert tags["Validate"] == "OK"
    assert tags["Credit"] == CREDIT
    assert tags["Rights"] == f"{CREDIT}. CC BY 4.0 ({CC_BY})"
    assert tags["License"] == CC_BY
    assert tags["WebStatement"] == "https://museum.example/o/1?a=1&b=2"
    assert tags["Title"] == "Zwei <Frauen>"
    assert tags["Creator"] == "Käthe Kollwitz"
