"""`glampub export-static`, served by a plain static web server: every id
resolves to a file, every manifest validates, images come as level 0 tiles."""

from __future__ import annotations

import functools
import json
import threading
from collections.abc import Iterator
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.request import urlopen

import pytest
from PIL import Image as PILImage

from glampub.cli import main
from glampub.static_site.export import export_static
from tests.conftest import BASE_URL, assert_valid_iiif


class _Quiet(SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:  # noqa: A002
        pass


@pytest.fixture(scope="module")
def static_server(tmp_path_factory) -> Iterator[tuple[str, Path]]:
    root = tmp_path_factory.mktemp("www")
    server = ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(_Quiet, directory=str(root)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}", root
    server.shutdown()
    server.server_close()


@pytest.fixture(scope="module")
def exported(demo_app, static_server) -> tuple[str, Path, object]:
    host, root = static_server
    base = f"{host}/museum"
    report = export_static(demo_app, root / "museum", base)
    return base, root / "museum", report


def _get(url: str) -> bytes:
    with urlopen(url, timeout=10) as response:
        assert response.status == 200, url
        return response.read()


def _json(url: str) -> dict:
    return json.loads(_get(url))


def test_every_manifest_resolves_and_validates(exported, iiif_validator) -> None:
    base, _, report = exported
    top = _json(f"{base}/iiif/3/collection.json")
    assert_valid_iiif(iiif_validator, top)
    assert top["id"] == f"{base}/iiif/3/collection.json"
    manifests = []
    for institution in top["items"]:
        collection = _json(institution["id"])
        assert_valid_iiif(iiif_validator, collection)
        assert collection["id"] == institution["id"]
        manifests += [item["id"] for item in collection["items"] if item["type"] == "Manifest"]
    assert len(manifests) == report.manifests == 36
    for url in manifests:
        manifest = _json(url)
        assert_valid_iiif(iiif_validator, manifest)
        assert manifest["id"] == url and url.endswith("/manifest.json")
        assert _get(manifest["homepage"][0]["id"]).startswith(b"<!")
        for canvas in manifest["items"]:
            body = canvas["items"][0]["items"][0]["body"]
            assert body["service"][0]["profile"] == "level0"
            assert _get(body["id"])[:2] == b"\xff\xd8"
            assert _get(canvas["thumbnail"][0]["id"])[:2] == b"\xff\xd8"


def test_identifiers_with_spaces_and_slashes_round_trip(exported) -> None:
    base, folder, _ = exported
    url = f"{base}/iiif/3/kestrel-museum/KM%25201901%252F3/manifest.json"
    manifest = _json(url)
    assert manifest["id"] == url
    assert (folder / "iiif/3/kestrel-museum/KM%201901%2F3/manifest.json").is_file()


def test_every_tile_the_info_json_promises_is_there(exported) -> None:
    base, _, _ = exported
    manifest = _json(f"{base}/iiif/3/kestrel-museum/1998.102/manifest.json")
    service = manifest["items"][0]["items"][0]["items"][0]["body"]["service"][0]["id"]
    info = _json(f"{service}/info.json")
    assert (info["profile"], info["id"]) == ("level0", service)
    assert not any(key.startswith("extra") for key in info)
    width, height = info["width"], info["height"]
    tile = info["tiles"][0]["width"]
    fetched = 0
    for factor in info["tiles"][0]["scaleFactors"]:
        span = tile * factor
        for y in range(0, height, span):
            for x in range(0, width, span):
                w, h = min(span, width - x), min(span, height - y)
                tw, th = -(-w // factor), -(-h // factor)
                data = _get(f"{service}/{x},{y},{w},{h}/{tw},{th}/0/default.jpg")
                assert data == _get(f"{service}/{x},{y},{w},{h}/{tw},/0/default.jpg")
                fetched += 1
                if fetched % 7 == 0:  # a sample: the size matches the request
                    import io

                    assert PILImage.open(io.BytesIO(data)).size == (tw, th)
    assert fetched > 50  # 4000 x 3000: 8 x 6 tiles at full size, and the levels above
    for size in info["sizes"]:
        _get(f"{service}/full/{size['width']},{size['height']}/0/default.jpg")


def test_files_carry_the_credit(exported) -> None:
    base, _, _ = exported
    manifest = _json(f"{base}/iiif/3/kestrel-museum/1923.5/manifest.json")
    body = manifest["items"][0]["items"][0]["items"][0]["body"]
    data = _get(body["id"])
    assert b"http://creativecommons.org/publicdomain/mark/1.0/" in data
    assert b"Kestrel Museum of Art" in data


def test_discovery_and_pages_are_exported(exported) -> None:
    base, _, _ = exported
    stream = _json(f"{base}/iiif/discovery/all-changes.json")
    page = _json(stream["first"]["id"])
    assert len(page["orderedItems"]) == stream["totalItems"] == 36
    assert all(item["object"]["id"].endswith("/manifest.json") for item in page["orderedItems"])
    html = _get(f"{base}/objects/kestrel-museum/1923.5/index.html").decode()
    assert "/museum/static/" in html
    assert f"{base}/iiif/3/kestrel-museum/1923.5/manifest.json" in html


def test_a_second_export_rewrites_nothing(demo_app, exported) -> None:
    base, folder, _ = exported
    again = export_static(demo_app, folder, base)
    assert again.written == 0 and again.removed == 0 and again.unchanged > 1000


def test_withdrawn_objects_leave_the_export(runner, tmp_path: Path) -> None:
    images = tmp_path / "images"
    images.mkdir()
    for name in ("a.jpg", "b.jpg"):
        PILImage.new("RGB", (300, 200), "navy").save(images / name)
    export = tmp_path / "objects.csv"
    export.write_text("identifier,title,rights,images\n1,A,CC0,a.jpg\n2,B,CC0,b.jpg\n")
    runner.invoke(main, ["institution", "add", "tm", "--name", "T"])
    runner.invoke(main, ["import", str(export), "--institution", "tm", "--images", str(images)])
    out = tmp_path / "site"
    first = runner.invoke(main, ["export-static", str(out), "--base-url", "https://cdn.example"])
    assert first.exit_code == 0, first.stderr
    assert first.stdout.startswith(f"Exported 2 manifests and 2 images to {out}:")
    assert (out / "iiif/3/tm/2/manifest.json").is_file()
    export.write_text("identifier,title,rights,images\n1,A,CC0,a.jpg\n")
    runner.invoke(
        main, ["import", str(export), "--institution", "tm", "--images", str(images), "--full"]
    )
    second = runner.invoke(main, ["export-static", str(out), "--base-url", "https://cdn.example"])
    assert second.exit_code == 0
    assert not (out / "iiif/3/tm/2/manifest.json").exists()
    assert not (out / "objects/tm/2/index.html").exists()
    assert " removed" in second.stdout and ", 0 removed" not in second.stdout
    bad = runner.invoke(main, ["export-static", str(out), "--base-url", "cdn.example"])
    assert bad.exit_code == 2 and "must be an http(s) URL" in bad.stderr


def _ids(node: object) -> Iterator[tuple[str, str]]:
    """(id, type) of every resource a document names, however deep."""
    if isinstance(node, dict):
        if isinstance(node.get("id"), str):
            yield node["id"], str(node.get("type", ""))
        for value in node.values():
            yield from _ids(value)
    elif isinstance(node, list):
        for value in node:
            yield from _ids(value)


def _same_form(node: object, static_base: str) -> object:
    """A document with its URLs in one form, live or static, and services at
    one level: what is left must be the same on both sides."""
    if isinstance(node, dict):
        return {k: _same_form(v, static_base) for k, v in node.items() if k != "profile"}
    if isinstance(node, list):
        return [_same_form(v, static_base) for v in node]
    if isinstance(node, str):
        # Static ids: another base, .json and index.html files, names encoded twice.
        text = node.replace(static_base, BASE_URL).replace(".json", "")
        return text.replace("/index.html", "").replace("%25", "%")
    return node


@pytest.mark.parametrize(
    ("institution", "identifier", "static_segment"),
    [
        ("kestrel-museum", "KM 1901/3", "KM%25201901%252F3"),
        ("kestrel-museum", "2003.17", "2003.17"),
        ("stadtmuseum-lindenau", "SML-K-0210", "SML-K-0210"),
    ],
)
def test_everything_a_manifest_names_is_served_and_it_says_what_the_live_one_says(
    exported, demo_client, institution, identifier, static_segment
) -> None:
    from urllib.parse import quote

    base, _, _ = exported
    manifest = _json(f"{base}/iiif/3/{institution}/{static_segment}/manifest.json")
    live = demo_client.get(f"/iiif/3/{institution}/{quote(identifier, safe='')}/manifest")
    # The same manifest, but for the form of its URLs and the level of its services.
    assert _same_form(manifest, base) == _same_form(live.get_json(), base)
    checked = 0
    for url, kind in _ids(manifest):
        if not url.startswith(base):
            continue  # the museum's own homepage, elsewhere
        if kind == "ImageService3":
            assert _json(f"{url}/info.json")["id"] == url
        elif kind not in ("Canvas", "AnnotationPage", "Annotation"):
            data = _get(url)
            if url.endswith("/record.json"):
                assert json.loads(data)["identifier"] == identifier
        checked += 1
    assert checked > 10
    if identifier == "2003.17":  # in copyright: a thumbnail only, no download
        assert "rendering" not in manifest
        service = manifest["items"][0]["items"][0]["items"][0]["body"]["service"][0]["id"]
        info = _json(f"{service}/info.json")
        assert max(info["width"], info["height"]) == 400
    else:
        original = _get(manifest["rendering"][0]["id"])
        assert b"http://ns.adobe.com/xap/1.0/" in original
