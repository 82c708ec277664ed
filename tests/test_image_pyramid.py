"""The image pyramid: cut once at import, then every request is answered from
its tiles, never from the full master."""

from __future__ import annotations

import io
import math
from pathlib import Path

import pytest
from PIL import Image, ImageChops, ImageDraw, ImageStat

from glampub.iiif.image_api import parse_request, render
from glampub.iiif.image_info import info_json
from glampub.images.pyramid import TILE, build_pyramid, factors, pyramid_dir, render_from_pyramid
from glampub.importing.run import ImportOptions, run_import
from glampub.institutions.registry import add_institution
from tests.conftest import database

W, H = 2300, 1700
RED, BLUE, GREEN, YELLOW = (255, 0, 0), (0, 0, 255), (0, 200, 0), (255, 220, 0)


def painting(size: tuple[int, int] = (W, H)) -> Image.Image:
    """Four coloured quarters: a flip or a wrong tile shows at once."""
    w, h = size
    img = Image.new("RGB", size, BLUE)
    img.paste(RED, (0, 0, w // 2, h // 2))
    img.paste(GREEN, (0, h // 2, w // 2, h))
    img.paste(YELLOW, (w // 2, h // 2, w, h))
    return img


def waves(size: tuple[int, int] = (W, H)) -> Image.Image:
    """Gradients in red and green, diagonal waves (150 px) in blue, and the
    quarters' edges: smooth enough that resampling filters agree, while an
    offset of two pixels, a wrong scale or a flip changes many values."""
    w, h = size
    red = Image.linear_gradient("L").rotate(90).resize(size)
    green = Image.linear_gradient("L").resize(size)
    row = bytes(int(127 + 120 * math.sin(2 * math.pi * x / 150)) for x in range(w + h))
    blue = Image.frombytes("L", (w, h), b"".join(row[y : y + w] for y in range(h)))
    img = Image.merge("RGB", (red, green, blue))
    draw = ImageDraw.Draw(img)
    draw.rectangle((w // 2 - 40, h // 2 - 40, w // 2 + 40, h // 2 + 40), fill=(0, 0, 0))
    return img


@pytest.fixture(scope="module")
def master(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("pyramid") / "master.jpg"
    waves().save(path, "JPEG", quality=95)
    assert build_pyramid(path) is True
    return path


def request(region: str, size: str, rotation: str = "0", quality: str = "default"):
    return parse_request(region, size, rotation, quality, "jpg", width=W, height=H)


def mean_difference(a: Image.Image, b: Image.Image) -> float:
    assert a.size == b.size and a.mode == b.mode
    return sum(ImageStat.Stat(ImageChops.difference(a, b)).mean) / len(a.getbands())


def test_every_level_is_cut_into_tiles_that_cover_it(master: Path) -> None:
    root = pyramid_dir(master)
    assert factors(W, H) == [1, 2, 4, 8]
    for factor in factors(W, H):
        level_w, level_h = math.ceil(W / factor), math.ceil(H / factor)
        cols, rows = math.ceil(level_w / TILE), math.ceil(level_h / TILE)
        names = sorted(p.name for p in (root / str(factor)).iterdir())
        assert names == sorted(f"{c}_{r}.jpg" for c in range(cols) for r in range(rows))
        # The last tile of a row and of a column holds just what is left of the level.
        with Image.open(root / str(factor) / f"{cols - 1}_{rows - 1}.jpg") as corner:
            assert corner.size == (level_w - (cols - 1) * TILE, level_h - (rows - 1) * TILE)
    # The smallest level is a single tile: a thumbnail reads one small file.
    assert [p.name for p in (root / "8").iterdir()] == ["0_0.jpg"]


def test_building_again_keeps_the_pyramid(master: Path) -> None:
    tile = pyramid_dir(master) / "1" / "0_0.jpg"
    before = tile.stat().st_mtime_ns
    assert build_pyramid(master) is True
    assert tile.stat().st_mtime_ns == before


def test_small_masters_serve_themselves(tmp_path: Path) -> None:
    path = tmp_path / "master.png"
    Image.new("RGB", (1200, 900), (10, 20, 30)).save(path)
    assert build_pyramid(path) is False
    assert not pyramid_dir(path).exists()
    req = parse_request("full", "max", "0", "default", "png", width=1200, height=900)
    assert render_from_pyramid(path, req) is None


@pytest.mark.parametrize("mode", ["RGBA", "P"])
def test_transparent_masters_keep_their_transparency_in_png_tiles(tmp_path: Path, mode) -> None:
    picture = waves().convert("RGBA")
    picture.paste((0, 0, 0, 0), (0, 0, W // 2, H // 2))  # the top-left quarter is clear
    if mode == "P":
        picture = picture.convert("P", palette=Image.Palette.ADAPTIVE, colors=255)
        picture.info["transparency"] = picture.getpixel((0, 0))
    path = tmp_path / "master.png"
    picture.save(path)
    assert build_pyramid(path) is True
    assert sorted(p.suffix for p in (pyramid_dir(path) / "1").iterdir()) == [".png"] * 20
    for region, size in (
        ("0,0,1024,1024", "512,"),
        ("full", "!300,300"),
        ("900,700,600,400", "max"),
    ):
        req = parse_request(region, size, "0", "default", "png", width=W, height=H)
        from_tiles = render_from_pyramid(path, req)
        assert from_tiles is not None and from_tiles.mode == "RGBA"
        with Image.open(path) as original:
            expected = render(original, req)
        assert from_tiles.size == expected.size
        assert mean_difference(from_tiles, expected.convert("RGBA")) < 2.0, (region, size)
    tile = render_from_pyramid(
        path, parse_request("0,0,512,512", "max", "0", "default", "png", width=W, height=H)
    )
    assert tile is not None and tile.getpixel((10, 10))[3] == 0


# Every tile info.json promises, at every scale factor, plus arbitrary requests.
def _viewer_tiles() -> list[tuple[str, str]]:
    info = info_json("x", W, H)
    tile = info["tiles"][0]["width"]  # type: ignore[index]
    out = []
    for factor in info["tiles"][0]["scaleFactors"]:  # type: ignore[index]
        span = tile * factor
        for y in range(0, H, span):
            for x in range(0, W, span):
                w, h = min(span, W - x), min(span, H - y)
                out.append((f"{x},{y},{w},{h}", f"{math.ceil(w / factor)},"))
    return out


@pytest.mark.parametrize(
    ("region", "size", "rotation", "quality"),
    [(region, size, "0", "default") for region, size in _viewer_tiles()]
    + [
        ("full", "max", "0", "default"),
        ("full", "!400,400", "0", "default"),
        ("full", "150,", "0", "gray"),
        ("700,300,1300,1100", "333,", "0", "default"),  # across tiles, odd scale
        ("1000,800,300,300", "^600,", "0", "default"),  # upscaled beyond level 1
        ("pct:10,20,30,40", "pct:50", "90", "default"),
        ("square", "256,256", "!180", "color"),
        ("2299,1699,1,1", "max", "0", "bitonal"),
    ],
)
def test_the_pyramid_renders_what_the_master_renders(
    master: Path, region: str, size: str, rotation: str, quality: str
) -> None:
    if size.startswith("^"):
        req = parse_request(
            region, size, rotation, quality, "jpg", width=W, height=H, max_area=W * H
        )
    else:
        req = request(region, size, rotation, quality)
    from_tiles = render_from_pyramid(master, req)
    assert from_tiles is not None
    with Image.open(master) as original:
        expected = render(original, req)
    assert from_tiles.size == expected.size
    assert from_tiles.mode == expected.mode
    # Tiles are JPEG again and levels are box-reduced, which costs up to about
    # 1.7; rendering the region two pixels off already differs by 2.4, and a
    # wrong tile, scale or flip by tens.
    limit = 40 if quality == "bitonal" else 2.0
    assert mean_difference(from_tiles, expected) < limit, (region, size)


def test_a_tile_uses_the_level_nearest_its_size_and_reads_only_its_files(
    master: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    opened: list[str] = []
    real_open = Image.open

    def spy(fp, *args, **kwargs):  # type: ignore[no-untyped-def]
        opened.append(Path(fp).relative_to(master.parent).as_posix())
        return real_open(fp, *args, **kwargs)

    monkeypatch.setattr("glampub.images.pyramid.Image.open", spy)
    name = master.name
    render_from_pyramid(master, request("2048,0,252,1400", "126,"))
    assert opened == [f"{name}.tiles/2/2_0.jpg", f"{name}.tiles/2/2_1.jpg"]
    opened.clear()
    render_from_pyramid(master, request("full", "!200,200"))
    assert opened == [f"{name}.tiles/8/0_0.jpg"]
    opened.clear()
    render_from_pyramid(master, request("512,512,512,512", "512,"))
    assert opened == [f"{name}.tiles/1/1_1.jpg"]


def test_after_import_a_tile_is_served_without_the_master(app, client, tmp_path: Path) -> None:
    """Cut at import: the pyramid alone answers, even with the master unreadable."""
    data_dir = Path(app.config["DATA_DIR"])
    with database(app).transaction() as session:
        add_institution(session, "tm", "Test Museum", data_dir)
    images = tmp_path / "images"
    images.mkdir()
    painting().save(images / "big.jpg", "JPEG", quality=95)
    export = tmp_path / "objects.csv"
    export.write_text("identifier,title,rights,images\n1,Quarters,CC0,big.jpg\n", "utf-8")
    run_import(database(app), data_dir, ImportOptions(institution="tm", path=export, images=images))
    manifest = client.get("/iiif/3/tm/1/manifest").get_json()
    service = manifest["items"][0]["items"][0]["items"][0]["body"]["service"][0]["id"]
    service = service.removeprefix("http://glampub.test")
    masters = [p for p in (data_dir / "images").rglob("*.jpg") if ".tiles" not in str(p)]
    assert len(masters) == 1 and pyramid_dir(masters[0]).is_dir()
    masters[0].write_bytes(b"")  # a tile that decoded the master would fail now

    # The bottom-right quarter is yellow: its tile at full resolution, and at 1/4.
    for tail in ("1536,1024,512,512/512,/0/default.jpg", "full/!300,300/0/default.png"):
        with client.get(f"{service}/{tail}") as response:
            assert response.status_code == 200, tail
            served = Image.open(io.BytesIO(response.data))
        corner = served.getpixel((served.width - 20, served.height - 20))
        assert all(abs(a - b) < 60 for a, b in zip(corner, YELLOW, strict=True)), corner


def test_a_large_output_is_scaled_piece_by_piece(master: Path, monkeypatch) -> None:
    """Memory follows the output: no block of tiles larger than a piece is held."""
    made: list[tuple[int, int]] = []
    real_new = Image.new

    def spy(mode, size, *args, **kwargs):  # type: ignore[no-untyped-def]
        made.append(size)
        return real_new(mode, size, *args, **kwargs)

    monkeypatch.setattr("glampub.images.pyramid.Image.new", spy)
    out = render_from_pyramid(master, request("full", "max"))
    assert out is not None and out.size == (W, H)
    blocks = [size for size in made if size != (W, H)]
    assert len(made) - len(blocks) == 1  # the output, filled in pieces
    assert len(blocks) >= 4
    # A piece is at most four tiles by one, plus a tile each way for the filter.
    assert max(width for width, _height in blocks) <= 6 * TILE
    assert max(height for _width, height in blocks) <= 3 * TILE
