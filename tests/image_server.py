"""A local web server for image-fetching tests: never the internet.

Serves fixed answers by path, and can hold a request open until the test
lets it go, which lets a test catch an import at an exact point (it waits
for that image while holding its lock).
"""

from __future__ import annotations

import io
import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from PIL import Image


def jpeg_bytes(width: int = 40, height: int = 30, colour: str = "green") -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (width, height), colour).save(buffer, "JPEG")
    return buffer.getvalue()


@dataclass
class ImageServer:
    base: str = ""
    #: path -> (status, content type, body)
    answers: dict[str, tuple[int, str, bytes]] = field(default_factory=dict)
    #: paths whose requests wait for ``release``; each sets its event when asked
    held: dict[str, threading.Event] = field(default_factory=dict)
    release: threading.Event = field(default_factory=threading.Event)
    requests: list[str] = field(default_factory=list)

    def url(self, path: str) -> str:
        return self.base + path

    def hold(self, path: str, body: bytes) -> threading.Event:
        self.answers[path] = (200, "image/jpeg", body)
        self.held[path] = threading.Event()
        return self.held[path]


@contextmanager
def image_server(*, allowed: bool = True) -> Iterator[ImageServer]:
    """A server on 127.0.0.1; ``allowed`` lists it in GLAMPUB_FETCH_ALLOW meanwhile
    (loopback addresses are refused otherwise, as an intranet's would be)."""
    state = ImageServer()
    before = os.environ.get("GLAMPUB_FETCH_ALLOW")
    if allowed:
        os.environ["GLAMPUB_FETCH_ALLOW"] = "127.0.0.1"

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 (the http.server API)
            state.requests.append(self.path)
            if self.path in state.held:
                state.held[self.path].set()
                state.release.wait(timeout=60)
            status, content_type, body = state.answers.get(
                self.path, (404, "text/html", b"<html><body>Not here</body></html>")
            )
            try:
                self.send_response(status)
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)
            except (BrokenPipeError, ConnectionResetError):
                pass  # the importer was killed while it waited: nobody to answer

        def log_message(self, format: str, *args: object) -> None:
            pass  # keep test output quiet

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    state.base = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield state
    finally:
        if before is None:
            os.environ.pop("GLAMPUB_FETCH_ALLOW", None)
        else:
            os.environ["GLAMPUB_FETCH_ALLOW"] = before
        state.release.set()
        server.shutdown()
        server.server_close()
        thread.join()
