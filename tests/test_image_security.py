"""The image service under attack: what an anonymous client can get out of it,
and what it can make it spend (disk, render time, encoder limits).

The in-copyright master here holds detail a 400 px thumbnail cannot: one-pixel
stripes, which any reduction to a sixth averages to flat grey. So a response
that shows any stripes came from the master; and every response must be
exactly what rendering the published thumbnail gives.
"""

from __future__ import annotations

import io
import json
import os
import re
import threading
import time
from collections.abc import Iterator
from multiprocessing import get_context
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from PIL import Image, ImageChops, ImageStat

from glampub import create_app
from glampub.cli import main
from glampub.iiif import image_api
from glampub.images import delivery as image_delivery
from glampub.images.cache import TOTAL_FILE, DerivativeCache
from tests.conftest import BASE_URL, database
from tests.image_server import image_server

INC = "http://rightsstatements.org/vocab/InC/1.0/"
CC0 = "http://creativecommons.org/publicdomain/zero/1.0/"
MASTER = (2400, 1600)
THUMBNAIL = (400, 267)


def _striped(size: tuple[int, int] = MASTER) -> Image.Image:
    """One-pixel black and white columns: detail only the master holds."""
    row = bytes(255 * (x % 2) for x in range(size[0]))
    return Image.frombytes("L", size, row * size[1])


def _png(picture: Image.Image) -> bytes:
    buffer = io.BytesIO()
    picture.save(buffer, "PNG")
    return buffer.getvalue()


def _get(client: FlaskClient, url: str, **options: object):  # type: ignore[no-untyped-def]
    """The response, read and closed (a cached file goes out as an open file)."""
    with client.get(url, **options) as response:
        response.get_data()
    return response


def _decoded(data: bytes) -> Image.Image:
    picture = Image.open(io.BytesIO(data))
    picture.load()
    return picture


@pytest.fixture
def museum(runner, tmp_path: Path) -> Iterator[tuple[Flask, FlaskClient]]:
    """An institution with an in-copyright object (the striped master) and an
    openly licensed one (a large photograph-like master)."""
    images = tmp_path / "images"
    images.mkdir()
    _striped().save(images / "striped.png")
    landscape = Image.effect_mandelbrot((3000, 2000), (-2.2, -1.2, 1.0, 1.2), 60)
    landscape.convert("RGB").save(images / "open.jpg", quality=85)
    export = tmp_path / "objects.csv"
    export.write_text(
        f"identifier,title,rights,images\nsecret,Letter,{INC},striped.png\n"
        f"open,Landscape,{CC0},open.jpg\n"
    )
    runner.invoke(main, ["institution", "add", "tm", "--name", "T"])
    done = runner.invoke(
        main, ["import", str(export), "--institution", "tm", "--images", str(images)]
    )
    assert done.exit_code == 0, done.output
    app = create_app({"TESTING": True, "BASE_URL": BASE_URL})
    yield app, app.test_client()
    database(app).dispose()


def _service(client: FlaskClient, identifier: str) -> str:
    manifest = client.get(f"/iiif/3/tm/{identifier}/manifest").get_json()
    body = manifest["items"][0]["items"][0]["items"][0]["body"]
    return body["service"][0]["id"].removeprefix(BASE_URL)


# --- Finding 1: a thumbnail-only image gives nothing beyond its thumbnail ---

#: Requests that reached the master before: upscaled whole images and regions,
#: tiles, rotations, qualities, every size spelling.
ATTEMPTS = (
    "full/^2400,/0/default.png",
    "0,0,100,100/^1000,/0/default.png",
    "0,0,100,100/^max/0/default.png",
    "0,0,10,10/max/0/default.png",
    "pct:10,10,5,5/^pct:500/0/default.png",
    "square/^max/0/default.png",
    "full/max/0/default.png",
    "full/!1200,1200/0/default.png",
    "full/^!2400,2400/0/default.png",
    "0,0,400,267/400,/0/default.png",
    "200,0,200,267/^max/90/gray.png",
    "100,100,50,50/^267,/!0/default.png",
)


