"""How long a viewer's tile waits while others ask for large renders.

    uv run --with gunicorn python bench/render_starvation.py [--source DIR] [--rounds 3]

Two synthetic open images are imported: a 24 MP "big" one that the load asks
for, and a 6 MP "other" one whose tiles a viewer asks for meanwhile. glampub
runs under gunicorn with the benchmarks' one configuration (2 workers of 4
threads), its render settings at their defaults.

Each round sends eight concurrent ``x,y,100,100/^max/0/default.png`` requests
for the big image (each a different region, so none is cached: a 6 MP render
each, PNG-encoded), waits 0.3 s, then times one uncached 100 px tile of the other
image. Two kinds of load: all eight from one address, and from eight
addresses (``X-Forwarded-For``, with ``GLAMPUB_PROXIES=1``). Printed: the
tile's latency with no load and under each load, and what the large requests
were answered (status counts and their slowest answer).

``--source DIR`` runs another checkout of glampub (e.g. an older commit
exported with ``git archive``) with the same load, for before/after numbers.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench._servers import REPO, gunicorn  # noqa: E402

BIG = (6000, 4000)
OTHER = (3000, 2000)
LOAD = 8


def draw(path: Path, size: tuple[int, int]) -> None:
    """A detailed picture that compresses like a photograph."""
    from PIL import Image

    fractal = Image.effect_mandelbrot(size, (-2.3, -1.2, 1.0, 1.2), 200)
    noise = Image.effect_noise(size, 40)
    down = Image.linear_gradient("L").resize(size)
    Image.merge("RGB", (fractal, noise, down)).save(path, "JPEG", quality=90)


def glampub(source: Path, data_dir: Path, *args: str) -> None:
    """The glampub command of ``source``, on ``data_dir``."""
    env = {**os.environ, "GLAMPUB_DATA_DIR": str(data_dir), "PYTHONPATH": str(source)}
    code = "import sys; from glampub.cli import main; sys.argv[0] = 'glampub'; main()"
    subprocess.run([sys.executable, "-c", code, *args], check=True, env=env, cwd=source)


def fetch(url: str, address: str | None = None) -> tuple[int, float]:
    """(status, seconds) of one GET."""
    headers = {"X-Forwarded-For": address} if address else {}
    began = time.perf_counter()
    try:
        with urllib.request.urlopen(urllib.request.Request(url, headers=headers)) as response:
            response.read()
            status = response.status
    except urllib.error.HTTPError as error:
        error.read()
        status = error.code
    return status, time.perf_counter() - began


def service(base: str, identifier: str) -> str:
    with urllib.request.urlopen(f"{base}/iiif/3/bench/{identifier}/manifest") as response:
        manifest = json.load(response)
    return manifest["items"][0]["items"][0]["items"][0]["body"]["service"][0]["id"]


def round_under_load(
    big: str, other: str, round_no: int, many_addresses: bool
) -> tuple[float, list[tuple[int, float]]]:
    """The tile's latency while LOAD large renders are asked for; their answers."""
    answers: list[tuple[int, float]] = []
    lock = threading.Lock()

    def large(n: int) -> None:
        x, y = 37 * n + 400 * round_no + (3000 if many_addresses else 0), 11 * n
        address = f"198.51.100.{n + 1}" if many_addresses else None
        answer = fetch(f"{big}/{x},{y},100,100/^max/0/default.png", address)
        with lock:
            answers.append(answer)

    threads = [threading.Thread(target=large, args=(n,)) for n in range(LOAD)]
    for thread in threads:
        thread.start()
    time.sleep(0.3)
    x = 100 + 7 * round_no + (50 if many_addresses else 0)
    _, tile = fetch(f"{other}/{x},{x},512,512/100,/0/default.jpg", "203.0.113.9")
    for thread in threads:
        thread.join()
    return tile, answers


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--source", type=Path, default=REPO, help="the glampub checkout to run")
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    source = args.source.resolve()
    with tempfile.TemporaryDirectory(prefix="bench-starve-") as tmp:
        root = Path(tmp)
        images = root / "images"
        images.mkdir()
        draw(images / "big.jpg", BIG)
        draw(images / "other.jpg", OTHER)
        export = root / "objects.csv"
        export.write_text(
            "identifier,title,rights,images\nbig,Big,CC0,big.jpg\nother,Other,CC0,other.jpg\n"
        )
        data = root / "data"
        glampub(source, data, "institution", "add", "bench", "--name", "Bench")
        glampub(
            source, data, "import", str(export), "--institution", "bench", "--images", str(images)
        )
        env = {"GLAMPUB_DATA_DIR": str(data), "GLAMPUB_PROXIES": "1"}
        with gunicorn("glampub:create_app()", env, pythonpath=source) as server:
            big, other = service(server.base_url, "big"), service(server.base_url, "other")
            fetch(f"{big}/info.json")
            idle = [
                fetch(f"{other}/{9 + r},{9 + r},512,512/100,/0/default.jpg")[1] for r in range(3)
            ]
            print(f"source: {source}")
            print(f"tile with no load: median {statistics.median(idle):.3f} s")
            for many in (False, True):
                tiles, answers = [], []
                for round_no in range(args.rounds):
                    tile, large = round_under_load(big, other, round_no, many)
                    tiles.append(tile)
                    answers += large
                who = f"{LOAD} addresses" if many else "one address"
                statuses = dict(sorted(Counter(status for status, _ in answers).items()))
                slowest = max(seconds for _, seconds in answers)
                print(
                    f"tile under {LOAD} large renders from {who}: "
                    f"median {statistics.median(tiles):.3f} s, worst {max(tiles):.3f} s "
                    f"(large answers {statuses}, slowest {slowest:.1f} s)"
                )


if __name__ == "__main__":
    main()
