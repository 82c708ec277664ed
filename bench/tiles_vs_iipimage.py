"""Image tiles: glampub under gunicorn against IIPImage, on the same image.

    uv run --with gunicorn python bench/tiles_vs_iipimage.py [--seconds 5]

Run as root, it installs what it needs with apt-get when missing: Debian's
``iipimage-server`` (IIPImage 1.1), ``nginx-light`` (IIPImage speaks FastCGI
only, so nginx fronts it, as in any IIPImage deployment), ``libvips-tools``
(to write the tiled pyramidal TIFF IIPImage reads) and ``wrk``.

One synthetic 24-megapixel master is imported into glampub (which cuts its
pyramid at import) and written as a JPEG-compressed pyramidal TIFF with the
same 512 px tiles for IIPImage. IIPImage runs as two FastCGI processes (its
tile cache off: ``MAX_IMAGE_CACHE_SIZE=0``), glampub as gunicorn with two
workers, so each has two processes for the machine's two cores.

Printed, for both and as a ratio:
- the tiles a viewer asks for: every tile of the ``info.json`` grid, at every
  scale factor (target: glampub at least 5x IIPImage). glampub answers them
  from its derivative cache on disk; its first pass over the grid, which cuts
  them from the pyramid, is timed too;
- arbitrary regions and sizes, each URL asked for once, so neither server has
  it cached (target: at least 0.5x);
- the original download (full resolution, the credit spliced in);
- the peak resident memory of each glampub worker (target: at most 150 MB)
  after all that and after ``--images`` more images (300) were each asked
  for as a viewer would: the caches are bounded, so the number does not count.
"""

from __future__ import annotations

import argparse
import json
import math
import random
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench._servers import (  # noqa: E402
    children_rss_mb,
    free_port,
    gunicorn,
    need,
    nginx,
    process,
    ratio,
    wait_for,
    wrk,
)

IIPSRV = "/usr/lib/iipimage-server/iipsrv.fcgi"
WIDTH, HEIGHT = 6000, 4000
TILE = 512


def draw_master(path: Path) -> None:
    """A detailed picture (a Mandelbrot set over gradients) that compresses like a photo."""
    from PIL import Image

    size = (WIDTH, HEIGHT)
    fractal = Image.effect_mandelbrot(size, (-2.3, -1.2, 1.0, 1.2), 200)
    across = Image.linear_gradient("L").rotate(90).resize(size)
    down = Image.linear_gradient("L").resize(size)
    noise = Image.effect_noise(size, 40)
    Image.merge("RGB", (fractal, Image.blend(across, noise, 0.3), down)).save(
        path, "JPEG", quality=92
    )


def import_into_glampub(data_dir: Path, master: Path) -> None:
    from glampub import create_app
    from glampub.importing.run import ImportOptions, run_import
    from glampub.institutions.registry import add_institution

    app = create_app({"DATA_DIR": str(data_dir)})
    database = app.extensions["glampub.db"]
    with database.transaction() as session:
        add_institution(session, "bench", "Bench Museum", data_dir)
    export = master.parent / "objects.csv"
    export.write_text(f"identifier,title,rights,images\nbig,Fractal,CC0,{master.name}\n", "utf-8")
    start = time.perf_counter()
    run_import(
        database, data_dir, ImportOptions(institution="bench", path=export, images=master.parent)
    )
    print(f"glampub import with its pyramid: {time.perf_counter() - start:.1f} s")
    database.dispose()


def grid(info: dict) -> list[str]:
    """``region/size/0/default.jpg`` of every tile of the info.json grid."""
    tile = info["tiles"][0]["width"]
    tails = []
    for factor in info["tiles"][0]["scaleFactors"]:
        span = tile * factor
        for y in range(0, info["height"], span):
            for x in range(0, info["width"], span):
                w, h = min(span, info["width"] - x), min(span, info["height"] - y)
                size = f"{math.ceil(w / factor)},{math.ceil(h / factor)}"
                tails.append(f"{x},{y},{w},{h}/{size}/0/default.jpg")
    return tails


def arbitrary(seed: int, count: int = 20_000) -> list[str]:
    """Random regions (256 to 2048 px a side) at random sizes, never upscaled."""
    rng = random.Random(seed)
    tails = []
    for _ in range(count):
        w, h = rng.randint(256, 2048), rng.randint(256, 2048)
        x, y = rng.randint(0, WIDTH - w), rng.randint(0, HEIGHT - h)
        out = rng.randint(64, min(w, 800))
        tails.append(f"{x},{y},{w},{h}/{out},/0/default.jpg")
    return tails


