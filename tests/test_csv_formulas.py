"""Formula-like cells are stored as text and never handed back out runnable."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest
from sqlalchemy import select

from glampub.importing.run import ImportOptions, run_import
from glampub.institutions.registry import add_institution
from glampub.models import CollectionObject
from glampub.publishing.csv_formulas import is_formula_like, neutralise_formulas
from importers.csv.media_type import csv_media_type, delimiter_of
from tests.conftest import database

EXPORT = (
    "identifier;title;remark;count\r\n"
    '1;"=HYPERLINK(""http://evil.example"";""click"")";@SUM(A1);-12\r\n'
    "2;Jug;\"+cmd|' /C calc'!A0\";+3.5\r\n"
)


@pytest.mark.parametrize(
    ("cell", "formula"),
    [
        ("=1+1", True),
        ("+cmd|' /C calc'!A0", True),
        ("-2+3", True),
        ("@SUM(A1)", True),
        ("\t=1", True),
        ("-12", False),
        ("+3.5", False),
        ("Jug", False),
        ("a=b", False),
    ],
)
def test_formula_like_cells(cell: str, formula: bool) -> None:
    assert is_formula_like(cell) is formula


def test_each_formula_cell_gets_a_leading_quote_and_nothing_else_changes() -> None:
    safe = neutralise_formulas(EXPORT)
    rows = list(csv.reader(io.StringIO(safe, newline=""), delimiter=";"))
    assert rows == [
        ["identifier", "title", "remark", "count"],
        ["1", '\'=HYPERLINK("http://evil.example";"click")', "'@SUM(A1)", "-12"],
        ["2", "Jug", "'+cmd|' /C calc'!A0", "+3.5"],
    ]
    assert safe.endswith("\r\n") and "\r\n" in safe


def test_text_without_formulas_is_returned_byte_for_byte() -> None:
    text = 'identifier,title\n7,"A jug, ""blue""" \n'
    assert neutralise_formulas(text) is text


def test_the_source_record_is_stored_as_exported_and_served_neutralised(app, tmp_path) -> None:
    data_dir = Path(app.config["DATA_DIR"])
    with database(app).transaction() as session:
        add_institution(session, "m", "Museum", data_dir)
    export = tmp_path / "export.csv"
    export.write_bytes(EXPORT.encode("utf-8"))
    report = run_import(database(app), data_dir, ImportOptions(institution="m", path=export))
    assert report.created == 2
    with database(app).transaction() as session:
        stored = session.scalar(
            select(CollectionObject.source_record).where(CollectionObject.identifier == "1")
        )
        title = session.scalar(
            select(CollectionObject.title).where(CollectionObject.identifier == "1")
        )
    assert stored == EXPORT.split("\r\n2;")[0] + "\r\n"  # the header and the row, as exported
    assert title == {"none": ['=HYPERLINK("http://evil.example";"click")']}  # plain text
    response = app.test_client().get("/objects/m/1/source")
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    body = response.get_data(as_text=True)
    assert "'=HYPERLINK" in body and "'@SUM(A1)" in body
    assert ";=" not in body and ";@" not in body


def test_a_profiles_delimiter_splits_the_cells_that_are_neutralised(app, tmp_path) -> None:
    """Split by the sniffed comma, this row is one cell starting "1"; the import split
    it on the profile's pipe, and so must the neutraliser, or the formula slips through."""
    data_dir = Path(app.config["DATA_DIR"])
    with database(app).transaction() as session:
        add_institution(session, "m", "Museum", data_dir)
    export = tmp_path / "export.txt"
    export.write_text(
        'identifier|title\n1|=HYPERLINK("http://evil.example","click")\n', encoding="utf-8"
    )
    profile = tmp_path / "pipe.toml"
    profile.write_text(
        "[profile]\ndelimiter = 'pipe'\n[fields]\nidentifier = 'identifier'\ntitle = 'title'\n",
        encoding="utf-8",
    )
    options = ImportOptions(institution="m", path=export, format="csv", profile=str(profile))
    assert run_import(database(app), data_dir, options).created == 1
    response = app.test_client().get("/objects/m/1/source")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/csv; delimiter=pipe; charset=utf-8"
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True)), delimiter="|"))
    assert rows == [["identifier", "title"], ["1", '\'=HYPERLINK("http://evil.example","click")']]
    # The record's JSON names the delimiter too, for whoever reads the row.
    record = app.test_client().get("/iiif/3/m/1/record").get_json()
    assert record["source_record"]["media_type"] == "text/csv; delimiter=pipe"


@pytest.mark.parametrize(
    ("delimiter", "header", "media_type"),
    [
        (",", "identifier,title", "text/csv"),
        (";", "identifier;title", "text/csv"),
        ("|", "identifier|title", "text/csv; delimiter=pipe"),
        (";", "id;title,notes,more", "text/csv; delimiter=semicolon"),
        ("§", "identifier§title", "text/csv; delimiter=U+00A7"),
    ],
)
def test_the_media_type_names_a_delimiter_that_sniffing_would_miss(
    delimiter: str, header: str, media_type: str
) -> None:
    assert csv_media_type(delimiter, header) == media_type
    assert delimiter_of(media_type) == (None if media_type == "text/csv" else delimiter)
