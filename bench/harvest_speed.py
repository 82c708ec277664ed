"""How fast ``glampub images harvest`` fetches and stores images, and what it costs.

A local HTTP server (127.0.0.1, allowed through GLAMPUB_FETCH_ALLOW) serves N
distinct JPEGs with ETags; an export naming them is imported (the metadata,
published at once), then the harvest runs as its own process. Printed:

- images per second of the harvest (wall time of the process) and its CPU time;
- the most connections the server saw open at once from the harvester (the
  per-host limit is 2: it must never be more);
- the harvester's peak memory (RSS, from the kernel's accounting of the child);
- a second harvest: every image asked conditionally, one 304 each.

The per-host request rate is set high (``--rate``) so that the harvester's own
speed is measured, not the politeness delay (4 requests per second by default).

    uv run python bench/harvest_speed.py [--images 1000] [--rate 1000] [--size 1024x768]
"""

from __future__ import annotations

import argparse
import io
import os
import subprocess
import sys
import tempfile
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from PIL import Image, ImageDraw

CLI = [sys.executable, "-c", "from glampub.cli import main; main()"]
#: Peak RSS the harvester should stay under (issue 20).
MEMORY_TARGET_MB = 150
PER_HOST_LIMIT = 2
#: When the last child ended.
ENDED = [0.0]