def _assert_only_the_thumbnail(
    client: FlaskClient, url: str, thumbnail: Image.Image, info: dict
) -> None:
    """The answer is a render of the published thumbnail, and has no stripes."""
    response = _get(client, url)
    if response.status_code != 200:
        assert response.status_code == 400, (url, response.status_code)
        return
    got = _decoded(response.data)
    assert got.width <= THUMBNAIL[0] and got.height <= THUMBNAIL[0], url
    params = url.split("/iiif/image/3/", 1)[1].split("/")[1:]
    region, size, rotation, last = params
    quality, fmt = last.split(".")
    request = image_api.parse_request(
        region,
        size,
        rotation,
        quality,
        fmt,
        width=info["width"],
        height=info["height"],
        max_width=info["maxWidth"],
        max_height=info["maxHeight"],
        max_area=info["maxArea"],
    )
    expected = image_api.render(thumbnail.copy(), request)
    assert got.size == expected.size, url
    difference = ImageChops.difference(got.convert("L"), expected.convert("L"))
    if fmt == "png":
        assert difference.getbbox() is None, url
    else:  # lossy: the same picture, give or take the encoder
        assert ImageStat.Stat(difference).mean[0] < 2, url
    # Flat grey: the one-pixel stripes of the master are nowhere in it.
    assert ImageStat.Stat(got.convert("L")).stddev[0] < 8, url


def _check_image(client: FlaskClient, service: str) -> None:
    info = client.get(f"{service}/info.json").get_json()
    assert (info["width"], info["height"]) == THUMBNAIL
    assert (info["maxWidth"], info["maxHeight"]) == THUMBNAIL
    assert info["maxArea"] == THUMBNAIL[0] * THUMBNAIL[1]
    thumbnail = _decoded(_get(client, f"{service}/full/max/0/default.png").data)
    assert thumbnail.size == THUMBNAIL
    for attempt in ATTEMPTS:
        _assert_only_the_thumbnail(client, f"{service}/{attempt}", thumbnail, info)
    refused = _get(client, f"{service}/full/^2400,/0/default.png")
    assert refused.status_code == 400
    assert refused.get_json()["message"] == (
        "size '^2400,' (2400x1602) is beyond this image's limits "
        "(maxWidth 400, maxHeight 267, maxArea 106800)"
    )
    image_id = service.rsplit("/", 1)[1]
    assert _get(client, f"/iiif/download/{image_id}.png").status_code == 403


def test_the_striped_master_does_show_its_stripes(museum) -> None:
    """The yardstick: a region of the master itself is anything but flat."""
    region = _striped().crop((0, 0, 100, 100)).resize((1000, 1000), Image.Resampling.LANCZOS)
    assert ImageStat.Stat(region).stddev[0] > 60


def test_any_request_for_a_thumbnail_only_image_is_a_render_of_the_thumbnail(museum) -> None:
    _, client = museum
    _check_image(client, _service(client, "secret"))


def test_the_object_page_shows_nothing_beyond_the_thumbnail(museum) -> None:
    _, client = museum
    service = _service(client, "secret")
    page = client.get("/objects/tm/secret").get_data(as_text=True).replace("&amp;", "&")
    urls = set(re.findall(r'(?:src|href)="(?:http://glampub\.test)?(/iiif/image/3/[^"]+)"', page))
    pictures = {url for url in urls if not url.endswith("info.json")}
    assert pictures and all(url.startswith(service) for url in pictures)
    info = client.get(f"{service}/info.json").get_json()
    thumbnail = _decoded(_get(client, f"{service}/full/max/0/default.png").data)
    for url in pictures:
        _assert_only_the_thumbnail(client, url, thumbnail, info)
    assert client.get("/objects/tm/secret/download/1").status_code == 403


def test_a_harvested_in_copyright_image_is_a_thumbnail_too(runner, tmp_path, monkeypatch):
    monkeypatch.setenv("GLAMPUB_FETCH_ALLOW", "127.0.0.1")
    with image_server() as server:
        server.answers["/letter.png"] = (200, "image/png", _png(_striped()))
        export = tmp_path / "web.csv"
        url = server.url("/letter.png")
        export.write_text(f"identifier,title,rights,images\nsecret,Letter,{INC},{url}\n")
        runner.invoke(main, ["institution", "add", "tm", "--name", "T"])
        done = runner.invoke(main, ["import", str(export), "--institution", "tm", "--fetch-images"])
        assert done.exit_code == 0, done.output
    app = create_app({"TESTING": True, "BASE_URL": BASE_URL})
    try:
        client = app.test_client()
        _check_image(client, _service(client, "secret"))
    finally:
        database(app).dispose()


