"""The CSV importer: the real exports in the shared corpus, and one fixture per quirk."""

from __future__ import annotations

import codecs
import tracemalloc
from pathlib import Path

import pytest

from glampub.errors import Problem, UnreadableInput, UsageError
from importers.base import Creator, SourceImage, SourceRecord, get_importer
from importers.csv.importer import CsvImporter, load_profile
from importers.csv.profile import bundled_profiles
from tests.csv_helpers import read, summary, write
from tests.export_checks import check_csv_reads_with_its_profile, check_csv_reads_without_a_profile

CORPUS = Path(__file__).resolve().parents[1].parent / "shared" / "corpus"
CSV_CORPUS = CORPUS / "csv"
MET = CSV_CORPUS / "met-subset-cp1252" / "MetObjects_subset_cp1252_semicolon.csv"
TATE = CSV_CORPUS / "tate" / "artwork_data_2013-10-10.csv"
TATE_ARTISTS = CSV_CORPUS / "tate" / "artist_data.csv"
NGA_HISTORY = CSV_CORPUS / "nga" / "objects_historical_data_first2000.csv"
NGA_MEDIA = CSV_CORPUS / "nga" / "media_items_first300.csv"
OWN_LIDO = Path(__file__).resolve().parent / "data" / "exports" / "lido" / "oai-pmh-chunk.xml"
PEOPLE_FILES = {
    "artist_data.csv",
    "Artists_2016-05-12_first2000.csv",
    "constituents_first2000.csv",
}
SHIPPED = {
    MET: "met",
    TATE: "tate-artworks",
    NGA_HISTORY: "nga-objects-historical",
    NGA_MEDIA: "nga-media-items",
}
PDM = "http://creativecommons.org/publicdomain/mark/1.0/"
CC0 = "http://creativecommons.org/publicdomain/zero/1.0/"


def profile_file(tmp_path: Path, toml: str) -> Path:
    return write(tmp_path, toml, "profile.toml")


# -- the real exports ---------------------------------------------------------------


@pytest.mark.needs_shared
@pytest.mark.parametrize("path", sorted(CSV_CORPUS.rglob("*.csv")), ids=lambda p: p.name)
def test_every_corpus_file_imports_without_a_profile_or_is_refused_as_people(path: Path) -> None:
    check_csv_reads_without_a_profile(path, people=path.name in PEOPLE_FILES)


@pytest.mark.needs_shared
@pytest.mark.parametrize("path", sorted(SHIPPED), ids=lambda p: p.name)
def test_every_object_export_imports_with_its_shipped_profile(path: Path) -> None:
    records = check_csv_reads_with_its_profile(path, SHIPPED[path])
    assert all(r.record_rights == [CC0] for r in records)  # each export's metadata is CC0


@pytest.mark.needs_shared
def test_met_cp1252_semicolon_export_with_its_broken_rows() -> None:
    records, problems = read(MET, "met")
    assert len(records) == 883
    codes = [(p.code, p.severity) for p in problems]
    # Every Dimensions cell the re-export split into rows of their own is joined
    # back ("Lip: Diam. 2 5/8 in." on line 331, "Base: ..." with the record's
    # remaining cells on line 332); the one row broken some other way (its Object
    # ID cell holds "Montour County") is still refused.
    assert codes.count(("rejoined-rows", "warning")) == 62
    assert codes.count(("missing-identifier", "error")) == 0
    assert [p for p in summary(problems) if p[2] == "error"] == [
        ("malformed-row", 459, "error", None)
    ]
    assert summary(problems)[0] == ("rejoined-rows", 330, "warning", "376")
    joined = next(r for r in records if r.identifier == "376")
    assert joined.line == 330
    assert joined.dimensions == {
        "en": [
            "Overall: H. 2 7/16 in. (6.2 cm); 3 oz. 19 dwt. (123.3 g)\n"
            "Lip: Diam. 2 5/8 in. (6.7 cm)\nBase: Diam. 2 15/16 in. (7.4 cm)"
        ]
    }
    assert joined.credit_line == "Bequest of Alphonso T. Clearwater, 1933"
    assert joined.record_url == "http://www.metmuseum.org/art/collection/search/376"
    assert joined.source.count("\r\n") == 4  # the header and the three physical rows
    # Line 458's record is not joined to the broken row after it.
    not_joined = next(r for r in records if r.identifier == "435")
    assert (not_joined.credit_line, not_joined.dimensions) == (None, {})
    third = next(r for r in records if r.identifier == "3")
    assert third.line == 4
    assert third.title == {"en": ["Two-and-a-Half Dollar Coin"]}
    assert third.date_display == "1909\u201327"  # the cp1252 byte 0x96 is an en dash
    assert (third.date_earliest, third.date_latest, third.inventory_number) == (
        1909,
        1927,
        "67.265.9",
    )
    assert third.record_url == "http://www.metmuseum.org/art/collection/search/3"
    header, row, end = third.source.split("\r\n")  # the header and the row, as in the file
    assert header.startswith("Object Number;Is Highlight;") and end == ""
    assert row.startswith("67.265.9;False;False;False;3;;The American Wing;1967;Coin;")


