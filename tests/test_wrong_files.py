"""Files given by mistake: each is named for what it is, with what to give instead.

The command line may name options; the staff pages never do (they speak of
the form). Both come from one catalogue (importers/file_kinds.py).
"""

from __future__ import annotations

import gzip
import html
import io
import json
import re
from pathlib import Path

import pytest
from sqlalchemy import func, select

from glampub.cli import main
from glampub.models import Upload
from tests.file_builders import compound_file, export_zip, image, images_zip, ods, xlsx, zip_of
from tests.installed_command import run_installed, shell_env
from tests.staff_helpers import (
    STAFF,
    csrf_token,
    form_action,
    make_staff,
    post_multipart,
    signed_in,
    wait_for_upload,
)

EXCEL_ADVICE = (
    'open it in Excel, choose File > Save As > "CSV UTF-8 (Comma delimited) (*.csv)", then '
)
CALC_ADVICE = (
    'open it in LibreOffice Calc, choose File > Save As > "Text CSV (.csv)" with the '
    'character set "Unicode (UTF-8)", then '
)
EXPORT_IT_CLI = (
    "export the records from your collection management system as CSV or LIDO XML, "
    "and import that file"
)
EXPORT_IT_WEB = (
    "export the records from your collection management system as CSV or LIDO XML, "
    "and upload that file"
)


#: (file name, content, what the command line says after "Error: PATH: ").
CLI_CASES = [
    ("objects.csv", b"", "the file is empty: export the collection again and import the new file"),
    (
        "objects.csv",
        b"\n  \r\n\n",
        "the file holds nothing but spaces and blank lines: export the collection again and "
        "import the new file",
    ),
    (
        "objects.csv",
        xlsx(),
        f"this is an Excel workbook (.xlsx), not a CSV file: {EXCEL_ADVICE}import that .csv file",
    ),
    (
        "objects.csv",
        compound_file("Workbook"),
        "this is an Excel 97-2003 workbook (.xls), not a CSV file: "
        f"{EXCEL_ADVICE}import that .csv file",
    ),
    (
        "objects.txt",
        ods(),
        "this is an OpenDocument spreadsheet (.ods), not a CSV file: "
        f"{CALC_ADVICE}import that .csv file",
    ),
    (
        "catalogue.xml",
        b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Type /Catalog >>\nendobj\n",
        f"this is a PDF document, not a collection export: {EXPORT_IT_CLI}",
    ),
    (
        "objects.doc.csv",
        compound_file("WordDocument"),
        f"this is a word-processor document, not a collection export: {EXPORT_IT_CLI}",
    ),
    (
        "objects.csv",
        image("PNG"),
        "this is a PNG image, not a collection export: import the export (CSV or LIDO XML) "
        "and give the images with --images FOLDER-or-ZIP",
    ),
    (
        "objects.csv",
        images_zip(),
        "this is a ZIP archive of 7 files (7 .jpg): images/1.jpg, images/2.jpg, images/3.jpg, "
        "images/4.jpg, images/5.jpg, …, and no CSV or LIDO XML export among them: import the "
        "export file itself and give this ZIP with --images if it holds the images",
    ),
    (
        "objects.zip",
        export_zip(),
        "this is a ZIP archive of 2 files (1 .csv, 1 .jpg): objects.csv, images/1.jpg: unpack it "
        "and import the folder it unpacks to: glampub takes objects.csv as the export and the "
        "rest as its images",
    ),
    (
        "objects.csv",
        b"<!DOCTYPE html>\n<html><head><title>Download</title></head><body></body></html>\n",
        "this is a web page (HTML), not a collection export: it is often the page a download "
        "link led to: download the export file itself (CSV or LIDO XML) and import that",
    ),
    (
        "objects.csv",
        b'[{"identifier": "1", "title": "Jug"}]\n',
        f"this is a JSON file; glampub reads CSV and LIDO XML exports: {EXPORT_IT_CLI}",
    ),
    (
        "objects.csv.gz",
        gzip.compress(b"identifier,title\n1,Jug\n"),
        "this is a gzip-compressed file: unpack it (gunzip) and import the file inside",
    ),
]


def _ids(cases: list[tuple[str, bytes, str]]) -> list[str]:
    return [f"{name}:{message.split(':')[0][:40]}" for name, _, message in cases]


