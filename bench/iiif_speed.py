"""How fast glampub answers IIIF requests, on the sample collections.

    uv run python bench/iiif_speed.py

Times each kind of request in-process through the WSGI app (no network), so
the numbers are glampub's own cost: a manifest built for the first time and
then served from its cache, the collections, info.json, and image requests
cold (decoded from the stored file) and warm (from the derivative cache).
"""

from __future__ import annotations

import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from glampub import create_app  # noqa: E402
from glampub.importing.demo import load_demo  # noqa: E402


def timed(label: str, calls: list[Callable[[], object]]) -> None:
    times = []
    for call in calls:
        start = time.perf_counter()
        response = call()
        times.append((time.perf_counter() - start) * 1000)
        assert response.status_code == 200, (label, response.status_code)
    print(
        f"{label:<44} n={len(times):>3}  median {statistics.median(times):7.1f} ms"
        f"  max {max(times):7.1f} ms"
    )


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        data_dir = Path(tmp) / "data"
        app = create_app({"DATA_DIR": str(data_dir), "BASE_URL": "http://bench.test"})
        start = time.perf_counter()
        load_demo(app.extensions["glampub.db"], data_dir)
        took = time.perf_counter() - start
        print(f"demo import (40 objects, images drawn and ingested): {took:.1f} s")
        client = app.test_client()
        manifests = [
            item["id"].removeprefix("http://bench.test")
            for slug in ("kestrel-museum", "stadtmuseum-lindenau")
            for item in client.get(f"/iiif/3/collection/{slug}").get_json()["items"]
        ]
        calls = [lambda u=u: client.get(u) for u in manifests]
        timed("manifest, first request (built, cached)", calls)
        timed("manifest, from the cache", calls)
        timed("top collection", [lambda: client.get("/iiif/3/collection")] * 20)
        services = sorted(
            {
                canvas["items"][0]["items"][0]["body"]["service"][0]["id"].removeprefix(
                    "http://bench.test"
                )
                for url in manifests
                for canvas in client.get(url).get_json()["items"]
            }
        )
        timed("info.json", [lambda s=s: client.get(f"{s}/info.json") for s in services])
        for name, tail in (
            # Confined sizes never upscale: thumbnail-only images are 400 px at most.
            ("thumbnail full/!400,400", "full/!400,400/0/default.jpg"),
            ("tile 0,0,512,512/!512,512", "0,0,512,512/!512,512/0/default.jpg"),
            ("full/max", "full/max/0/default.jpg"),
        ):
            calls = [lambda s=s, tail=tail: client.get(f"{s}/{tail}") for s in services]
            timed(f"image {name}, cold", calls)
            timed(f"image {name}, cached", calls)
        app.extensions["glampub.db"].dispose()


if __name__ == "__main__":
    main()