@pytest.mark.needs_shared
def test_met_rights_value_map_never_opens_more_than_the_data_says() -> None:
    by_id = {r.identifier: r for r in read(MET, "met")[0]}
    assert by_id["34"].rights == [PDM]  # Is Public Domain = True
    ars = "\u00a9 2022 Artists Rights Society (ARS), New York"
    assert by_id["243"].rights == [ars]  # False, so the Rights and Reproduction text
    assert by_id["243"].rights_work == [ars]
    assert by_id["1"].rights == []  # False and no text: nothing, left for review


@pytest.mark.needs_shared
def test_met_creators_are_aligned_and_9999_is_not_a_death_year() -> None:
    by_id = {r.identifier: r for r in read(MET, "met")[0]}
    assert by_id["35"].creators == [
        Creator("Paulding Farnham", "Designer", "Designed by", 1859, 1927, "1859\u20131927"),
        Creator(
            "Tiffany & Co.", "Manufacturer", "Manufactured by", 1837, None, "1837\u2013present"
        ),
    ]
    without_profile = {r.identifier: r for r in read(MET)[0]}
    assert without_profile["35"].creators[1].death_year is None


@pytest.mark.needs_shared
def test_tate_multiline_credit_line_and_truncated_last_record() -> None:
    records, problems = read(TATE, "tate-artworks")
    assert len(records) == 2134
    assert summary(problems) == [("truncated-file", 2634, "error", None)]
    last = records[-1]
    assert (last.identifier, last.line) == ("AR00396", 2631)
    assert last.credit_line == (
        "ARTIST ROOMS\nAcquired jointly with the National Galleries of Scotland through The "
        "d'Offay Donation with assistance from the National Heritage Memorial Fund and the "
        "Art Fund 2008"
    )
    assert last.dimensions == {"en": ["support: 821 x 600 mm\nframe: 889 x 668 x 38 mm"]}
    assert last.images == [SourceImage("http://www.tate.org.uk/art/images/work/AR/AR00396_8.jpg")]
    assert last.creators == [Creator("Warhol, Andy")]
    assert ({"en": ["Tate artist id"]}, {"none": ["2121"]}) in last.metadata
    assert not any(label == {"en": ["width"]} for label, _ in last.metadata)  # ignored


@pytest.mark.needs_shared
def test_tate_without_profile_guesses_and_says_so_on_line_one() -> None:
    records, problems = read(TATE)
    guessed = problems[0]
    assert (guessed.code, guessed.line, guessed.severity, guessed.record) == (
        "guessed-columns",
        1,
        "warning",
        None,
    )
    assert "identifier <- 'accession_number' (guessed)" in guessed.message
    assert "credit_line <- 'creditLine' (guessed)" in guessed.message
    assert records[0].identifier == "A00001" and records[0].title["none"][0].startswith("A Fig")


@pytest.mark.needs_shared
def test_a_profile_can_map_a_people_file_and_the_bom_does_not_leak(tmp_path: Path) -> None:
    profile = profile_file(tmp_path, '[fields]\nidentifier = "id"\ntitle = "name"\n')
    records, problems = read(TATE_ARTISTS, profile)
    assert problems == []
    assert len(records) == 3532
    assert (records[0].identifier, records[0].title) == (
        "10093",
        {"none": ["Abakanowicz, Magdalena"]},
    )
    assert records[0].source.startswith("id,name,gender,")  # no U+FEFF before "id"


