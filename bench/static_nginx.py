"""The static export served by nginx: the read path at nginx's own speed.

    uv run --extra test --with gunicorn python bench/static_nginx.py [--seconds 5]

Imports the sample collections, runs ``glampub export-static`` for the URL
nginx will serve it at, checks that every manifest there validates against
the IIIF schema and that every tile its info.json promises is served, then
measures with wrk, side by side in one run: the exported manifests and
level 0 tiles from nginx, and the same manifests from glampub under gunicorn
(2 workers) for scale. A re-run of the export is timed as well (it rewrites
only what changed: nothing, here). Run as root, it installs nginx-light and
wrk with apt-get when they are missing.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench._servers import GUNICORN_WORKERS, free_port, gunicorn, nginx, ratio, wrk  # noqa: E402
from bench.tiles_vs_iipimage import grid  # noqa: E402
from glampub import create_app  # noqa: E402

SCHEMA = Path(__file__).resolve().parents[2] / "shared" / "iiif" / "iiif_3_0.json"


def fetch(url: str) -> bytes:
    with urllib.request.urlopen(url, timeout=10) as response:
        return response.read()


def tiles(info: dict) -> list[str]:
    return [f"{info['id']}/{tail}" for tail in grid(info)]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=int, default=5)
    parser.add_argument("--connections", type=int, default=16)
    args = parser.parse_args()
    from glampub.importing.demo import load_demo
    from glampub.static_site.export import export_static

    with tempfile.TemporaryDirectory(prefix="bench-static-") as tmp:
        Path(tmp).chmod(0o755)  # nginx's workers run as an unprivileged user
        data_dir, out = Path(tmp) / "data", Path(tmp) / "www"
        app = create_app({"DATA_DIR": str(data_dir)})
        load_demo(app.extensions["glampub.db"], data_dir)
        port = free_port()
        base = f"http://127.0.0.1:{port}/museum"
        start = time.perf_counter()
        report = export_static(app, out / "museum", base)
        took = time.perf_counter() - start
        start = time.perf_counter()
        again = export_static(app, out / "museum", base)
        took_again = time.perf_counter() - start
        app.extensions["glampub.db"].dispose()
        print(
            f"export-static: {report.manifests} manifests, {report.images} images, "
            f"{report.written} files in {took:.1f} s; again: {again.written} written, "
            f"{again.unchanged} unchanged in {took_again:.1f} s"
        )
        block = f"root {out};\n        location / {{ add_header Access-Control-Allow-Origin *; }}"
        # nginx listens on the port the export's ids were minted for.
        with nginx(block, port=port) as static_base:
            manifests = walk(f"{base}/iiif/3/collection.json")
            validate([json.loads(fetch(url)) for url in manifests])
            tile_urls = []
            for url in manifests:
                manifest = json.loads(fetch(url))
                for canvas in manifest["items"]:
                    service = canvas["items"][0]["items"][0]["body"]["service"][0]["id"]
                    tile_urls += tiles(json.loads(fetch(f"{service}/info.json")))
            for url in tile_urls[::10]:
                assert fetch(url)[:2] == b"\xff\xd8", url
            print(
                f"{len(manifests)} manifests valid and {len(tile_urls)} tiles served by nginx "
                f"({GUNICORN_WORKERS} workers)\n"
            )
            strip = len(static_base)
            common = {"seconds": args.seconds, "connections": args.connections}
            nginx_manifests = wrk(static_base, [u[strip:] for u in manifests], **common)
            nginx_tiles = wrk(static_base, [u[strip:] for u in tile_urls], **common)
            with gunicorn("glampub:create_app()", {"GLAMPUB_DATA_DIR": str(data_dir)}) as ours:
                live = [
                    u.removeprefix(base).removesuffix(".json").replace("%25", "%")
                    for u in manifests
                ]
                for path in live:
                    fetch(ours.base_url + path)  # built and stored before timing
                glampub_manifests = wrk(ours.base_url, live, **common)
        print(nginx_manifests.line("nginx, exported manifests"))
        print(glampub_manifests.line("glampub under gunicorn, the same manifests"))
        rate = ratio(nginx_manifests.requests_per_s, glampub_manifests.requests_per_s)
        print(f"  -> nginx at {rate} of glampub")
        print(nginx_tiles.line("nginx, exported level 0 tiles"))


def walk(collection_url: str) -> list[str]:
    found, pending = [], [collection_url]
    while pending:
        for item in json.loads(fetch(pending.pop()))["items"]:
            (found if item["type"] == "Manifest" else pending).append(item["id"])
    return sorted(found)


def validate(documents: list[dict]) -> None:
    try:
        import jsonschema
    except ImportError:
        print("(jsonschema not installed: run with --extra test to validate)")
        return
    validator = jsonschema.Draft7Validator(json.loads(SCHEMA.read_text("utf-8")))
    for document in documents:
        errors = list(validator.iter_errors(document))
        assert not errors, (document["id"], errors[0].message[:300])


if __name__ == "__main__":
    main()