def test_the_static_export_of_a_thumbnail_only_image_holds_only_the_thumbnail(
    museum, runner, tmp_path
) -> None:
    _, client = museum
    image_id = _service(client, "secret").rsplit("/", 1)[1]
    out = tmp_path / "site"
    done = runner.invoke(main, ["export-static", str(out), "--base-url", "https://cdn.example"])
    assert done.exit_code == 0, done.output
    folder = out / "iiif" / "image" / "3" / image_id
    info = json.loads((folder / "info.json").read_text())
    assert (info["width"], info["height"]) == THUMBNAIL
    files = [p for p in folder.rglob("*") if p.is_file() and p.suffix in (".jpg", ".png")]
    assert len(files) > 4
    for path in files:
        with Image.open(path) as picture:
            assert picture.width <= THUMBNAIL[0] and picture.height <= THUMBNAIL[1], path
            assert ImageStat.Stat(picture.convert("L")).stddev[0] < 8, path
    assert not list(out.rglob(f"iiif/download/{image_id}.*"))


# --- Finding 2: the derivative cache is bounded ---


def _cache(app: Flask) -> Path:
    return Path(app.config["DATA_DIR"]) / image_delivery.CACHE_FOLDER


def test_a_flood_of_distinct_sizes_is_answered_but_not_kept(museum) -> None:
    app, client = museum
    service = _service(client, "open")
    before = DerivativeCache(_cache(app), 0).size()
    for width in range(2500, 2515):
        response = _get(client, f"{service}/full/^{width},/0/default.jpg")
        assert response.status_code == 200
        assert _decoded(response.data).width == width
    assert DerivativeCache(_cache(app), 0).size() == before


def test_the_cache_stays_under_its_cap_least_recently_used_first_out(museum) -> None:
    app, client = museum
    service = _service(client, "open")
    cap = 400_000
    app.config["IMAGE_CACHE_BYTES"] = cap
    cache = DerivativeCache(_cache(app), cap)
    tiles = [
        f"{service}/{x},{y},512,512/512,512/0/default.{fmt}"
        for fmt in ("jpg", "webp")
        for y in (0, 512, 1024)
        for x in (0, 512, 1024, 1536, 2048)
    ]

    def kept(url: str) -> bool:
        canonical = url.split("/", 5)[-1].replace("512,512/0", "max/0").replace("/", "_")
        return any(p.name == canonical for p in _cache(app).rglob("*"))

    first, favourite = tiles[0], tiles[1]

    def time_passes() -> None:
        for path in _cache(app).rglob("*"):
            stat = path.stat()
            os.utime(path, (stat.st_atime - 120, stat.st_mtime))

    for url in tiles:
        assert _get(client, url).status_code == 200
        assert cache.size() <= cap
        time_passes()
        # A viewer keeps coming back to one tile.
        assert _get(client, favourite).status_code == 200
    assert kept(tiles[-1]) and kept(favourite) and not kept(first)
    assert int((_cache(app) / TOTAL_FILE).read_text()) == cache.size()
    # An evicted tile is simply rendered again, the same bytes.
    assert _get(client, first).status_code == 200


def _fill(root: str, worker: int) -> None:
    cache = DerivativeCache(Path(root), 300_000)
    for n in range(120):
        cache.keep(f"image-{worker}/{n}.bin", bytes(5_000 + worker * 100 + n))


def test_worker_processes_sharing_the_cache_keep_it_under_the_cap(tmp_path) -> None:
    root = tmp_path / "cache"
    # Forked processes of their own, as gunicorn forks its workers. Not a Pool: its
    # terminate() on leaving the block once hung CI for good, a worker waiting for
    # the task queue's lock.
    fork = get_context("fork")
    workers = [fork.Process(target=_fill, args=(str(root), worker)) for worker in range(3)]
    for process in workers:
        process.start()
    try:
        for process in workers:
            process.join(timeout=120)
        assert [process.exitcode for process in workers] == [0, 0, 0]
    finally:
        for process in workers:
            if process.is_alive():
                process.kill()
    cache = DerivativeCache(root, 300_000)
    assert 0 < cache.size() <= 300_000
    assert int((root / TOTAL_FILE).read_text()) == cache.size()


# --- Finding 3: a cheap request never waits behind expensive ones ---