@pytest.mark.needs_shared
def test_nga_history_rows_are_grouped_per_object() -> None:
    records, problems = read(NGA_HISTORY, "nga-objects-historical")
    assert problems == []
    assert len(records) == 1590
    one = next(r for r in records if r.identifier == "1")
    assert one.line == 3
    assert one.record_url == "https://www.nga.gov/collection/art-object-page.1.html"
    assert one.metadata == [
        (
            {"en": ["Previous attribution"]},
            {
                "none": [
                    "Follower of Giotto; Bd. Tr. approval 2/1/1941; 1941-02-01",
                    "School of Giotto; Attribution at time of acquisition; 1937",
                ]
            },
        )
    ]
    assert one.source.count("\n") == 3  # the header and both rows
    without_profile = read(NGA_HISTORY)[1]
    # Guessed, with no title column (said on line 1), then one row per object fails.
    assert summary(without_profile)[1] == ("missing-column", 1, "warning", None)
    assert summary(without_profile)[2] == ("duplicate-identifier", 4, "error", "1")


@pytest.mark.needs_shared
def test_nga_media_items_with_html_descriptions() -> None:
    records, _ = read(NGA_MEDIA, "nga-media-items")
    first = records[0]
    assert (first.identifier, first.line) == ("111", 2)
    assert first.object_type == {"en": ["audio recording"]}
    assert first.description["en"][0].startswith("<p>Virtual introduction")
    assert first.date_earliest is not None
    assert first.images[0].reference.endswith(
        "/infoboxes/wilmerding-2021-an-evening-celebration.jpg"
    )
    assert records[1].line == 6  # the first description spans four lines


def test_sniff_accepts_csv_and_refuses_xml(tmp_path: Path) -> None:
    assert not CsvImporter().sniff(OWN_LIDO)
    assert not CsvImporter().sniff(write(tmp_path, b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "a.csv"))
    assert CsvImporter().sniff(write(tmp_path, "identifier\tTitle\n1\tVase\n", "a.tsv"))
    assert get_importer("csv").name == "csv"
    assert CsvImporter.load_profile("met").name == "met"


# -- the default column set, one quirk at a time --------------------------------------

DEFAULT_HEADER = (
    "identifier,title,title@de,description,creator,creator_birth,creator_death,creator_role,"
    "date,date_earliest,date_latest,object_type,materials,dimensions,inventory_number,"
    "credit_line,rights,rights_holder,rights_work,images,image_rights,record_url,Notes\n"
)


def test_the_default_column_set_maps_every_column(tmp_path: Path) -> None:
    row = (
        'KM-1,Estuary,Flussmündung,"Low tide, west.",Ashdown|Wren,1821|1802,1894|,painter|,'
        "ca. 1862,1860,-5,painting,oil paint| canvas ,61 x 91 cm,KM 1901/3,Gift 1901,"
        f"{PDM},,Public domain,a.jpg|https://x.test/b.jpg,{PDM}|,https://m.test/KM-1,=1+1\n"
    )
    records, problems = read(write(tmp_path, DEFAULT_HEADER + row))
    assert problems == [Problem("KM-1", 2, "bad-date", problems[0].message, "warning")]
    assert problems[0].message == "date_earliest 1860 is after date_latest -5; both kept as given"
    assert records == [
        SourceRecord(
            identifier="KM-1",
            line=2,
            title={"none": ["Estuary"], "de": ["Flussmündung"]},
            description={"none": ["Low tide, west."]},
            creators=[
                Creator("Ashdown", "painter", None, 1821, 1894),
                Creator("Wren", None, None, 1802, None),
            ],
            date_display="ca. 1862",
            date_earliest=1860,
            date_latest=-5,
            object_type={"none": ["painting"]},
            materials={"none": ["oil paint", "canvas"]},
            dimensions={"none": ["61 x 91 cm"]},
            inventory_number="KM 1901/3",
            credit_line="Gift 1901",
            rights=[PDM],
            rights_work=["Public domain"],
            images=[SourceImage("a.jpg", rights=[PDM]), SourceImage("https://x.test/b.jpg")],
            metadata=[({"none": ["Notes"]}, {"none": ["=1+1"]})],  # a formula stays plain text
            record_url="https://m.test/KM-1",
            source=DEFAULT_HEADER + row,
            source_format="csv",
            source_media_type="text/csv",
        )
    ]


def test_header_names_match_ignoring_case_and_whitespace(tmp_path: Path) -> None:
    path = write(tmp_path, " Identifier , TITLE ,Title@EN\r\nx-1,Vase,Vase (en)\r\n")
    records, problems = read(path)
    assert problems == []
    assert records[0].title == {"none": ["Vase"], "EN": ["Vase (en)"]}


