"""Import images from a folder or a ZIP: matching by name, and refusing hostile archives."""

from __future__ import annotations

import io
import os
import stat
import subprocess
import sys
import unicodedata
import zipfile
from pathlib import Path

import pytest
from PIL import Image

from glampub.errors import UnreadableInput, UnsafeInput, UsageError
from glampub.images.files import ingest
from glampub.images.sources import open_image_source
from tests.zip_builders import PEAK_GROWTH, zip_of_empty_members

NFD_NAME = unicodedata.normalize("NFD", "Müller Ölbild.jpg")


def jpeg(colour=(200, 30, 30), size=(40, 30)) -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", size, colour).save(buf, "JPEG")
    return buf.getvalue()


def make_folder(root: Path, files: dict[str, bytes]) -> Path:
    for name, data in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
    return root


def make_zip(path: Path, files: dict[str, bytes], *, compression=zipfile.ZIP_DEFLATED) -> Path:
    with zipfile.ZipFile(path, "w", compression) as archive:
        for name, data in files.items():
            archive.writestr(zipfile.ZipInfo(name), data, compress_type=compression)
    return path


EXPORT = {
    "IMG_0042.JPG": jpeg(),
    "images/Foo Bar.jpeg": jpeg((0, 0, 255)),
    "images/nested/deep.png": b"not really a png",
    NFD_NAME: jpeg(),
    ".DS_Store": b"junk",
    "images/.hidden.jpg": jpeg(),
}


@pytest.fixture(params=["folder", "zip"])
def export_source(request, tmp_path):
    if request.param == "folder":
        path = make_folder(tmp_path / "export", EXPORT)
    else:
        path = make_zip(tmp_path / "export.zip", EXPORT | {"__MACOSX/images/._deep.png": b"x"})
    with open_image_source(path) as source:
        yield source


@pytest.mark.parametrize(
    ("reference", "expected"),
    [
        ("IMG_0042.JPG", "IMG_0042.JPG"),
        ("img_0042.jpg", "IMG_0042.JPG"),
        ("  IMG_0042.jpg  ", "IMG_0042.JPG"),
        ("foo bar.JPEG", "Foo Bar.jpeg"),
        ("images/Foo Bar.jpeg", "Foo Bar.jpeg"),
        ("IMAGES/FOO BAR.JPEG", "Foo Bar.jpeg"),
        ("images\\Foo Bar.jpeg", "Foo Bar.jpeg"),
        ("./images/Foo Bar.jpeg", "Foo Bar.jpeg"),
        ("Foo%20Bar.jpeg", "Foo Bar.jpeg"),
        ("C:\\Export\\Bilder\\foo bar.jpeg", "Foo Bar.jpeg"),
        ("nested/deep.png", "deep.png"),
        ("Müller Ölbild.jpg", NFD_NAME),
        ("müller ölbild.JPG", NFD_NAME),
    ],
)
def test_references_match_by_name_case_insensitively(export_source, reference, expected):
    found = export_source.find(reference)
    assert found is not None
    assert found.name == expected


@pytest.mark.parametrize(
    "reference",
    [
        "missing.jpg",
        "",
        "   ",
        ".DS_Store",
        ".hidden.jpg",
        "._deep.png",
        "IMG_0042",
        "other/IMG_0042.JPG/x",
    ],
)
def test_unknown_and_hidden_files_are_not_found(export_source, reference):
    assert export_source.find(reference) is None


def test_found_files_read_their_bytes(export_source):
    found = export_source.find("foo bar.jpeg")
    assert found.read_bytes() == EXPORT["images/Foo Bar.jpeg"]
    assert found.size == len(EXPORT["images/Foo Bar.jpeg"])
    with found.open() as handle:
        assert handle.read() == EXPORT["images/Foo Bar.jpeg"]
    assert export_source.problems == []
    assert len(export_source) == 4


