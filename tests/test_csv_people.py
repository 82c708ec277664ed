"""CSV profile value transforms: `split` on a pattern, `parse` people out of one cell."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st

from glampub import create_app
from glampub.cli import main
from glampub.errors import UsageError
from importers.attribution import normalise
from importers.base import Profile, SourceRecord
from importers.csv.importer import CsvImporter, load_profile
from importers.csv.people import name_dates
from tests.conftest import BASE_URL, database

DATA = Path(__file__).parent / "data" / "dates_people"
EXPORT = DATA / "people-in-one-cell.csv"
PROFILE = DATA / "people-in-one-cell.toml"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "Vincent van Gogh (1853-1890)",
            {"name": "Vincent van Gogh", "birth": "1853", "death": "1890"},
        ),
        (
            "Vincent van Gogh, 1853-1890",
            {"name": "Vincent van Gogh", "birth": "1853", "death": "1890"},
        ),
        (
            "Vincent van Gogh (Dutch, 1853–1890)",
            {"name": "Vincent van Gogh", "birth": "1853", "death": "1890"},
        ),
        ("Jane Doe (born 1942)", {"name": "Jane Doe", "birth": "1942"}),
        ("Jane Doe (1942-)", {"name": "Jane Doe", "birth": "1942"}),
        ("Rembrandt (died 1669)", {"name": "Rembrandt", "death": "1669"}),
    ],
)
def test_name_dates_reads_the_usual_shapes(text: str, expected: dict) -> None:
    assert name_dates(text) == [expected]


@pytest.mark.parametrize(
    "text", ["Vincent van Gogh", "Smith, John", "Studio (Paris)", "(1853-1890)"]
)
def test_name_dates_leaves_other_values_to_be_names(text: str) -> None:
    assert name_dates(text) is None


def _creators(record: SourceRecord) -> list[tuple]:
    return [(c.name, c.role, c.qualifier, c.birth_year, c.death_year) for c in record.creators]


def test_split_and_parse_fill_aligned_creator_fields() -> None:
    items = list(CsvImporter().read(EXPORT, load_profile(PROFILE)))
    records = [i for i in items if isinstance(i, SourceRecord)]
    assert _creators(records[0]) == [
        ("John Raphael Smith", "Engraver", None, 1752, 1812),
        # "After" is an attribution qualifier, not a role.
        ("Richard Cosway", None, "After", 1742, 1821),
        ("Vincent van Gogh", None, None, 1853, 1890),
        ("Jane Doe", None, None, 1942, None),
    ]
    assert _creators(records[1]) == [
        ("Anna Lind", "Draughtsman", None, None, None),
        ("Pieter Claesz", None, None, 1597, 1660),
        ("Someone Unknown", None, None, None, None),
    ]
    assert (records[1].date_earliest, records[1].date_latest) == (1600, 1699)


def test_people_in_one_cell_reach_the_record_through_the_cli(
    tmp_path: Path, runner: CliRunner
) -> None:
    assert runner.invoke(main, ["institution", "add", "pr", "--name", "Prints"]).exit_code == 0
    result = runner.invoke(
        main, ["import", str(EXPORT), "--institution", "pr", "--profile", str(PROFILE), "--json"]
    )
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["created"] == 2
    app = create_app(
        {"DATA_DIR": str(tmp_path / "cli-data"), "TESTING": True, "BASE_URL": BASE_URL}
    )
    try:
        client = app.test_client()
        record = client.get("/iiif/3/pr/PR-1/record").get_json()
        people = [(c["name"], c["role"], c["qualifier"]) for c in record["creators"]]
        assert people[:2] == [
            ("John Raphael Smith", "Engraver", None),
            ("Richard Cosway", None, "After"),
        ]
        page = client.get("/objects/pr/PR-1").get_data(as_text=True)
        assert "“Lady in a white dress” by John Raphael Smith, After Richard Cosway" in page
    finally:
        database(app).dispose()


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=80))
def test_any_value_gives_named_people_or_none(text: str) -> None:
    people = name_dates(text)
    assert people is None or all(person["name"] for person in people)
    name, _, _ = normalise(text, text or None, None)
    assert isinstance(name, str)


def _profile(tmp_path: Path, creator: str) -> Profile:
    path = tmp_path / "p.toml"
    path.write_text(f'[fields]\nidentifier = "id"\ncreator = {creator}\n', encoding="utf-8")
    return load_profile(path)


@pytest.mark.parametrize(
    ("creator", "message"),
    [
        ("{ column = \"a\", parse = '(?P<who>.+)' }", "needs a named group (?P<name>...)"),
        (
            "{ column = \"a\", parse = '(?P<name>.+)(?P<nationality>x)' }",
            "unknown group(s): nationality",
        ),
        ("{ column = \"a\", parse = '(?P<name>(?=a).+)' }", "look-around and backreferences"),
        ("{ column = \"a\", split = ',?' }", "matches empty text"),
        ("{ column = \"a\", split = '(' }", "is not a valid regular expression"),
    ],
)
def test_a_bad_transform_is_refused_naming_the_key(
    tmp_path: Path, creator: str, message: str
) -> None:
    with pytest.raises(UsageError) as refused:
        _profile(tmp_path, creator)
    assert "[fields] creator" in str(refused.value) and message in str(refused.value)


def test_parse_is_only_for_creators(tmp_path: Path) -> None:
    path = tmp_path / "p.toml"
    path.write_text(
        '[fields]\nidentifier = "id"\ntitle = { column = "t", parse = "name-dates" }\n',
        encoding="utf-8",
    )
    with pytest.raises(UsageError, match="use it on \\[fields\\] creator"):
        load_profile(path)


def test_a_catastrophic_pattern_runs_in_linear_time(tmp_path: Path) -> None:
    # (a+)+$ backtracks for minutes in Python's re on this text; RE2 does not.
    profile = _profile(tmp_path, "{ column = \"a\", parse = '(?P<name>(a+)+)$' }")
    export = tmp_path / "slow.csv"
    export.write_text("id,a\n1," + "a" * 5000 + "!\n", encoding="utf-8")
    start = time.perf_counter()
    records = [r for r in CsvImporter().read(export, profile) if isinstance(r, SourceRecord)]
    assert time.perf_counter() - start < 2
    assert records[0].creators[0].name == "a" * 5000 + "!"