@pytest.mark.parametrize("delimiter", [",", ";", "\t"], ids=["comma", "semicolon", "tab"])
def test_delimiters_are_sniffed_from_the_header(tmp_path: Path, delimiter: str) -> None:
    text = delimiter.join(["identifier", "title", "materials"]) + "\n"
    text += delimiter.join(["1", '"Jug, large; 2"', "clay|glaze"]) + "\n"
    records, _ = read(write(tmp_path, text))
    assert (records[0].title, records[0].materials) == (
        {"none": ["Jug, large; 2"]},
        {"none": ["clay", "glaze"]},
    )


def test_profile_overrides_delimiter_and_encoding(tmp_path: Path) -> None:
    path = write(tmp_path, "identifier|title\n1|Caf\xe9 \x96 Bar\n".encode("latin-1"))
    profile = profile_file(
        tmp_path,
        '[profile]\ndelimiter = "pipe"\nencoding = "latin-1"\n'
        '[fields]\nidentifier = "identifier"\ntitle = "title"\n',
    )
    records, problems = read(path, profile)
    assert problems == []
    assert records[0].title == {"none": ["Caf\xe9 \x96 Bar"]}  # Latin-1 as asked: U+0096


def test_utf8_bom_and_cp1252_detection(tmp_path: Path) -> None:
    with_bom = write(tmp_path, codecs.BOM_UTF8 + "identifier,title\n1,Ölbild\n".encode(), "b.csv")
    assert read(with_bom) == (
        [
            SourceRecord(
                "1",
                2,
                title={"none": ["Ölbild"]},
                source="identifier,title\n1,Ölbild\n",
                source_format="csv",
                source_media_type="text/csv",
            )
        ],
        [],
    )
    windows = write(
        tmp_path, "identifier,title\n1,Plain\n2,1785\u201390 caf\xe9\n".encode("cp1252")
    )
    records, problems = read(windows)
    assert records[1].title == {"none": ["1785\u201390 caf\xe9"]}
    assert summary(problems) == [("encoding-guessed", 3, "warning", None)]


def test_a_stray_byte_in_a_utf8_file_costs_one_warning(tmp_path: Path) -> None:
    body = "identifier,title\n1,Ölbild\n".encode() + b"2,Caf\xe9\n" + "3,Größe\n".encode()
    records, problems = read(write(tmp_path, body))
    assert [r.title["none"][0] for r in records] == ["Ölbild", "Café", "Größe"]
    assert summary(problems) == [("encoding-fallback", 3, "warning", "2")]
    assert records[1].source == "identifier,title\n2,Café\n"


def test_a_file_that_turns_out_not_to_be_utf8_after_64_kb(tmp_path: Path) -> None:
    rows = "".join(f"{i},plain title {i}\n" for i in range(5000))  # ASCII, more than 64 KB
    body = ("identifier,title\n" + rows).encode() + b"x1,na\xefve\nx2,\x93quoted\x94\n"
    records, problems = read(write(tmp_path, body))
    assert [r.title["none"][0] for r in records[-2:]] == ["na\xefve", "\u201cquoted\u201d"]
    assert summary(problems) == [("encoding-guessed", 5002, "warning", "x1")]


def test_utf16_tab_separated_excel_export(tmp_path: Path) -> None:
    text = "identifier\ttitle\r\n1\tÖlbild\r\n"
    records, problems = read(write(tmp_path, codecs.BOM_UTF16_LE + text.encode("utf-16-le")))
    assert problems == [] and records[0].title == {"none": ["Ölbild"]}


def test_quoted_newlines_crlf_and_lone_cr_keep_physical_line_numbers(tmp_path: Path) -> None:
    text = 'identifier,description\r\n1,"two\r\nlines\r\nthree"\r\n\r\n2,next\r\n'
    records, _ = read(write(tmp_path, text))
    assert [(r.identifier, r.line) for r in records] == [("1", 2), ("2", 6)]
    assert records[0].description == {"none": ["two\nlines\nthree"]}
    old_mac = read(write(tmp_path, "identifier,title\r1,A\r2,B\r", "mac.csv"))[0]
    assert [(r.identifier, r.line, r.title["none"]) for r in old_mac] == [
        ("1", 2, ["A"]),
        ("2", 3, ["B"]),
    ]


