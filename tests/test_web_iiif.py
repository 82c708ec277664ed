"""IIIF over HTTP, on the imported sample collections."""

from __future__ import annotations

import io
from collections.abc import Iterator
from urllib.parse import quote

import pytest
from flask import Flask
from PIL import Image
from sqlalchemy import func, select

from glampub import create_app
from glampub.models import CollectionObject, Institution
from glampub.models import Image as StoredImage
from tests.conftest import BASE_URL, assert_valid_iiif, database
from tests.iiif_urls import local_path, walk_manifests

PRESENTATION = 'application/ld+json;profile="http://iiif.io/api/presentation/3/context.json"'


def test_top_collection_lists_each_institution(demo_client, iiif_validator) -> None:
    response = demo_client.get("/iiif/3/collection")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == PRESENTATION
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    collection = response.get_json()
    assert_valid_iiif(iiif_validator, collection)
    assert [item["label"] for item in collection["items"]] == [
        {"none": ["Kestrel Museum of Art"]},
        {"none": ["Stadtmuseum Lindenau"]},
    ]


def test_every_published_manifest_validates_against_the_schema(demo_client, iiif_validator) -> None:
    manifests = walk_manifests(demo_client, f"{BASE_URL}/iiif/3/collection")
    # 40 sample objects, of which 4 have no image and so no manifest.
    assert len(manifests) == 36
    for url in manifests:
        response = demo_client.get(local_path(url))
        assert response.status_code == 200, url
        manifest = response.get_json()
        assert_valid_iiif(iiif_validator, manifest)
        assert manifest["id"] == url
        assert manifest["items"], url


def test_manifest_answers_with_etag_and_304(demo_client) -> None:
    path = "/iiif/3/kestrel-museum/1887.12/manifest"
    first = demo_client.get(path)
    assert first.status_code == 200
    etag = first.headers["ETag"]
    again = demo_client.get(path, headers={"If-None-Match": etag})
    assert again.status_code == 304
    assert again.headers["Access-Control-Allow-Origin"] == "*"
    assert demo_client.get(path).data == first.data


def test_identifiers_with_spaces_slashes_and_umlauts_round_trip(demo_client) -> None:
    for institution, identifier in (
        ("kestrel-museum", "KM 1901/3"),
        ("stadtmuseum-lindenau", "Ä-12"),
        ("stadtmuseum-lindenau", "SML G 1923/14"),
    ):
        path = f"/iiif/3/{institution}/{quote(identifier, safe='')}/manifest"
        response = demo_client.get(path)
        assert response.status_code == 200, identifier
        assert response.get_json()["id"] == BASE_URL + path
        page = demo_client.get(f"/objects/{institution}/{quote(identifier, safe='')}")
        assert page.status_code == 200, identifier


def test_unknown_objects_answer_404_with_a_json_body(demo_client) -> None:
    response = demo_client.get("/iiif/3/kestrel-museum/no-such-thing/manifest")
    assert response.status_code == 404
    assert response.get_json() == {
        "error": "Not Found",
        "status": 404,
        "message": "no object 'no-such-thing' in institution 'kestrel-museum'",
    }


def test_the_misattributed_public_domain_painting_keeps_what_the_museum_said(demo_client) -> None:
    manifest = demo_client.get("/iiif/3/kestrel-museum/1887.12/manifest").get_json()
    # Said CC BY 4.0: glampub never opens it up by itself; the warning is in the report.
    assert manifest["rights"] == "http://creativecommons.org/licenses/by/4.0/"
    assert manifest["requiredStatement"]["label"]["en"] == ["Attribution"]


def test_info_json_and_an_image_with_its_credit_inside(demo_client) -> None:
    manifest = demo_client.get("/iiif/3/kestrel-museum/1923.5/manifest").get_json()
    service = manifest["items"][0]["items"][0]["items"][0]["body"]["service"][0]["id"]
    info = demo_client.get(local_path(service) + "/info.json")
    assert info.status_code == 200
    assert info.headers["Access-Control-Allow-Origin"] == "*"
    assert info.get_json()["id"] == service
    assert info.get_json()["rights"] == "http://creativecommons.org/publicdomain/mark/1.0/"
    with demo_client.get(local_path(service) + "/full/200,/0/default.jpg") as image:
        assert image.status_code == 200
        assert image.headers["Content-Type"] == "image/jpeg"
        assert image.headers["Access-Control-Allow-Origin"] == "*"
        data = image.get_data()
    with Image.open(io.BytesIO(data)) as picture:
        assert picture.width == 200
        xmp = picture.info.get("xmp", b"")
    xmp_text = xmp.decode("utf-8") if isinstance(xmp, bytes) else xmp
    assert "Kestrel Museum of Art" in xmp_text
    assert "http://creativecommons.org/publicdomain/mark/1.0/" in xmp_text


