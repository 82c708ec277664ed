"""IIIF Change Discovery over HTTP, and the HTTP behaviour every IIIF document
shares: stored documents, validators, gzip, HEAD."""

from __future__ import annotations

import gzip
import re
from pathlib import Path

import pytest
from PIL import Image as PILImage

from glampub.importing.run import ImportOptions, run_import
from glampub.institutions.registry import add_institution
from tests.conftest import BASE_URL, database

DISCOVERY = 'application/ld+json;profile="http://iiif.io/api/discovery/1/context.json"'
HEADER = "identifier,title,rights,images\n"
ROWS = "1,Harbour,CC0,a.jpg\n2,Gulls,CC0,b.jpg\n3,Letter rack,CC0,\n"


def _setup(app, tmp_path: Path) -> Path:
    with database(app).transaction() as session:
        add_institution(session, "tm", "Test Museum", Path(app.config["DATA_DIR"]))
    images = tmp_path / "images"
    images.mkdir()
    for name in ("a.jpg", "b.jpg"):
        PILImage.new("RGB", (64, 48), "red").save(images / name)
    return images


def _import(app, tmp_path: Path, rows: str, images: Path, full: bool = False) -> None:
    path = tmp_path / "objects.csv"
    path.write_text(HEADER + rows, encoding="utf-8")
    options = ImportOptions(institution="tm", path=path, images=images, full=full)
    run_import(database(app), Path(app.config["DATA_DIR"]), options)


def _activities(client) -> list[tuple[str, str]]:
    stream = client.get("/iiif/discovery/all-changes").get_json()
    items = []
    page_url = stream["first"]["id"]
    while page_url:
        page = client.get(page_url.removeprefix(BASE_URL)).get_json()
        for item in page["orderedItems"]:
            assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", item["endTime"])
            items.append((item["type"], item["object"]["id"].rsplit("/", 2)[-2]))
        page_url = page.get("next", {}).get("id")
    assert len(items) == stream["totalItems"]
    return items


@pytest.mark.parametrize("page_size", [1000, 1, 3])
def test_the_change_stream_has_one_activity_per_real_change(
    app, client, tmp_path, page_size
) -> None:
    app.config["DISCOVERY_PAGE_SIZE"] = page_size
    images = _setup(app, tmp_path)
    _import(app, tmp_path, ROWS, images)
    # Object 3 has no image, so no manifest: harvesters never hear of it.
    assert _activities(client) == [("Create", "1"), ("Create", "2")]
    _import(app, tmp_path, ROWS, images)
    assert len(_activities(client)) == 2, "an unchanged re-import is no change"
    _import(app, tmp_path, ROWS.replace("Gulls", "Gulls at dusk"), images)
    _import(app, tmp_path, "1,Harbour,CC0,a.jpg\n", images, full=True)
    assert _activities(client) == [
        ("Create", "1"),
        ("Create", "2"),
        ("Update", "2"),
        ("Delete", "2"),
    ]


def test_an_empty_change_stream_has_an_empty_first_page(client) -> None:
    stream = client.get("/iiif/discovery/all-changes").get_json()
    assert stream["totalItems"] == 0
    first = client.get(stream["first"]["id"].removeprefix(BASE_URL))
    assert first.status_code == 200
    assert first.get_json()["orderedItems"] == []
    assert client.get("/iiif/discovery/all-changes/page/2").status_code == 404


def test_the_change_stream_is_paged_oldest_first(app, client, tmp_path) -> None:
    app.config["DISCOVERY_PAGE_SIZE"] = 1
    images = _setup(app, tmp_path)
    _import(app, tmp_path, ROWS, images)
    response = client.get("/iiif/discovery/all-changes")
    assert response.headers["Content-Type"] == DISCOVERY
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    stream = response.get_json()
    assert stream["@context"] == "http://iiif.io/api/discovery/1/context.json"
    assert (stream["type"], stream["totalItems"]) == ("OrderedCollection", 2)
    assert stream["last"]["id"] == f"{BASE_URL}/iiif/discovery/all-changes/page/2"
    second = client.get("/iiif/discovery/all-changes/page/2").get_json()
    assert second["startIndex"] == 1 and "next" not in second
    assert second["prev"]["id"].endswith("/page/1")
    assert second["partOf"]["id"] == f"{BASE_URL}/iiif/discovery/all-changes"
    missing = client.get("/iiif/discovery/all-changes/page/3")
    assert missing.status_code == 404
    assert missing.get_json()["message"] == "the change stream has no page 3"


def test_documents_are_built_once_then_served_as_stored(app, client, tmp_path, monkeypatch) -> None:
    from glampub.publishing import documents as publishing

    # A museum of its own: nothing another test served is stored or held in memory.
    _import(app, tmp_path, ROWS, _setup(app, tmp_path))
    calls = []
    real = publishing.build_manifest
    monkeypatch.setattr(publishing, "build_manifest", lambda *a: calls.append(1) or real(*a))
    path = "/iiif/3/tm/1/manifest"
    first = client.get(path)
    again = client.get(path)
    assert first.data == again.data
    assert len(calls) == 1
    assert first.headers["Last-Modified"] == again.headers["Last-Modified"]


def test_renaming_an_institution_rebuilds_its_documents(app, client, tmp_path) -> None:
    images = _setup(app, tmp_path)
    _import(app, tmp_path, ROWS, images)
    before = client.get("/iiif/3/tm/1/manifest").get_json()
    collection = client.get("/iiif/3/collection").get_json()
    assert before["provider"][0]["label"] == {"none": ["Test Museum"]}
    assert collection["items"][0]["label"] == {"none": ["Test Museum"]}
    with database(app).transaction() as session:
        add_institution(session, "tm", "Test Museum of Art", Path(app.config["DATA_DIR"]))
    after = client.get("/iiif/3/tm/1/manifest").get_json()
    assert after["provider"][0]["label"] == {"none": ["Test Museum of Art"]}
    collection = client.get("/iiif/3/collection").get_json()
    assert collection["items"][0]["label"] == {"none": ["Test Museum of Art"]}
    # Every manifest changed, so harvesters hear of each; saying the same again is no change.
    expected = [("Create", "1"), ("Create", "2"), ("Update", "1"), ("Update", "2")]
    assert _activities(client) == expected
    with database(app).transaction() as session:
        add_institution(session, "tm", "Test Museum of Art", Path(app.config["DATA_DIR"]))
    assert _activities(client) == expected


def test_gzip_when_asked_and_the_same_document_either_way(demo_client) -> None:
    path = "/iiif/3/stadtmuseum-lindenau/SML-K-0210/manifest"
    plain = demo_client.get(path)
    packed = demo_client.get(path, headers={"Accept-Encoding": "gzip, deflate"})
    assert "Content-Encoding" not in plain.headers
    assert packed.headers["Content-Encoding"] == "gzip"
    assert "Accept-Encoding" in packed.headers["Vary"]
    assert gzip.decompress(packed.data) == plain.data
    assert packed.headers["ETag"] == plain.headers["ETag"]


def test_head_and_validators(demo_client) -> None:
    path = "/iiif/3/collection/kestrel-museum"
    got = demo_client.get(path)
    head = demo_client.head(path)
    assert head.status_code == 200 and head.data == b""
    assert head.headers["ETag"] == got.headers["ETag"]
    assert got.headers["Cache-Control"].startswith("public, max-age=")
    assert got.headers["Last-Modified"]
    assert demo_client.get(path, headers={"If-None-Match": got.headers["ETag"]}).status_code == 304
