"""The Image API over HTTP: limits and upscaling, validators, headers, errors."""

from __future__ import annotations

import io
from urllib.parse import quote

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from PIL import Image

from tests.conftest import BASE_URL

LEVEL2 = "http://iiif.io/api/image/3/level2.json"
PDM = "http://creativecommons.org/publicdomain/mark/1.0/"


@pytest.fixture
def service(demo_client) -> str:
    manifest = demo_client.get("/iiif/3/kestrel-museum/1923.5/manifest").get_json()
    body = manifest["items"][0]["items"][0]["items"][0]["body"]
    return body["service"][0]["id"].removeprefix(BASE_URL)


def _size(data: bytes) -> tuple[int, int]:
    with Image.open(io.BytesIO(data)) as picture:
        return picture.size


def test_info_json_declares_its_limits_and_so_offers_upscaling(demo_app, demo_client, service):
    info = demo_client.get(f"{service}/info.json").get_json()
    assert info["profile"] == "level2"
    # "^" enlarges a region at most to the whole image's size, within maxArea.
    assert (info["maxWidth"], info["maxHeight"]) == (info["width"], info["height"])
    area = info["width"] * info["height"]
    assert area < demo_app.config["IMAGE_MAX_AREA"]
    assert info["maxArea"] == area
    assert "sizeUpscaling" in info["extraFeatures"]
    assert info["rights"] == PDM
    assert info["tiles"][0]["width"] == 512
    assert info["sizes"][-1] == {"width": info["width"], "height": info["height"]}


def test_caret_sizes_upscale_a_region_up_to_the_image_size(demo_app, demo_client, service):
    info = demo_client.get(f"{service}/info.json").get_json()
    width, height = info["width"], info["height"]
    with demo_client.get(f"{service}/0,0,100,100/^max/0/default.png") as response:
        assert response.status_code == 200
        assert _size(response.data) == (min(width, height), min(width, height))
    with demo_client.get(f"{service}/0,0,100,100/^pct:300/0/default.png") as response:
        assert _size(response.data) == (300, 300)
    limits = f"maxWidth {width}, maxHeight {height}, maxArea {width * height}"
    refused = demo_client.get(f"{service}/full/^pct:150/0/default.png")
    assert refused.status_code == 400
    assert refused.get_json()["message"] == (
        f"size '^pct:150' ({round(width * 1.5)}x{round(height * 1.5)}) "
        f"is beyond this image's limits ({limits})"
    )
    demo_app.config["IMAGE_MAX_AREA"], before = 1_000_000, demo_app.config["IMAGE_MAX_AREA"]
    try:
        with demo_client.get(f"{service}/full/^max/0/default.jpg") as response:
            width, height = _size(response.data)
        assert width * height <= 1_000_000 and width * height > 990_000
        refused = demo_client.get(f"{service}/full/^3000,3000/0/default.jpg")
        assert refused.status_code == 400
        assert refused.get_json()["message"] == (
            f"size '^3000,3000' (3000x3000) is beyond this image's limits "
            f"(maxWidth {info['width']}, maxHeight {info['height']}, maxArea 1000000)"
        )
    finally:
        demo_app.config["IMAGE_MAX_AREA"] = before


def test_an_image_names_its_canonical_url_profile_and_licence(demo_client, service) -> None:
    with demo_client.get(f"{service}/full/pct:50/0/default.jpg") as response:
        assert response.status_code == 200
        info = demo_client.get(f"{service}/info.json").get_json()
        half = f"{round(info['width'] / 2)},{round(info['height'] / 2)}"
        links = response.headers["Link"]
        etag = response.headers["ETag"]
        length = int(response.headers["Content-Length"])
        assert len(response.data) == length
        assert response.headers["Last-Modified"].endswith(" GMT")
        assert response.headers["Cache-Control"] == "public, max-age=86400"
    assert f'<{BASE_URL}{service}/full/{half}/0/default.jpg>;rel="canonical"' in links
    assert f'<{LEVEL2}>;rel="profile"' in links
    assert f'<{PDM}>;rel="license"' in links
    # The same image asked for in another spelling is the same file.
    with demo_client.get(f"{service}/full/{half}/0/default.jpg") as same:
        assert same.headers["ETag"] == etag
    again = demo_client.get(f"{service}/full/pct:50/0/default.jpg", headers={"If-None-Match": etag})
    assert again.status_code == 304
    assert again.headers["Access-Control-Allow-Origin"] == "*"
    with demo_client.head(f"{service}/full/pct:50/0/default.jpg") as head:
        assert head.status_code == 200 and head.data == b""
        assert int(head.headers["Content-Length"]) == length


