"""A museum's IIIF Image API server for the browser tests: API 2 and 3, on 127.0.0.1.

Unlike tests/image_server.py (fixed answers by path), this one renders what
it is asked for (any region and size of its pictures, as a level 1 server
does), because a zoomable viewer asks for tiles the test cannot list ahead.
It sends ``Access-Control-Allow-Origin: *`` as the Image API asks, so
viewers on other origins may draw its tiles on a canvas, and it notes every
request. Other files (a manifest, a test page, a viewer's script) are served
from ``files`` as they are.
"""

from __future__ import annotations

import io
import json
import re
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from PIL import Image

TILE = 256
SCALE_FACTORS = [1, 2, 4, 8]
#: /iiif/{version}/{name}/{region}/{size}/{rotation}/{quality}.{format}
_REQUEST = re.compile(
    r"^/iiif/(?P<version>[23])/(?P<name>[\w-]+)/(?P<region>[^/]+)/(?P<size>[^/]+)"
    r"/(?P<rotation>[^/]+)/(?P<quality>default|color)\.(?P<format>jpg|png)$"
)
_INFO = re.compile(r"^/iiif/(?P<version>[23])/(?P<name>[\w-]+)/info\.json$")
_NUMBER = r"\d+(?:\.\d+)?"


def picture(width: int, height: int) -> Image.Image:
    """A picture with many colours everywhere, so a drawn tile is never one flat colour."""
    red = Image.linear_gradient("L").resize((width, height))
    green = Image.radial_gradient("L").resize((width, height))
    blue = Image.linear_gradient("L").rotate(90).resize((width, height))
    return Image.merge("RGB", (red, green, blue))


class BadRequest(ValueError):
    pass


def _region(text: str, width: int, height: int) -> tuple[int, int, int, int]:
    if text == "full":
        return (0, 0, width, height)
    if text == "square":
        side = min(width, height)
        return ((width - side) // 2, (height - side) // 2, side, side)
    pct = text.startswith("pct:")
    parts = text.removeprefix("pct:").split(",")
    if len(parts) != 4 or not all(re.fullmatch(_NUMBER, p) for p in parts):
        raise BadRequest(f"region {text!r}")
    x, y, w, h = (float(p) for p in parts)
    if pct:
        x, w, y, h = x * width / 100, w * width / 100, y * height / 100, h * height / 100
    x, y = int(x), int(y)
    w, h = min(int(w), width - x), min(int(h), height - y)
    if w <= 0 or h <= 0:
        raise BadRequest(f"region {text!r} is outside the image")
    return (x, y, w, h)


def _size(text: str, region_w: int, region_h: int, version: str) -> tuple[int, int]:
    upscale = text.startswith("^")
    text = text.removeprefix("^")
    if text in ("max", "full"):
        if text == "full" and version == "3":
            raise BadRequest("size 'full' is version 2 only")
        return (region_w, region_h)
    if text.startswith("pct:"):
        share = float(text[4:]) / 100
        size = (max(1, round(region_w * share)), max(1, round(region_h * share)))
    else:
        fit = text.startswith("!")
        match = re.fullmatch(r"(\d*),(\d*)", text.removeprefix("!"))
        if match is None or not (match[1] or match[2]):
            raise BadRequest(f"size {text!r}")
        w, h = int(match[1] or 0), int(match[2] or 0)
        if fit:
            share = min(w / region_w, h / region_h)
            size = (max(1, round(region_w * share)), max(1, round(region_h * share)))
        elif not w:
            size = (max(1, round(region_w * h / region_h)), h)
        elif not h:
            size = (w, max(1, round(region_h * w / region_w)))
        else:
            size = (w, h)
    if not upscale and (size[0] > region_w or size[1] > region_h):
        if version == "3":
            raise BadRequest(f"size {text!r} would upscale without ^")
        size = (min(size[0], region_w), min(size[1], region_h))
    return size


@dataclass
class TileServer:
    base: str = ""
    pictures: dict[str, Image.Image] = field(default_factory=dict)
    #: path -> (content type, body)
    files: dict[str, tuple[str, bytes]] = field(default_factory=dict)
    requests: list[str] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def url(self, path: str) -> str:
        return self.base + path

    def service(self, version: str, name: str) -> str:
        return self.url(f"/iiif/{version}/{name}")

    def add(self, name: str, width: int, height: int) -> None:
        self.pictures[name] = picture(width, height)

    def image_requests(self, name: str) -> list[str]:
        """The image (not info.json) requests made for a picture, in order."""
        with self._lock:
            return [p for p in self.requests if (m := _REQUEST.match(p)) and m["name"] == name]

    def forget(self) -> None:
        with self._lock:
            self.requests.clear()

    def info(self, version: str, name: str) -> dict:
        width, height = self.pictures[name].size
        tiles = [{"width": TILE, "scaleFactors": SCALE_FACTORS}]
        if version == "2":
            return {
                "@context": "http://iiif.io/api/image/2/context.json",
                "@id": self.service("2", name),
                "protocol": "http://iiif.io/api/image",
                "profile": ["http://iiif.io/api/image/2/level1.json", {"formats": ["jpg"]}],
                "width": width,
                "height": height,
                "tiles": tiles,
            }
        return {
            "@context": "http://iiif.io/api/image/3/context.json",
            "id": self.service("3", name),
            "type": "ImageService3",
            "protocol": "http://iiif.io/api/image",
            "profile": "level1",
            "width": width,
            "height": height,
            "tiles": tiles,
        }

    def render(self, path: str) -> tuple[str, bytes]:
        match = _REQUEST.match(path)
        if match is None or match["name"] not in self.pictures:
            raise KeyError(path)
        if match["rotation"] != "0":
            raise BadRequest("only rotation 0")
        source = self.pictures[match["name"]]
        x, y, w, h = _region(match["region"], *source.size)
        size = _size(match["size"], w, h, match["version"])
        with self._lock:  # Pillow images are not made for threads sharing one
            cropped = source.crop((x, y, x + w, y + h))
        out = io.BytesIO()
        kind = "JPEG" if match["format"] == "jpg" else "PNG"
        cropped.resize(size).save(out, kind)
        return (f"image/{'jpeg' if kind == 'JPEG' else 'png'}", out.getvalue())


@contextmanager
def tile_server() -> Iterator[TileServer]:
    state = TileServer()

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_GET(self) -> None:  # noqa: N802 (the http.server API)
            path = self.path.split("?", 1)[0]
            with state._lock:
                state.requests.append(path)
            info = _INFO.match(path)
            try:
                if path in state.files:
                    self._send(200, *state.files[path])
                elif info and info["name"] in state.pictures:
                    body = json.dumps(state.info(info["version"], info["name"])).encode()
                    self._send(200, "application/ld+json", body)
                else:
                    self._send(200, *state.render(path))
            except BadRequest as exc:
                self._send(400, "text/plain", str(exc).encode())
            except KeyError:
                self._send(404, "text/plain", b"not here")
            except (BrokenPipeError, ConnectionResetError):
                pass  # the browser moved on (a tile no longer needed)

        def _send(self, status: int, content_type: str, body: bytes) -> None:
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Access-Control-Allow-Origin", "*")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: object) -> None:  # noqa: A002
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    state.base = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield state
    finally:
        server.shutdown()
        server.server_close()
        thread.join()
