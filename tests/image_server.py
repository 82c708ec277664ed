"""A local web server for image-fetching tests: never the internet.

Serves fixed answers by path, and can hold a request open until the test
lets it go, which lets a test catch an import at an exact point (it waits
for that image while holding its lock).
"""

from __future__ import annotations

import io
import os
import threading
import time
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
    #: path -> extra response headers (ETag, Last-Modified, Location, Retry-After)
    headers: dict[str, dict[str, str]] = field(default_factory=dict)
    #: path -> answers given in turn before ``answers`` (e.g. a 429, then the image)
    first: dict[str, list[tuple[int, dict[str, str]]]] = field(default_factory=dict)
    #: path -> seconds to wait before answering
    delays: dict[str, float] = field(default_factory=dict)
    #: path -> size of a body streamed without Content-Length (never held in memory)
    streams: dict[str, int] = field(default_factory=dict)
    #: paths whose requests wait for ``release``; each sets its event when asked
    held: dict[str, threading.Event] = field(default_factory=dict)
    release: threading.Event = field(default_factory=threading.Event)
    requests: list[str] = field(default_factory=list)
    #: the headers of each request, in order
    request_headers: list[dict[str, str]] = field(default_factory=list)
    #: (path, monotonic time) of each request
    times: list[tuple[str, float]] = field(default_factory=list)
    #: the most requests being answered at once
    peak: int = 0
    #: what each answer was: (path, status)
    statuses: list[tuple[str, int]] = field(default_factory=list)
    _active: int = 0
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def url(self, path: str) -> str:
        return self.base + path

    def hold(self, path: str, body: bytes) -> threading.Event:
        self.answers[path] = (200, "image/jpeg", body)
        self.held[path] = threading.Event()
        return self.held[path]

    def entered(self, path: str, headers: dict[str, str]) -> None:
        with self._lock:
            self.requests.append(path)
            self.request_headers.append(headers)
            self.times.append((path, time.monotonic()))
            self._active += 1
            self.peak = max(self.peak, self._active)

    def left(self) -> None:
        with self._lock:
            self._active -= 1


@contextmanager
def image_server(*, allowed: bool = True) -> Iterator[ImageServer]:
    """A server on 127.0.0.1; ``allowed`` lists it in GLAMPUB_FETCH_ALLOW meanwhile
    (loopback addresses are refused otherwise, as an intranet's would be)."""
    state = ImageServer()
    before = os.environ.get("GLAMPUB_FETCH_ALLOW")
    if allowed:
        os.environ["GLAMPUB_FETCH_ALLOW"] = "127.0.0.1"

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_GET(self) -> None:  # noqa: N802 (the http.server API)
            state.entered(self.path, dict(self.headers.items()))
            self.counted = True
            try:
                self._answer()
            except (BrokenPipeError, ConnectionResetError):
                pass  # the client went away (killed, or it stopped reading at its cap)
            finally:
                self._answering()

        def _answering(self) -> None:
            # A request stops counting as in flight when its answer starts, not when
            # this thread has finished: the client may read the answer, free its
            # connection slot and start the next request before this thread runs on.
            # So a peak above the client's limit means requests truly unanswered.
            if self.counted:
                self.counted = False
                state.left()

        def _answer(self) -> None:
            path = self.path
            if path in state.held:
                state.held[path].set()
                state.release.wait(timeout=60)
            if path in state.delays:
                time.sleep(state.delays[path])
            if state.first.get(path):
                status, extra = state.first[path].pop(0)
                return self._send(status, "text/plain", b"wait", extra)
            extra = state.headers.get(path, {})
            if path in state.streams:
                return self._stream(state.streams[path])
            status, content_type, body = state.answers.get(
                path, (404, "text/html", b"<html><body>Not here</body></html>")
            )
            etag = extra.get("ETag")
            if status == 200 and etag and self.headers.get("If-None-Match") == etag:
                return self._send(304, content_type, b"", extra)
            modified = extra.get("Last-Modified")
            if status == 200 and modified and self.headers.get("If-Modified-Since") == modified:
                return self._send(304, content_type, b"", extra)
            self._send(status, content_type, body, extra)

        def _send(self, status: int, content_type: str, body: bytes, extra: dict[str, str]) -> None:
            self._answering()
            state.statuses.append((self.path, status))
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            for name, value in extra.items():
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(body)))
            self.send_header("Connection", "close")
            self.end_headers()
            if status != 304:
                self.wfile.write(body)

        def _stream(self, size: int) -> None:
            self._answering()
            state.statuses.append((self.path, 200))
            self.send_response(200)
            self.send_header("Content-Type", "image/jpeg")
            self.send_header("Connection", "close")
            self.end_headers()
            chunk = b"\xff\xd8\xff" + b"\0" * (64 * 1024 - 3)
            sent = 0
            while sent < size:
                self.wfile.write(chunk)
                sent += len(chunk)
            self.close_connection = True

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
