"""Rights holders, repositories, inscriptions, measurements and media types
(issue 19) through `glampub import` and the HTTP site, as a reader meets them.

Fixtures of ours in tests/data/holders/: a LIDO file whose images each name
their photographer, a former repository listed before the current one,
inscriptions of four kinds, display measurements over three lines and a
Europeana type; a CSV file with a ``rights_holder`` column. Holders that are
really statements ("Public Domain", "No known copyright", "CC0") are never
shown as holders.
"""

from __future__ import annotations

import json
import re
from html import unescape
from pathlib import Path
from typing import Any

import pytest
from flask.testing import FlaskClient
from lxml import etree

from glampub import create_app
from glampub.credit import reference_text
from glampub.iiif.records import InstitutionInfo, ObjectInfo, RightsInfo
from glampub.images.credit import build_xmp
from glampub.importing.record_mapping import content_hash
from tests.conftest import BASE_URL, assert_valid_iiif, database
from tests.export_checks import check_reimport, import_into_a_new_site, make_images

DATA = Path(__file__).resolve().parent / "data" / "holders"
LIDO = DATA / "rights-holders-and-places.xml"
CSV = DATA / "rights-holder-column.csv"
BY4 = "http://creativecommons.org/licenses/by/4.0/"


@pytest.fixture
def imported(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, request) -> FlaskClient:
    """The file ``request.param`` imported with its images, and a client of the site."""
    path: Path = request.param
    names = ["harbour-front.jpg", "harbour-back.jpg", "boats.jpg", "mill.jpg", "newmill.jpg"]
    make_images(tmp_path / "images", names)
    extra = ["--images", str(tmp_path / "images")]
    exit_code, report, stderr = import_into_a_new_site(tmp_path, monkeypatch, path, extra)
    assert exit_code in (0, 3), stderr
    assert report["rejected"] == 0
    check_reimport(path, extra, report)
    app = create_app({"DATA_DIR": str(tmp_path / "data"), "TESTING": True, "BASE_URL": BASE_URL})
    yield app.test_client()
    database(app).dispose()


def _manifest(client: FlaskClient, identifier: str, validator) -> dict[str, Any]:
    response = client.get(f"/iiif/3/corpus/{identifier}/manifest")
    assert response.status_code == 200
    manifest = response.get_json()
    assert_valid_iiif(validator, manifest)
    return manifest


def _metadata(document: dict[str, Any]) -> dict[str, list[str]]:
    """Each metadata entry's English (or first) label -> all its values."""
    found: dict[str, list[str]] = {}
    for pair in document.get("metadata", []):
        name = next(iter(pair["label"].values()))[0]
        found[name] = [value for values in pair["value"].values() for value in values]
    return found


def _json_ld(html: str) -> dict[str, Any]:
    found = re.search(r'<script type="application/ld\+json">(.*?)</script>', html, re.S)
    assert found, "no JSON-LD on the page"
    return json.loads(found.group(1))


def _reference_texts(html: str) -> str:
    section = html.split('id="reference-heading"', 1)[1].split("</section>", 1)[0]
    return unescape(re.sub(r"<[^>]+>", " ", section))


@pytest.mark.parametrize("imported", [LIDO], indirect=True)
def test_a_cc_by_credit_names_each_images_own_holder(imported, iiif_validator) -> None:
    manifest = _manifest(imported, "HOLD-1", iiif_validator)
    assert manifest["rights"] == BY4
    statement = " ".join(next(iter(manifest["requiredStatement"]["value"].values())))
    # The photographer of the images, not "Public Domain" (the work's rightsHolder).
    assert "© Photo Studio Lindqvist" in statement
    assert "Public Domain" not in statement
    assert _metadata(manifest)["Rights holder"] == ["Photo Studio Lindqvist"]
    # The second image has its own holder: its canvas says so, to be shown with it.
    first, second = manifest["items"]
    assert _metadata(first)["Rights holder"] == ["Photo Studio Lindqvist"]
    assert "requiredStatement" not in first
    assert _metadata(second)["Rights holder"] == ["Maria Ek"]
    assert second["requiredStatement"]["value"] == {"none": ["Maria Ek"]}

    record = imported.get(manifest["seeAlso"][1]["id"].removeprefix(BASE_URL)).get_json()
    assert record["rights_holder"] == "Photo Studio Lindqvist"
    assert [image["rights_holder"] for image in record["images"]] == [
        "Photo Studio Lindqvist",
        "Maria Ek",
    ]
    # The metadata record's own holder, beside its licence.
    assert record["metadata_licence"] == BY4
    labels = {entry["label"]["en"][0]: entry["value"] for entry in record["extra_metadata"]}
    assert labels["Rights holder of the metadata"] == {"none": ["Harbour Town Library"]}

    html = imported.get("/objects/corpus/HOLD-1").get_data(as_text=True)
    references = _reference_texts(html)
    # Every copy format (plain text, HTML, Markdown, Wikitext) names the holder.
    assert references.count("© Photo Studio Lindqvist") >= 4, references
    data = _json_ld(html)
    assert data["copyrightHolder"] == {"name": "Photo Studio Lindqvist"}
    assert "Photo Studio Lindqvist" in data["creditText"]


