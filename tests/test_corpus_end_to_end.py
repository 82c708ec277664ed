"""Every real export under ../shared/corpus through `glampub import`, as a
collections manager would run it, then every manifest it produced against the
IIIF schema.

The corpus records point at images on the museums' own web sites. The tests
make a small JPEG for each file name a record references and give the folder
with --images, as a museum sends its image files alongside the export, so the
real records end up on real canvases.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from PIL import Image

from glampub import create_app
from glampub.cli import main
from glampub.importing.record_images import local_reference
from importers.base import SourceRecord, get_importer
from importers.csv.profile import load_profile
from tests.conftest import BASE_URL, CORPUS, assert_valid_iiif, database
from tests.test_web_iiif import _path, _walk_manifests

pytestmark = pytest.mark.needs_shared

LIDO_FILES = sorted((CORPUS / "lido").rglob("*.xml"))
CSV_FILES = sorted((CORPUS / "csv").rglob("*.csv"))
PEOPLE_LISTS = {"Artists_2016-05-12_first2000.csv", "constituents_first2000.csv", "artist_data.csv"}
PROFILES = {
    "MetObjects_subset_cp1252_semicolon.csv": "met",
    "media_items_first300.csv": "nga-media-items",
    "objects_historical_data_first2000.csv": "nga-objects-historical",
    "artwork_data_2013-10-10.csv": "tate-artworks",
}
# Images are made for the first records only: enough to put real CSV rows on
# canvases without making thousands of files.
IMAGES_PER_FILE = 25


def _corpus_id(path: Path) -> str:
    return str(path.relative_to(CORPUS))


def _referenced_names(path: Path, importer: str, profile: str | None) -> list[str]:
    reader = get_importer(importer)
    items = reader.read(path, load_profile(profile)) if profile else reader.read(path)
    names: list[str] = []
    for item in items:
        if not isinstance(item, SourceRecord):
            continue
        for image in item.images:
            reference = local_reference(image.reference, is_url=image.is_url)
            name = Path(reference).name if reference else None
            if name and name not in names:
                names.append(name)
        if len(names) >= IMAGES_PER_FILE:
            break
    return names


def _make_images(folder: Path, names: list[str]) -> None:
    folder.mkdir()
    for index, name in enumerate(names):
        image = Image.new("RGB", (64 + index, 48), (index * 9 % 256, 90, 140))
        image.save(folder / Path(name).with_suffix(".jpg").name, "JPEG")
        if Path(name).suffix.lower() not in {".jpg", ".jpeg"}:
            # The reference names another format: keep its exact name too.
            image.save(folder / name, "PNG")


def _import(tmp_path: Path, monkeypatch, path: Path, extra: list[str]) -> tuple[int, dict, str]:
    monkeypatch.setenv("GLAMPUB_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.delenv("GLAMPUB_DATABASE_URL", raising=False)
    from click.testing import CliRunner

    runner = CliRunner()
    added = runner.invoke(main, ["institution", "add", "corpus", "--name", "Corpus Museum"])
    assert added.exit_code == 0, added.output
    return _run_import(path, extra)


def _run_import(path: Path, extra: list[str]) -> tuple[int, dict, str]:
    from click.testing import CliRunner

    result = CliRunner().invoke(
        main, ["import", str(path), "--institution", "corpus", "--json", *extra]
    )
    report = json.loads(result.stdout) if result.exit_code != 2 else {}
    return result.exit_code, report, result.stderr


def _check_reimport(path: Path, extra: list[str], first: dict) -> None:
    """The same file again: every record unchanged, and the same problems reported."""
    exit_code, again, _ = _run_import(path, extra)
    assert exit_code in (0, 3)
    assert (again["created"], again["updated"], again["withdrawn"]) == (0, 0, 0)
    assert again["unchanged"] == first["created"] + first["updated"]
    assert again["rejected"] == first["rejected"]
    assert again["problems"] == first["problems"]


def _check_report(exit_code: int, report: dict) -> None:
    assert exit_code in (0, 3)
    assert (exit_code == 3) == (report["rejected"] > 0)
    assert report["created"] > 0
    for problem in report["problems"]:
        assert problem["message"].strip()
        assert problem["record"] or problem["line"], problem


def _manifests_validate(tmp_path: Path, validator) -> int:
    app = create_app({"DATA_DIR": str(tmp_path / "data"), "TESTING": True, "BASE_URL": BASE_URL})
    try:
        client = app.test_client()
        manifests = _walk_manifests(client, f"{BASE_URL}/iiif/3/collection/corpus")
        for url in manifests:
            response = client.get(_path(url))
            assert response.status_code == 200, url
            assert_valid_iiif(validator, response.get_json())
        return len(manifests)
    finally:
        database(app).dispose()


@pytest.mark.parametrize("path", LIDO_FILES, ids=_corpus_id)
def test_every_lido_file_imports_and_its_manifests_validate(
    path: Path, tmp_path: Path, monkeypatch, iiif_validator
) -> None:
    names = _referenced_names(path, "lido", None)
    _make_images(tmp_path / "images", names)
    exit_code, report, _ = _import(
        tmp_path, monkeypatch, path, ["--images", str(tmp_path / "images")]
    )
    _check_report(exit_code, report)
    _check_reimport(path, ["--images", str(tmp_path / "images")], report)
    produced = _manifests_validate(tmp_path, iiif_validator)
    if names:
        assert produced > 0, "records with images found by name must get manifests"


@pytest.mark.parametrize("path", CSV_FILES, ids=_corpus_id)
def test_every_csv_file_imports_or_is_refused_as_a_people_list(
    path: Path, tmp_path: Path, monkeypatch, iiif_validator
) -> None:
    if path.name in PEOPLE_LISTS:
        exit_code, _, stderr = _import(tmp_path, monkeypatch, path, [])
        assert exit_code == 2
        assert str(path) in stderr and "people" in stderr
        return
    profile = PROFILES[path.name]
    names = _referenced_names(path, "csv", profile)
    extra = ["--profile", profile]
    if names:
        _make_images(tmp_path / "images", names)
        extra += ["--images", str(tmp_path / "images")]
    exit_code, report, _ = _import(tmp_path, monkeypatch, path, extra)
    _check_report(exit_code, report)
    _check_reimport(path, extra, report)
    produced = _manifests_validate(tmp_path, iiif_validator)
    assert produced >= min(len(names), 1)


def test_reimporting_a_corpus_file_finds_everything_unchanged(tmp_path: Path, monkeypatch) -> None:
    path = CORPUS / "lido" / "kenom" / "kenom_oai_chunk20.xml"
    _, first, _ = _import(tmp_path, monkeypatch, path, [])
    from click.testing import CliRunner

    again = CliRunner().invoke(main, ["import", str(path), "--institution", "corpus", "--json"])
    second = json.loads(again.stdout)
    assert first["created"] == 20
    assert (second["created"], second["updated"], second["unchanged"]) == (0, 0, 20)
