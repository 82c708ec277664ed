"""Images wherever they live: every URL reference is classified by what it answers,
remote IIIF Image API services are referenced (not copied) on valid canvases, and
in-copyright images still publish only glampub's own thumbnail. Imported through
``glampub import --fetch-images`` from a local server, read back over HTTP."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask.testing import FlaskClient
from sqlalchemy import select

from glampub import create_app
from glampub.cli import main
from glampub.models import CollectionObject, Image
from tests.conftest import BASE_URL, assert_valid_iiif, database
from tests.image_server import ImageServer, image_server, jpeg_bytes

CC0 = "CC0"
INC = "http://rightsstatements.org/vocab/InC/1.0/"


def _info3(server: ImageServer, name: str, width: int, height: int) -> str:
    base = server.url(f"/iiif3/{name}")
    info = {
        "@context": "http://iiif.io/api/image/3/context.json",
        "id": base,
        "type": "ImageService3",
        "protocol": "http://iiif.io/api/image",
        "profile": "level2",
        "width": width,
        "height": height,
    }
    server.answers[f"/iiif3/{name}/info.json"] = (
        200,
        "application/ld+json",
        json.dumps(info).encode(),
    )
    server.headers[f"/iiif3/{name}/info.json"] = {"ETag": f'"{name}-1"'}
    side = 400 / max(width, height)
    small = jpeg_bytes(round(width * side), round(height * side), "navy")
    server.answers[f"/iiif3/{name}/full/!400,400/0/default.jpg"] = (200, "image/jpeg", small)
    return base


def _info2(server: ImageServer, name: str, width: int, height: int) -> str:
    base = server.url(f"/iiif2/{name}")
    info = {
        "@context": "http://iiif.io/api/image/2/context.json",
        "@id": base,
        "protocol": "http://iiif.io/api/image",
        "profile": ["http://iiif.io/api/image/2/level1.json", {"formats": ["jpg"]}],
        "width": width,
        "height": height,
    }
    server.answers[f"/iiif2/{name}/info.json"] = (
        200,
        "application/json",
        json.dumps(info).encode(),
    )
    server.answers[f"/iiif2/{name}/full/!400,400/0/default.jpg"] = (
        200,
        "image/jpeg",
        jpeg_bytes(300, 400, "maroon"),
    )
    return base


def _manifest(server: ImageServer, services: list[tuple[str, int, int]]) -> str:
    """A Presentation 3 manifest whose canvases paint these services (id, width, height)."""
    canvases = []
    for number, (service, width, height) in enumerate(services, 1):
        canvas = server.url(f"/m/canvas/{number}")
        canvases.append(
            {
                "id": canvas,
                "type": "Canvas",
                "width": width,
                "height": height,
                "items": [
                    {
                        "id": f"{canvas}/page",
                        "type": "AnnotationPage",
                        "items": [
                            {
                                "id": f"{canvas}/annotation",
                                "type": "Annotation",
                                "motivation": "painting",
                                "target": canvas,
                                "body": {
                                    "id": f"{service}/full/max/0/default.jpg",
                                    "type": "Image",
                                    "format": "image/jpeg",
                                    "service": [
                                        {
                                            "id": service,
                                            "type": "ImageService3",
                                            "profile": "level2",
                                        }
                                    ],
                                },
                            }
                        ],
                    }
                ],
            }
        )
    manifest = {
        "@context": "http://iiif.io/api/presentation/3/context.json",
        "id": server.url("/m/manifest.json"),
        "type": "Manifest",
        "label": {"en": ["A museum's manifest"]},
        "items": canvases,
    }
    server.answers["/m/manifest.json"] = (200, "application/ld+json", json.dumps(manifest).encode())
    return server.url("/m/manifest.json")


@pytest.fixture
def museum(runner, tmp_path) -> Iterator[tuple[ImageServer, FlaskClient, dict]]:
    """An export whose images all live on a museum's server, imported with --fetch-images."""
    with image_server() as server:
        v3 = _info3(server, "harbour", 4000, 3000)
        v2 = _info2(server, "letter", 1800, 2400)
        _info3(server, "base", 1200, 800)
        server.answers["/iiif3/base"] = (200, "text/html", b"<html><body>viewer</body></html>")
        one = _info3(server, "page-1", 2000, 1500)
        two = _info3(server, "page-2", 1500, 2000)
        server.answers["/plain.jpg"] = (200, "image/jpeg", jpeg_bytes(120, 90))
        server.answers["/page.jpg"] = (200, "text/html", b"<!DOCTYPE html><html>Login</html>")
        rows = [
            ("v3", CC0, f"{v3}/info.json"),
            ("v2", CC0, f"{v2}/full/full/0/default.jpg"),
            ("base", CC0, server.url("/iiif3/base")),
            ("manifest", CC0, _manifest(server, [(one, 2000, 1500), (two, 1500, 2000)])),
            ("plain", CC0, server.url("/plain.jpg")),
            ("html", CC0, server.url("/page.jpg")),
            ("secret", INC, f"{v3}/info.json"),
            ("missing", CC0, server.url("/gone.jpg")),
            ("none", CC0, ""),
        ]
        export = tmp_path / "web.csv"
        lines = "".join(f"{i},Object {i},{rights},{url}\n" for i, rights, url in rows)
        export.write_text("identifier,title,rights,images\n" + lines, "utf-8")
        runner.invoke(main, ["institution", "add", "tm", "--name", "T"])
        done = runner.invoke(
            main, ["import", str(export), "--institution", "tm", "--fetch-images", "--json"]
        )
        # 0: every record is in; the two references that are not images are
        # warnings, each named.
        assert done.exit_code == 0, done.output
        report = json.loads(done.stdout)
        app = create_app({"TESTING": True, "BASE_URL": BASE_URL})
        try:
            yield server, app.test_client(), report
        finally:
            database(app).dispose()