@pytest.mark.parametrize(("name", "content", "message"), CLI_CASES, ids=_ids(CLI_CASES))
def test_the_command_line_says_what_the_file_is(runner, tmp_path, name, content, message) -> None:
    runner.invoke(main, ["institution", "add", "t", "--name", "T"])
    export = tmp_path / name
    export.write_bytes(content)
    for fmt in ("auto", "csv"):  # a named format does not make a workbook an export
        result = runner.invoke(main, ["import", str(export), "--institution", "t", "--format", fmt])
        assert (result.exit_code, result.stdout) == (2, "")
        assert result.stderr == f"Error: {export}: {message}\n"


def test_the_installed_command_names_an_excel_workbook(tmp_path: Path) -> None:
    export = tmp_path / "objects.csv"
    export.write_bytes(xlsx())
    result = run_installed(
        shell_env(tmp_path / "data"), "import", str(export), "--institution", "t"
    )
    assert (result.returncode, result.stdout) == (2, "")
    assert result.stderr == (
        f"Error: {export}: this is an Excel workbook (.xlsx), not a CSV file: "
        f"{EXCEL_ADVICE}import that .csv file\n"
    )


def test_a_real_export_is_not_taken_for_anything_else(runner, tmp_path) -> None:
    """Exports whose first bytes are unusual: a UTF-8 or a UTF-16 byte-order mark."""
    runner.invoke(main, ["institution", "add", "t", "--name", "T"])
    cases = {
        "bom.csv": "\ufeffidentifier,title,rights\n1,Jug,CC0\n".encode(),
        "utf16.csv": "identifier\ttitle\trights\n1\tJug\tCC0\n".encode("utf-16"),
    }
    for name, content in cases.items():
        export = tmp_path / name
        export.write_bytes(content)
        result = runner.invoke(main, ["import", str(export), "--institution", "t"])
        assert result.exit_code == 0, (name, result.stderr)


# The staff pages: the same facts, in the form's terms.

WEB_CASES = [
    (
        "objects.csv",
        xlsx(),
        "objects.csv: this is an Excel workbook (.xlsx), not a CSV file: "
        f"{EXCEL_ADVICE}upload that .csv file",
    ),
    (
        "objects.csv",
        b"",
        "objects.csv: the file is empty: export the collection again and upload the new file",
    ),
    (
        "objects.csv",
        image("JPEG"),
        "objects.csv: this is a JPEG image, not a collection export: choose the export (CSV or "
        "LIDO XML) as the export file, and the images, in one ZIP, as the images",
    ),
    (
        "objects.csv",
        images_zip(),
        "objects.csv: this is a ZIP archive of 7 files (7 .jpg): images/1.jpg, images/2.jpg, "
        "images/3.jpg, images/4.jpg, images/5.jpg, …, and no CSV or LIDO XML export among "
        "them: choose the export file (CSV or LIDO XML) as the export file, and this ZIP as "
        "the images if it holds them",
    ),
    (
        "objects.csv",
        export_zip(),
        "objects.csv: this is a ZIP archive of 2 files (1 .csv, 1 .jpg): objects.csv, "
        "images/1.jpg: upload it under a name that ends in .zip: glampub then takes the export "
        "and the images from it",
    ),
    (
        "export.zip",
        zip_of({"objects.csv": xlsx(), "images/1.jpg": image("JPEG")}),
        "export.zip > objects.csv: this is an Excel workbook (.xlsx), not a CSV file: "
        f"{EXCEL_ADVICE}upload that .csv file",
    ),
    (
        "other.xml",
        b'<?xml version="1.0"?><lidoWrap xmlns="http://example.org/x"/>',
        "other.xml: cannot tell the format of this file (it is XML, but its root element is "
        "{http://example.org/x}lidoWrap, not lido:lidoWrap or lido:lido in the namespace "
        "http://www.lido-schema.org): choose its format, CSV or LIDO XML, when you upload it",
    ),
]


def _upload(client, name: str, content: bytes, fmt: str = "auto"):  # type: ignore[no-untyped-def]
    page = client.get("/staff/kestrel-museum/upload").get_data(as_text=True)
    data = {"csrf_token": csrf_token(page), "format": fmt, "profile": ""}
    data["export"] = (io.BytesIO(content), name)
    return post_multipart(client, form_action(page), data)


def _errors(page: str) -> list[str]:
    return [html.unescape(m) for m in re.findall(r'<p class="error"[^>]*>(.*?)</p>', page, re.S)]