@pytest.mark.parametrize("imported", [LIDO], indirect=True)
def test_a_downloaded_image_names_its_own_holder_in_xmp(imported, iiif_validator) -> None:
    manifest = _manifest(imported, "HOLD-1", iiif_validator)
    second = manifest["items"][1]
    download = second["rendering"][0]["id"].removeprefix(BASE_URL)
    with imported.get(download) as response:
        assert response.status_code == 200
        data = response.data
    packet = data[data.index(b"<x:xmpmeta") : data.index(b"</x:xmpmeta>") + len(b"</x:xmpmeta>")]
    xmp = etree.fromstring(packet)
    ns = {
        "xmpRights": "http://ns.adobe.com/xap/1.0/rights/",
        "photoshop": "http://ns.adobe.com/photoshop/1.0/",
        "rdf": "http://www.w3.org/1999/02/22-rdf-syntax-ns#",
    }
    assert xmp.xpath("//xmpRights:Owner/rdf:Bag/rdf:li/text()", namespaces=ns) == ["Maria Ek"]
    assert "© Maria Ek" in xmp.xpath("string(//photoshop:Credit)", namespaces=ns)


def test_a_public_domain_file_claims_no_owner() -> None:
    pdm = "http://creativecommons.org/publicdomain/mark/1.0/"
    packet = build_xmp(credit="“Boats”, Museum", rights_uri=pdm, rights_holder="Someone")
    assert b"xmpRights:Owner" not in packet
    licensed = build_xmp(credit="“Boats”, Museum", rights_uri=BY4, rights_holder="Someone")
    assert b"<rdf:li>Someone</rdf:li>" in licensed


@pytest.mark.parametrize("imported", [LIDO], indirect=True)
def test_a_statement_in_the_holder_field_is_not_shown_as_a_holder(imported, iiif_validator) -> None:
    manifest = _manifest(imported, "HOLD-2", iiif_validator)
    assert "Rights holder" not in _metadata(manifest)
    assert "metadata" not in manifest["items"][0]
    assert "No known copyright" not in json.dumps(manifest)
    record = imported.get(manifest["seeAlso"][1]["id"].removeprefix(BASE_URL)).get_json()
    assert record["rights_holder"] is None
    assert record["images"][0]["rights_holder"] is None
    data = _json_ld(imported.get("/objects/corpus/HOLD-2").get_data(as_text=True))
    assert "copyrightHolder" not in data


@pytest.mark.parametrize("imported", [CSV], indirect=True)
def test_a_csv_rights_holder_column_reaches_the_credit(imported, iiif_validator) -> None:
    manifest = _manifest(imported, "CSV-1", iiif_validator)
    assert manifest["rights"] == BY4
    statement = " ".join(next(iter(manifest["requiredStatement"]["value"].values())))
    assert "© Regional Photo Archive" in statement
    html = imported.get("/objects/corpus/CSV-1").get_data(as_text=True)
    assert "© Regional Photo Archive" in _reference_texts(html)
    assert _json_ld(html)["copyrightHolder"] == {"name": "Regional Photo Archive"}
    # "CC0" in the holder column is a statement, not a name.
    other = _manifest(imported, "CSV-2", iiif_validator)
    assert "CC0" not in " ".join(next(iter(other["requiredStatement"]["value"].values())))
    assert "Rights holder" not in _metadata(other)


@pytest.mark.parametrize("imported", [LIDO], indirect=True)
def test_the_current_repository_is_shown_and_a_former_one_is_provenance(
    imported, iiif_validator
) -> None:
    metadata = _metadata(_manifest(imported, "HOLD-1", iiif_validator))
    # The untyped repositorySet is the current one, though a former one comes first.
    assert metadata["Repository"] == ["Harbour Town Museum"]
    assert metadata["Former repository (provenance)"] == ["Royal Academy collection", "Inköp 1874"]
    assert metadata["Inventory number"] == ["HTM 1874:14"]
    html = imported.get("/objects/corpus/HOLD-1").get_data(as_text=True)
    assert html.split("<dt>Repository</dt><dd>", 1)[1].startswith("Harbour Town Museum</dd>")


