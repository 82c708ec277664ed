"""A museum's web server on your own machine, for the tour of images given as URLs.

``objects.csv`` beside this script is an export whose images are all web
addresses on http://127.0.0.1:8731/, as a museum's export points at its own
web site and IIIF server. This script draws those images and serves them
there, the way such a museum does:

- a plain JPEG (``/photos/lighthouse.jpg``);
- IIIF Image API services, version 3 and version 2, as static level 0 files
  (an ``info.json``, the sizes it lists and its tiles: what a viewer asks for);
- a IIIF Presentation 3 manifest (``/manifests/sketchbook.json``) whose two
  canvases paint two more services;
- a web page named in the export where an image should be (``/about.html``).

Every answer carries ``Access-Control-Allow-Origin: *``, as the IIIF APIs ask,
so a zoomable viewer on another site (glampub's object page) may draw the tiles.

    python museum.py start   # draw the files into www/, serve them in the background
    python museum.py stop    # stop that server
    python museum.py serve   # serve in the foreground (Ctrl+C stops it)

Everything here is invented. Nothing is downloaded; the files are made with
Pillow and are the same bytes on every run.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import math
import os
import signal
import socket
import subprocess
import sys
import time
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from PIL import Image, ImageDraw

HERE = Path(__file__).resolve().parent
WWW = HERE / "www"
PID_FILE = HERE / "museum.pid"
HOST = "127.0.0.1"
PORT = 8731
BASE = f"http://{HOST}:{PORT}"
TILE = 512

#: The pictures a IIIF service serves: (version, name, width, height, colours).
SERVICES = (
    ("3", "harbour-chart", 2400, 1800, ("#1d3557", "#a8dadc")),
    ("2", "letter-book", 1200, 1600, ("#6b4226", "#f1e3c6")),
    ("3", "sketchbook-1", 1600, 1200, ("#2a6f4e", "#e9f5db")),
    ("3", "sketchbook-2", 1200, 1600, ("#7a2e3a", "#fde2e4")),
    ("3", "quay-photograph", 1800, 1200, ("#3d405b", "#f2cc8f")),
)


def draw(label: str, width: int, height: int, colours: tuple[str, str]) -> Image.Image:
    """A gradient with rings and a grid, labelled: fine detail to zoom into."""
    top, bottom = (
        Image.new("RGB", (width, height), colours[0]),
        Image.new("RGB", (width, height), colours[1]),
    )
    mask = Image.linear_gradient("L").resize((width, height))
    picture = Image.composite(bottom, top, mask)
    pen = ImageDraw.Draw(picture)
    for ring in range(1, 12):
        r = ring * min(width, height) // 24
        box = (width // 2 - r, height // 2 - r, width // 2 + r, height // 2 + r)
        pen.ellipse(box, outline=colours[ring % 2], width=3)
    for x in range(0, width, 100):
        pen.line((x, 0, x, height), fill=colours[1], width=1)
    for y in range(0, height, 100):
        pen.line((0, y, width, y), fill=colours[1], width=1)
    pen.rectangle((20, 20, 20 + 9 * len(label), 50), fill="white")
    pen.text((26, 28), label, fill="black")
    return picture


def _jpeg(picture: Image.Image) -> bytes:
    out = io.BytesIO()
    picture.save(out, "JPEG", quality=85)
    return out.getvalue()


def _write(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    if not path.is_file() or path.read_bytes() != data:
        path.write_bytes(data)


def service_files(version: str, name: str, picture: Image.Image) -> dict[str, bytes]:
    """A level 0 service: its info.json, every size it lists and every tile, by path."""
    width, height = picture.size
    service = f"{BASE}/iiif/{version}/{name}"
    factors = [f for f in (1, 2, 4, 8) if math.ceil(max(width, height) / f) >= TILE // 2]
    sizes = [(math.ceil(width / f), math.ceil(height / f)) for f in factors]
    # A size of 400 pixels on the long side too: the thumbnail glampub keeps.
    side = 400 / max(width, height)
    sizes.append((round(width * side), round(height * side)))
    files: dict[str, bytes] = {}
    for w, h in sorted(set(sizes)):
        data = _jpeg(picture.resize((w, h), Image.Resampling.LANCZOS))
        files[f"full/{w},{h}/0/default.jpg"] = data
        files[f"full/{w},/0/default.jpg"] = data
    whole = _jpeg(picture)
    files["full/max/0/default.jpg" if version == "3" else "full/full/0/default.jpg"] = whole
    for factor in factors:
        level = picture.resize((math.ceil(width / factor), math.ceil(height / factor)))
        span = TILE * factor
        for y in range(0, height, span):
            for x in range(0, width, span):
                w, h = min(span, width - x), min(span, height - y)
                tw, th = math.ceil(w / factor), math.ceil(h / factor)
                box = (x // factor, y // factor, x // factor + tw, y // factor + th)
                data = _jpeg(level.crop(box))
                files[f"{x},{y},{w},{h}/{tw},{th}/0/default.jpg"] = data
                files[f"{x},{y},{w},{h}/{tw},/0/default.jpg"] = data
    info: dict[str, object] = {
        "protocol": "http://iiif.io/api/image",
        "width": width,
        "height": height,
        "sizes": [{"width": w, "height": h} for w, h in sorted(set(sizes))],
        "tiles": [{"width": TILE, "scaleFactors": factors}],
    }
    if version == "3":
        info = {
            "@context": "http://iiif.io/api/image/3/context.json",
            "id": service,
            "type": "ImageService3",
            "profile": "level0",
            **info,
        }
    else:
        info = {
            "@context": "http://iiif.io/api/image/2/context.json",
            "@id": service,
            "profile": ["http://iiif.io/api/image/2/level0.json"],
            **info,
        }
    files["info.json"] = json.dumps(info, indent=1).encode()
    return files


def manifest(pages: list[tuple[str, int, int, list[dict]]]) -> dict[str, object]:
    """A Presentation 3 manifest whose canvases paint these services (name, width,
    height, sizes). Each service is described with the sizes its info.json lists:
    a level 0 service renders only those, and a viewer (or glampub, making its
    thumbnail) need not fetch the info.json to know them."""
    canvases = []
    for number, (name, width, height, sizes) in enumerate(pages, 1):
        canvas = f"{BASE}/manifests/sketchbook/canvas/{number}"
        service = f"{BASE}/iiif/3/{name}"
        canvases.append(
            {
                "id": canvas,
                "type": "Canvas",
                "label": {"en": [f"Page {number}"]},
                "width": width,
                "height": height,
                "items": [
                    {
                        "id": f"{canvas}/page",
                        "type": "AnnotationPage",
                        "items": [
                            {
                                "id": f"{canvas}/painting",
                                "type": "Annotation",
                                "motivation": "painting",
                                "target": canvas,
                                "body": {
                                    "id": f"{service}/full/max/0/default.jpg",
                                    "type": "Image",
                                    "format": "image/jpeg",
                                    "width": width,
                                    "height": height,
                                    "service": [
                                        {
                                            "id": service,
                                            "type": "ImageService3",
                                            "profile": "level0",
                                            "sizes": sizes,
                                        }
                                    ],
                                },
                            }
                        ],
                    }
                ],
            }
        )
    return {
        "@context": "http://iiif.io/api/presentation/3/context.json",
        "id": f"{BASE}/manifests/sketchbook.json",
        "type": "Manifest",
        "label": {"en": ["Sketchbook of the harbour master"]},
        "items": canvases,
    }


def make_site(www: Path = WWW) -> None:
    """Every file the export's URLs point at, into ``www``."""
    pages = []
    for version, name, width, height, colours in SERVICES:
        picture = draw(name, width, height, colours)
        files = service_files(version, name, picture)
        for path, data in files.items():
            _write(www / "iiif" / version / name / path, data)
        if name.startswith("sketchbook"):
            pages.append((name, width, height, json.loads(files["info.json"])["sizes"]))
    _write(
        www / "photos" / "lighthouse.jpg",
        _jpeg(draw("lighthouse", 1200, 900, ("#264653", "#e9c46a"))),
    )
    _write(www / "manifests" / "sketchbook.json", json.dumps(manifest(pages), indent=1).encode())
    about = "<!DOCTYPE html><html lang=en><title>About</title><p>About our collection.</p></html>"
    _write(www / "about.html", about.encode())