def iipimage(folder: Path):  # type: ignore[no-untyped-def]
    """Two iipsrv FastCGI processes behind nginx; yields the base URL of the image."""
    from contextlib import ExitStack, contextmanager

    @contextmanager
    def running():  # type: ignore[no-untyped-def]
        env = {
            "FILESYSTEM_PREFIX": f"{folder}/",
            "MAX_IMAGE_CACHE_SIZE": "0",  # its tile cache off, as the issue asks
            "JPEG_QUALITY": "85",  # what glampub encodes at
            "VERBOSITY": "0",
            "URI_MAP": "iiif=>IIIF",
            "IIIF_VERSION": "3",
        }
        ports = [free_port(), free_port()]
        with ExitStack() as stack:
            for port in ports:
                stack.enter_context(process([IIPSRV, "--bind", f"127.0.0.1:{port}"], env=env))
            upstream = " ".join(f"server 127.0.0.1:{p};" for p in ports)
            block = """
        location /iiif/ {
            fastcgi_pass iip;
            include /etc/nginx/fastcgi_params;
        }
        location = / { return 200 "ok"; }"""
            base = stack.enter_context(nginx(block, f"upstream iip {{ {upstream} }}"))
            wait_for(f"{base}/iiif/pyramid.tif/info.json")
            yield f"{base}/iiif/pyramid.tif"

    return running()


def many_images(root: Path, base: str, count: int) -> None:
    """Another ``count`` objects with images of their own, each asked for as a
    viewer would (info.json, a thumbnail, a tile), so the workers' caches see
    many images: their memory must not grow with the number."""
    from PIL import Image

    from glampub import create_app
    from glampub.importing.run import ImportOptions, run_import

    folder = root / "many"
    folder.mkdir()
    rows = ["identifier,title,rights,images"]
    for n in range(count):
        Image.new("RGB", (1600 + n % 7, 1200), (n % 255, 80, 160)).save(folder / f"m{n}.jpg")
        rows.append(f"m{n},Study {n},CC0,m{n}.jpg")
    (folder / "many.csv").write_text("\n".join(rows) + "\n", "utf-8")
    app = create_app({"DATA_DIR": str(root / "data")})
    database = app.extensions["glampub.db"]
    options = ImportOptions(institution="bench", path=folder / "many.csv", images=folder)
    run_import(database, root / "data", options)
    database.dispose()
    start = time.perf_counter()
    for n in range(count):
        manifest = json.loads(fetch(f"{base}/iiif/3/bench/m{n}/manifest")[1])
        service = manifest["items"][0]["items"][0]["items"][0]["body"]["service"][0]["id"]
        for tail in (
            "info.json",
            "full/!200,200/0/default.jpg",
            "0,0,512,512/512,512/0/default.jpg",
        ):
            status, _body = fetch(f"{service}/{tail}")
            assert status == 200, (service, tail, status)
    took = time.perf_counter() - start
    print(
        f"{count} more images, each asked for its info.json, a thumbnail and a tile: {took:.0f} s"
    )


