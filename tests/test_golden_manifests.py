"""Golden files pin the exact manifests of representative sample objects, and the
top and one institution's collections, so a change to the output is always a
deliberate one.

After an intended change, regenerate with
``GLAMPUB_UPDATE_GOLDEN=1 uv run --extra test pytest tests/test_golden_manifests.py``
and review the diff of ``tests/golden/`` like any other change.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from urllib.parse import quote

import pytest

from tests.conftest import assert_valid_iiif

GOLDEN = Path(__file__).parent / "golden"
CASES = {
    # public domain: "How to reference" as a courtesy, identifier with space and slash
    "km-1901-3": ("kestrel-museum", "KM 1901/3"),
    # CC BY on a living photographer's work: requiredStatement with the licence
    "km-2019-3": ("kestrel-museum", "2019.3"),
    # three images, NC-ND
    "km-2015-22": ("kestrel-museum", "2015.22"),
    # a public-domain painting wrongly labelled CC BY: needs review
    "km-1887-12": ("kestrel-museum", "1887.12"),
    # LIDO 1.1 in German and English, three images, CC BY-SA
    "sml-k-0210": ("stadtmuseum-lindenau", "SML-K-0210"),
    # In Copyright: a thumbnail-only image service, no download
    "km-2003-17": ("kestrel-museum", "2003.17"),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_manifest_matches_its_golden_file(name: str, demo_client, iiif_validator) -> None:
    institution, identifier = CASES[name]
    response = demo_client.get(f"/iiif/3/{institution}/{quote(identifier, safe='')}/manifest")
    assert response.status_code == 200
    manifest = response.get_json()
    assert_valid_iiif(iiif_validator, manifest)
    path = GOLDEN / f"{name}.json"
    rendered = json.dumps(manifest, indent=2, ensure_ascii=False, sort_keys=True) + "\n"
    if os.environ.get("GLAMPUB_UPDATE_GOLDEN"):
        path.write_text(rendered, encoding="utf-8")
    assert path.exists(), f"no golden file {path.name}: run with GLAMPUB_UPDATE_GOLDEN=1"
    assert rendered == path.read_text(encoding="utf-8")


COLLECTIONS = {
    "collection-top": "/iiif/3/collection",
    "collection-stadtmuseum-lindenau": "/iiif/3/collection/stadtmuseum-lindenau",
}


@pytest.mark.parametrize("name", sorted(COLLECTIONS))
def test_collection_matches_its_golden_file(name: str, demo_client, iiif_validator) -> None:
    response = demo_client.get(COLLECTIONS[name])
    assert response.status_code == 200
    collection = response.get_json()
    assert_valid_iiif(iiif_validator, collection)
    path = GOLDEN / f"{name}.json"
    rendered = json.dumps(collection, indent=2, ensure_ascii=False, sort_keys=True) + "\n"
    if os.environ.get("GLAMPUB_UPDATE_GOLDEN"):
        path.write_text(rendered, encoding="utf-8")
    assert path.exists(), f"no golden file {path.name}: run with GLAMPUB_UPDATE_GOLDEN=1"
    assert rendered == path.read_text(encoding="utf-8")