def test_blank_and_duplicated_header_names_are_renamed(tmp_path: Path) -> None:
    records, problems = read(write(tmp_path, "identifier,notes,,Notes\n1,a,b,c\n"))
    assert summary(problems) == [
        ("blank-header", 1, "warning", None),
        ("duplicate-header", 1, "warning", None),
        ("missing-column", 1, "warning", None),  # no title or description column
    ]
    assert problems[1].message == "duplicated column names: column 4 'Notes' is read as 'Notes_2'"
    assert records[0].metadata == [
        ({"none": ["notes"]}, {"none": ["a"]}),
        ({"none": ["column_3"]}, {"none": ["b"]}),
        ({"none": ["Notes_2"]}, {"none": ["c"]}),
    ]


def test_a_file_cut_off_inside_a_quoted_value(tmp_path: Path) -> None:
    text = 'identifier,title\n1,A\n2,"B ""b"""\n\n3,"unfinished\nmore'
    records, problems = read(write(tmp_path, text))
    assert [r.identifier for r in records] == ["1", "2"]
    assert records[1].title == {"none": ['B "b"']}
    assert summary(problems) == [("truncated-file", 5, "error", None)]


def test_rows_broken_by_unquoted_line_breaks_are_problems_not_objects(tmp_path: Path) -> None:
    text = "identifier;title;dimensions;remark\n1;Beaker;Lip: 3 in.\nBase: 2 in.;Gift\n2;Cup;;\n"
    records, problems = read(write(tmp_path, text))
    assert [(r.identifier, r.line) for r in records] == [("1", 2), ("Base: 2 in.", 3), ("2", 4)]
    # Both rows are short of cells: said, but only a pattern tells the fragment apart.
    assert summary(problems) == [
        ("short-row", 2, "warning", "1"),
        ("short-row", 3, "warning", "Base: 2 in."),
    ]
    profile = profile_file(
        tmp_path, "[fields]\nidentifier = { column = 'identifier', pattern = '\\d+' }\n"
    )
    records, problems = read(write(tmp_path, text), profile)
    assert [r.identifier for r in records] == ["1", "2"]
    assert summary(problems) == [
        ("short-row", 2, "warning", "1"),
        ("malformed-row", 3, "error", None),
    ]


def test_guessed_whole_number_identifiers_reject_a_fragment_row(tmp_path: Path) -> None:
    rows = "".join(f"{i};Object {i}\n" for i in range(1, 26)) + "Montour County;x\n26;Last\n"
    records, problems = read(write(tmp_path, "Object ID;Title\n" + rows))
    assert len(records) == 26
    assert summary(problems)[1:] == [("malformed-row", 27, "error", "Montour County")]


def test_missing_and_duplicate_identifiers(tmp_path: Path) -> None:
    text = "identifier,title\n1,A\n,B\n,,\n1,C\n 1 ,D\n"
    records, problems = read(write(tmp_path, text))
    assert [(r.identifier, r.title["none"][0]) for r in records] == [("1", "A")]
    assert summary(problems) == [
        ("missing-identifier", 3, "error", None),
        ("duplicate-identifier", 5, "error", "1"),
        ("duplicate-identifier", 6, "error", "1"),
    ]  # line 4 is a row of empty cells: skipped silently
    assert problems[1].message == (
        "identifier '1' was already used by the record on line 2; this row was skipped"
    )


@pytest.mark.parametrize(
    ("text", "year", "warned"),
    [
        ("1785", 1785, False),
        ("-500", -500, False),
        ("1785.0", 1785, False),
        ("1984-05-02 00:00:00-04", 1984, False),
        ("c. 1785", None, True),
        ("9999", None, True),
        ("", None, False),
    ],
)
def test_year_values(tmp_path: Path, text: str, year: int | None, warned: bool) -> None:
    records, problems = read(write(tmp_path, f"identifier,date_earliest\n1,{text}\n"))
    assert records[0].date_earliest == year
    expected = [("bad-date", 2, "warning", "1")] if warned else []
    assert summary(problems) == expected


def test_misaligned_values_are_left_out_rather_than_paired_wrongly(tmp_path: Path) -> None:
    text = "identifier,creator,creator_birth,images,image_rights\n1,A|B,1800,a.jpg|b.jpg,CC0\n"
    records, problems = read(write(tmp_path, text))
    assert records[0].creators == [Creator("A"), Creator("B")]
    assert records[0].images == [SourceImage("a.jpg"), SourceImage("b.jpg")]
    assert [(p.code, p.message.split(";")[0]) for p in problems] == [
        ("misaligned-values", "creator_birth has 1 value(s) but creator has 2"),
        ("misaligned-values", "image_rights has 1 value(s) but images has 2"),
    ]