def test_bad_image_requests_are_client_errors_never_500(demo_client) -> None:
    manifest = demo_client.get("/iiif/3/kestrel-museum/1923.5/manifest").get_json()
    service = local_path(manifest["thumbnail"][0]["service"][0]["id"])
    assert demo_client.get(service + "/full/max/0/default.gif").status_code in (400, 501)
    assert demo_client.get(service + "/nonsense/max/0/default.jpg").status_code == 400
    assert demo_client.get(service + "/full/max/45/default.jpg").status_code in (400, 501)
    assert demo_client.get("/iiif/image/3/unknown/info.json").status_code == 404


def test_provider_logo_is_served_by_the_image_service(demo_client) -> None:
    manifest = demo_client.get("/iiif/3/kestrel-museum/1923.5/manifest").get_json()
    logo = manifest["provider"][0]["logo"][0]
    with demo_client.get(local_path(logo["id"])) as response:
        assert response.status_code == 200
        assert response.headers["Content-Type"] == "image/png"


def test_health_check_answers_when_the_database_does(demo_client) -> None:
    response = demo_client.get("/healthz")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok"}


def test_iiif_answers_do_not_vary_on_the_session_cookie(demo_client) -> None:
    # Flask-Login reads the session on every request; a page that shows who is
    # signed in varies on the cookie, a IIIF document the same for all must not,
    # or no shared cache (a CDN, a proxy) would keep it.
    manifest = demo_client.get("/iiif/3/kestrel-museum/KM%201901%2F3/manifest")
    assert manifest.status_code == 200
    assert "cookie" not in {v.lower() for v in manifest.headers.get("Vary", "").split(", ")}
    home = demo_client.get("/")
    assert "Cookie" in home.headers["Vary"]


@pytest.fixture
def three_per_page(demo_app: Flask) -> Iterator[Flask]:
    """The sample collections served with collection pages of three manifests."""
    config = {name: demo_app.config[name] for name in ("DATA_DIR", "DATABASE_URL", "BASE_URL")}
    app = create_app({**config, "TESTING": True, "COLLECTION_PAGE_SIZE": 3})
    yield app
    database(app).dispose()


def test_collection_pages_list_every_manifest_once_in_identifier_order(
    three_per_page: Flask, iiif_validator
) -> None:
    client = three_per_page.test_client()
    with database(three_per_page).transaction() as session:
        identifiers = session.scalars(
            select(CollectionObject.identifier)
            .join(Institution)
            .where(
                Institution.slug == "kestrel-museum",
                CollectionObject.status == "published",
                CollectionObject.images.any(StoredImage.width.is_not(None)),
            )
        ).all()
        published = session.scalar(
            select(func.count())
            .select_from(CollectionObject)
            .join(Institution)
            .where(Institution.slug == "kestrel-museum", CollectionObject.status == "published")
        )
    expected = [
        f"{BASE_URL}/iiif/3/kestrel-museum/{quote(i, safe='')}/manifest"
        for i in sorted(identifiers)
    ]
    assert len(expected) > 6  # three pages at least

    collection = client.get("/iiif/3/collection/kestrel-museum").get_json()
    summary = f"{len(expected)} objects with images of {published} published"
    assert collection["summary"] == {"en": [summary]}
    pages = collection["items"]
    assert len(pages) == -(-len(expected) // 3)
    listed = []
    for number, page in enumerate(pages, 1):
        assert page["id"] == f"{BASE_URL}/iiif/3/collection/kestrel-museum/page/{number}"
        document = client.get(local_path(page["id"])).get_json()
        assert_valid_iiif(iiif_validator, document)
        assert 1 <= len(document["items"]) <= 3
        listed.extend(item["id"] for item in document["items"])
    assert listed == expected
    missing = client.get(f"/iiif/3/collection/kestrel-museum/page/{len(pages) + 1}")
    assert missing.status_code == 404
    top = client.get("/iiif/3/collection").get_json()
    assert any(item["id"].endswith("/collection/kestrel-museum") for item in top["items"])
