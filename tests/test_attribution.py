"""Attribution qualifiers stay with the name, and only makers are "by": in the
importers, and wherever a creator is shown (credit, page, JSON-LD, manifest, XMP)."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from click.testing import CliRunner
from PIL import Image

from glampub import create_app
from glampub.cli import main
from importers.attribution import normalise, qualified_name, role_is_making
from importers.base import SourceRecord
from importers.csv.importer import CsvImporter
from importers.lido.importer import LidoImporter
from tests.conftest import BASE_URL, database

DATA = Path(__file__).parent / "data" / "dates_people"
LIDO_FILE = DATA / "qualifiers-and-roles.xml"
CSV_FILE = DATA / "qualified-creators.csv"


@pytest.mark.parametrize(
    ("name", "role", "qualifier", "expected"),
    [
        ("David Teniers", "Kopia efter", None, ("David Teniers", None, "Kopia efter")),
        ("David Teniers", "copy after", None, ("David Teniers", None, "copy after")),
        ("Rubens", "Werkstatt des", None, ("Rubens", None, "Werkstatt des")),
        ("After Richard Cosway", None, None, ("Richard Cosway", None, "After")),
        ("Workshop of Rubens", "painter", None, ("Rubens", "painter", "Workshop of")),
        ("Attributed to: Frans Hals", None, None, ("Frans Hals", None, "Attributed to")),
        ("Toegeschreven aan Jan Steen", None, None, ("Jan Steen", None, "Toegeschreven aan")),
        ("Attribué à Jean Fouquet", None, None, ("Jean Fouquet", None, "Attribué à")),
        ("Bottega di Giotto", None, None, ("Giotto", None, "Bottega di")),
        ("Taller de Zurbarán", None, None, ("Zurbarán", None, "Taller de")),
        ("Tilskrevet C.W. Eckersberg", None, None, ("C.W. Eckersberg", None, "Tilskrevet")),
        # A qualifier the export gave is kept; words that begin real names stay names.
        ("Afterglow Studio", None, None, ("Afterglow Studio", None, None)),
        ("Da Costa", None, None, ("Da Costa", None, None)),
        ("Jan Steen", "painter", "circle of", ("Jan Steen", "painter", "circle of")),
    ],
)
def test_a_qualifier_in_the_role_or_before_the_name_becomes_the_qualifier(
    name: str, role: str | None, qualifier: str | None, expected: tuple
) -> None:
    assert normalise(name, role, qualifier) == expected


@pytest.mark.parametrize(
    "role",
    [
        "donor",
        "Givare",
        "Schenker",
        "former owner",
        "Vorbesitzer (bis 1920)",
        "seller",
        "publisher of the photograph",
        "Verleger/in",
        "depicted person",
        "Dargestellte Person",
        "http://id.loc.gov/vocabulary/relators/dnr",
    ],
)
def test_roles_that_do_not_make_the_object(role: str) -> None:
    assert not role_is_making(role)


@pytest.mark.parametrize("role", [None, "painter", "Maler", "Fotograf*in", "engraver", "maker"])
def test_making_roles(role: str | None) -> None:
    assert role_is_making(role)


def test_lido_copy_after_is_a_qualifier_and_the_donor_keeps_their_role() -> None:
    records = [r for r in LidoImporter().read(LIDO_FILE) if isinstance(r, SourceRecord)]
    first, second = records
    people = [(c.name, c.role, c.qualifier) for c in first.creators]
    assert people == [("David Teniers", None, "Kopia efter"), ("Anna Berg", "Givare", None)]
    people = [(c.name, c.role, c.qualifier) for c in second.creators]
    assert people == [
        ("Jan Six", "depicted person", None),
        ("Rembrandt van Rijn", "painter", "workshop of"),
    ]


def test_csv_qualifiers_before_names_are_split_off() -> None:
    records = [r for r in CsvImporter().read(CSV_FILE) if isinstance(r, SourceRecord)]
    assert [qualified_name(vars(c)) for c in records[0].creators] == [
        "John Raphael Smith",
        "After Richard Cosway",
    ]
    assert [(c.name, c.qualifier) for c in records[2].creators] == [
        ("David Teniers", "Kopia efter")
    ]


def _import(runner: CliRunner, tmp_path: Path, export: Path, slug: str, names: list[str]) -> None:
    images = tmp_path / f"images-{slug}"
    images.mkdir()
    for name in names:
        Image.new("RGB", (40, 30), "olive").save(images / name)
    assert runner.invoke(main, ["institution", "add", slug, "--name", "Test Museum"]).exit_code == 0
    result = runner.invoke(
        main, ["import", str(export), "--institution", slug, "--images", str(images), "--json"]
    )
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["created"] == len(names)


def test_every_place_a_creator_is_shown_keeps_the_qualifier_and_names_only_makers(
    tmp_path: Path, runner: CliRunner
) -> None:
    _import(runner, tmp_path, LIDO_FILE, "sm", ["sm-1.jpg", "sm-2.jpg"])
    _import(runner, tmp_path, CSV_FILE, "cs", ["cs-1.jpg", "cs-2.jpg", "cs-3.jpg"])
    app = create_app(
        {"DATA_DIR": str(tmp_path / "cli-data"), "TESTING": True, "BASE_URL": BASE_URL}
    )
    try:
        client = app.test_client()
        # Credit lines: never "by" the painter of the original, never "by" a donor.
        expected_credit = {
            ("sm", "SM-1"): "“Bönder som röker”, Kopia efter David Teniers (1600-talet)",
            ("sm", "SM-2"): "“Portrait of Jan Six”, workshop of Rembrandt van Rijn (ca. 1654)",
            ("cs", "CS-1"): "“Mezzotint portrait” by John Raphael Smith, After Richard Cosway",
            ("cs", "CS-2"): "“Pewter tankard” by Maria Holm (c. 1760)",
            ("cs", "CS-3"): "“River landscape”, Kopia efter David Teniers (1600-talet)",
        }
        for (slug, identifier), credit in expected_credit.items():
            page = client.get(f"/objects/{slug}/{identifier}").get_data(as_text=True)
            assert credit in page, (identifier, page)
            assert " by David Teniers" not in page and "by Anna Berg" not in page
            json_ld = json.loads(
                re.search(r'application/ld\+json">(.*?)</script>', page, re.S).group(1)
            )
            assert "by Anna Berg" not in json_ld["creditText"]
            manifest = client.get(f"/iiif/3/{slug}/{identifier}/manifest").get_json()
            assert credit in json.dumps(manifest["requiredStatement"], ensure_ascii=False)

        page = client.get("/objects/sm/SM-1").get_data(as_text=True)
        assert '<p class="creators">Kopia efter David Teniers</p>' in page
        assert "<dd>Anna Berg (Givare)</dd>" in page
        json_ld = json.loads(
            re.search(r'application/ld\+json">(.*?)</script>', page, re.S).group(1)
        )
        assert json_ld["creator"] == [{"@type": "Person", "name": "Kopia efter David Teniers"}]

        manifest = client.get("/iiif/3/sm/SM-1/manifest").get_json()
        metadata = {m["label"]["en"][0]: m["value"] for m in manifest["metadata"]}
        assert metadata["Creator"] == {"none": ["Kopia efter David Teniers"]}
        assert metadata["Other people"] == {"none": ["Anna Berg, Givare"]}

        manifest = client.get("/iiif/3/sm/SM-2/manifest").get_json()
        metadata = {m["label"]["en"][0]: m["value"] for m in manifest["metadata"]}
        assert metadata["Creator"] == {"none": ["workshop of Rembrandt van Rijn, painter"]}
        assert metadata["Other people"] == {"none": ["Jan Six, depicted person"]}

        # The creator facet lists who made the objects, not the donor or the sitter.
        search = client.get("/search").get_data(as_text=True)
        facet = set(re.findall(r'href="/search\?creator=[^"]+">([^<]+)<span', search))
        assert {name.strip() for name in facet} >= {"David Teniers", "Rembrandt van Rijn"}
        assert not {"Anna Berg", "Jan Six"} & {name.strip() for name in facet}

        # XMP dc:creator in the downloaded original.
        record = client.get("/iiif/3/sm/SM-1/record").get_json()
        image_id = record["images"][0]["service"].rstrip("/").rsplit("/", 1)[-1]
        with client.get(f"/iiif/download/{image_id}.jpg") as original:
            assert original.status_code == 200
            xmp = original.data.decode("latin-1")
        creators = re.search(r"<dc:creator>(.*?)</dc:creator>", xmp, re.S).group(1)
        assert "Kopia efter David Teniers" in creators.encode("latin-1").decode("utf-8")
        assert "Anna Berg" not in creators
    finally:
        database(app).dispose()