def _body(manifest: dict, canvas: int = 0) -> dict:
    return manifest["items"][canvas]["items"][0]["items"][0]["body"]


def test_each_reference_is_classified_by_what_it_answers(museum) -> None:
    _, client, report = museum
    problems = {p["record"]: (p["code"], p["message"]) for p in report["problems"]}
    assert set(problems) == {"html", "missing"}
    assert problems["html"][0] == "not-an-image"
    assert "is not an image: it is an HTML page" in problems["html"][1]
    assert problems["missing"][0] == "image-fetch-failed"
    with database(client.application).transaction() as session:
        rows = session.execute(
            select(CollectionObject.identifier, Image.reference_class, Image.state)
            .join(Image.object)
            .order_by(CollectionObject.identifier, Image.position)
        ).all()
    assert [tuple(row) for row in rows] == [
        ("base", "iiif-image", None),  # a base URI whose info.json answers
        ("html", "link", "failed"),
        ("manifest", "iiif-manifest", None),  # one image per canvas
        ("manifest", "iiif-manifest", None),
        ("missing", "url", "failed"),
        ("plain", "image-url", None),
        ("secret", "iiif-image", None),
        ("v2", "iiif-image", None),  # an Image API request URL
        ("v3", "iiif-image", None),
    ]


def test_a_remote_iiif_service_is_painted_on_a_valid_canvas(museum, iiif_validator) -> None:
    server, client, _ = museum
    manifest = client.get("/iiif/3/tm/v3/manifest").get_json()
    assert_valid_iiif(iiif_validator, manifest)
    canvas = manifest["items"][0]
    assert (canvas["width"], canvas["height"]) == (4000, 3000)
    body = _body(manifest)
    assert body["id"] == server.url("/iiif3/harbour/full/max/0/default.jpg")
    assert body["service"] == [
        {"id": server.url("/iiif3/harbour"), "type": "ImageService3", "profile": "level2"}
    ]
    assert "rendering" not in canvas  # the original is the museum's to offer

    v2 = client.get("/iiif/3/tm/v2/manifest").get_json()
    assert_valid_iiif(iiif_validator, v2)
    assert (v2["items"][0]["width"], v2["items"][0]["height"]) == (1800, 2400)
    assert _body(v2)["service"] == [
        {
            "@id": server.url("/iiif2/letter"),
            "@type": "ImageService2",
            "profile": "http://iiif.io/api/image/2/level1.json",
        }
    ]
    assert _body(v2)["id"] == server.url("/iiif2/letter/full/full/0/default.jpg")

    pages = client.get("/iiif/3/tm/manifest/manifest").get_json()
    assert_valid_iiif(iiif_validator, pages)
    assert [(c["width"], c["height"]) for c in pages["items"]] == [(2000, 1500), (1500, 2000)]
    base = client.get("/iiif/3/tm/base/manifest").get_json()
    assert _body(base)["service"][0]["id"] == server.url("/iiif3/base")