def test_nul_bytes_extra_cells_and_formula_cells(tmp_path: Path) -> None:
    text = b"identifier,title,remark\n1,Va\x00se,@SUM(A1),extra\n2,-2+3,+cmd|' /C calc'!A0\n"
    records, problems = read(write(tmp_path, text))
    assert records[0].title == {"none": ["Vase"]}
    assert "\x00" not in records[0].source
    assert summary(problems) == [
        ("nul-bytes", 2, "warning", "1"),
        ("extra-cells", 2, "warning", "1"),
    ]
    assert records[0].metadata == [({"none": ["remark"]}, {"none": ["@SUM(A1)"]})]
    assert records[1].title == {"none": ["-2+3"]}
    assert records[1].metadata == [({"none": ["remark"]}, {"none": ["+cmd|' /C calc'!A0"]})]


def test_a_stray_quote_that_swallows_too_much_is_reported(tmp_path: Path) -> None:
    # The quote opened on line 2 runs past the csv module's 128 KB field limit; the
    # reader then resumes on a later line, and the closing quote on line 4003 opens a
    # new value that runs to the end of the file. Both are reported, nothing crashes.
    filler = "".join(f"{i},filler text for the swallowed field\n" for i in range(4000))
    text = 'identifier,title\n1,"stray\n' + filler + '",x\n9001,After\n'
    records, problems = read(write(tmp_path, text))
    assert summary(problems) == [
        ("malformed-csv", 2, "error", None),
        ("truncated-file", 4003, "error", None),
    ]
    assert "field larger than field limit" in problems[0].message
    assert records[-1].identifier == "3999" and records[-1].line == 4002


def test_refusals_say_what_is_wrong(tmp_path: Path) -> None:
    cases = {
        "people.csv": (
            "ID,Name,Gender,Nationality,Birth Year\n1,Ann,f,Dutch,1900\n",
            "seems to list people/artists, not objects: no title column",
        ),
        "noid.csv": ("Name,Colour\nVase,blue\n", "no identifier column"),
        "lido.csv": ('<?xml version="1.0"?>\n<lido:lidoWrap/>\n', "looks like XML"),
        "empty.csv": ("", "the file is empty"),
        "header.csv": ('identifier,"title\n', "the header has an unclosed quote"),
    }
    for name, (content, message) in cases.items():
        with pytest.raises(UnreadableInput, match=message):
            read(write(tmp_path, content, name))
    with pytest.raises(UnreadableInput, match="binary"):
        read(write(tmp_path, bytes(range(256)) * 40, "binary.csv"))
    with pytest.raises(UnreadableInput, match="cannot open"):
        read(tmp_path / "missing.csv")


def test_guessing_names_what_it_guessed_once(tmp_path: Path) -> None:
    text = "Object Number,Title,Artist Display Name,Object Date,Medium,Credit Line,Link Resource\n"
    text += "1979.486.1,Coin,J. B. Longacre,1853,Gold,Gift,http://m.test/1\n"
    records, problems = read(write(tmp_path, text))
    assert summary(problems) == [("guessed-columns", 1, "warning", None)]
    assert problems[0].message.startswith(
        "columns guessed from the header: identifier <- 'Object Number' (guessed); "
        "title <- 'Title'; creator <- 'Artist Display Name' (guessed); "
        "date <- 'Object Date' (guessed); materials <- 'Medium' (guessed); "
        "inventory_number <- 'Object Number' (guessed); credit_line <- 'Credit Line' (guessed); "
        "record_url <- 'Link Resource' (guessed)."
    )
    record = records[0]
    assert (record.identifier, record.inventory_number, record.record_url) == (
        "1979.486.1",
        "1979.486.1",
        "http://m.test/1",
    )
    assert record.creators == [Creator("J. B. Longacre")] and record.metadata == []


# -- profiles ---------------------------------------------------------------------------


def test_bundled_profiles_load_by_name_and_by_path() -> None:
    assert bundled_profiles() == [
        "default",
        "met",
        "nga-media-items",
        "nga-objects-historical",
        "tate-artworks",
    ]
    for name in bundled_profiles():
        profile = load_profile(name)
        assert profile.name == name and profile.settings["fields"]["identifier"]
    shipped = Path(__file__).resolve().parents[1] / "importers" / "profiles" / "met.toml"
    assert load_profile(shipped).settings == load_profile("met").settings
    assert load_profile(str(shipped)).path == shipped