@pytest.fixture
def staff_client(app):  # type: ignore[no-untyped-def]
    make_staff(app, "kestrel-museum", STAFF)
    return signed_in(app, STAFF)


@pytest.mark.parametrize(("name", "content", "message"), WEB_CASES, ids=_ids(WEB_CASES))
def test_the_upload_form_says_what_the_file_is_without_command_line_advice(
    app, staff_client, name, content, message
) -> None:
    response = _upload(staff_client, name, content)
    assert response.status_code == 400
    errors = _errors(response.get_data(as_text=True))
    assert errors == [message]
    assert not re.search(r"--\w|glampub (import|institution)", errors[0])
    with app.app_context():
        session = app.extensions["glampub.db"].session()
        assert session.scalar(select(func.count(Upload.id))) == 0


def test_a_preview_that_fails_gives_the_reason_in_the_pages_terms(app, staff_client) -> None:
    """LIDO uploaded as CSV passes the form (the format was chosen) and fails in the job."""
    lido = b'<?xml version="1.0"?>\n<lido:lidoWrap xmlns:lido="http://www.lido-schema.org"/>\n'
    response = _upload(staff_client, "objects.xml", lido, fmt="csv")
    assert response.status_code == 302
    upload_id = int(response.headers["Location"].rsplit("/", 1)[1])
    upload = wait_for_upload(app, upload_id)
    assert upload.status == "failed"
    expected = (
        "objects.xml: not a CSV file: it looks like XML or HTML, not delimited text (for LIDO "
        "choose LIDO XML as the format)"
    )
    assert upload.message == expected
    page = staff_client.get(f"/staff/kestrel-museum/uploads/{upload_id}").get_data(as_text=True)
    assert expected in html.unescape(page)


def test_the_command_line_gives_the_same_case_with_its_option(runner, tmp_path) -> None:
    runner.invoke(main, ["institution", "add", "t", "--name", "T"])
    export = tmp_path / "objects.xml"
    export.write_text('<?xml version="1.0"?>\n<lido:lidoWrap xmlns:lido="x"/>\n', "utf-8")
    result = runner.invoke(main, ["import", str(export), "--institution", "t", "--format", "csv"])
    assert result.exit_code == 2
    assert result.stderr == (
        f"Error: {export}: not a CSV file: it looks like XML or HTML, not delimited text "
        "(for LIDO use --format lido)\n"
    )


def test_json_answers_with_one_object_also_when_the_file_is_refused(runner, tmp_path) -> None:
    runner.invoke(main, ["institution", "add", "t", "--name", "T"])
    export = tmp_path / "objects.csv"
    export.write_bytes(xlsx())
    result = runner.invoke(main, ["import", str(export), "--institution", "t", "--json"])
    assert result.exit_code == 2
    message = f"{export}: this is an Excel workbook (.xlsx), not a CSV file: {EXCEL_ADVICE}"
    message += "import that .csv file"
    assert json.loads(result.stdout) == {
        "file": str(export),
        "institution": "t",
        "created": 0,
        "updated": 0,
        "unchanged": 0,
        "withdrawn": 0,
        "rejected": 0,
        "rights": {},
        "problems": [],
        "error": {"code": "spreadsheet", "message": message},
    }
    assert result.stderr == f"Error: {message}\n"
    unknown = runner.invoke(main, ["import", str(export), "--institution", "T", "--json"])
    # The file is looked at first: a workbook is refused whatever the institution.
    assert json.loads(unknown.stdout)["error"]["code"] == "spreadsheet"
    export.write_text("identifier,title\n1,Jug\n", "utf-8")
    unknown = runner.invoke(main, ["import", str(export), "--institution", "T", "--json"])
    assert unknown.exit_code == 2
    assert json.loads(unknown.stdout)["error"] == {
        "code": "not-found",
        "message": "no institution 'T'; did you mean t?",
    }


def test_the_api_refuses_a_workbook_in_the_same_words_as_the_staff_pages(app) -> None:
    token = make_staff(app, "kestrel-museum", STAFF)
    response = post_multipart(
        app.test_client(),
        "/api/v1/institutions/kestrel-museum/uploads",
        {"export": (io.BytesIO(xlsx()), "objects.csv")},
        headers={"Authorization": f"Bearer {token}"},
    )
    assert response.status_code == 400
    assert response.get_json()["message"] == (
        "objects.csv: this is an Excel workbook (.xlsx), not a CSV file: "
        f"{EXCEL_ADVICE}upload that .csv file"
    )
