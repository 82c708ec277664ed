"""Display dates become earliest and latest years: every documented form, any text,
and an export with only display dates, through the CLI and HTTP."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import example, given, settings
from hypothesis import strategies as st
from PIL import Image

from glampub import create_app
from glampub.cli import main
from glampub.errors import Problem
from importers.base import SourceRecord
from importers.dates import MAX_LENGTH, display_years, looks_like_date, read_date
from importers.lido.importer import LidoImporter
from tests.conftest import BASE_URL, REPO, database

DATA = Path(__file__).parent / "data" / "dates_people"

# One row per accepted form (docs/date-forms.md lists the same forms).
FORMS = [
    ("1650", (1650, 1650)),
    ("ca. 1879-1880", (1879, 1880)),
    ("c. 1650", (1650, 1650)),
    ("circa 1650", (1650, 1650)),
    ("1640/45", (1640, 1645)),
    ("1879-80", (1879, 1880)),
    ("1699/01", (1699, 1701)),
    ("1750s", (1750, 1759)),
    ("1700s", (1700, 1799)),
    ("19th century", (1800, 1899)),
    ("nineteenth century", (1800, 1899)),
    ("early 20th century", (1900, 1929)),
    ("mid-19th century", (1830, 1869)),
    ("late 1850s", (1857, 1859)),
    ("first half of the 18th century", (1700, 1749)),
    ("second quarter of the 19th century", (1825, 1849)),
    ("17th-18th century", (1600, 1799)),
    ("before 1600", (None, 1600)),
    ("after 1900", (1900, None)),
    ("between 1650 and 1660", (1650, 1660)),
    ("n.d.", (None, None)),
    ("undated", (None, None)),
    ("300 BC", (-300, -300)),
    ("300-200 BC", (-300, -200)),
    ("5th century BC", (-500, -401)),
    ("100 BC - AD 50", (-100, 50)),
    ("1st century AD", (1, 99)),
    ("1850-03-12", (1850, 1850)),
    ("1984-05-02 00:00:00-04", (1984, 1984)),
    ("1785.0", (1785, 1785)),
    ("12.3.1850", (1850, 1850)),
    ("1.7.1921-31.12.1921", (1921, 1921)),
    ("August 2005", (2005, 2005)),
    ("12 March 1850", (1850, 1850)),
    ("[1650]", (1650, 1650)),
    ("1650 (?)", (1650, 1650)),
    # German
    ("um 1900", (1900, 1900)),
    ("18. Jh.", (1700, 1799)),
    ("18. Jahrhundert", (1700, 1799)),
    ("1. Hälfte 19. Jh.", (1800, 1849)),
    ("Mitte des 18. Jahrhunderts", (1730, 1769)),
    ("17.-18. Jh.", (1600, 1799)),
    ("vor 1600", (None, 1600)),
    ("nach 1900", (1900, None)),
    ("1750er Jahre", (1750, 1759)),
    ("300 v. Chr.", (-300, -300)),
    ("o. J.", (None, None)),
    ("Ende 19. Jahrhundert/Anfang 20. Jahrhundert", (1870, 1929)),
    ("um 1480 oder 1482/1485", (1480, 1485)),
    # French
    ("vers 1650", (1650, 1650)),
    ("XVIIIe siècle", (1700, 1799)),
    ("début du XXe siècle", (1900, 1929)),
    ("fin du XVIIIe siècle", (1770, 1799)),
    ("XVIIe-XVIIIe siècle", (1600, 1799)),
    ("avant 1600", (None, 1600)),
    ("s.d.", (None, None)),
    # Dutch
    ("ca. 1650", (1650, 1650)),
    ("eind 17de eeuw", (1670, 1699)),
    ("tweede helft 17de eeuw", (1650, 1699)),
    ("z.j.", (None, None)),
    # Swedish and Danish
    ("omkring 1650", (1650, 1650)),
    ("1700-talet", (1700, 1799)),
    ("1750-talet", (1750, 1759)),
    ("slutet av 1700-talet", (1770, 1799)),
    ("första hälften av 1800-talet", (1800, 1849)),
    ("1700-tallet", (1700, 1799)),
    # Italian and Spanish
    ("sec. XVII", (1600, 1699)),
    ("siglo XVIII", (1700, 1799)),
]


@pytest.mark.parametrize(("text", "years"), FORMS, ids=[text for text, _ in FORMS])
def test_each_documented_form_reads_as_its_years(text: str, years: tuple) -> None:
    assert read_date(text) == years


def test_the_documentation_shows_every_form_in_the_test_table() -> None:
    documented = (REPO / "docs" / "date-forms.md").read_text("utf-8")
    for text, _ in FORMS:
        assert f"`{text}`" in documented, text


@pytest.mark.parametrize(
    "text", ["signed 1880", "Nr. 12", "18??", "0", "9999", "1880-1879", "XXXVe siècle"]
)
def test_text_that_looks_like_a_date_but_is_not_read_gets_a_warning(text: str) -> None:
    earliest, latest, warning = display_years(text)
    assert (earliest, latest) == (None, None)
    assert warning is not None and repr(text) in warning


@pytest.mark.parametrize("text", ["unknown maker", "Spring", "see notes", ""])
def test_text_that_is_no_date_gets_no_years_and_no_warning(text: str) -> None:
    assert display_years(text) == (None, None, None)


def test_long_text_is_never_read_as_a_date() -> None:
    assert read_date("ca. 1650 " + "x" * MAX_LENGTH) is None


@settings(max_examples=400, deadline=None)
@given(st.text(max_size=60))
@example("1-" * 40)
@example("ca. ca. ca. ca. 1650")
@example("1650/1/2/3/4/5/6/7/8/9")
def test_any_text_gives_years_in_order_or_none_and_never_raises(text: str) -> None:
    found = read_date(text)
    if found is not None:
        earliest, latest = found
        if earliest is not None and latest is not None:
            assert earliest <= latest
    assert isinstance(looks_like_date(text), bool)


@settings(max_examples=300, deadline=None)
@given(
    st.sampled_from(["", "ca. ", "c. ", "um ", "vers ", "omkring "]),
    st.integers(min_value=1, max_value=2020),
    st.integers(min_value=0, max_value=80),
)
def test_a_year_range_reads_as_itself_with_any_approximation(
    prefix: str, start: int, length: int
) -> None:
    end = min(start + length, 2020)
    assert read_date(f"{prefix}{start}-{end}") == (start, end)
    assert read_date(f"{prefix}{start}") == (start, start)


# -- an export with only display dates, end to end ------------------------------------


def test_a_csv_with_only_display_dates_fills_facet_navdate_and_record_json(
    tmp_path: Path, runner: CliRunner
) -> None:
    images = tmp_path / "images"
    images.mkdir()
    for n in range(1, 9):
        Image.new("RGB", (40, 30), "teal").save(images / f"dd-{n}.jpg")
    export = DATA / "display-dates-only.csv"
    assert (
        runner.invoke(main, ["institution", "add", "dd", "--name", "Dates Museum"]).exit_code == 0
    )
    result = runner.invoke(
        main,
        ["import", str(export), "--institution", "dd", "--images", str(images), "--json"],
    )
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert report["created"] == 8
    date_problems = [p for p in report["problems"] if "date" in p["message"]]
    # Only the text that looks like a date and cannot be read is reported.
    assert [p["record"] for p in date_problems] == ["DD-7"]
    assert "'signed on the back 18?? (see file)'" in date_problems[0]["message"]

    app = create_app(
        {"DATA_DIR": str(tmp_path / "cli-data"), "TESTING": True, "BASE_URL": BASE_URL}
    )
    try:
        client = app.test_client()
        expected = {
            "DD-1": (1879, 1880),
            "DD-2": (1700, 1749),
            "DD-3": (1900, 1900),
            "DD-4": (1900, 1929),
            "DD-5": (None, None),
            "DD-6": (-300, -200),
            "DD-7": (None, None),
            "DD-8": (1700, 1799),
        }
        for identifier, (earliest, latest) in expected.items():
            record = client.get(f"/iiif/3/dd/{identifier}/record").get_json()
            assert (record["date"]["earliest"], record["date"]["latest"]) == (earliest, latest)
            manifest = client.get(f"/iiif/3/dd/{identifier}/manifest").get_json()
            if earliest is not None and earliest > 0:
                assert manifest["navDate"] == f"{earliest:04d}-01-01T00:00:00Z"
            else:
                assert "navDate" not in manifest
        assert record["date"]["display"] == "1700-talet"

        # The date filter of the search finds them by their years.
        page = client.get("/search?from=1870&to=1890").get_data(as_text=True)
        assert _found(page) == {"DD-1"}
        page = client.get("/search?from=1700&to=1720").get_data(as_text=True)
        assert _found(page) == {"DD-2", "DD-8"}
        page = client.get("/search").get_data(as_text=True)
        assert 'placeholder="-300"' in page and 'placeholder="1929"' in page
    finally:
        database(app).dispose()


def _found(page: str) -> set[str]:
    return set(re.findall(r'/objects/dd/(DD-\d)"', page))


# -- LIDO: displayDate without lido:date ----------------------------------------------

_LIDO = """<lido:lidoWrap xmlns:lido="http://www.lido-schema.org">{}</lido:lidoWrap>"""
_RECORD = """<lido:lido><lido:lidoRecID>{id}</lido:lidoRecID>
<lido:descriptiveMetadata xml:lang="de">
<lido:objectIdentificationWrap><lido:titleWrap><lido:titleSet>
<lido:appellationValue>Krug</lido:appellationValue></lido:titleSet></lido:titleWrap>
</lido:objectIdentificationWrap><lido:eventWrap><lido:eventSet><lido:event>
<lido:eventType><lido:term>Herstellung</lido:term></lido:eventType>
<lido:eventDate><lido:displayDate>{date}</lido:displayDate>{years}</lido:eventDate>
</lido:event></lido:eventSet></lido:eventWrap></lido:descriptiveMetadata></lido:lido>"""


def test_lido_display_dates_without_a_date_element_give_years(tmp_path: Path) -> None:
    years = "<lido:date><lido:earliestDate>1701</lido:earliestDate></lido:date>"
    records = [
        _RECORD.format(id="L-1", date="1. Hälfte 19. Jh.", years=""),
        _RECORD.format(id="L-2", date="um 1900", years=""),
        # The export's own years always win over the display text.
        _RECORD.format(id="L-3", date="18. Jh.", years=years),
        _RECORD.format(id="L-4", date="o. J.", years=""),
        _RECORD.format(id="L-5", date="datiert auf der Rückseite 18??", years=""),
    ]
    path = tmp_path / "dates.xml"
    path.write_text(_LIDO.format("".join(records)), encoding="utf-8")
    items = list(LidoImporter().read(path))
    found = {
        r.identifier: (r.date_display, r.date_earliest, r.date_latest)
        for r in items
        if isinstance(r, SourceRecord)
    }
    assert found == {
        "L-1": ("1. Hälfte 19. Jh.", 1800, 1849),
        "L-2": ("um 1900", 1900, 1900),
        "L-3": ("18. Jh.", 1701, None),
        "L-4": ("o. J.", None, None),
        "L-5": ("datiert auf der Rückseite 18??", None, None),
    }
    warnings = [(p.record, p.code) for p in items if isinstance(p, Problem)]
    assert warnings == [("L-5", "bad-date")]