@pytest.mark.parametrize(
    ("toml", "message"),
    [
        ("[fields]\nidentifer = 'id'\n", r"\[fields\] identifer: unknown field"),
        (
            "[fields]\ntitle = { column = 'T', value = 'x' }\n",
            r"\[fields\] title: give exactly one of column, columns, value or template",
        ),
        (
            "[fields]\nrights = [{ column = 'R', map = { yes = 1 } }]\n",
            r"\[fields\] rights\[0\]\.map\.yes: must be text",
        ),
        ("[profile]\nlanguage = 'english'\n", r"\[profile\] language: 'english' is not a language"),
        ("[profile]\nencoding = 'klingon'\n", r"\[profile\] encoding: unknown encoding"),
        ("[profile]\ndelimiter = ';;'\n", r"\[profile\] delimiter: must be one character"),
        ("[profile]\ncolour = 'red'\n", r"\[profile\] colour: unknown key"),
        (
            "[fields]\nidentifier = { column = 'id', pattern = '(' }\n",
            r"\[fields\] identifier\.pattern: '\(' is not a valid regular expression: missing \)",
        ),
        ("[fields]\nrecord_url = { template = 'https://x.test/' }\n", "refers to no column"),
        ("[[metadata]]\ncolumn = 'x'\n", r"\[\[metadata\]\] #1: needs a label"),
        ("[fields\n", "not valid TOML"),
    ],
)
def test_a_bad_profile_names_the_file_and_the_key(tmp_path: Path, toml: str, message: str) -> None:
    path = profile_file(tmp_path, toml)
    with pytest.raises(UsageError, match=message) as raised:
        load_profile(path)
    assert str(raised.value).startswith(str(path))


def test_unknown_profile_names_are_a_usage_error() -> None:
    with pytest.raises(
        UsageError, match="no profile named 'louvre'; bundled profiles: default, met"
    ):
        load_profile("louvre")


def test_value_maps_constants_templates_and_conditions(tmp_path: Path) -> None:
    profile = profile_file(
        tmp_path,
        """
[profile]
language = "en"
[fields]
identifier = "Inv"
title = [{ column = "Titel", language = "de" }, "Title"]
record_rights = { value = "http://creativecommons.org/publicdomain/zero/1.0/" }
record_url = { template = "https://m.test/obj/{Inv}" }
object_type = { column = "Art", map = { "G" = "painting" }, otherwise = "drop" }
materials = { column = "Material", separator = ";" }
[[fields.rights]]
column = "Frei"
map = { "ja" = "http://creativecommons.org/publicdomain/mark/1.0/", "nein" = "" }
[[fields.rights]]
column = "Vermerk"
[[metadata]]
label = { en = "Maker", de = "Hersteller" }
columns = ["Name", "Ort"]
join = ", "
when = { Rolle = "Hersteller" }
""",
    )
    text = (
        "Inv,Titel,Title,Frei,Vermerk,Art,Material,Name,Ort,Rolle\n"
        "A1,Bild,Picture,JA,,G,Öl; Leinwand,Ann,Wien,Hersteller\n"
        "A2,,Vase,nein,© Ann,X,,Bob,,Maler\n"
        "A3,,,vielleicht,,,,,,\n"
    )
    records, problems = read(write(tmp_path, text), profile)
    assert problems == []
    a1, a2, a3 = records
    assert a1.title == {"de": ["Bild"], "en": ["Picture"]}
    assert a1.rights == [PDM] and a2.rights == ["© Ann"]
    assert a3.rights == ["vielleicht"]  # unlisted values are kept for the rights step to review
    assert [r.record_rights for r in records] == [[CC0]] * 3
    assert [r.record_url for r in records] == [f"https://m.test/obj/A{i}" for i in (1, 2, 3)]
    assert (a1.object_type, a2.object_type) == ({"en": ["painting"]}, {})
    assert a1.materials == {"en": ["Öl", "Leinwand"]}
    assert a1.metadata[0] == ({"en": ["Maker"], "de": ["Hersteller"]}, {"none": ["Ann, Wien"]})
    # Rolle is "Maler": the condition does not hold, and the columns belong to that entry.
    assert a2.metadata == []


