"""`glampub demo` as a user runs it: a real process serving HTTP on loopback."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from tests.databases import subprocess_env

GLAMPUB = Path(sys.executable).parent / "glampub"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _get(url: str, timeout: float = 5) -> tuple[int, dict, bytes]:
    with urllib.request.urlopen(url, timeout=timeout) as response:
        return response.status, dict(response.headers), response.read()


def test_demo_imports_the_samples_and_serves_iiif(tmp_path: Path) -> None:
    port = _free_port()
    env = subprocess_env(tmp_path / "data")
    env.pop("GLAMPUB_BASE_URL", None)
    process = subprocess.Popen(
        [str(GLAMPUB), "demo", "--port", str(port)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        deadline = time.monotonic() + 90
        while True:
            try:
                status, headers, body = _get(f"http://127.0.0.1:{port}/iiif/3/collection")
                break
            except OSError:
                if process.poll() is not None or time.monotonic() > deadline:
                    raise AssertionError(process.stdout.read() if process.stdout else "") from None
                time.sleep(0.1)
        assert status == 200
        assert headers["Access-Control-Allow-Origin"] == "*"
        collection = json.loads(body)
        assert collection["id"] == f"http://127.0.0.1:{port}/iiif/3/collection"
        assert len(collection["items"]) == 2
    finally:
        process.terminate()
        output, _ = process.communicate(timeout=30)
    assert "kestrel-museum: created 22, updated 0, unchanged 0, rejected 0" in output
    assert f"Serving glampub on http://127.0.0.1:{port}/" in output
