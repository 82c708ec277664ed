"""IIIF Image API 3.0: request parsing, canonical form, rendering and info.json."""

from __future__ import annotations

import io
import string

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from PIL import Image

from glampub.iiif.image_api import (
    ImageApiError,
    ImageRequest,
    canonical_params,
    media_type,
    parse_request,
    render,
)
from glampub.iiif.image_info import info_json

W, H = 1000, 600
RED, BLUE, GREEN, WHITE = (255, 0, 0), (0, 0, 255), (0, 255, 0), (255, 255, 255)


def parse(region="full", size="max", rotation="0", quality="default", fmt="jpg", **limits):
    return parse_request(region, size, rotation, quality, fmt, width=W, height=H, **limits)


def quadrants(fmt: str = "PNG", size: tuple[int, int] = (W, H)) -> Image.Image:
    """Left half red, right half blue, with a green bottom-left quarter: every flip shows."""
    w, h = size
    img = Image.new("RGB", size, BLUE)
    img.paste(RED, (0, 0, w // 2, h))
    img.paste(GREEN, (0, h // 2, w // 2, h))
    buf = io.BytesIO()
    img.save(buf, fmt, quality=95)
    return Image.open(io.BytesIO(buf.getvalue()))


def near(pixel: tuple[int, ...], colour: tuple[int, int, int]) -> bool:
    return all(abs(a - b) < 40 for a, b in zip(pixel, colour, strict=False))


# --- region -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("region", "box"),
    [
        ("full", (0, 0, 1000, 600)),
        ("square", (200, 0, 600, 600)),
        ("100,50,200,100", (100, 50, 200, 100)),
        ("0,0,1000,600", (0, 0, 1000, 600)),
        ("900,500,200,200", (900, 500, 100, 100)),  # cropped at the edge, not padded
        ("999,599,1,1", (999, 599, 1, 1)),
        ("pct:10,10,50,50", (100, 60, 500, 300)),
        ("pct:0,0,100,100", (0, 0, 1000, 600)),
        ("pct:41.6,7.5,40,70", (416, 45, 400, 420)),
        ("pct:41.6,7.5,66.6,100", (416, 45, 584, 555)),
        ("pct:.5,0.5,0.01,0.01", (5, 3, 1, 1)),  # tiny but never empty
    ],
)
def test_regions_resolve_to_clipped_pixels(region, box):
    assert parse(region).region == box


def test_square_region_of_a_portrait_image_is_centred_vertically():
    req = parse_request("square", "max", "0", "default", "jpg", width=600, height=1000)
    assert req.region == (0, 200, 600, 600)


@pytest.mark.parametrize(
    ("region", "message"),
    [
        ("0,0,0,10", "zero width or height"),
        ("10,10,10,0", "zero width or height"),
        ("pct:0,0,0,5", "zero width or height"),
        ("1000,0,10,10", "outside the image"),
        ("0,600,10,10", "outside the image"),
        ("pct:100,0,10,10", "outside the image"),
        ("-1,0,10,10", "is not full, square"),
        ("1,2,3", "is not full, square"),
        ("pct:1e2,0,1,1", "is not full, square"),
        ("pct:-5,0,10,10", "is not full, square"),
        ("Full", "is not full, square"),
        ("", "is not full, square"),
        ("1.5,0,10,10", "is not full, square"),
    ],
)
def test_bad_regions_are_400(region, message):
    with pytest.raises(ImageApiError) as err:
        parse(region)
    assert err.value.status == 400
    assert message in err.value.message


# --- size -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("size", "limits", "expected"),
    [
        ("max", {}, (1000, 600)),
        ("^max", {}, (1000, 600)),
        ("500,", {}, (500, 300)),
        ("^500,", {}, (500, 300)),
        (",300", {}, (500, 300)),
        ("^,300", {}, (500, 300)),
        ("pct:50", {}, (500, 300)),
        ("pct:100", {}, (1000, 600)),
        ("^pct:50", {}, (500, 300)),
        ("250,250", {}, (250, 250)),
        ("1000,600", {}, (1000, 600)),
        ("!500,500", {}, (500, 300)),
        ("!500,100", {}, (167, 100)),
        ("!2000,2000", {}, (1000, 600)),  # confined to the region without ^
        ("^!2000,2000", {"max_width": 3000}, (2000, 1200)),
        ("^!2000,2000", {"max_width": 1500}, (1500, 900)),  # shrinks to the limit
        ("^1500,", {"max_width": 2000}, (1500, 900)),
        ("^,900", {"max_width": 2000}, (1500, 900)),
        ("^pct:150", {"max_area": 2_000_000}, (1500, 900)),
        ("^1200,700", {"max_width": 2000}, (1200, 700)),
        ("^max", {"max_width": 1500}, (1500, 900)),
        ("^max", {"max_width": 2000, "max_height": 900}, (1500, 900)),
        ("^max", {"max_area": 1_500_000}, (1581, 948)),
        ("max", {"max_width": 500}, (500, 300)),
        ("max", {"max_area": 150_000}, (500, 300)),
        ("max", {"max_width": 800, "max_height": 300}, (500, 300)),
        ("1,", {}, (1, 1)),
        (",1", {}, (2, 1)),
    ],
)
def test_sizes(size, limits, expected):
    req = parse(size=size, **limits)
    assert req.size == expected
    if "max_area" in limits:
        assert req.size[0] * req.size[1] <= limits["max_area"]


def test_size_applies_to_the_region_not_the_full_image():
    req = parse("100,50,200,100", "pct:50")
    assert req.size == (100, 50)
    assert parse("100,50,200,100", "!100,100").size == (100, 50)


@pytest.mark.parametrize(
    ("size", "limits", "status", "message"),
    [
        ("1001,", {}, 400, "prefix it with ^"),
        (",601", {}, 400, "prefix it with ^"),
        ("1000,601", {}, 400, "prefix it with ^"),
        ("pct:101", {}, 400, "use ^pct: to upscale"),
        ("^1001,", {}, 501, "needs upscaling"),
        ("^pct:101", {}, 501, "needs upscaling"),
        ("^!2000,2000", {}, 501, "needs upscaling"),
        ("^1600,", {"max_width": 1500}, 400, "beyond this image's limits"),
        ("800,600", {"max_area": 100_000}, 400, "maxArea 100000"),
        ("0,", {}, 400, "less than 1 pixel"),
        (",0", {}, 400, "less than 1 pixel"),
        ("0,0", {}, 400, "less than 1 pixel"),
        ("pct:0", {}, 400, "less than 1 pixel"),
        ("pct:0.01", {}, 400, "less than 1 pixel"),
        ("!0,10", {}, 400, "less than 1 pixel"),
        ("full", {}, 400, "is not max"),
        ("w,h", {}, 400, "is not max"),
        ("-10,", {}, 400, "is not max"),
        ("!^10,10", {}, 400, "is not max"),
        ("^^10,", {}, 400, "is not max"),
        ("10.5,", {}, 400, "is not max"),
        ("", {}, 400, "is not max"),
    ],
)
def test_bad_sizes(size, limits, status, message):
    with pytest.raises(ImageApiError) as err:
        parse(size=size, **limits)
    assert err.value.status == status
    assert message in err.value.message


# --- rotation, quality, format ---------------------------------------------


@pytest.mark.parametrize(
    ("rotation", "mirror", "degrees"),
    [
        ("0", False, 0),
        ("90", False, 90),
        ("180", False, 180),
        ("270", False, 270),
        ("360", False, 0),
        ("90.0", False, 90),
        ("!0", True, 0),
        ("!90", True, 90),
        ("!270", True, 270),
    ],
)
def test_rotations(rotation, mirror, degrees):
    req = parse(rotation=rotation)
    assert (req.mirror, req.rotation) == (mirror, degrees)


@pytest.mark.parametrize(
    ("rotation", "message"),
    [
        ("45", "not supported"),
        ("22.5", "not supported"),
        ("361", "out of range"),
        ("-90", "not a number"),
        ("!!90", "not a number"),
        ("90!", "not a number"),
        ("abc", "not a number"),
        ("", "not a number"),
        ("1e2", "not a number"),
    ],
)
def test_bad_rotations_are_400(rotation, message):
    with pytest.raises(ImageApiError) as err:
        parse(rotation=rotation)
    assert err.value.status == 400
    assert message in err.value.message


@pytest.mark.parametrize(
    ("quality", "fmt", "message"),
    [
        ("grey", "jpg", "quality 'grey' is not supported"),
        ("native", "jpg", "quality 'native' is not supported"),
        ("default", "tif", "format 'tif' is not offered here"),
        ("default", "gif", "format 'gif' is not offered here"),
        ("default", "pdf", "format 'pdf' is not offered here"),
        ("default", "jp2", "format 'jp2' is not offered here"),
        ("default", "exe", "format 'exe' is unknown"),
        ("default", "JPG", "format 'JPG' is unknown"),
        ("default", "", "format '' is unknown"),
    ],
)
def test_bad_quality_and_format_are_400(quality, fmt, message):
    with pytest.raises(ImageApiError) as err:
        parse(quality=quality, fmt=fmt)
    assert err.value.status == 400
    assert message in err.value.message
    assert "jpg, png, webp" in err.value.message or "default, color, gray, bitonal" in str(
        err.value
    )


@pytest.mark.parametrize(
    ("fmt", "mime"), [("jpg", "image/jpeg"), ("png", "image/png"), ("webp", "image/webp")]
)
def test_media_types(fmt, mime):
    assert media_type(fmt) == mime
    assert parse(fmt=fmt).mime_type == mime


# --- canonical form ---------------------------------------------------------


@pytest.mark.parametrize(
    ("params", "limits", "canonical"),
    [
        (("full", "max", "0", "default", "jpg"), {}, "full/max/0/default.jpg"),
        (("0,0,1000,600", "1000,", "360", "default", "jpg"), {}, "full/max/0/default.jpg"),
        (("pct:0,0,100,100", "pct:100", "0", "color", "png"), {}, "full/max/0/color.png"),
        (
            ("pct:10,10,50,50", "pct:50", "!90.0", "gray", "webp"),
            {},
            "100,60,500,300/250,150/!90/gray.webp",
        ),
        (
            ("square", "!100,100", "180", "bitonal", "png"),
            {},
            "200,0,600,600/100,100/180/bitonal.png",
        ),
        (("full", "500,", "0", "default", "jpg"), {}, "full/500,300/0/default.jpg"),
        (("full", "^500,", "0", "default", "jpg"), {}, "full/500,300/0/default.jpg"),
        (("full", "^1500,", "0", "default", "jpg"), {"max_width": 1500}, "full/^max/0/default.jpg"),
        (
            ("full", "^1200,", "0", "default", "jpg"),
            {"max_width": 1500},
            "full/^1200,720/0/default.jpg",
        ),
        (("full", "^max", "0", "default", "jpg"), {}, "full/max/0/default.jpg"),
        (("full", "max", "0", "default", "jpg"), {"max_width": 500}, "full/max/0/default.jpg"),
        (
            ("900,500,200,200", "max", "0", "default", "jpg"),
            {},
            "900,500,100,100/max/0/default.jpg",
        ),
    ],
)
def test_canonical_params(params, limits, canonical):
    req = parse_request(*params, width=W, height=H, **limits)
    assert canonical_params(req) == canonical
    # The canonical form is a fixed point: parsing it again gives the same request.
    again = parse_request(*_split(canonical), width=W, height=H, **limits)
    assert canonical_params(again) == canonical
    assert (again.region, again.size, again.rotation, again.mirror) == (
        req.region,
        req.size,
        req.rotation,
        req.mirror,
    )


def _split(canonical: str) -> tuple[str, str, str, str, str]:
    region, size, rotation, last = canonical.split("/")
    quality, fmt = last.split(".")
    return region, size, rotation, quality, fmt


# --- rendering ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("region", "size", "rotation", "out"),
    [
        ("full", "max", "0", (1000, 600)),
        ("full", "max", "90", (600, 1000)),
        ("full", "500,", "270", (300, 500)),
        ("square", "max", "0", (600, 600)),
        ("100,50,200,100", "max", "0", (200, 100)),
        ("900,500,200,200", "max", "180", (100, 100)),
        ("pct:10,10,50,50", "pct:50", "0", (250, 150)),
        ("full", ",150", "!90", (150, 250)),
        ("full", "250,250", "0", (250, 250)),
        ("full", "!300,300", "0", (300, 180)),
        ("0,0,10,10", "^!40,40", "0", (40, 40)),
    ],
)
@pytest.mark.parametrize("fmt", ["jpg", "png", "webp"])
def test_render_dimensions(region, size, rotation, out, fmt):
    source = quadrants("JPEG")
    req = parse(region, size, rotation, "default", fmt, max_width=2000)
    assert render(source, req).size == out


def test_mirror_and_rotation_move_the_content():
    req = parse(rotation="0")
    plain = render(quadrants(), req)
    assert near(plain.getpixel((10, 10)), RED) and near(plain.getpixel((990, 10)), BLUE)
    mirrored = render(quadrants(), parse(rotation="!0"))
    assert near(mirrored.getpixel((10, 10)), BLUE) and near(mirrored.getpixel((990, 590)), GREEN)
    # 90 degrees clockwise: the left edge (red over green) becomes the top, green on the left.
    turned = render(quadrants(), parse(rotation="90"))
    assert turned.size == (600, 1000)
    assert near(turned.getpixel((10, 10)), GREEN) and near(turned.getpixel((590, 10)), RED)
    assert near(turned.getpixel((300, 990)), BLUE)
    upside = render(quadrants(), parse(rotation="180"))
    assert near(upside.getpixel((10, 10)), BLUE) and near(upside.getpixel((990, 10)), GREEN)


def test_region_crops_the_right_pixels():
    out = render(quadrants(), parse("0,300,500,300"))  # the green quarter exactly
    assert out.size == (500, 300)
    assert all(near(out.getpixel(p), GREEN) for p in [(0, 0), (499, 0), (0, 299), (499, 299)])


@pytest.mark.parametrize(
    ("quality", "fmt", "mode"),
    [
        ("default", "jpg", "RGB"),
        ("color", "png", "RGB"),
        ("gray", "jpg", "L"),
        ("gray", "webp", "L"),
        ("bitonal", "png", "1"),
        ("bitonal", "jpg", "1"),
    ],
)
def test_qualities(quality, fmt, mode):
    out = render(quadrants(), parse(size="100,", quality=quality, fmt=fmt))
    assert out.mode == mode
    if quality == "bitonal":
        assert set(out.get_flattened_data()) <= {0, 255}


def test_alpha_kept_for_png_and_flattened_on_white_for_jpeg():
    img = Image.new("RGBA", (W, H), (0, 0, 0, 0))
    img.paste((255, 0, 0, 255), (0, 0, 500, 600))
    png = render(img, parse(fmt="png"))
    assert png.mode == "RGBA" and png.getpixel((900, 10))[3] == 0
    jpg = render(img, parse(fmt="jpg"))
    assert jpg.mode == "RGB"
    assert jpg.getpixel((900, 10)) == WHITE and near(jpg.getpixel((10, 10)), RED)
    assert render(img, parse(quality="gray", fmt="png")).mode == "LA"


def test_palette_and_gray_sources_render():
    pal = quadrants().convert("P", palette=Image.Palette.ADAPTIVE, colors=8)
    assert render(pal, parse(size="100,")).mode == "RGB"
    gray = quadrants().convert("L")
    assert render(gray, parse(size="100,", quality="color")).mode == "L"


def test_thumbnail_of_a_jpeg_decodes_at_reduced_scale():
    big = quadrants("JPEG", (4000, 3000))
    req = parse_request("full", "200,", "0", "default", "jpg", width=4000, height=3000)
    out = render(big, req)
    assert out.size == (200, 150)
    # libjpeg decoded at 1/8: the full 4000x3000 raster was never built.
    assert big.size == (500, 375)
    assert near(out.getpixel((5, 5)), RED) and near(out.getpixel((195, 5)), BLUE)


def test_region_of_a_drafted_jpeg_lands_on_the_right_pixels():
    big = quadrants("JPEG", (4000, 3000))
    # The bottom-left quarter is green; ask for it at 1/4 size.
    req = parse_request("0,1500,2000,1500", "500,", "0", "default", "jpg", width=4000, height=3000)
    out = render(big, req)
    assert big.size == (1000, 750)
    assert out.size == (500, 375)
    assert all(near(out.getpixel(p), GREEN) for p in [(2, 2), (497, 2), (2, 372), (497, 372)])


def test_render_refuses_a_request_parsed_for_another_image():
    with pytest.raises(ValueError, match="parsed for 1000x600"):
        render(Image.new("RGB", (10, 10)), parse())


# --- info.json ----------------------------------------------------------------


def test_info_json_level2_document():
    info = info_json(
        "https://example.org/iiif/image/3/abc",
        6000,
        4000,
        rights="http://creativecommons.org/licenses/by/4.0/",
    )
    assert info == {
        "@context": "http://iiif.io/api/image/3/context.json",
        "id": "https://example.org/iiif/image/3/abc",
        "type": "ImageService3",
        "protocol": "http://iiif.io/api/image",
        "profile": "level2",
        "width": 6000,
        "height": 4000,
        "sizes": [
            {"width": 375, "height": 250},
            {"width": 750, "height": 500},
            {"width": 1500, "height": 1000},
            {"width": 3000, "height": 2000},
            {"width": 6000, "height": 4000},
        ],
        "tiles": [{"width": 512, "scaleFactors": [1, 2, 4, 8, 16]}],
        "extraFormats": ["webp"],
        "extraQualities": ["color", "gray", "bitonal"],
        "extraFeatures": ["mirroring"],
        "rights": "http://creativecommons.org/licenses/by/4.0/",
    }
    assert list(info)[0] == "@context"


def test_info_json_limits_and_upscaling():
    info = info_json(
        "https://x/i",
        6000,
        4000,
        max_width=3000,
        max_height=2000,
        max_area=4_000_000,
        tile_size=256,
        color=False,
    )
    assert (info["maxWidth"], info["maxHeight"], info["maxArea"]) == (3000, 2000, 4_000_000)
    assert "rights" not in info
    assert info["extraQualities"] == ["gray", "bitonal"]
    assert info["extraFeatures"] == ["mirroring", "sizeUpscaling"]
    assert info["tiles"] == [{"width": 256, "scaleFactors": [1, 2, 4, 8, 16, 32]}]
    for size in info["sizes"]:  # every listed size is within the declared limits
        assert size["width"] <= 3000 and size["height"] <= 2000
        assert size["width"] * size["height"] <= 4_000_000


def test_info_json_of_a_small_image():
    info = info_json("https://x/i", 300, 200)
    assert info["sizes"] == [{"width": 300, "height": 200}]
    assert info["tiles"] == [{"width": 512, "scaleFactors": [1]}]


@pytest.mark.parametrize(("width", "height"), [(6000, 4000), (1000, 600), (513, 7), (4097, 2049)])
def test_every_size_and_tile_info_json_promises_can_be_requested(width, height):
    """What a viewer derives from info.json (the tile grid, the sizes) must parse."""
    info = info_json("https://x/i", width, height, max_area=20_000_000, max_width=5000)
    for size in info["sizes"]:
        req = parse_request(
            "full",
            f"{size['width']},{size['height']}",
            "0",
            "default",
            "jpg",
            width=width,
            height=height,
            max_area=20_000_000,
            max_width=5000,
        )
        assert req.size == (size["width"], size["height"])
    tile = info["tiles"][0]["width"]
    for factor in info["tiles"][0]["scaleFactors"]:
        step = tile * factor
        for x in range(0, width, step):
            for y in range(0, height, step):
                w, h = min(step, width - x), min(step, height - y)
                # As OpenSeadragon asks for Image API 3: the region, and w,h at that scale.
                size = f"{-(-w // factor)},{-(-h // factor)}"
                req = parse_request(
                    f"{x},{y},{w},{h}",
                    size,
                    "0",
                    "default",
                    "jpg",
                    width=width,
                    height=height,
                    max_area=20_000_000,
                    max_width=5000,
                )
                assert req.size[0] <= tile and req.size[1] <= tile


# --- nothing but ImageApiError, whatever the URL says ---------------------------

_url_text = st.text(alphabet=string.digits + ",.!^:pctmaxfulsqregybiondwhj-", max_size=20)


@settings(max_examples=400, deadline=None)
@given(
    region=_url_text,
    size=_url_text,
    rotation=_url_text,
    quality=_url_text,
    fmt=_url_text,
    width=st.integers(1, 50_000),
    height=st.integers(1, 50_000),
    max_width=st.none() | st.integers(1, 20_000),
    max_area=st.none() | st.integers(1, 10**8),
)
def test_any_url_gives_a_request_or_an_image_api_error(
    region, size, rotation, quality, fmt, width, height, max_width, max_area
):
    try:
        req = parse_request(
            region,
            size,
            rotation,
            quality,
            fmt,
            width=width,
            height=height,
            max_width=max_width,
            max_area=max_area,
        )
    except ImageApiError as exc:
        assert exc.status in (400, 501) and exc.message
        return
    _check_request(req, max_width, max_area)


@settings(max_examples=300, deadline=None)
@given(
    x=st.integers(0, 3000),
    y=st.integers(0, 3000),
    w=st.integers(0, 3000),
    h=st.integers(0, 3000),
    ow=st.integers(0, 3000),
    oh=st.integers(0, 3000),
    form=st.sampled_from(
        [
            "{w},",
            ",{h}",
            "{w},{h}",
            "!{w},{h}",
            "^{w},",
            "^!{w},{h}",
            "pct:{w}",
            "^pct:{w}",
            "max",
            "^max",
        ]
    ),
    max_area=st.none() | st.integers(1, 10**7),
)
def test_well_formed_requests_stay_inside_the_region_and_limits(x, y, w, h, ow, oh, form, max_area):
    try:
        req = parse_request(
            f"{x},{y},{w},{h}",
            form.format(w=ow, h=oh),
            "0",
            "default",
            "png",
            width=W,
            height=H,
            max_area=max_area,
        )
    except ImageApiError as exc:
        assert exc.status in (400, 501)
        return
    _check_request(req, None, max_area)


def _check_request(req: ImageRequest, max_width: int | None, max_area: int | None) -> None:
    x, y, w, h = req.region
    assert 0 <= x < req.image_width and 0 <= y < req.image_height
    assert 1 <= w <= req.image_width - x and 1 <= h <= req.image_height - y
    assert req.size[0] >= 1 and req.size[1] >= 1
    if max_width:
        assert req.size[0] <= max_width
    if max_area:
        assert req.size[0] * req.size[1] <= max_area
    if not (max_width or max_area):
        assert not req.is_upscaled
    canonical = canonical_params(req)
    assert (
        parse_request(
            *_split(canonical),
            width=req.image_width,
            height=req.image_height,
            max_width=max_width,
            max_area=max_area,
        ).size
        == req.size
    )