def test_a_thumbnail_only_remote_image_never_points_at_the_museums_service(
    museum, iiif_validator
) -> None:
    server, client, _ = museum
    manifest = client.get("/iiif/3/tm/secret/manifest").get_json()
    assert_valid_iiif(iiif_validator, manifest)
    assert server.base not in json.dumps(manifest)
    service = _body(manifest)["service"][0]["id"].removeprefix(BASE_URL)
    info = client.get(f"{service}/info.json").get_json()
    assert max(info["width"], info["height"]) <= 400
    with client.get(f"{service}/full/max/0/default.jpg") as picture:
        assert picture.status_code == 200
        assert picture.get_data()[:3] == b"\xff\xd8\xff"


def test_reimporting_revalidates_info_json_with_a_conditional_get(museum, runner, tmp_path):
    server, _, _ = museum
    asked = len(server.request_headers)
    export = Path(tmp_path / "again.csv")
    export.write_text(
        "identifier,title,rights,images\n"
        f"v3,Object v3,CC0,{server.url('/iiif3/harbour/info.json')}\n",
        "utf-8",
    )
    with image_server() as other:
        del other  # only for GLAMPUB_FETCH_ALLOW; the museum's server is still up
        done = runner.invoke(
            main, ["import", str(export), "--institution", "tm", "--fetch-images", "--json"]
        )
    # The import is followed by a harvest of the institution: the two references
    # that are not images are still warnings, each named; every record is in (0).
    assert done.exit_code == 0, done.output
    assert json.loads(done.stdout)["unchanged"] == 1
    paths = server.requests[asked:]
    again = server.request_headers[asked:]
    # Asked once for both records that name it, conditionally, and answered 304;
    # its thumbnail is not fetched again.
    harbour = [h for p, h in zip(paths, again, strict=True) if p == "/iiif3/harbour/info.json"]
    assert [h.get("If-None-Match") for h in harbour] == ['"harbour-1"']
    assert ("/iiif3/harbour/info.json", 304) in server.statuses
    assert not any(p.startswith("/iiif3/harbour/full/") for p in paths)


def test_references_not_shown_say_why_and_link_the_museum_without_hot_linking(museum) -> None:
    server, client, _ = museum
    html = client.get("/objects/tm/missing").get_data(as_text=True)
    gone = server.url("/gone.jpg")
    assert "No image of this object is shown here yet." in html
    assert f'<a href="{gone}" rel="nofollow noopener">' in html
    assert "the image could not be fetched (the server answered HTTP 404 Not Found)." in html
    assert f'src="{gone}"' not in html
    page = client.get("/objects/tm/html").get_data(as_text=True)
    assert "this link is not an image (it is an HTML page, not an image)." in page
    # What is shown links no museum server as an image either.
    shown = client.get("/objects/tm/v3").get_data(as_text=True)
    assert f'src="{server.base}' not in shown
    assert "serves this image from its own IIIF server" in shown
    # The page's pictures are glampub's own copy of the service's thumbnail.
    own = re.search(r'src="(?:http://glampub\.test)?(/iiif/image/3/[^"/]+)/', shown)
    assert own is not None
    info = client.get(f"{own[1]}/info.json").get_json()
    assert (info["width"], info["height"]) == (400, 300)
    with client.get(f"{own[1]}/full/max/0/default.jpg") as picture:
        assert picture.status_code == 200
    # The original is the museum's to offer: glampub only holds a thumbnail of it.
    assert client.get("/objects/tm/v3/download/1").status_code == 403