def fetch(url: str) -> tuple[int, bytes]:
    try:
        with urllib.request.urlopen(url, timeout=30) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=int, default=5)
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--images", type=int, default=300, help="images for the memory check")
    args = parser.parse_args()
    need(IIPSRV, packages="iipimage-server")
    need("vips", packages="libvips-tools")
    need("nginx", "wrk", packages="nginx-light wrk")
    with tempfile.TemporaryDirectory(prefix="bench-tiles-") as tmp:
        root = Path(tmp)
        (root / "images").mkdir()
        master = root / "images" / "fractal.jpg"
        draw_master(master)
        import_into_glampub(root / "data", master)
        subprocess.run(
            [
                "vips",
                "tiffsave",
                str(master),
                str(root / "pyramid.tif"),
                "--tile",
                "--pyramid",
                "--compression",
                "jpeg",
                "--Q",
                "90",
                "--tile-width",
                str(TILE),
                "--tile-height",
                str(TILE),
            ],
            check=True,
        )
        with (
            gunicorn("glampub:create_app()", {"GLAMPUB_DATA_DIR": str(root / "data")}) as ours,
            iipimage(root) as iip,
        ):
            manifest = json.loads(fetch(f"{ours.base_url}/iiif/3/bench/big/manifest")[1])
            service = manifest["items"][0]["items"][0]["items"][0]["body"]["service"][0]["id"]
            ours_image = service
            info = json.loads(fetch(f"{ours_image}/info.json")[1])
            tails = grid(info)
            for name, base in (("glampub", ours_image), ("IIPImage", iip)):
                status, body = fetch(f"{base}/{tails[0]}")
                assert status == 200 and body[:2] == b"\xff\xd8", (name, status, body[:200])
            start = time.perf_counter()
            for tail in tails:
                status, _body = fetch(f"{ours_image}/{tail}")
                assert status == 200, (tail, status)
            first = time.perf_counter() - start
            print(
                f"{WIDTH}x{HEIGHT} master, {len(tails)} tiles of {info['tiles'][0]['width']} px "
                f"in the grid (scale factors {info['tiles'][0]['scaleFactors']})\n"
                f"glampub's first pass over the grid, one request at a time: "
                f"{len(tails) / first:.0f} tiles/s ({first * 1000 / len(tails):.1f} ms each)\n"
            )
            common = {"seconds": args.seconds, "connections": args.connections}
            prefix_ours = ours_image.removeprefix(ours.base_url)
            prefix_iip = "/iiif/pyramid.tif"
            iip_base = iip.removesuffix(prefix_iip)
            tiles = {"glampub": [], "IIPImage": []}
            regions = {"glampub": [], "IIPImage": []}
            for round_ in range(2):  # interleaved, so drift in the machine's load hits both
                tiles["IIPImage"].append(
                    wrk(iip_base, [f"{prefix_iip}/{t}" for t in tails], **common)
                )
                tiles["glampub"].append(
                    wrk(ours.base_url, [f"{prefix_ours}/{t}" for t in tails], **common)
                )
                random_tails = arbitrary(seed=round_)
                regions["IIPImage"].append(
                    wrk(iip_base, [f"{prefix_iip}/{t}" for t in random_tails], **common)
                )
                regions["glampub"].append(
                    wrk(ours.base_url, [f"{prefix_ours}/{t}" for t in random_tails], **common)
                )
            for title, runs, target in (
                ("viewer tiles (info.json grid)", tiles, "5x"),
                ("arbitrary regions and sizes, each new", regions, "0.5x"),
            ):
                best = {k: max(v, key=lambda r: r.requests_per_s) for k, v in runs.items()}
                print(best["IIPImage"].line(f"IIPImage 1.1, {title}"))
                print(best["glampub"].line(f"glampub, {title}"))
                rate = ratio(best["glampub"].requests_per_s, best["IIPImage"].requests_per_s)
                print(f"  -> glampub at {rate} of IIPImage (target: at least {target})\n")
            start = time.perf_counter()
            status, body = fetch(f"{ours_image}/full/max/0/default.jpg")
            took = time.perf_counter() - start
            assert status == 200, status
            print(
                f"glampub download of the largest size offered (full/max, maxArea "
                f"{info.get('maxArea', 0):,} px), cold: {took * 1000:.0f} ms, "
                f"{len(body) / 1e6:.1f} MB\n"
            )
            download = manifest["rendering"][0]["id"]
            for when in ("first (the credit spliced into a copy)", "again (from the cache)"):
                start = time.perf_counter()
                status, body = fetch(download)
                took = time.perf_counter() - start
                assert status == 200, status
                print(
                    f"glampub download of the original, {when}: {took * 1000:.0f} ms, "
                    f"{len(body) / 1e6:.1f} MB"
                )
            print()
            many_images(root, ours.base_url, args.images)
            errors = sum(
                n
                for runs in (tiles["glampub"], regions["glampub"])
                for run in runs
                for status, n in run.status_counts.items()
                if status >= 500
            )
            print(f"5xx answers from glampub in all runs: {errors}")
            peak = children_rss_mb(ours.pid, "VmHWM")
            now = children_rss_mb(ours.pid)
            print(
                "glampub worker memory: peak "
                + ", ".join(f"{m:.0f} MB" for m in peak)
                + "; now "
                + ", ".join(f"{m:.0f} MB" for m in now)
                + " (target: at most 150 MB)"
            )
            print(f"median tile: {statistics.median(_sizes(ours_image, tails)) / 1024:.0f} KB")


def _sizes(base: str, tails: list[str]) -> list[int]:
    return [len(fetch(f"{base}/{tail}")[1]) for tail in tails[:: max(1, len(tails) // 20)]]


if __name__ == "__main__":
    main()