@pytest.mark.parametrize("imported", [LIDO], indirect=True)
def test_each_kind_of_inscription_keeps_its_own_labelled_entry(imported, iiif_validator) -> None:
    metadata = _metadata(_manifest(imported, "HOLD-1", iiif_validator))
    assert metadata["Inscription (front)"] == ["Hamnen"]
    assert metadata["Inscription (back)"] == ["No. 14, sold 1874"]
    assert metadata["Signature"] == ["A. Berg"]
    assert metadata["Stamp"] == ["Collector's stamp"]
    assert "Inscription" not in metadata


@pytest.mark.parametrize("imported", [LIDO], indirect=True)
def test_display_measurements_keep_their_lines(imported, iiif_validator) -> None:
    manifest = _manifest(imported, "HOLD-1", iiif_validator)
    # IIIF allows <br> in metadata values.
    assert _metadata(manifest)["Dimensions"] == [
        "<span>Height: 31 cm<br>Width: 42 cm<br>Frame: 45 x 56 cm</span>"
    ]
    record = imported.get(manifest["seeAlso"][1]["id"].removeprefix(BASE_URL)).get_json()
    assert record["dimensions"] == {"en": ["Height: 31 cm\nWidth: 42 cm\nFrame: 45 x 56 cm"]}
    html = imported.get("/objects/corpus/HOLD-1").get_data(as_text=True)
    # Shown with white-space: pre-line (static/glampub.css).
    assert "<dd>Height: 31 cm\nWidth: 42 cm\nFrame: 45 x 56 cm</dd>" in html
    # A line an export's pretty-printer wrapped ("Height: 54" / "cm") stays one line.
    wrapped = _manifest(imported, "HOLD-2", iiif_validator)
    assert _metadata(wrapped)["Dimensions"] == ["Height: 54 cm"]


@pytest.mark.parametrize("imported", [LIDO], indirect=True)
def test_a_europeana_type_is_the_media_type_not_a_classification(imported, iiif_validator) -> None:
    manifest = _manifest(imported, "HOLD-1", iiif_validator)
    metadata = _metadata(manifest)
    assert metadata["Classification"] == ["Landscape"]
    assert metadata["Object type"] == ["Drawing"]
    assert "IMAGE" not in json.dumps(manifest["metadata"])
    record = imported.get(manifest["seeAlso"][1]["id"].removeprefix(BASE_URL)).get_json()
    assert record["media_type"] == "IMAGE"
    assert "IMAGE" not in json.dumps(record["object_type"])
    assert "IMAGE" not in imported.get("/search?q=harbour").get_data(as_text=True)


def test_an_institution_template_cannot_leave_out_a_cc_by_holder() -> None:
    rights = RightsInfo(uri=BY4, label="CC BY 4.0", reuse="free", attribution_required=True)
    institution = InstitutionInfo(slug="m", name="Museum", credit_template="{title}, {institution}")
    obj = ObjectInfo(institution, "1", {"en": ["Boats"]}, rights, rights_holder="Maria Ek")
    assert reference_text(obj, "https://m.test/1").startswith("Boats, Museum, © Maria Ek, ")
    # Where the template places the holder, it stands there, once.
    placed = "{title} (photo {rights_holder}), {institution}"
    assert reference_text(obj, "https://m.test/1", placed).startswith(
        "Boats (photo Maria Ek), Museum, "
    )
    # Under a public-domain mark nobody is named as holding rights.
    pdm = RightsInfo(
        uri="http://creativecommons.org/publicdomain/mark/1.0/",
        label="PDM",
        reuse="free",
        public_domain=True,
    )
    free = ObjectInfo(institution, "1", {"en": ["Boats"]}, pdm, rights_holder="Maria Ek")
    assert "Maria Ek" not in reference_text(free, "https://m.test/1")


def test_rows_stored_before_migration_0008_keep_their_content_hash() -> None:
    """`glampub db check` recomputes each row's hash: the new, empty columns
    must not make every object stored before them look tampered with."""
    values = {"identifier": "1", "rights_holder": None, "title": {"en": ["Boats"]}}
    image = {"public_id": "a", "position": 1, "credit_line": None}
    before = content_hash(values, [image])
    assert (
        content_hash({**values, "media_type": None}, [{**image, "rights_holder": None}]) == before
    )
    assert content_hash({**values, "media_type": "IMAGE"}, [image]) != before
    assert content_hash(values, [{**image, "rights_holder": "Maria Ek"}]) != before
