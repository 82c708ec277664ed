"""Each worker keeps what it served while nothing was published since: a
manifest is a lookup, and any change, from any process, shows at once."""

from __future__ import annotations

import gzip
from pathlib import Path

import pytest
from PIL import Image as PILImage

from glampub import create_app
from glampub.importing.run import ImportOptions, run_import
from glampub.institutions.registry import add_institution
from glampub.publishing.documents import ServedCache
from tests.conftest import BASE_URL, database

HEADER = "identifier,title,rights,images\n"


def test_entries_match_only_their_stamp() -> None:
    cache: ServedCache[str] = ServedCache(1000, len)
    cache.put("a", (1, 1, 1), "first")
    assert cache.get("a", (1, 1, 1)) == "first"
    assert cache.get("a", (2, 1, 1)) is None
    built = []
    assert cache.fetch("a", (2, 1, 1), lambda: built.append(1) or "second") == "second"
    assert cache.fetch("a", (2, 1, 1), lambda: built.append(1) or "third") == "second"
    assert built == [1]


def test_memory_is_bounded_by_bytes_least_recently_used_first() -> None:
    cache: ServedCache[str] = ServedCache(100, len)
    stamp = (1, 1, 1)
    for key in "abcd":
        cache.put(key, stamp, key * 25)
    cache.get("a", stamp)  # a is now the most recently used
    cache.put("e", stamp, "e" * 25)
    assert cache.bytes <= 100
    assert [k for k in "abcde" if cache.get(k, stamp)] == ["a", "c", "d", "e"]
    cache.put("huge", stamp, "x" * 60)  # over a quarter of the budget: never kept
    assert cache.get("huge", stamp) is None and len(cache) == 4


@pytest.fixture
def museum(app, tmp_path: Path) -> Path:
    with database(app).transaction() as session:
        add_institution(session, "tm", "Test Museum", Path(app.config["DATA_DIR"]))
    images = tmp_path / "images"
    images.mkdir()
    PILImage.new("RGB", (64, 48), "red").save(images / "a.jpg")
    return images


def _import(app, tmp_path: Path, rows: str, images: Path, full: bool = False) -> None:
    export = tmp_path / "objects.csv"
    export.write_text(HEADER + rows, "utf-8")
    options = ImportOptions(institution="tm", path=export, images=images, full=full)
    run_import(database(app), Path(app.config["DATA_DIR"]), options)


def test_a_served_manifest_is_answered_without_rebuilding(
    app, client, museum, tmp_path, monkeypatch
):
    from glampub.web.blueprints import iiif

    _import(app, tmp_path, "1,Harbour,CC0,a.jpg\n", museum)
    first = client.get("/iiif/3/tm/1/manifest")
    assert first.status_code == 200

    def refuse(*_args):  # type: ignore[no-untyped-def]
        raise AssertionError("the stored document was looked up again")

    monkeypatch.setattr(iiif, "manifest_document", refuse)
    again = client.get("/iiif/3/tm/1/manifest")
    assert again.data == first.data
    assert again.headers["ETag"] == first.headers["ETag"]
    assert again.headers["Last-Modified"] == first.headers["Last-Modified"]
    since = client.get(
        "/iiif/3/tm/1/manifest", headers={"If-Modified-Since": first.headers["Last-Modified"]}
    )
    assert since.status_code == 304


def test_changes_from_another_process_show_at_once(app, client, museum, tmp_path) -> None:
    _import(app, tmp_path, "1,Harbour,CC0,a.jpg\n2,Gulls,CC0,a.jpg\n", museum)
    assert client.get("/iiif/3/tm/1/manifest").get_json()["label"] == {"none": ["Harbour"]}
    assert client.get("/iiif/3/tm/2/manifest").status_code == 200
    # A second app on the same database stands for the command line or another worker.
    other = create_app({"DATA_DIR": app.config["DATA_DIR"], "TESTING": True, "BASE_URL": BASE_URL})
    try:
        _import(other, tmp_path, "1,Harbour at noon,CC0,a.jpg\n", museum, full=True)
        with database(other).transaction() as session:
            add_institution(session, "tm", "Test Museum of Art", Path(app.config["DATA_DIR"]))
    finally:
        database(other).dispose()
    manifest = client.get("/iiif/3/tm/1/manifest").get_json()
    assert manifest["label"] == {"none": ["Harbour at noon"]}
    assert manifest["provider"][0]["label"] == {"none": ["Test Museum of Art"]}
    gone = client.get("/iiif/3/tm/2/manifest")
    assert gone.status_code == 410
    assert gone.get_json()["error"] == "Gone"


@pytest.mark.parametrize(
    "path",
    [
        "/iiif/3/stadtmuseum-lindenau/%C3%84-12/manifest",  # a non-ASCII identifier
        "/iiif/3/collection/kestrel-museum",
        "/iiif/discovery/all-changes/page/1",
    ],
)
def test_a_second_answer_from_before_flask_is_the_same_answer(demo_app, path, monkeypatch):
    """The middleware answers what Flask answered, header for header."""
    from glampub.web.blueprints import iiif

    client = demo_app.test_client()
    first = client.get(path)  # through Flask, which remembers the answer
    assert first.status_code == 200
    with monkeypatch.context() as patch:
        patch.setattr(iiif, "_json_answer", None)  # the views must not be reached
        second = client.get(path)
        packed = client.get(path, headers={"Accept-Encoding": "gzip"})
        head = client.head(path)
        not_modified = client.get(path, headers={"If-None-Match": first.headers["ETag"]})
    assert second.data == first.data
    assert dict(second.headers) == dict(first.headers)
    assert packed.headers["Content-Encoding"] == "gzip"
    assert gzip.decompress(packed.data) == first.data
    assert head.status_code == 200 and head.data == b""
    assert head.headers["Content-Length"] == first.headers["Content-Length"]
    assert not_modified.status_code == 304 and not_modified.data == b""
    assert not_modified.headers["ETag"] == first.headers["ETag"]
    assert not_modified.headers["Access-Control-Allow-Origin"] == "*"
    # What it is unsure of, it leaves to Flask, which answers as before.
    since = client.get(path, headers={"If-Modified-Since": first.headers["Last-Modified"]})
    assert since.status_code == 304