class Counts:
    """What the server saw: connections waiting for their answer (now and at most),
    answers by status, and when the first request came."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.open = 0
        self.peak = 0
        self.statuses: dict[int, int] = {}
        self.first: float | None = None

    def opened(self) -> None:
        with self.lock:
            self.open += 1
            self.peak = max(self.peak, self.open)
            if self.first is None:
                self.first = time.perf_counter()

    def answering(self, status: int) -> None:
        with self.lock:
            self.open -= 1
            self.statuses[status] = self.statuses.get(status, 0) + 1

    def reset(self) -> None:
        with self.lock:
            self.peak, self.statuses, self.first = 0, {}, None


def make_images(count: int, width: int, height: int) -> list[bytes]:
    """Distinct JPEGs (each its own bytes, so none is stored as another's copy)."""
    images = []
    for n in range(count):
        picture = Image.new("RGB", (width, height), (n % 256, (n * 7) % 256, (n * 13) % 256))
        draw = ImageDraw.Draw(picture)
        draw.rectangle((n % width, 0, n % width + width // 8, height // 2), fill=(255, 255, 255))
        draw.text((10, 10), f"image {n}", fill=(0, 0, 0))
        buffer = io.BytesIO()
        picture.save(buffer, "JPEG", quality=80)
        images.append(buffer.getvalue())
    return images


def serve(images: list[bytes], counts: Counts) -> ThreadingHTTPServer:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def handle(self) -> None:
            # One request per connection (Connection: close), counted from its
            # accept until its answer starts: the client can only free its slot
            # after that, so a peak above its limit means connections truly open
            # at once, not a count lagging behind the client.
            counts.opened()
            super().handle()

        def do_GET(self) -> None:  # noqa: N802 (the http.server API)
            number = int(self.path.strip("/").split(".")[0])
            etag = f'"img-{number}"'
            if self.headers.get("If-None-Match") == etag:
                status, body = 304, b""
            else:
                status, body = 200, images[number]
            counts.answering(status)
            self.send_response(status)
            self.send_header("Content-Type", "image/jpeg")
            self.send_header("ETag", etag)
            self.send_header("Cache-Control", "max-age=86400")
            self.send_header("Content-Length", str(len(body)))
            self.send_header("Connection", "close")
            self.end_headers()
            if body:
                self.wfile.write(body)

        def log_message(self, format: str, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def run_child(args: list[str], env: dict[str, str]) -> tuple[float, float, float, str]:
    """Run glampub as a child: wall seconds, CPU seconds, peak RSS in MB, its stdout.

    The child's end is kept in ``ENDED[0]`` (see :func:`main`)."""
    started = time.perf_counter()
    child = subprocess.Popen(
        [*CLI, *args], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    out = child.stdout.read() if child.stdout else ""
    err = child.stderr.read() if child.stderr else ""
    # wait4: this child's own resource use (its peak RSS), not all children's.
    _, status, usage = os.wait4(child.pid, 0)
    ENDED[0] = time.perf_counter()
    child.returncode = os.waitstatus_to_exitcode(status)
    wall = time.perf_counter() - started
    if child.returncode not in (0, 3):
        raise SystemExit(f"glampub {' '.join(args)} failed ({child.returncode}):\n{err}{out}")
    return wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024, out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--images", type=int, default=1000)
    parser.add_argument("--rate", type=float, default=1000.0, help="GLAMPUB_FETCH_RATE")
    parser.add_argument("--size", default="1024x768", help="WIDTHxHEIGHT of each image")
    options = parser.parse_args()
    width, height = (int(side) for side in options.size.split("x"))

    print(f"making {options.images} distinct {width}x{height} JPEGs…", flush=True)
    images = make_images(options.images, width, height)
    counts = Counts()
    server = serve(images, counts)
    base = f"http://127.0.0.1:{server.server_address[1]}"
    with tempfile.TemporaryDirectory(prefix="glampub-harvest-bench-") as folder:
        root = Path(folder)
        env = {
            **os.environ,
            "GLAMPUB_DATA_DIR": str(root / "data"),
            "GLAMPUB_FETCH_ALLOW": "127.0.0.1",
            "GLAMPUB_FETCH_RATE": str(options.rate),
            "GLAMPUB_CONTACT": "bench@glampub.invalid",
        }
        env.pop("GLAMPUB_DATABASE_URL", None)
        export = root / "export.csv"
        rows = "".join(f"R{n},Object {n},CC0,{base}/{n}.jpg\n" for n in range(options.images))
        export.write_text("identifier,title,rights,images\n" + rows, "utf-8")
        run_child(["institution", "add", "bench", "--name", "Bench"], env)
        run_child(["import", str(export), "--institution", "bench"], env)

        counts.reset()
        wall, cpu, rss, out = run_child(["images", "harvest", "bench", "--wait"], env)
        # From the first request the server saw to the harvester's exit: its
        # process start (imports of Flask, SQLAlchemy…, seconds on a busy machine) left out.
        window = ENDED[0] - (counts.first or ENDED[0])
        first_peak, first = counts.peak, dict(counts.statuses)
        print(out.strip().splitlines()[0])
        print(
            f"harvest: {options.images} images in {window:.1f} s from the first request to the "
            f"harvester's exit = {options.images / window:.1f} images/s; the whole process "
            f"{wall:.1f} s, CPU {cpu:.1f} s ({options.images / max(cpu, 1e-9):.1f} images per "
            "CPU second, its start included)"
        )
        print(
            f"max concurrent connections per host seen by the server: {first_peak} "
            f"(limit {PER_HOST_LIMIT}: {'held' if first_peak <= PER_HOST_LIMIT else 'EXCEEDED'})"
        )
        print(
            f"peak memory (RSS) of the harvester: {rss:.0f} MB "
            f"(target <= {MEMORY_TARGET_MB} MB: {'met' if rss <= MEMORY_TARGET_MB else 'MISSED'})"
        )
        print(f"answers: {first}")

        counts.reset()
        wall, cpu, rss, out = run_child(["images", "harvest", "bench", "--wait"], env)
        window = ENDED[0] - (counts.first or ENDED[0])
        print(
            f"re-harvest: {options.images} images revalidated in {window:.1f} s = "
            f"{options.images / max(window, 1e-9):.1f} images/s, answers "
            f"{dict(counts.statuses)} (peak RSS {rss:.0f} MB, max connections {counts.peak})"
        )
    server.shutdown()
    server.server_close()


if __name__ == "__main__":
    main()