def test_files_from_a_source_can_be_ingested(export_source, tmp_path):
    with export_source.find("img_0042.jpg").open() as handle:
        stored = ingest(handle, tmp_path / "masters")
    assert (stored.width, stored.height) == (40, 30)


@pytest.mark.parametrize("kind", ["folder", "zip"])
def test_a_shared_name_is_ambiguous_unless_the_folder_is_given(tmp_path, kind):
    files = {"a/scan.jpg": jpeg(), "b/SCAN.jpg": jpeg((0, 255, 0)), "c/other.jpg": jpeg()}
    path = (
        make_folder(tmp_path / "x", files)
        if kind == "folder"
        else make_zip(tmp_path / "x.zip", files)
    )
    with open_image_source(path) as source:
        assert source.find("scan.jpg") is None
        assert source.find("b/scan.jpg").read_bytes() == files["b/SCAN.jpg"]
        assert source.find("export/a/scan.jpg").read_bytes() == files["a/scan.jpg"]
        assert [(p.code, p.severity) for p in source.problems] == [
            ("ambiguous-image-name", "warning")
        ]
        assert "a/scan.jpg, b/scan.jpg" in source.problems[0].message


def test_no_path_gives_an_empty_source():
    with open_image_source(None) as source:
        assert source.find("anything.jpg") is None
        assert len(source) == 0


def test_a_path_that_is_neither_folder_nor_zip_is_a_usage_error(tmp_path):
    text = tmp_path / "images.zip"
    text.write_text("this is not a zip")
    with pytest.raises(UsageError, match=r"images\.zip is neither a folder nor a ZIP"):
        open_image_source(text)
    with pytest.raises(UsageError, match="nowhere does not exist"):
        open_image_source(tmp_path / "nowhere")


def test_a_zip_with_a_broken_directory_is_unreadable(tmp_path):
    data = make_zip(tmp_path / "ok.zip", {"a.jpg": jpeg()}).read_bytes()
    broken = tmp_path / "broken.zip"
    # Keep the end record (so it still looks like a ZIP) but wreck the directory it points to.
    cd = data.rfind(b"PK\x01\x02")
    broken.write_bytes(data[:cd] + b"\x00" * 46 + data[cd + 46 :])
    with pytest.raises(UnreadableInput, match="not a readable ZIP file"):
        open_image_source(broken)


# --- the folder is walked safely ----------------------------------------------


def test_folder_symlinks_that_leave_the_folder_are_skipped(tmp_path):
    outside = tmp_path / "secret.jpg"
    outside.write_bytes(jpeg())
    root = make_folder(tmp_path / "export", {"real.jpg": jpeg()})
    os.symlink(outside, root / "escape.jpg")
    os.symlink(root / "real.jpg", root / "alias.jpg")
    with open_image_source(root) as source:
        assert source.find("escape.jpg") is None
        assert source.find("alias.jpg") is not None
        assert [p.code for p in source.problems] == ["unsafe-image-file"]
        assert "escape.jpg skipped: it is a link to outside the folder" in (
            source.problems[0].message
        )


def test_dangling_links_and_pipes_are_skipped(tmp_path):
    root = make_folder(tmp_path / "export", {"real.jpg": jpeg()})
    os.symlink(root / "gone.jpg", root / "dangling.jpg")
    os.mkfifo(root / "pipe.jpg")
    with open_image_source(root) as source:
        assert source.find("real.jpg") is not None
        assert source.find("dangling.jpg") is None and source.find("pipe.jpg") is None
        messages = sorted(p.message for p in source.problems)
    assert "dangling.jpg skipped: it cannot be read (No such file or directory)" in messages[0]
    assert "pipe.jpg skipped: it is not a regular file" in messages[1]


def test_oversized_files_are_skipped_and_reported(tmp_path):
    root = make_folder(tmp_path / "export", {"big.jpg": os.urandom(5000), "ok.jpg": jpeg()})
    with open_image_source(root, max_member_bytes=2000) as source:
        assert source.find("big.jpg") is None
        assert source.find("ok.jpg") is not None
        assert "big.jpg skipped: it is over 2,000 bytes" in source.problems[0].message


