"""Remote IIIF Image API services in headless Chromium: an export whose images are
a museum's own IIIF services (API 2 and 3, served on 127.0.0.1) is imported and
served by `glampub serve`; the object page's viewer zooms into the museum's
tiles (requested from its server and drawn), the manifest opens in
OpenSeadragon and in Mirador (both from the npm registry, never a CDN), and an
in-copyright image is never pointed at the museum's service unless the
institution publishes in-copyright images in full."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import tarfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from click.testing import CliRunner

from glampub.cli import main
from glampub.web.vendor import AssetUnavailable, install
from tests.browser_support import (
    CANVAS_DRAWN,
    GLAMPUB,
    assert_accessible,
    axe_source,
    free_port,
    missing,
    viewer_has_drawn,
    wait_for_health,
)
from tests.databases import subprocess_env
from tests.iiif_tile_server import TileServer, tile_server

TIMEOUT = 30_000
MIRADOR = "mirador@4.0.0"
INC = "http://rightsstatements.org/vocab/InC/1.0/"
#: A tile request: region x,y,w,h then a size w, or w,h (what OpenSeadragon asks for).
TILE = re.compile(r"/(\d+),(\d+),(\d+),(\d+)/(\d+),(\d*)/0/default\.jpg$")


@dataclass(frozen=True)
class Site:
    url: str
    museum: TileServer


def _book(museum: TileServer) -> bytes:
    """A Presentation 3 manifest of two pages, each painting one of the museum's services."""
    canvases = []
    for number, name in enumerate(("page-1", "page-2"), 1):
        canvas = museum.url(f"/book/canvas/{number}")
        width, height = museum.pictures[name].size
        service = museum.service("3", name)
        body = {
            "id": f"{service}/full/max/0/default.jpg",
            "type": "Image",
            "format": "image/jpeg",
            "service": [{"id": service, "type": "ImageService3", "profile": "level1"}],
        }
        annotation = {
            "id": f"{canvas}/painting",
            "type": "Annotation",
            "motivation": "painting",
            "body": body,
            "target": canvas,
        }
        page = {"id": f"{canvas}/page", "type": "AnnotationPage", "items": [annotation]}
        canvases.append(
            {"id": canvas, "type": "Canvas", "width": width, "height": height, "items": [page]}
        )
    manifest = {
        "@context": "http://iiif.io/api/presentation/3/context.json",
        "id": museum.url("/book/manifest.json"),
        "type": "Manifest",
        "label": {"en": ["A book of two pages"]},
        "items": canvases,
    }
    return json.dumps(manifest).encode()


def _cli(env: dict[str, str | None], *args: str) -> None:
    """A glampub command through its entry point, in this process (a process each
    would cost seconds of start-up on every run)."""
    result = CliRunner().invoke(main, list(args), env=env)
    assert result.exit_code == 0, result.output


