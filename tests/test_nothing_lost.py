"""Nothing lost in silence: headers with punctuation, short CSV rows, a file
with no title column, and a damaged image in a ZIP, all through the CLI."""

from __future__ import annotations

import json
import zipfile
from io import BytesIO
from pathlib import Path

from PIL import Image as PILImage

from glampub.cli import main

DATA = Path(__file__).parent / "data"
COLON_HEADERS = DATA / "csv-shapes" / "colon-headers-short-rows.csv"


def _import(runner, path: Path, *extra: str) -> tuple[int, dict]:
    added = runner.invoke(main, ["institution", "add", "t", "--name", "T"])
    assert added.exit_code == 0, added.output
    result = runner.invoke(main, ["import", str(path), "--institution", "t", "--json", *extra])
    assert result.exit_code != 1, result.output
    return result.exit_code, json.loads(result.stdout)


def _problems(report: dict, code: str) -> list[dict]:
    return [p for p in report["problems"] if p["code"] == code]


def test_headers_with_trailing_colons_and_punctuation_are_recognised(runner) -> None:
    code, report = _import(runner, COLON_HEADERS)
    [guessed] = _problems(report, "guessed-columns")
    message = guessed["message"]
    assert "title <- 'Title:' (guessed)" in message
    assert "description <- 'Description:' (guessed)" in message
    assert "credit_line <- 'Credit-Line' (guessed)" in message
    # Each field looked for and not found is named.
    assert "No column was found for: creator, " in message
    assert "record_url" in message.split("No column was found for:")[1]
    assert _problems(report, "missing-column") == []  # titles were found


def test_a_short_row_is_read_with_a_warning_and_a_fragment_is_rejected(runner) -> None:
    code, report = _import(runner, COLON_HEADERS)
    assert (code, report["created"], report["rejected"]) == (3, 3, 1)
    [short] = _problems(report, "short-row")
    assert (short["record"], short["line"], short["severity"]) == ("RAG-002", 3, "warning")
    assert short["message"].startswith("the row has 2 cells but the header 4")
    [fragment] = _problems(report, "malformed-row")
    assert (fragment["line"], fragment["severity"]) == (4, "error")
    assert fragment["message"].startswith("the row has 1 cell but the header 4: under half")


def test_a_file_with_no_title_or_description_column_says_so(runner, tmp_path) -> None:
    export = tmp_path / "objects.csv"
    export.write_text("ID,Objektbezeichnung:,Maker\nA1,Krug,Hans\nA2,Teller,Grete\n", "utf-8")
    code, report = _import(runner, export)
    assert (code, report["created"]) == (0, 2)
    [untitled] = _problems(report, "missing-column")
    assert untitled["line"] == 1
    assert "neither a title nor a description column was found" in untitled["message"]
    assert "'Objektbezeichnung:'" in untitled["message"]
    assert "title, description" in _problems(report, "guessed-columns")[0]["message"]


def _jpeg(colour: str) -> bytes:
    out = BytesIO()
    PILImage.new("RGB", (40, 30), colour).save(out, "JPEG")
    return out.getvalue()


def test_a_zip_entry_that_fails_its_crc_is_one_image_problem(runner, tmp_path) -> None:
    images = tmp_path / "images.zip"
    with zipfile.ZipFile(images, "w", zipfile.ZIP_STORED) as archive:
        archive.writestr("a.jpg", _jpeg("red"))
        archive.writestr("b.jpg", _jpeg("blue"))
    data = bytearray(images.read_bytes())
    # Flip one byte inside b.jpg's stored data: its CRC check fails when read.
    with zipfile.ZipFile(images) as archive:
        info = archive.getinfo("b.jpg")
    data[info.header_offset + 30 + len(info.filename) + 200] ^= 0xFF
    images.write_bytes(bytes(data))
    export = tmp_path / "objects.csv"
    export.write_text(
        "identifier,title,rights,images\n1,Red,CC0,a.jpg\n2,Blue,CC0,b.jpg\n", "utf-8"
    )

    code, report = _import(runner, export, "--images", str(images))
    assert (code, report["created"], report["rejected"]) == (0, 2, 0)
    [damaged] = _problems(report, "damaged-zip-entry")
    assert (damaged["record"], damaged["severity"]) == ("2", "warning")
    assert "b.jpg" in damaged["message"] and "CRC" in damaged["message"]