def test_too_many_files_in_a_folder_is_refused(tmp_path):
    root = make_folder(tmp_path / "export", {f"{i}.jpg": b"x" for i in range(6)})
    with pytest.raises(UnsafeInput, match="more than 5 files"):
        open_image_source(root, max_members=5)


# --- hostile ZIPs ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("member", "why"),
    [
        ("../evil.jpg", "climbs out of the archive"),
        ("images/../../evil.jpg", "climbs out of the archive"),
        ("..\\evil.jpg", "climbs out of the archive"),
        ("/etc/evil.jpg", "has an absolute path"),
        ("\\\\server\\share\\evil.jpg", "has an absolute path"),
        ("C:/Windows/evil.jpg", "has an absolute path"),
    ],
)
def test_zip_members_with_unsafe_paths_are_skipped(tmp_path, member, why):
    path = make_zip(tmp_path / "x.zip", {member: jpeg(), "good.jpg": jpeg()})
    with open_image_source(path) as source:
        assert source.find("evil.jpg") is None
        assert source.find(member) is None
        assert source.find("good.jpg") is not None
        assert [p.code for p in source.problems] == ["unsafe-image-file"]
        assert why in source.problems[0].message
    assert not (tmp_path / "evil.jpg").exists()


def test_zip_symlink_members_are_skipped(tmp_path):
    path = tmp_path / "links.zip"
    with zipfile.ZipFile(path, "w") as archive:
        link = zipfile.ZipInfo("photo.jpg")
        link.create_system = 3  # Unix
        link.external_attr = (stat.S_IFLNK | 0o777) << 16
        archive.writestr(link, "/etc/passwd")
        archive.writestr("other.jpg", jpeg())
    with open_image_source(path) as source:
        assert source.find("photo.jpg") is None
        assert "photo.jpg skipped: it is a symbolic link" in source.problems[0].message
        assert source.find("other.jpg") is not None


def test_encrypted_zip_members_are_skipped(tmp_path):
    data = bytearray(
        make_zip(
            tmp_path / "plain.zip", {"locked.jpg": b"ciphertext"}, compression=zipfile.ZIP_STORED
        ).read_bytes()
    )
    # zipfile cannot write encrypted members: set the "encrypted" flag bit by hand
    # in the local header (offset 6) and the central directory (offset 8).
    data[6] |= 0x1
    cd = data.rfind(b"PK\x01\x02")
    data[cd + 8] |= 0x1
    path = tmp_path / "locked.zip"
    path.write_bytes(bytes(data))
    with open_image_source(path) as source:
        assert source.find("locked.jpg") is None
        assert "it is encrypted" in source.problems[0].message


def test_a_zip_bomb_is_refused_as_a_whole(tmp_path):
    path = tmp_path / "bomb.zip"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("ok.jpg", jpeg())
        with archive.open("huge.jpg", "w") as member:
            chunk = bytes(1024 * 1024)
            for _ in range(40):  # 40 MB of zeros deflate to about 40 KB
                member.write(chunk)
    assert path.stat().st_size < 200_000
    with pytest.raises(UnsafeInput, match="looks like a ZIP bomb: huge.jpg inflates"):
        open_image_source(path)


def test_many_small_inflating_members_are_a_bomb_too(tmp_path):
    path = tmp_path / "spread.zip"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for i in range(3):  # each under the per-member threshold, together over it
            archive.writestr(f"{i}.jpg", bytes(8 * 1024 * 1024))
    with pytest.raises(UnsafeInput, match=r"bytes claim 25,165,824 bytes of content"):
        open_image_source(path)


def test_a_highly_compressible_small_member_is_fine(tmp_path):
    blank = io.BytesIO()
    Image.new("RGB", (2000, 2000), "white").save(blank, "BMP")  # 12 MB, compresses ~1000:1
    path = make_zip(tmp_path / "blank.zip", {"blank.bmp": blank.getvalue()})
    with open_image_source(path) as source:
        assert source.find("blank.bmp").read_bytes() == blank.getvalue()