def _mirador(folder: Path) -> subprocess.Popen[str]:
    """Mirador's own build fetched by `npm pack` (it bundles its libraries), started
    at once so that it downloads while the export is imported."""
    return subprocess.Popen(
        ["npm", "pack", MIRADOR, "--silent", "--pack-destination", str(folder)],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    """Two institutions import the same export of the museum's IIIF services: the
    tide museum keeps the default (in-copyright images as thumbnails only), the
    open museum holds the rights and publishes them in full."""
    if shutil.which("npm") is None:
        missing("npm is needed to install the viewer")
    tmp = tmp_path_factory.mktemp("remote-iiif")
    data = tmp / "data"
    data.mkdir()
    packing = _mirador(data)
    try:
        install(data)
    except AssetUnavailable as exc:
        packing.kill()
        packing.wait()
        missing(str(exc))
    with tile_server() as museum:
        museum.add("harbour", 2000, 1500)
        museum.add("letter", 1200, 1600)
        museum.add("secret", 1600, 1200)
        museum.add("page-1", 1600, 1200)
        museum.add("page-2", 1200, 1600)
        museum.files["/book/manifest.json"] = ("application/ld+json", _book(museum))
        export = tmp / "museum.csv"
        rows = [
            ("v3", "CC0", f"{museum.service('3', 'harbour')}/info.json"),
            # An Image API 2 request URL: its service is the part before the region.
            ("v2", "CC0", f"{museum.service('2', 'letter')}/full/full/0/default.jpg"),
            ("secret", INC, f"{museum.service('3', 'secret')}/info.json"),
            # The museum's own manifest: one image per canvas.
            ("book", "CC0", museum.url("/book/manifest.json")),
        ]
        export.write_text(
            "identifier,title,rights,images\n"
            + "".join(f"{i},Object {i},{rights},{url}\n" for i, rights, url in rows),
            "utf-8",
        )
        env = subprocess_env(data)
        for name in ("GLAMPUB_BASE_URL", "GLAMPUB_REDIS_URL"):
            env.pop(name, None)
        env["GLAMPUB_FETCH_ALLOW"] = "127.0.0.1"
        names = ("GLAMPUB_DATA_DIR", "GLAMPUB_DATABASE_URL", "GLAMPUB_FETCH_ALLOW")
        changes: dict[str, str | None] = {name: env.get(name) for name in names}
        changes |= {"GLAMPUB_BASE_URL": None, "GLAMPUB_REDIS_URL": None}
        _cli(changes, "institution", "add", "tide", "--name", "Tide Museum")
        _cli(
            changes,
            "institution",
            *("add", "open", "--name", "Open Museum", "--in-copyright-images", "full"),
        )
        for slug in ("tide", "open"):
            _cli(changes, "import", str(export), "--institution", slug, "--fetch-images")
        port = free_port()
        log = (tmp / "server.log").open("w")
        process = subprocess.Popen(
            [str(GLAMPUB), "serve", "--port", str(port)],
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        url = f"http://127.0.0.1:{port}"
        try:
            wait_for_health(url, process, tmp / "server.log")
            _viewer_pages(museum, data, packing)
            yield Site(url, museum)
        finally:
            process.terminate()
            process.wait(timeout=30)
            log.close()


@pytest.fixture
def page(browser, site):  # type: ignore[no-untyped-def]
    """A tab; whatever a page's Content Security Policy blocked fails the test."""
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    context.set_default_timeout(TIMEOUT)
    tab = context.new_page()
    blocked: list[str] = []
    tab.on(
        "console",
        lambda message: "Content Security Policy" in message.text and blocked.append(message.text),
    )
    site.museum.forget()
    yield tab
    context.close()
    assert not blocked, blocked


def tiles(museum: TileServer, name: str) -> list[tuple[int, int]]:
    """(region width, size width) of each tile of a picture the museum was asked for."""
    found = []
    for path in museum.image_requests(name):
        if match := TILE.search(path):
            found.append((int(match[3]), int(match[5])))
    return found


def wait_until(check, what: str, seconds: float = 20) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + seconds
    while not check():
        assert time.monotonic() < deadline, what
        time.sleep(0.1)


def _drawn(page) -> None:  # type: ignore[no-untyped-def]
    page.wait_for_function("() => document.querySelector('#viewer canvas') !== null")
    wait_until(lambda: viewer_has_drawn(page), "the viewer drew nothing")


@pytest.mark.parametrize(
    ("identifier", "name", "version"), [("v3", "harbour", "3"), ("v2", "letter", "2")]
)
def test_the_object_page_viewer_zooms_into_the_museums_own_tiles(
    page, site, identifier, name, version
) -> None:  # type: ignore[no-untyped-def]
    museum = site.museum
    response = page.goto(f"{site.url}/objects/tide/{identifier}")
    # The page lets the browser fetch from the museum's server, and from nowhere else new.
    policy = response.headers["content-security-policy"]
    assert f"img-src 'self' data: {museum.base};" in policy
    assert f"connect-src 'self' {museum.base};" in policy
    viewer = page.locator("#viewer")
    assert viewer.get_attribute("data-info") == f"{museum.service(version, name)}/info.json"
    page.locator("#viewer[data-ready=true]").wait_for()
    _drawn(page)
    assert museum.image_requests(name), "no tile came from the museum's service"
    # Zoomed in, the viewer asks for tiles at full resolution (a region drawn at
    # its own size): the museum's image, not glampub's 400-pixel copy of it.
    box = viewer.bounding_box()
    page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    for _ in range(8):
        page.mouse.wheel(0, -400)
        page.wait_for_timeout(100)
    wait_until(
        lambda: any(region == size for region, size in tiles(museum, name)),
        f"no full-resolution tile was asked for: {tiles(museum, name)}",
    )
    _drawn(page)


def test_an_in_copyright_image_shows_only_glampubs_thumbnail(page, site) -> None:  # type: ignore[no-untyped-def]
    museum = site.museum
    response = page.goto(f"{site.url}/objects/tide/secret")
    assert museum.base not in response.headers["content-security-policy"]
    assert museum.base not in page.content()
    page.wait_for_function(
        "() => { const i = document.querySelector('.main-image img'); "
        "return i && i.complete && i.naturalWidth > 0; }"
    )
    assert page.evaluate("() => document.querySelector('.main-image img').naturalWidth") == 400
    assert page.locator("#viewer").count() == 0  # nothing to zoom into
    assert page.locator("a.download").count() == 0
    assert page.locator(".download-line.thumbnail-only").is_visible()
    manifest = page.request.get(f"{site.url}/iiif/3/tide/secret/manifest")
    assert museum.base not in manifest.text()
    # The canvas has the museum's full size; what paints it is glampub's 400 pixels.
    canvas = manifest.json()["items"][0]
    assert (canvas["width"], canvas["height"]) == (1600, 1200)
    body = canvas["items"][0]["items"][0]["body"]
    assert (body["width"], body["height"]) == (400, 300)
    assert museum.requests == []  # the browser never asked the museum


def test_an_institution_that_publishes_in_copyright_images_in_full_shows_the_service(
    page, site
) -> None:  # type: ignore[no-untyped-def]
    museum = site.museum
    page.goto(f"{site.url}/objects/open/secret")
    assert page.locator("#viewer").get_attribute("data-info") == (
        f"{museum.service('3', 'secret')}/info.json"
    )
    page.locator("#viewer[data-ready=true]").wait_for()
    _drawn(page)
    assert tiles(museum, "secret")


def test_each_image_of_a_museums_manifest_opens_in_the_viewer_from_its_service(page, site) -> None:  # type: ignore[no-untyped-def]
    museum = site.museum
    page.goto(f"{site.url}/objects/tide/book")
    page.locator("#viewer[data-ready=true]").wait_for()
    _drawn(page)
    assert tiles(museum, "page-1") and not tiles(museum, "page-2")
    second = page.locator(".thumbs a").nth(1)
    assert second.get_attribute("data-info") == f"{museum.service('3', 'page-2')}/info.json"
    second.click()
    wait_until(lambda: tiles(museum, "page-2"), "the second page's tiles were not asked for")
    _drawn(page)


@pytest.fixture(scope="module")
def axe(tmp_path_factory: pytest.TempPathFactory) -> str:
    return axe_source(tmp_path_factory.mktemp("npm"))


@pytest.mark.parametrize("identifier", ["v3", "secret", "book"])
def test_a_remote_image_page_has_no_serious_accessibility_violations(
    page, site, axe, identifier
) -> None:  # type: ignore[no-untyped-def]
    page.goto(f"{site.url}/objects/tide/{identifier}")
    assert_accessible(page, axe)


# The manifest in IIIF viewers, each on a test page of its own origin (the
# museum's server serves it), as a reader's viewer elsewhere would open it.

OSD_PAGE = """<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">
<title>OpenSeadragon</title><style>#viewer { width: 800px; height: 600px; }</style></head>
<body><div id="viewer"></div>
<script src="/viewers/osd/openseadragon.min.js"></script>
<script src="/viewers/osd.js"></script></body></html>"""

#: What a viewer does with a manifest: the first canvas's painting annotation's
#: image service, opened by its info.json ("id" in version 3, "@id" in 2).
OSD_SCRIPT = """
const manifest = new URLSearchParams(location.search).get("manifest");
fetch(manifest).then((answer) => answer.json()).then((data) => {
  const body = data.items[0].items[0].items[0].body;
  const service = body.service[0];
  const viewer = OpenSeadragon({
    id: "viewer", prefixUrl: "/viewers/osd/images/", drawer: "canvas",
    crossOriginPolicy: "Anonymous", tileSources: [(service.id || service["@id"]) + "/info.json"],
  });
  viewer.addHandler("open", () => { document.body.dataset.ready = "true"; });
});
"""

MIRADOR_PAGE = """<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>Mirador</title>
</head><body><div id="mirador" style="position: absolute; inset: 0"></div>
<script src="/viewers/mirador.min.js"></script>
<script>
Mirador.viewer({
  id: "mirador",
  windows: new URLSearchParams(location.search).get("manifests").split(",")
    .map((manifestId) => ({ manifestId })),
  window: { allowClose: false, sideBarOpen: false },
  workspaceControlPanel: { enabled: false },
  // The 2D canvas drawer (as glampub's own viewer uses), so the test can read its pixels.
  osdConfig: { drawer: "canvas" },
});
</script></body></html>"""


def _viewer_pages(museum: TileServer, data: Path, packing: subprocess.Popen[str]) -> None:
    """The test pages, OpenSeadragon as glampub installed it, and Mirador's own
    build when npm could fetch it."""
    museum.files["/viewers/osd.html"] = ("text/html", OSD_PAGE.encode())
    museum.files["/viewers/osd.js"] = ("text/javascript", OSD_SCRIPT.encode())
    root = install(data)
    for path in root.rglob("*"):
        if path.is_file():
            kind = "text/javascript" if path.suffix == ".js" else "image/png"
            museum.files[f"/viewers/osd/{path.relative_to(root).as_posix()}"] = (
                kind,
                path.read_bytes(),
            )
    try:
        output, _ = packing.communicate(timeout=300)
    except subprocess.TimeoutExpired:
        packing.kill()
        packing.wait()
        return  # the Mirador test says why it cannot run
    if packing.returncode != 0:
        return
    with tarfile.open(data / output.strip().splitlines()[-1]) as archive:
        member = archive.extractfile("package/dist/mirador.min.js")
        assert member is not None
        museum.files["/viewers/mirador.min.js"] = ("text/javascript", member.read())
    museum.files["/viewers/mirador.html"] = ("text/html", MIRADOR_PAGE.encode())


@pytest.mark.parametrize(("identifier", "name"), [("v3", "harbour"), ("v2", "letter")])
def test_the_manifest_opens_in_openseadragon_on_the_museums_service(
    page, site, identifier, name
) -> None:  # type: ignore[no-untyped-def]
    manifest = f"{site.url}/iiif/3/tide/{identifier}/manifest"
    page.goto(f"{site.museum.url('/viewers/osd.html')}?manifest={manifest}")
    page.locator("body[data-ready=true]").wait_for()
    _drawn(page)
    assert tiles(site.museum, name)


def test_an_in_copyright_manifest_opens_on_glampubs_thumbnail_only(page, site) -> None:  # type: ignore[no-untyped-def]
    manifest = f"{site.url}/iiif/3/tide/secret/manifest"
    page.goto(f"{site.museum.url('/viewers/osd.html')}?manifest={manifest}")
    page.locator("body[data-ready=true]").wait_for()
    _drawn(page)
    assert site.museum.image_requests("secret") == []


def test_both_manifests_open_in_mirador_on_the_museums_services(page, site) -> None:  # type: ignore[no-untyped-def]
    if "/viewers/mirador.html" not in site.museum.files:
        missing(f"npm could not fetch {MIRADOR} from the registry")
    manifests = ",".join(f"{site.url}/iiif/3/tide/{i}/manifest" for i in ("v3", "v2"))
    page.goto(f"{site.museum.url('/viewers/mirador.html')}?manifests={manifests}")
    canvases = page.locator(".openseadragon-canvas")
    canvases.nth(1).wait_for()
    for name in ("harbour", "letter"):  # Image API 3, then 2
        wait_until(
            lambda: tiles(site.museum, name),  # noqa: B023 (called before the loop moves on)
            f"Mirador asked the museum for no {name} tile",
        )
    # Drawn: the gradient's many colours, not Mirador's grey frame alone.
    for n in range(2):
        wait_until(
            lambda: page.evaluate(CANVAS_DRAWN, [".openseadragon-canvas", n]),  # noqa: B023 (called before the loop moves on)
            f"Mirador drew no image in window {n + 1}",
        )
    for identifier in ("v3", "v2"):
        assert page.get_by_text(f"Object {identifier}").first.is_visible()
