"""What a manifest links to, followed like a viewer or a re-user would: the
original download with its credit, the record as JSON, thumbnail-only images
of in-copyright items, collections with provider and thumbnails, and the
institution's opt-ins from the command line."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from PIL import Image, ImageChops

from glampub import create_app
from glampub.cli import main
from glampub.images.original import XMP_SIGNATURE, write_with_xmp
from glampub.images.policy import THUMBNAIL_ONLY_SIDE, thumbnail_only
from tests.conftest import BASE_URL, assert_valid_iiif, database
from tests.iiif_urls import local_path

PDM = "http://creativecommons.org/publicdomain/mark/1.0/"
INC = "http://rightsstatements.org/vocab/InC/1.0/"


def _masters(app) -> dict[str, Path]:
    from sqlalchemy import select

    from glampub.models import Image as ImageRow

    with app.app_context():
        session = database(app).session()
        rows = session.execute(select(ImageRow.public_id, ImageRow.file_path)).all()
    return {public_id: Path(app.config["DATA_DIR"]) / path for public_id, path in rows if path}


@pytest.mark.parametrize(
    ("uri", "full_allowed", "expected"),
    [
        (INC, False, True),
        ("http://rightsstatements.org/vocab/InC-EDU/1.0/", False, True),
        ("http://rightsstatements.org/vocab/CNE/1.0/", False, True),
        (None, False, True),  # not decided yet: never guess toward openness
        ("http://rightsstatements.org/vocab/NoC-NC/1.0/", False, False),
        ("http://creativecommons.org/licenses/by-nc-nd/4.0/", False, False),
        (PDM, False, False),
        (INC, True, False),
    ],
)
def test_which_images_are_thumbnail_only(uri, full_allowed, expected) -> None:
    assert thumbnail_only(uri, full_allowed) is expected


@pytest.mark.parametrize(
    ("identifier", "extension"), [("1923.5", "jpg"), ("2020.11", "png")], ids=["jpeg", "png"]
)
def test_the_download_is_the_original_with_the_credit_spliced_in(
    demo_app, demo_client, identifier: str, extension: str
) -> None:
    manifest = demo_client.get(f"/iiif/3/kestrel-museum/{identifier}/manifest").get_json()
    rendering = manifest["items"][0]["rendering"][0]
    assert rendering["id"].endswith(f".{extension}")
    with demo_client.get(local_path(rendering["id"])) as response:
        assert response.status_code == 200
        assert response.headers["Content-Type"] == rendering["format"]
        disposition = response.headers["Content-Disposition"]
        data = response.data
        etag = response.headers["ETag"]
    assert disposition.startswith('attachment; filename="kestrel-museum-')
    image_id = rendering["id"].rsplit("/", 1)[1].split(".")[0]
    master = _masters(demo_app)[image_id]
    with Image.open(io.BytesIO(data)) as served, Image.open(master) as original:
        assert served.size == original.size
        # Not re-encoded: the very same pixels.
        assert (
            ImageChops.difference(served.convert("RGB"), original.convert("RGB")).getbbox() is None
        )
        xmp = served.info.get("xmp") or served.info.get("XML:com.adobe.xmp")
    text = xmp.decode() if isinstance(xmp, bytes) else xmp
    assert "Kestrel Museum of Art" in text and "cc:license" in text
    assert len(data) - master.stat().st_size < 4096  # only the packet was added
    again = demo_client.get(local_path(rendering["id"]), headers={"If-None-Match": etag})
    assert again.status_code == 304


def test_an_older_xmp_packet_is_replaced_not_doubled(tmp_path: Path) -> None:
    master = tmp_path / "master.jpg"
    Image.new("RGB", (40, 30), "teal").save(master, exif=Image.Exif(), xmp=b"<old-packet/>")
    target = tmp_path / "out.jpg"
    write_with_xmp(master, target, b"<new-packet/>")
    data = target.read_bytes()
    assert data.count(XMP_SIGNATURE) == 1 and b"<new-packet/>" in data
    assert b"<old-packet/>" not in data
    with Image.open(target) as out:
        assert out.size == (40, 30) and out.info["xmp"] == b"<new-packet/>"


def test_in_copyright_images_are_published_as_thumbnails_only(demo_client, iiif_validator):
    manifest = demo_client.get("/iiif/3/kestrel-museum/2003.17/manifest").get_json()
    assert_valid_iiif(iiif_validator, manifest)
    assert manifest["rights"] == INC
    assert "rendering" not in manifest
    canvas = manifest["items"][0]
    body = canvas["items"][0]["items"][0]["body"]
    assert "rendering" not in canvas
    assert max(body["width"], body["height"]) == THUMBNAIL_ONLY_SIDE
    assert (canvas["width"], canvas["height"]) == (1200, 900)  # the canvas keeps its size
    service = local_path(body["service"][0]["id"])
    info = demo_client.get(f"{service}/info.json").get_json()
    assert (info["width"], info["height"]) == (400, 300)
    with demo_client.get(f"{service}/full/max/0/default.jpg") as response:
        assert Image.open(io.BytesIO(response.data)).size == (400, 300)
    # A small region is a small part of the thumbnail, never of the master.
    with demo_client.get(f"{service}/0,0,100,100/max/0/default.jpg") as response:
        assert Image.open(io.BytesIO(response.data)).size == (100, 100)
    refused = demo_client.get(f"{service}/full/1200,/0/default.jpg")
    assert refused.status_code == 400
    download = demo_client.get(f"/iiif/download/{service.rsplit('/', 1)[1]}.jpg")
    assert download.status_code == 403
    assert "in copyright" in download.get_json()["message"]
    assert demo_client.get("/iiif/download/logo-kestrel-museum.png").status_code == 404
    assert demo_client.get("/iiif/download/unknown.jpg").status_code == 404


def test_the_record_as_json_is_the_second_see_also(demo_client) -> None:
    manifest = demo_client.get("/iiif/3/kestrel-museum/KM%201901%2F3/manifest").get_json()
    source, record_ref = manifest["seeAlso"]
    assert source["format"] == "text/csv" and record_ref["format"] == "application/json"
    response = demo_client.get(local_path(record_ref["id"]))
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "application/json"
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    record = response.get_json()
    assert record["id"] == record_ref["id"]
    assert record["identifier"] == "KM 1901/3"
    assert record["manifest"] == manifest["id"]
    assert record["rights"]["uri"] == PDM
    assert record["creators"][0]["name"] == "Ashdown, Margaret"
    assert [image["position"] for image in record["images"]] == [1, 2]
    assert record["source_record"]["id"] == source["id"]
    assert demo_client.get("/iiif/3/kestrel-museum/nothing/record").status_code == 404


def test_collections_name_their_providers_and_show_thumbnails(demo_client, iiif_validator):
    top = demo_client.get("/iiif/3/collection").get_json()
    assert_valid_iiif(iiif_validator, top)
    assert [agent["label"] for agent in top["provider"]] == [
        {"none": ["Kestrel Museum of Art"]},
        {"none": ["Stadtmuseum Lindenau"]},
    ]
    assert top["thumbnail"][0]["service"][0]["profile"] == "level2"
    for item in top["items"]:
        collection = demo_client.get(local_path(item["id"])).get_json()
        assert_valid_iiif(iiif_validator, collection)
        assert collection["thumbnail"] == item["thumbnail"]
        assert collection["provider"][0]["label"] == item["label"]


def test_institution_opt_ins_from_the_command_line(runner, tmp_path: Path) -> None:
    images = tmp_path / "images"
    images.mkdir()
    for name in ("pd.jpg", "inc.jpg"):
        Image.new("RGB", (1600, 1200), "olive").save(images / name)
    export = tmp_path / "objects.csv"
    export.write_text(
        f"identifier,title,rights,images\npd,Harbour,{PDM},pd.jpg\ninc,Gulls,{INC},inc.jpg\n"
    )
    assert runner.invoke(main, ["institution", "add", "tm", "--name", "Test Museum"]).exit_code == 0
    imported = runner.invoke(
        main, ["import", str(export), "--institution", "tm", "--images", str(images)]
    )
    assert imported.exit_code == 0, imported.stderr
    app = create_app({"TESTING": True, "BASE_URL": BASE_URL})
    client = app.test_client()
    try:
        public_domain = client.get("/iiif/3/tm/pd/manifest").get_json()
        assert "requiredStatement" not in public_domain  # credit is a courtesy, not a condition
        in_copyright = client.get("/iiif/3/tm/inc/manifest").get_json()
        body = in_copyright["items"][0]["items"][0]["items"][0]["body"]
        assert (body["width"], body["height"]) == (400, 300)

        result = runner.invoke(
            main,
            [
                "institution",
                "add",
                "tm",
                "--name",
                "Test Museum",
                "--courtesy-statement",
                "--in-copyright-images",
                "full",
            ],
        )
        assert result.exit_code == 0, result.stderr
        public_domain = client.get("/iiif/3/tm/pd/manifest").get_json()
        statement = public_domain["requiredStatement"]
        assert statement["label"]["en"] == ["Courtesy of"]
        assert statement["value"] == {"none": ["Test Museum"]}
        in_copyright = client.get("/iiif/3/tm/inc/manifest").get_json()
        body = in_copyright["items"][0]["items"][0]["items"][0]["body"]
        assert (body["width"], body["height"]) == (1600, 1200)
        download = in_copyright["rendering"][0]["id"]
        with client.get(local_path(download)) as response:
            assert response.status_code == 200
    finally:
        database(app).dispose()


def test_an_in_copyright_object_page_offers_no_download_and_says_whom_to_ask(demo_client):
    page = demo_client.get("/objects/kestrel-museum/2003.17").get_data(as_text=True)
    assert 'class="button download"' not in page
    assert "Only a small image is published: the work may still be in copyright." in page
    assert "Ask Kestrel Museum of Art for the full image." in page
    refused = demo_client.get("/objects/kestrel-museum/2003.17/download/1")
    assert refused.status_code == 403
    assert "in copyright" in refused.get_data(as_text=True)
    free = demo_client.get("/objects/kestrel-museum/KM%201901%2F3").get_data(as_text=True)
    assert 'class="button download"' in free
