"""What the browser tests need: a live glampub on an ephemeral port, headless
Chromium (Debian's, driven by Playwright), and axe-core from the npm registry;
the checks both browser test files make on a page."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest
from click.testing import CliRunner

from glampub.cli import main
from glampub.web.vendor import AssetUnavailable, NpmAsset, install
from tests.databases import subprocess_env

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
AXE = NpmAsset("axe-core", "4.11.4", "", "axe.min.js")
GLAMPUB = Path(sys.executable).parent / "glampub"
PASSWORD = "a long browser-test password"


def missing(what: str) -> None:
    """In CI a missing tool is a failure (.ci/run installs it); elsewhere a skip."""
    if os.environ.get("CI"):
        pytest.fail(f"{what} (.ci/run should have installed it)")
    pytest.skip(what)


@contextmanager
def chromium():  # type: ignore[no-untyped-def]
    """Headless Chromium driven by Playwright, closed afterwards; `missing` where absent."""
    if not os.path.exists(CHROMIUM):
        missing(f"no Chromium at {CHROMIUM} (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass(frozen=True)
class LiveSite:
    url: str
    data_dir: Path
    staff: str
    other_staff: str


def _cli(changes: dict[str, str | None], *args: str, stdin: str | None = None) -> None:
    """A glampub command through its entry point, in this process with ``changes`` to
    the environment: each command run as a process of its own would cost seconds of
    start-up on every run, for a site's accounts that are not what is tested."""
    result = CliRunner().invoke(main, list(args), env=changes, input=stdin)
    assert result.exit_code == 0, result.output


@contextmanager
def live_site(tmp: Path) -> Iterator[LiveSite]:
    """`glampub demo` on an ephemeral port (samples imported, viewer installed),
    with two institutions' staff accounts; stopped afterwards."""
    env = subprocess_env(tmp / "data")
    for name in ("GLAMPUB_BASE_URL", "GLAMPUB_REDIS_URL"):
        env.pop(name, None)
    changes: dict[str, str | None] = {
        name: env.get(name) for name in ("GLAMPUB_DATA_DIR", "GLAMPUB_DATABASE_URL")
    }
    changes |= {"GLAMPUB_BASE_URL": None, "GLAMPUB_REDIS_URL": None}
    _cli(changes, "institution", "add", "harbour-museum", "--name", "Harbour Museum")
    _cli(changes, "institution", "add", "moor-gallery", "--name", "Moor Gallery")
    staff, other = "registrar@harbour.example", "curator@moor.example"
    for email, institution in ((staff, "harbour-museum"), (other, "moor-gallery")):
        _cli(
            changes,
            *("user", "add", email, "--institution", institution, "--password-stdin"),
            stdin=PASSWORD,
        )
    port = free_port()
    log = (tmp / "server.log").open("w")
    process = subprocess.Popen(
        [str(GLAMPUB), "demo", "--port", str(port)], env=env, stdout=log, stderr=subprocess.STDOUT
    )
    url = f"http://127.0.0.1:{port}"
    try:
        wait_for_health(url, process, tmp / "server.log", seconds=180)
        yield LiveSite(url, tmp / "data", staff, other)
    finally:
        process.terminate()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
        log.close()


def axe_source(folder: Path) -> str:
    if shutil.which("npm") is None:
        missing("npm is needed to install axe-core")
    try:
        root = install(folder, AXE)
    except AssetUnavailable as exc:
        missing(str(exc))
    return (root / "axe.min.js").read_text("utf-8")


def wait_for_health(url: str, process: subprocess.Popen, log: Path, seconds: float = 60) -> None:
    """Until the site at ``url`` answers /healthz; its log as the failure if it ends or
    does not answer in time."""
    deadline = time.monotonic() + seconds
    while True:
        try:
            with urllib.request.urlopen(f"{url}/healthz", timeout=5):
                return
        except OSError:
            if process.poll() is not None or time.monotonic() > deadline:
                raise AssertionError(log.read_text()) from None
            time.sleep(0.1)


#: True once a canvas holds a picture: many lit pixels of many colours, not a blank
#: or one-colour canvas. Called as (selector, n): the n-th match of the selector,
#: a canvas or the element holding it (pages with several viewers).
CANVAS_DRAWN = """([selector, n]) => {
  const found = document.querySelectorAll(selector)[n];
  const canvas = found && (found.tagName === 'CANVAS' ? found : found.querySelector('canvas'));
  if (!canvas || !canvas.width) return false;
  const data = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height).data;
  const colours = new Set();
  let lit = 0;
  for (let i = 0; i < data.length; i += 4 * 97) {
    if (data[i + 3] > 0) {
      lit++;
      colours.add((data[i] >> 4) << 8 | (data[i + 1] >> 4) << 4 | (data[i + 2] >> 4));
    }
  }
  return lit > 500 && colours.size > 20;
}"""


def viewer_has_drawn(page) -> bool:  # type: ignore[no-untyped-def]
    """True once the object page's viewer canvas holds an image."""
    return page.evaluate(CANVAS_DRAWN, ["#viewer canvas", 0])


def assert_accessible(page, axe: str) -> None:  # type: ignore[no-untyped-def]
    """No serious or critical axe-core violations (WCAG 2.2 AA rules) on the page."""
    # Evaluated, not added as an inline <script> (which the CSP refuses, rightly).
    page.evaluate(axe)
    results = page.evaluate(
        """async () => await axe.run(document, {runOnly: {type: 'tag',
            values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa']}})"""
    )
    serious = [
        (v["id"], v["impact"], [n["target"] for n in v["nodes"]][:3])
        for v in results["violations"]
        if v["impact"] in ("serious", "critical")
    ]
    assert serious == []
    assert results["passes"], "axe checked nothing"