@pytest.mark.parametrize(
    ("tail", "status", "message"),
    [
        (
            "full/max/0/default.gif",
            400,
            "format 'gif' is not offered here; use one of jpg, png, webp",
        ),
        (
            "full/max/0/default.tif",
            400,
            "format 'tif' is not offered here; use one of jpg, png, webp",
        ),
        (
            "full/max/0/sepia.jpg",
            400,
            "quality 'sepia' is not supported; use one of default, color, gray, bitonal",
        ),
        (
            "nonsense/max/0/default.jpg",
            400,
            "region 'nonsense' is not full, square, x,y,w,h or pct:x,y,w,h",
        ),
        (
            "99999,0,10,10/max/0/default.jpg",
            400,
            "region '99999,0,10,10' lies outside the image (1400x1000)",
        ),
        (
            "full/5000,/0/default.jpg",
            400,
            "size '5000,' is larger than the region (1400x1000); "
            "prefix it with ^ to ask for upscaling",
        ),
        (
            "full/max/45/default.jpg",
            400,
            "rotation '45' is not supported; use 0, 90, 180 or 270 (! mirrors)",
        ),
    ],
)
def test_bad_requests_say_what_was_wrong(demo_client, service, tail, status, message) -> None:
    response = demo_client.get(f"{service}/{tail}")
    assert response.status_code == status
    assert response.get_json()["message"] == message
    assert response.headers["Access-Control-Allow-Origin"] == "*"


def test_unknown_images_are_404_with_a_reason(demo_client) -> None:
    for path in ("/iiif/image/3/unknown/info.json", "/iiif/image/3/unknown/full/max/0/default.jpg"):
        response = demo_client.get(path)
        assert response.status_code == 404
        assert response.get_json()["message"] == "no image 'unknown'"


_SEGMENT = st.text(
    alphabet=st.sampled_from("0123456789,.:!^-pctfulmaxsquregbidoyjnwe%"), min_size=0, max_size=14
)


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(region=_SEGMENT, size=_SEGMENT, rotation=_SEGMENT, quality=_SEGMENT, fmt=_SEGMENT)
def test_any_image_url_is_answered_never_with_a_server_error(
    demo_client, service, region, size, rotation, quality, fmt
) -> None:
    url = f"{service}/{quote(region)}/{quote(size)}/{quote(rotation)}/{quote(quality)}.{quote(fmt)}"
    with demo_client.get(url) as response:
        assert response.status_code in (200, 400, 404, 501), (url, response.status_code)
        if response.status_code != 200:
            assert response.get_json()["message"]


def test_only_listed_sizes_and_grid_tiles_are_kept_on_disk(demo_app, demo_client, service):
    from pathlib import Path

    cache = Path(demo_app.config["DATA_DIR"]) / "cache" / "iiif" / service.rsplit("/", 1)[1]

    def kept() -> set[str]:
        return {p.name for p in cache.rglob("*") if p.is_file()} if cache.exists() else set()

    before = kept()
    for tail in (
        "512,0,512,512/512,512/0/default.jpg",  # a tile of the info.json grid
        "0,0,1024,1000/512,/0/default.jpg",  # a tile at scale factor 2 (cut at the edge)
        "full/!400,400/0/default.png",  # the whole image at a size our documents name
        "full/350,/0/default.webp",  # the whole image at a size info.json lists
        "10,10,100,100/max/0/default.jpg",  # an arbitrary region: answered, not kept
        "512,0,512,512/300,/0/default.jpg",  # a grid region at another size: likewise
        "full/!150,150/0/default.png",  # the whole image at a size nobody lists: likewise
        "full/350,/90/default.jpg",  # a listed size, turned: likewise
        "full/350,/0/gray.jpg",  # a listed size in another quality: likewise
    ):
        with demo_client.get(f"{service}/{tail}") as first:
            assert first.status_code == 200, tail
            data, etag = first.data, first.headers["ETag"]
        with demo_client.get(f"{service}/{tail}") as again:
            assert (again.data, again.headers["ETag"]) == (data, etag), tail
    assert kept() - before == {
        "512,0,512,512_max_0_default.jpg",
        "0,0,1024,1000_512,500_0_default.jpg",
        "full_400,286_0_default.png",
        "full_350,250_0_default.webp",
    }
