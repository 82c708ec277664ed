"""Every real export under ../shared/corpus through `glampub import`, as a
collections manager would run it, then every manifest it produced against the
IIIF schema.

The corpus records point at images on the museums' own web sites. The tests
make a small JPEG for each file name a record references and give the folder
with --images, as a museum sends its image files alongside the export, so the
real records end up on real canvases.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import CORPUS
from tests.export_checks import (
    import_csv_export,
    import_into_a_new_site,
    import_lido_export,
    run_import,
)

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


def _corpus_id(path: Path) -> str:
    return str(path.relative_to(CORPUS))


@pytest.mark.parametrize("path", LIDO_FILES, ids=_corpus_id)
def test_every_lido_file_imports_and_its_manifests_validate(
    path: Path, tmp_path: Path, monkeypatch, iiif_validator
) -> None:
    imported = import_lido_export(path, tmp_path, monkeypatch, iiif_validator)
    if imported.names:
        assert imported.manifests > 0, "records with images found by name must get manifests"


@pytest.mark.parametrize("path", CSV_FILES, ids=_corpus_id)
def test_every_csv_file_imports_or_is_refused_as_a_people_list(
    path: Path, tmp_path: Path, monkeypatch, iiif_validator
) -> None:
    people = path.name in PEOPLE_LISTS
    profile = None if people else PROFILES[path.name]
    imported = import_csv_export(
        path, tmp_path, monkeypatch, iiif_validator, profile=profile, people=people
    )
    if imported is not None:
        assert imported.manifests >= min(len(imported.names), 1)


def test_reimporting_a_corpus_file_finds_everything_unchanged(tmp_path: Path, monkeypatch) -> None:
    path = CORPUS / "lido" / "kenom" / "kenom_oai_chunk20.xml"
    _, first, _ = import_into_a_new_site(tmp_path, monkeypatch, path, [])
    _, second, _ = run_import(path, [])
    assert first["created"] == 20
    assert (second["created"], second["updated"], second["unchanged"]) == (0, 0, 20)