def test_a_tile_is_not_queued_behind_a_large_render(museum, monkeypatch) -> None:
    app, client = museum
    app.config["IMAGE_RENDERS_WAITING"] = 0
    service = _service(client, "open")
    started, release = threading.Event(), threading.Event()
    real = image_delivery.picture

    def slow_when_large(image, request):  # type: ignore[no-untyped-def]
        if request.size[0] * request.size[1] > 1024 * 1024:
            started.set()
            release.wait(timeout=30)
        return real(image, request)

    monkeypatch.setattr(image_delivery, "picture", slow_when_large)
    large = f"{service}/0,0,100,100/^max/0/default.jpg"
    answers: dict[str, int] = {}

    def ask_large() -> None:
        answers["heavy"] = _get(app.test_client(), large).status_code

    heavy = threading.Thread(target=ask_large)
    heavy.start()
    try:
        assert started.wait(timeout=30)
        # The same address asking for another large render is told to wait.
        again = _get(client, f"{service}/100,0,100,100/^max/0/default.jpg")
        assert again.status_code == 429
        assert again.headers["Retry-After"] == "3"
        assert again.get_json()["message"].startswith(
            "1 large image render(s) from your address are already under way"
        )
        # Another address, while every large slot is taken: refused, not queued.
        other = _get(
            client,
            f"{service}/200,0,100,100/^max/0/default.jpg",
            environ_base={"REMOTE_ADDR": "192.0.2.7"},
        )
        assert other.status_code == 503 and other.headers["Retry-After"] == "3"
        # A viewer's tile meanwhile is rendered at once.
        began = time.monotonic()
        tile = _get(client, f"{service}/1024,512,100,100/100,/0/default.jpg")
        assert tile.status_code == 200 and time.monotonic() - began < 10
    finally:
        release.set()
        heavy.join(timeout=30)
    assert answers["heavy"] == 200


# --- Finding 10: format limits are refused, not failed ---


@pytest.mark.parametrize(
    ("size", "fmt", "message"),
    [
        (
            "^1,65536",
            "jpg",
            "size '^1,65536' (1x65536) is beyond what JPEG can hold "
            "(65,535 pixels a side at most); ask for a smaller size or png",
        ),
        (
            "^16384,",
            "webp",
            "size '^16384,' (16384x16384) is beyond what WebP can hold "
            "(16,383 pixels a side at most); ask for a smaller size or png",
        ),
    ],
)
def test_sizes_beyond_a_format_are_refused_naming_its_limit(size, fmt, message) -> None:
    with pytest.raises(image_api.ImageApiError) as refused:
        image_api.parse_request(
            "full", size, "0", "default", fmt, width=100, height=100, max_area=10**9
        )
    assert (refused.value.status, refused.value.message) == (400, message)
    assert image_api.parse_request(
        "full", size, "0", "default", "png", width=100, height=100, max_area=10**9
    )


def test_format_limits_over_http_are_a_400_not_a_500(runner, tmp_path) -> None:
    images = tmp_path / "images"
    images.mkdir()
    Image.new("L", (2, 20_000), 128).save(images / "scroll.png")
    export = tmp_path / "objects.csv"
    export.write_text(f"identifier,title,rights,images\nscroll,Scroll,{CC0},scroll.png\n")
    runner.invoke(main, ["institution", "add", "tm", "--name", "T"])
    done = runner.invoke(
        main, ["import", str(export), "--institution", "tm", "--images", str(images)]
    )
    assert done.exit_code == 0, done.output
    app = create_app({"TESTING": True, "BASE_URL": BASE_URL})
    try:
        client = app.test_client()
        service = _service(client, "scroll")
        webp = _get(client, f"{service}/full/max/0/default.webp")
        assert webp.status_code == 400
        assert webp.get_json()["message"] == (
            "size 'max' (2x20000) is beyond what WebP can hold "
            "(16,383 pixels a side at most); ask for a smaller size or png"
        )
        png = _get(client, f"{service}/full/max/0/default.png")
        assert _decoded(png.data).size == (2, 20_000)
        reviewer = _get(client, f"{service}/full/^1,65536/0/default.jpg")
        assert reviewer.status_code == 400
        assert "maxHeight 20000" in reviewer.get_json()["message"]
    finally:
        database(app).dispose()


def test_the_cache_cap_is_set_in_megabytes_from_the_environment(tmp_path, monkeypatch) -> None:
    from glampub.config import build_config
    from glampub.errors import UsageError

    monkeypatch.setenv("GLAMPUB_IMAGE_CACHE_MB", "5")
    assert build_config(str(tmp_path))["IMAGE_CACHE_BYTES"] == 5 * 1024 * 1024
    monkeypatch.setenv("GLAMPUB_IMAGE_CACHE_MB", "lots")
    with pytest.raises(UsageError) as refused:
        build_config(str(tmp_path))
    assert (
        str(refused.value)
        == "GLAMPUB_IMAGE_CACHE_MB must be a whole number (0 or more), not 'lots'"
    )
