"""The static export in headless Chromium, served from a sub-path by a plain
static server: the object page's viewer draws the image from the exported
level 0 tiles (not a still image), and the client-side search finds objects."""

from __future__ import annotations

import functools
import re
import shutil
import subprocess
import threading
from collections.abc import Iterator
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer

import pytest

from glampub.web.vendor import AssetUnavailable, install
from tests.browser_support import (
    GLAMPUB,
    assert_accessible,
    axe_source,
    missing,
    viewer_has_drawn,
)
from tests.databases import subprocess_env
from tests.demo_template import DemoTemplate

TIMEOUT = 60_000
#: A tile of the level 0 grid: region x,y,w,h then a size.
TILE = re.compile(r"/iiif/image/3/[^/]+/\d+,\d+,\d+,\d+/\d+,\d*/0/default\.jpg$")


class _Quiet(SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:  # noqa: A002
        pass


@pytest.fixture(scope="module")
def exported(
    tmp_path_factory: pytest.TempPathFactory, demo_template: DemoTemplate
) -> Iterator[str]:
    """The samples, exported with the viewer installed from npm, served at a sub-path."""
    if shutil.which("npm") is None:
        missing("npm is needed to install the viewer")
    tmp = tmp_path_factory.mktemp("static-browser")
    data_dir, www = tmp / "data", tmp / "www"
    www.mkdir()
    try:
        install(data_dir)
    except AssetUnavailable as exc:
        missing(str(exc))
    demo_template.copy_to(data_dir)
    server = ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(_Quiet, directory=str(www)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    base = f"http://127.0.0.1:{server.server_port}/museum/site/"
    env = subprocess_env(data_dir)
    env.pop("GLAMPUB_BASE_URL", None)
    result = subprocess.run(
        [str(GLAMPUB), "export-static", str(www / "museum" / "site"), "--base-url", base],
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    try:
        assert result.returncode == 0, result.stderr
        assert "viewer is not installed" not in result.stdout
        yield base
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture
def page(browser, exported):  # type: ignore[no-untyped-def]
    # A context of its own per test (no cookies, cache or storage shared); one
    # Chromium for the module (tests/conftest.py).
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    context.set_default_timeout(TIMEOUT)
    tab = context.new_page()
    tab.answers = []  # (status, url) of every response the page got
    tab.on("response", lambda response: tab.answers.append((response.status, response.url)))
    yield tab
    context.close()


def test_the_viewer_zooms_into_exported_tiles(page, exported) -> None:  # type: ignore[no-untyped-def]
    page.goto(f"{exported}objects/kestrel-museum/1998.102/index.html")
    page.locator("#viewer[data-ready=true]").wait_for()
    assert page.locator(".main-image .still").is_hidden()
    for _ in range(60):
        if viewer_has_drawn(page):
            break
        page.wait_for_timeout(500)
    assert viewer_has_drawn(page), "the viewer drew nothing"
    # Zooming in asks for the tiles of a deeper level.
    box = page.locator("#viewer").bounding_box()
    page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    for _ in range(6):
        page.mouse.wheel(0, -400)
        page.wait_for_timeout(300)
    page.wait_for_timeout(1500)
    tiles = [url for status, url in page.answers if status == 200 and TILE.search(url)]
    assert len(tiles) >= 4, page.answers
    assert [answer for answer in page.answers if answer[0] >= 400] == []


def test_the_static_search_finds_an_object(page, exported) -> None:  # type: ignore[no-untyped-def]
    from playwright.sync_api import expect

    page.goto(f"{exported}index.html")
    page.get_by_role("searchbox", name="Search the collections").fill("ferryman")
    page.keyboard.press("Enter")
    page.wait_for_url("**/search/index.html?q=ferryman")
    # The status says "Searching…" until the page's script has read the index.
    expect(page.get_by_role("status")).to_have_text("1 result for “ferryman”", timeout=TIMEOUT)
    page.locator("li.card", has_text="Portrait of a Ferryman").locator("a").click()
    page.wait_for_url(re.compile(r".*/objects/kestrel-museum/[^/]+/index\.html$"))
    assert page.get_by_role("heading", level=1).inner_text() == "Portrait of a Ferryman"
    # A facet from an institution's page: its objects free to reuse.
    page.get_by_role("link", name="Kestrel Museum of Art").first.click()
    page.get_by_role("link", name=re.compile(r"^\d+ objects?$")).first.click()
    page.wait_for_url(re.compile(r".*/search/index\.html\?institution=kestrel-museum&reuse=\w+$"))
    found = page.locator("#search-results li.card")
    found.first.wait_for()
    assert found.count() >= 1
    assert page.locator("#search-results .card-meta", has_text="Stadtmuseum").count() == 0
    assert [answer for answer in page.answers if answer[0] >= 400] == []


@pytest.fixture(scope="module")
def axe(tmp_path_factory: pytest.TempPathFactory) -> str:
    return axe_source(tmp_path_factory.mktemp("npm"))


@pytest.mark.parametrize(
    "path", ["index.html", "search/index.html?q=portrait", "institutions/kestrel-museum/index.html"]
)
def test_exported_pages_are_accessible(page, exported, axe, path) -> None:  # type: ignore[no-untyped-def]
    page.goto(f"{exported}{path}")
    if path.startswith("search/"):
        page.locator("#search-results li.card").first.wait_for()
    assert_accessible(page, axe)
