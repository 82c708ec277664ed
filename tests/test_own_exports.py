"""Our own small exports (tests/data/exports/) through the importers, the
reader process and `glampub import`.

The real exports in ../shared/corpus/ are tested where that folder is present
(tests/test_csv_importer.py, tests/test_lido_importer.py,
tests/test_corpus_end_to_end.py). Each behaviour those tests check has a file
of ours here, checked the same way (tests/export_checks.py), so a fresh clone
tests it too: Windows-1252 with semicolons,
rows a re-export split or broke, quoted values over several lines, a file cut
off inside a quote, a byte-order mark, a people list refused, rows grouped per
object, HTML descriptions; LIDO 1.0 and 1.1, three languages in one record,
images ordered by sortorder, a large image chosen over its preview, records in
an OAI-PMH answer, three-letter language codes, records without rights. Every
file was written for these tests; none is copied from the corpus.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from glampub import create_app
from glampub.importing import reader as import_reader
from importers.base import Creator, SourceImage
from importers.csv.importer import CsvImporter
from importers.lido.importer import LidoImporter
from tests.conftest import BASE_URL, assert_valid_iiif, database
from tests.csv_helpers import summary
from tests.export_checks import (
    check_comments_change_only_the_source,
    check_csv_reads_with_its_profile,
    check_csv_reads_without_a_profile,
    check_lido_reads,
    check_the_reader_process_yields_what_the_importer_yields,
    import_csv_export,
    import_into_a_new_site,
    import_lido_export,
    make_images,
    read_export,
    referenced_names,
)

EXPORTS = Path(__file__).resolve().parent / "data" / "exports"
CSV_FILES = sorted((EXPORTS / "csv").glob("*.csv"))
LIDO_FILES = sorted((EXPORTS / "lido").glob("*.xml"))
MET = EXPORTS / "csv" / "met-style-cp1252-semicolon.csv"
TATE = EXPORTS / "csv" / "tate-style-truncated.csv"
PEOPLE = EXPORTS / "csv" / "people-with-bom.csv"
HISTORY = EXPORTS / "csv" / "history-rows-per-object.csv"
MEDIA = EXPORTS / "csv" / "media-items-html.csv"
LIDO_11 = EXPORTS / "lido" / "lido-1.1-three-languages.xml"
LIDO_10 = EXPORTS / "lido" / "lido-1.0-sortorder.xml"
OAI = EXPORTS / "lido" / "oai-pmh-chunk.xml"
NO_RIGHTS = EXPORTS / "lido" / "no-rights-three-letter-languages.xml"
PROFILES = {
    MET.name: "met",
    TATE.name: "tate-artworks",
    HISTORY.name: "nga-objects-historical",
    MEDIA.name: "nga-media-items",
}
CC0 = "http://creativecommons.org/publicdomain/zero/1.0/"
PDM = "http://creativecommons.org/publicdomain/mark/1.0/"
BY4 = "http://creativecommons.org/licenses/by/4.0/"
BY_SA4 = "http://creativecommons.org/licenses/by-sa/4.0/"
INC = "http://rightsstatements.org/vocab/InC/1.0/"
NOC_OKLR = "http://rightsstatements.org/vocab/NoC-OKLR/1.0/"


def test_the_exports_are_all_here() -> None:
    assert [p.name for p in CSV_FILES] == sorted(
        [MET.name, TATE.name, PEOPLE.name, HISTORY.name, MEDIA.name]
    )
    assert [p.name for p in LIDO_FILES] == sorted(
        [LIDO_11.name, LIDO_10.name, OAI.name, NO_RIGHTS.name]
    )


# -- CSV ----------------------------------------------------------------------------------


@pytest.mark.parametrize("path", CSV_FILES, ids=lambda p: p.name)
def test_every_csv_export_imports_without_a_profile_or_is_refused_as_people(path: Path) -> None:
    check_csv_reads_without_a_profile(path, people=path == PEOPLE)


@pytest.mark.parametrize("name", sorted(PROFILES))
def test_every_object_export_imports_with_its_shipped_profile(name: str) -> None:
    records = check_csv_reads_with_its_profile(EXPORTS / "csv" / name, PROFILES[name])
    assert all(r.record_rights == [CC0] for r in records)


def test_met_style_cp1252_semicolons_with_split_and_broken_rows() -> None:
    records, problems = read_export(MET, "met")
    assert [r.identifier for r in records] == ["11", "12", "13", "14", "15", "16", "17"]
    # Lines 7-8 hold the rest of line 6's Dimensions cell (and its later cells);
    # line 10 is a fragment whose "Object ID" is a county, refused by the pattern.
    assert summary(problems) == [
        ("rejoined-rows", 6, "warning", "15"),
        ("malformed-row", 10, "error", None),
    ]
    joined = next(r for r in records if r.identifier == "15")
    assert joined.line == 6
    assert joined.dimensions == {
        "en": [
            "Overall: H. 3 in. (7.6 cm)\nLip: Diam. 2 in. (5.1 cm)\nBase: Diam. 2 1/4 in. (5.7 cm)"
        ]
    }
    assert joined.credit_line == "Bequest of an Example Collector, 1933"
    assert joined.record_url == "https://collection.example/objects/15"
    assert joined.source.count("\r\n") == 4  # the header and the three physical rows
    # The record before the fragment is not joined to it.
    not_joined = next(r for r in records if r.identifier == "16")
    assert (not_joined.credit_line, not_joined.dimensions, not_joined.line) == (None, {}, 9)
    cafe = records[-1]
    assert (cafe.identifier, cafe.line) == ("17", 11)
    assert cafe.title == {"en": ["Café Table"]}
    assert cafe.date_display == "1909\u201327"  # the cp1252 byte 0x96 is an en dash
    assert (cafe.date_earliest, cafe.date_latest, cafe.inventory_number) == (1909, 1927, "1909.2")
    assert cafe.creators[0].name == "Édouard Lemaître"
    header, row, end = cafe.source.split("\r\n")  # the header and the row, as in the file
    assert header.startswith("Object Number;Is Highlight;") and end == ""
    assert row.startswith("1909.2;False;True;17;European Sculpture;Table;Café Table;")


def test_met_style_rights_never_open_more_than_the_data_says() -> None:
    by_id = {r.identifier: r for r in read_export(MET, "met")[0]}
    assert by_id["11"].rights == [PDM]  # Is Public Domain = True
    estate = "\u00a9 2021 Estate of Jane Example"
    assert by_id["12"].rights == [estate]  # False, so the Rights and Reproduction text
    assert by_id["12"].rights_work == [estate]
    assert by_id["13"].rights == []  # False and no text: nothing, left for review


def test_met_style_creators_are_aligned_and_9999_is_not_a_death_year() -> None:
    by_id = {r.identifier: r for r in read_export(MET, "met")[0]}
    assert by_id["14"].creators == [
        Creator("Ada Fenwick", "Designer", "Designed by", 1859, 1927, "1859\u20131927"),
        Creator(
            "Lindenau Glass Co.", "Manufacturer", "Manufactured by", 1837, None, "1837\u2013present"
        ),
    ]
    assert by_id["12"].creators[0].death_year is None
    records, problems = read_export(MET)
    without_profile = {r.identifier: r for r in records}
    assert without_profile["14"].creators[1].death_year is None
    assert ("encoding-guessed", 2, "warning", None) in summary(problems)  # detected, and said


def test_tate_style_multiline_values_and_truncated_last_record() -> None:
    records, problems = read_export(TATE, "tate-artworks")
    assert [(r.identifier, r.line) for r in records] == [
        ("T00001", 2),
        ("T00002", 3),
        ("AR00001", 5),
    ]
    assert summary(problems) == [("truncated-file", 7, "error", None)]
    assert records[1].dimensions == {"en": ["support: 500 x 600 mm\nframe: 620 x 720 x 60 mm"]}
    last = records[-1]
    assert last.credit_line == ("ARTIST ROOMS\nAcquired jointly with the Example Galleries 2008")
    assert last.images == [SourceImage("https://media.example/art/AR00001_8.jpg")]
    assert last.creators == [Creator("Example, Bea")]
    assert ({"en": ["Tate artist id"]}, {"none": ["103"]}) in last.metadata
    assert not any(label == {"en": ["width"]} for label, _ in last.metadata)  # ignored


def test_tate_style_without_profile_guesses_and_says_so_on_line_one() -> None:
    records, problems = read_export(TATE)
    guessed = problems[0]
    assert (guessed.code, guessed.line, guessed.severity, guessed.record) == (
        "guessed-columns",
        1,
        "warning",
        None,
    )
    assert "identifier <- 'accession_number' (guessed)" in guessed.message
    assert "credit_line <- 'creditLine' (guessed)" in guessed.message
    assert records[0].identifier == "T00001"
    assert records[0].title == {"none": ["Study of a Heron"]}


def test_a_profile_can_map_a_people_file_and_the_bom_does_not_leak(tmp_path: Path) -> None:
    profile = tmp_path / "people.toml"
    profile.write_text('[fields]\nidentifier = "id"\ntitle = "name"\n', encoding="utf-8")
    records, problems = read_export(PEOPLE, str(profile))
    assert problems == []
    assert [(r.identifier, r.title) for r in records] == [
        ("101", {"none": ["Example, Ada"]}),
        ("102", {"none": ["Marlow, Tobias"]}),
        ("103", {"none": ["Example, Bea"]}),
    ]
    assert records[0].source.startswith("id,name,gender,")  # no U+FEFF before "id"


def test_history_rows_are_grouped_per_object() -> None:
    records, problems = read_export(HISTORY, "nga-objects-historical")
    assert problems == []
    assert [(r.identifier, r.line) for r in records] == [("7", 2), ("8", 4)]
    eight = records[1]
    assert eight.record_url == "https://www.nga.gov/collection/art-object-page.8.html"
    assert eight.metadata == [
        (
            {"en": ["Previous attribution"]},
            {
                "none": [
                    "Follower of Example; Board approval 2/1/1941; 1941-02-01",
                    "School of Example; Attribution at time of acquisition; 1937",
                ]
            },
        )
    ]
    assert eight.source.count("\n") == 3  # the header and both rows
    assert [label for label, _ in records[0].metadata] == [
        {"en": ["Previous attribution"]},
        {"en": ["Previous title"]},
    ]
    without_profile = read_export(HISTORY)[1]
    # Guessed, with no title column (said on line 1), then one row per object fails.
    assert summary(without_profile)[1] == ("missing-column", 1, "warning", None)
    assert summary(without_profile)[2] == ("duplicate-identifier", 3, "error", "7")


def test_media_items_with_multiline_html_descriptions() -> None:
    records, _ = read_export(MEDIA, "nga-media-items")
    first, second = records
    assert (first.identifier, first.line, second.line) == ("201", 2, 6)  # four lines apart
    assert first.object_type == {"en": ["audio recording"]}
    assert second.object_type == {"en": ["video recording"]}
    assert first.description["en"][0].startswith("<p>Introduction by the curator.<br>\nPanel")
    assert first.date_earliest == 2021
    assert first.images[0].reference.endswith("/images/evening-lecture.jpg")


# -- LIDO ---------------------------------------------------------------------------------


@pytest.mark.parametrize("path", LIDO_FILES, ids=lambda p: p.name)
def test_sniffing_tells_lido_from_csv(path: Path) -> None:
    assert LidoImporter().sniff(path)
    assert not CsvImporter().sniff(path)


@pytest.mark.parametrize("path", LIDO_FILES, ids=lambda p: p.name)
def test_every_lido_export_reads(path: Path) -> None:
    check_lido_reads(path)


@pytest.mark.parametrize("path", LIDO_FILES, ids=lambda p: p.name)
def test_comments_and_processing_instructions_change_only_the_source(
    tmp_path: Path, path: Path
) -> None:
    check_comments_change_only_the_source(tmp_path, path)


def test_lido_1_1_in_three_languages_with_a_preview_and_a_provided_image() -> None:
    [record], _ = read_export(LIDO_11)
    assert record.identifier == "GTM/lido-obj-0042"
    assert record.extra["lido_version"] == "1.1"
    assert record.title == {
        "it": ["La Vendemmia"],
        "en": ["The Grape Harvest"],
        "de": ["Die Weinlese"],
    }
    [painter] = record.creators
    assert (painter.name, painter.role, painter.birth_year, painter.death_year) == (
        "Vannetti, Lucia",
        "Malerin",
        1588,
        1651,
    )
    assert (record.date_display, record.date_earliest, record.date_latest) == (
        "um 1620 oder 1625/1628",
        1620,
        1628,
    )
    assert record.record_rights[0] == CC0
    assert NOC_OKLR in record.rights_work
    assert record.rights_holder == "Glampub Test Museum"
    assert record.inventory_number == "Inv. 1907 n. 311"
    assert record.object_type == {"en": ["painting (visual work)"], "de": ["Gemälde"]}
    assert record.dimensions == {"de": ["118 x 164 cm"]}
    assert record.record_url == "https://collection.example/objects/obj-0042"
    # In document order; the 1200 px provided image chosen over the 350 px
    # preview listed before it, which is kept as the thumbnail.
    assert [image.reference for image in record.images] == [
        "https://images.example/d/vendemmia_01",
        "https://images.example/d/vendemmia_02",
        "https://images.example/d/vendemmia_03",
    ]
    first = record.images[0]
    assert record.extra["thumbnails"] == {first.reference: "https://images.example/m/vendemmia_01"}
    assert first.mime_type == "image/jpeg"
    assert first.rights == ["https://www.deutsche-digitale-bibliothek.de/content/lizenzen/rv-fz/"]
    assert first.credit_line == "Photo: Glampub Test Museum, image archive"


def test_lido_1_0_resources_follow_sortorder() -> None:
    [record], _ = read_export(LIDO_10)
    assert record.extra["lido_version"] == "1.0"
    assert [image.reference.rsplit("/", 1)[1] for image in record.images] == [
        "vorderseite",
        "detail",
        "rueckseite",
    ]
    assert all(image.rights == [CC0, "CC0 1.0"] for image in record.images)
    assert [c.name for c in record.creators] == ["Brandt, Henrike"]
    assert (record.date_earliest, record.date_latest) == (1701, 1709)
    assert record.dimensions == {"de": ["Höhe: 62 cm; Breite: 48,5 cm"]}
    assert record.extra["record_metadata_date"] == "2024-03-02T10:15:00+01:00"


def test_records_in_an_oai_pmh_answer() -> None:
    records, problems = read_export(OAI)
    assert len(records) == 5 and not problems
    assert [r.identifier for r in records] == [f"record_TEST_coins_{n:03d}" for n in range(1, 6)]
    lines = [record.extra["source_line"] for record in records]
    assert lines == sorted(lines) and len(set(lines)) == 5
    assert records[0].title == {"de": ["Notgeld, 50 Pfennig, 7.1921"]}
    assert all(BY4 in record.record_rights for record in records)


def test_records_without_rights_and_with_three_letter_languages() -> None:
    first, second = read_export(NO_RIGHTS)[0]
    for record in (first, second):
        assert record.rights_work == [] and record.record_rights == [] and record.rights == []
        assert all(not image.rights for image in record.images)
    assert first.object_type == {"en": ["cipher machine"]}  # written xml:lang="eng"
    assert first.title == {"de": ["Chiffriergerät, Versuchsmuster"]}  # "deu"
    assert second.title == {"nl": ["Rekenmachine"]}  # "nld"
    assert first.inventory_number == "1993-17"


# -- the reader process -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("importer", "path", "profile"),
    [("lido", OAI, None), ("csv", MET, "met"), ("csv", TATE, None)],
    ids=lambda value: getattr(value, "name", value),
)
def test_the_reader_process_yields_what_the_importer_yields(
    monkeypatch: pytest.MonkeyPatch, importer: str, path: Path, profile: str | None
) -> None:
    monkeypatch.setattr(import_reader, "MESSAGE_ITEMS", 2)  # several messages per file
    assert check_the_reader_process_yields_what_the_importer_yields(importer, path, profile) >= 3


# -- through `glampub import`, to validated manifests --------------------------------------

# What the rights step decides for each file's records (the report's "rights").
LIDO_RIGHTS = {
    # The work is NoC-OKLR, its first image's photo rights an old DDB licence (In
    # Copyright): the most restrictive wins for that image's object.
    LIDO_11.name: {INC: 1},
    LIDO_10.name: {CC0: 1},
    OAI.name: {BY_SA4: 5},
    NO_RIGHTS.name: {"needs-review": 2},
}


@pytest.mark.parametrize("path", LIDO_FILES, ids=lambda p: p.name)
def test_every_lido_export_imports_and_its_manifests_validate(
    path: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, iiif_validator
) -> None:
    imported = import_lido_export(path, tmp_path, monkeypatch, iiif_validator)
    assert imported.report["rights"] == LIDO_RIGHTS[path.name]
    assert imported.manifests == len(read_export(path)[0])


CSV_REPORTS = {
    # 7 records; line 10's fragment rejected. Public domain where the Met says so,
    # an estate's copyright notice In Copyright, nothing said: for review.
    MET.name: (3, 7, {PDM: 5, INC: 1, "needs-review": 1}),
    TATE.name: (3, 3, {"needs-review": 3}),
    HISTORY.name: (0, 2, {"needs-review": 2}),
    MEDIA.name: (0, 2, {"needs-review": 2}),
}


@pytest.mark.parametrize("path", CSV_FILES, ids=lambda p: p.name)
def test_every_csv_export_imports_or_is_refused_as_a_people_list(
    path: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, iiif_validator
) -> None:
    people = path == PEOPLE
    profile = None if people else PROFILES[path.name]
    imported = import_csv_export(
        path, tmp_path, monkeypatch, iiif_validator, profile=profile, people=people
    )
    if imported is None:  # the people list, refused
        return
    report = imported.report
    assert (imported.exit_code, report["created"], report["rights"]) == CSV_REPORTS[path.name]
    assert imported.manifests == len(imported.names)


def test_three_languages_and_three_images_reach_the_manifest(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, iiif_validator
) -> None:
    make_images(tmp_path / "images", referenced_names(LIDO_11, "lido", None))
    exit_code, _, _ = import_into_a_new_site(
        tmp_path, monkeypatch, LIDO_11, ["--images", str(tmp_path / "images")]
    )
    assert exit_code == 0
    app = create_app({"DATA_DIR": str(tmp_path / "data"), "TESTING": True, "BASE_URL": BASE_URL})
    try:
        response = app.test_client().get("/iiif/3/corpus/GTM%2Flido-obj-0042/manifest")
        assert response.status_code == 200
        manifest = response.get_json()
        assert_valid_iiif(iiif_validator, manifest)
        assert manifest["label"] == {
            "it": ["La Vendemmia"],
            "en": ["The Grape Harvest"],
            "de": ["Die Weinlese"],
        }
        assert manifest["rights"] == INC
        assert [canvas["width"] for canvas in manifest["items"]] == [64, 65, 66]
    finally:
        database(app).dispose()