def test_the_record_json_lists_every_reference_with_its_class_and_state(museum) -> None:
    server, client, _ = museum
    missing = client.get("/iiif/3/tm/missing/record").get_json()
    assert missing["images"] == []
    assert missing["image_references"] == [
        {
            "position": 1,
            "url": server.url("/gone.jpg"),
            "class": "url",
            "state": "failed",
            "reason": "the server answered HTTP 404 Not Found",
        }
    ]
    v3 = client.get("/iiif/3/tm/v3/record").get_json()
    assert v3["image_references"] == [
        {
            "position": 1,
            "url": server.url("/iiif3/harbour/info.json"),
            "class": "iiif-image",
            "state": "available",
        }
    ]
    assert v3["images"][0]["remote_service"] == server.url("/iiif3/harbour")
    assert client.get("/iiif/3/tm/secret/record").get_json()["images"][0]["remote_service"] is None


def test_an_object_without_an_image_is_published_but_has_no_manifest(museum) -> None:
    _, client, _ = museum
    assert client.get("/objects/tm/none").status_code == 200
    record = client.get("/iiif/3/tm/none/record").get_json()
    assert (record["images"], record["image_references"]) == ([], [])
    assert client.get("/iiif/3/tm/none/manifest").status_code == 404
    assert "/objects/tm/none" in client.get("/search?q=none").get_data(as_text=True)
    collection = client.get("/iiif/3/collection/tm").get_json()
    # base, manifest, plain, secret, v2 and v3 have images; html and missing
    # are links, and none has no image at all.
    assert collection["summary"] == {"en": ["6 objects with images of 9 published"]}
    assert len(collection["items"]) == 6


def test_without_fetching_a_reference_is_pending_and_its_link_is_shown(runner, tmp_path) -> None:
    export = tmp_path / "later.csv"
    export.write_text(
        "identifier,title,rights,images\n"
        "p,Later,CC0,https://images.museum.example/iiif/p1/info.json\n",
        "utf-8",
    )
    runner.invoke(main, ["institution", "add", "tm", "--name", "T"])
    done = runner.invoke(main, ["import", str(export), "--institution", "tm"])
    assert done.exit_code == 0, done.output
    app = create_app({"TESTING": True, "BASE_URL": BASE_URL})
    try:
        client = app.test_client()
        record = client.get("/iiif/3/tm/p/record").get_json()
        assert record["image_references"] == [
            {
                "position": 1,
                "url": "https://images.museum.example/iiif/p1/info.json",
                "class": "iiif-image",
                "state": "pending",
            }
        ]
        html = client.get("/objects/tm/p").get_data(as_text=True)
        assert "the image is being prepared." in html
    finally:
        database(app).dispose()


def test_the_static_export_references_the_remote_service_and_holds_the_thumbnail(
    museum, runner, tmp_path
) -> None:
    server, _, _ = museum
    out = tmp_path / "site"
    done = runner.invoke(main, ["export-static", str(out), "--base-url", "https://cdn.example"])
    assert done.exit_code == 0, done.output
    manifests = {
        path.parent.name: json.loads(path.read_text("utf-8"))
        for path in out.rglob("iiif/3/tm/*/manifest.json")
    }
    assert _body(manifests["v3"])["service"][0]["id"] == server.url("/iiif3/harbour")
    assert server.base not in json.dumps(manifests["secret"])
    assert "none" not in manifests and "missing" not in manifests


def test_what_the_harvest_wrote_passes_the_integrity_check(museum) -> None:
    # A manifest's canvases replaced its one row, the rows after it moved down, and
    # every object's content hash, revision and change event follow what it publishes.
    from glampub.integrity import check_integrity

    _, client, _ = museum
    app = client.application
    assert check_integrity(database(app).engine, Path(app.config["DATA_DIR"])).problems == []
    positions = [
        canvas["id"].rsplit("/", 1)[-1]
        for canvas in client.get("/iiif/3/tm/manifest/manifest").get_json()["items"]
    ]
    assert len(positions) == 2