def test_too_many_zip_members_are_refused(tmp_path):
    path = make_zip(tmp_path / "many.zip", {f"{i}.jpg": b"x" for i in range(11)})
    with pytest.raises(UnsafeInput, match="has 11 members, over the limit of 10"):
        open_image_source(path, max_members=10)


#: What opening a 57 MB ZIP of 600,000 empty members may add to the peak memory: its
#: count is read from the end record, so nothing grows. zipfile's member list would
#: take about 200 MB.
MAX_GROWTH_MB = 20


def _open_in_fresh_process(path: Path) -> tuple[str, int]:
    """open_image_source(path) in a new interpreter: (its error, peak memory growth in MB)."""
    setup = (
        "from pathlib import Path\n"
        "from glampub.errors import UnsafeInput\n"
        "from glampub.images.sources import open_image_source\n"
    )
    step = (
        "try:\n"
        f"    open_image_source(Path({str(path)!r}))\n"
        "except UnsafeInput as exc:\n"
        "    print(exc)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", PEAK_GROWTH, setup, step],
        capture_output=True,
        text=True,
        timeout=300,
        check=True,
    )
    message, growth = done.stdout.splitlines()
    return message, int(growth)


def test_a_zip_of_600000_empty_members_is_refused_before_it_is_listed(tmp_path):
    path = zip_of_empty_members(tmp_path / "many.zip", 600_000)
    message, growth = _open_in_fresh_process(path)
    assert message == f"images: {path} has 600,000 members, over the limit of 100,000"
    assert growth < MAX_GROWTH_MB, f"{growth} MB"


def test_a_zip_that_understates_its_member_count_is_counted_anyway(tmp_path):
    """zipfile lists what the directory holds, whatever the end record says."""
    path = zip_of_empty_members(tmp_path / "liar.zip", 600_000, declared=7)
    message, growth = _open_in_fresh_process(path)
    assert message == f"images: {path} has more than 100,000 members, over the limit of 100,000"
    assert growth < MAX_GROWTH_MB, f"{growth} MB"


def test_a_zip64_archive_under_the_limit_still_opens(tmp_path):
    path = zip_of_empty_members(tmp_path / "zip64.zip", 70_000)
    with open_image_source(path) as source:
        assert len(source) == 70_000
        assert source.find("069999.jpg") is not None


def test_oversized_zip_members_are_skipped(tmp_path):
    path = make_zip(tmp_path / "big.zip", {"big.jpg": os.urandom(5000), "small.jpg": jpeg()})
    with open_image_source(path, max_member_bytes=2000) as source:
        assert source.find("big.jpg") is None
        assert "big.jpg skipped: it is over 2,000 bytes" in source.problems[0].message
        assert source.find("small.jpg") is not None


def test_a_member_that_lies_about_its_size_is_unreadable_not_truncated(tmp_path):
    data = bytearray(make_zip(tmp_path / "ok.zip", {"a.jpg": os.urandom(1000)}).read_bytes())
    # Shrink the declared uncompressed size (central directory, offset 24) to 10 bytes.
    cd = data.rfind(b"PK\x01\x02")
    data[cd + 24 : cd + 28] = (10).to_bytes(4, "little")
    liar = tmp_path / "liar.zip"
    liar.write_bytes(bytes(data))
    with open_image_source(liar) as source:
        member = source.find("a.jpg")
        assert member.size == 10
        with pytest.raises(UnreadableInput, match="cannot be read from the ZIP"):
            member.read_bytes()


def test_the_archive_is_closed_on_exit(tmp_path):
    path = make_zip(tmp_path / "x.zip", {"a.jpg": jpeg()})
    with open_image_source(path) as source:
        member = source.find("a.jpg")
    with pytest.raises(ValueError, match="closed"):
        member.read_bytes()