def test_missing_columns_warn_or_refuse_as_the_profile_says(tmp_path: Path) -> None:
    export = write(tmp_path, "id,name\n1,Vase\n")
    warn = profile_file(tmp_path, "[fields]\nidentifier = 'id'\ntitle = 'Titel'\n")
    records, problems = read(export, warn)
    assert summary(problems) == [("missing-column", 1, "warning", None)]
    assert problems[0].message == (
        "the profile 'profile' names columns this file does not have: title: 'Titel'"
    )
    assert records[0].metadata == [({"none": ["name"]}, {"none": ["Vase"]})]
    strict = profile_file(
        tmp_path,
        "[profile]\nmissing_columns = 'error'\n[fields]\nidentifier = 'id'\ntitle = 'Titel'\n",
    )
    with pytest.raises(UnreadableInput, match="names columns this file does not have"):
        read(export, strict)
    no_id = profile_file(tmp_path, "[fields]\nidentifier = 'Inventory'\n")
    with pytest.raises(UnreadableInput, match="no identifier column \\(looked for 'Inventory'\\)"):
        read(export, no_id)


def test_grouped_rows_become_one_record(tmp_path: Path) -> None:
    profile = profile_file(
        tmp_path,
        """
[profile]
group_rows = true
unmapped = "ignore"
[fields]
identifier = "object"
title = "title"
creator = "maker"
images = "file"
[[metadata]]
label = "Exhibited"
column = "show"
""",
    )
    text = (
        "object,title,maker,file,show\n"
        "7,Jug,Ann,7a.jpg,Paris 1900\n"
        "7,,Bob,7b.jpg,Rome 1911\n"
        "8,Cup,,,\n"
        "7,Jug again,,,\n"
    )
    records, problems = read(write(tmp_path, text), profile)
    assert summary(problems) == [("duplicate-identifier", 5, "error", "7")]
    jug, cup = records
    assert (jug.line, jug.title, cup.line) == (2, {"none": ["Jug"]}, 4)
    assert jug.creators == [Creator("Ann"), Creator("Bob")]
    assert [i.reference for i in jug.images] == ["7a.jpg", "7b.jpg"]
    assert jug.metadata == [({"none": ["Exhibited"]}, {"none": ["Paris 1900", "Rome 1911"]})]
    assert (
        jug.source
        == "object,title,maker,file,show\n7,Jug,Ann,7a.jpg,Paris 1900\n7,,Bob,7b.jpg,Rome 1911\n"
    )


def test_an_empty_profile_means_the_default_one(tmp_path: Path) -> None:
    from importers.base import Profile

    export = write(tmp_path, "identifier,title\n1,Vase\n")
    items = list(CsvImporter().read(export, Profile()))
    assert [type(i).__name__ for i in items] == ["SourceRecord"]


def test_reading_streams_with_flat_memory(tmp_path: Path) -> None:
    description = "a long description " * 40
    export = tmp_path / "big.csv"
    with export.open("w", encoding="utf-8", newline="") as fh:
        fh.write("identifier,title,description\n")
        for i in range(12_000):
            fh.write(f"{i},Object {i},{description}\n")
    assert export.stat().st_size > 9_000_000
    tracemalloc.start()
    count = sum(1 for item in CsvImporter().read(export) if isinstance(item, SourceRecord))
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert count == 12_000
    assert peak < 3_000_000  # the file is 9 MB; only the identifiers seen are kept


def test_empty_cells_can_be_mapped_and_patterns_drop_bad_values(tmp_path: Path) -> None:
    cne = "http://rightsstatements.org/vocab/CNE/1.0/"
    profile = profile_file(
        tmp_path,
        "[fields]\nidentifier = 'id'\n"
        f"rights = {{ column = 'licence', map = {{ '' = '{cne}' }} }}\n"
        "record_url = { column = 'url', pattern = 'https?://.+' }\n",
    )
    export = write(tmp_path, "id,licence,url\n1,,https://m.test/1\n2,CC0,javascript:alert(1)\n")
    records, problems = read(export, profile)
    assert [r.rights for r in records] == [[cne], ["CC0"]]
    assert [r.record_url for r in records] == ["https://m.test/1", None]
    assert summary(problems) == [("bad-value", 3, "warning", "2")]
    assert problems[0].message == (
        "record_url: 'javascript:alert(1)' does not match the profile's pattern; left out"
    )