class Handler(SimpleHTTPRequestHandler):
    extensions_map = {**SimpleHTTPRequestHandler.extensions_map, ".json": "application/json"}

    def end_headers(self) -> None:
        self.send_header("Access-Control-Allow-Origin", "*")
        super().end_headers()

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002
        pass


def serve(port: int = PORT) -> None:
    server = ThreadingHTTPServer((HOST, port), partial(Handler, directory=str(WWW)))
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    print(f"The museum serves {WWW} at http://{HOST}:{port}/", flush=True)
    try:
        server.serve_forever()
    finally:
        server.server_close()


def _answers(port: int) -> bool:
    with socket.socket() as sock:
        sock.settimeout(0.2)
        return sock.connect_ex((HOST, port)) == 0


def start(port: int = PORT) -> int:
    if _answers(port):
        print(f"Port {port} is taken: is the museum already running? (museum.py stop)")
        return 2
    make_site()
    process = subprocess.Popen(
        [sys.executable, str(Path(__file__).resolve()), "serve"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    deadline = time.monotonic() + 15
    while not _answers(port):
        if process.poll() is not None or time.monotonic() > deadline:
            print("The museum's server did not start.")
            return 2
        time.sleep(0.05)
    PID_FILE.write_text(str(process.pid))
    # The server outlives this command on purpose (`stop` ends it by its id), so the
    # Popen object is not left waiting for it (it warns when dropped while a child runs).
    process.returncode = 0
    print(f"The museum serves its images at http://{HOST}:{port}/ (stop it: museum.py stop)")
    return 0


def stop() -> int:
    if not PID_FILE.is_file():
        print("The museum's server is not running.")
        return 0
    pid = int(PID_FILE.read_text())
    PID_FILE.unlink()
    with contextlib.suppress(ProcessLookupError):  # it had stopped already
        os.kill(pid, signal.SIGTERM)
    print("Stopped the museum's server.")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("action", choices=("start", "stop", "serve"))
    action = parser.parse_args(argv).action
    if action == "serve":
        serve()
        return 0
    return start() if action == "start" else stop()


if __name__ == "__main__":
    sys.exit(main())
