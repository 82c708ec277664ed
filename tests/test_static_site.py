"""The static export stands alone: exported through the CLI for a base URL with
a sub-path, served under that sub-path by a plain static server, and crawled
from its home page, every link, script, image and JSON id resolves inside the
export, except declared external sites. A re-run renders only what changed."""

from __future__ import annotations

import functools
import json
import re
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from html.parser import HTMLParser
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.error import HTTPError
from urllib.parse import urldefrag, urljoin, urlsplit
from urllib.request import urlopen

import pytest
from click.testing import CliRunner
from PIL import Image as PILImage

from glampub import create_app
from glampub.cli import main
from glampub.importing.demo import load_demo
from glampub.publishing.object_page import OTHER_VIEWERS
from glampub.web.vendor import OPENSEADRAGON

SAMPLES = Path(__file__).resolve().parents[1] / "sample_collections"
#: Sites an export may link to: the museums' own sites (from the samples),
#: the licences and rights statements, the other IIIF viewers a page offers.
DECLARED_EXTERNAL = {
    "creativecommons.org",
    "rightsstatements.org",
    *(urlsplit(url).netloc for _, url in OTHER_VIEWERS),
    *(
        urlsplit(re.search(r'homepage = "([^"]+)"', toml.read_text()).group(1)).netloc
        for toml in SAMPLES.glob("*/institution.toml")
    ),
}
#: IIIF resources that are named but never fetched.
NOT_DEREFERENCED = {"Canvas", "AnnotationPage", "Annotation"}
STANDIN_VIEWER = b"/* stand-in for OpenSeadragon: the export must ship what is installed */"


class _Quiet(SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:  # noqa: A002
        pass


@dataclass
class Site:
    base: str
    folder: Path
    data_dir: Path
    runner: CliRunner
    first_output: str


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    tmp = tmp_path_factory.mktemp("static-site")
    www = tmp / "www"
    www.mkdir()
    data_dir = tmp / "data"
    server = ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(_Quiet, directory=str(www)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    base = f"http://127.0.0.1:{server.server_port}/museum/site/"
    folder = www / "museum" / "site"
    with pytest.MonkeyPatch.context() as env:
        env.setenv("GLAMPUB_DATA_DIR", str(data_dir))
        for name in ("GLAMPUB_DATABASE_URL", "GLAMPUB_BASE_URL", "GLAMPUB_REDIS_URL"):
            env.delenv(name, raising=False)
        runner = CliRunner()
        # The samples as `glampub demo` loads them (it would serve them, too).
        app = create_app()
        load_demo(app.extensions["glampub.db"], data_dir)
        app.extensions["glampub.db"].dispose()
        _harbour(runner, tmp)
        # The viewer as `glampub install-viewer` leaves it (a stand-in: no npm here).
        viewer = OPENSEADRAGON.served_root(data_dir)
        (viewer / "images").mkdir(parents=True)
        (viewer / OPENSEADRAGON.entry).write_bytes(STANDIN_VIEWER)
        PILImage.new("RGB", (4, 4)).save(viewer / "images" / "zoomin_rest.png")
        first = _ok(runner, "export-static", str(folder), "--base-url", base)
        yield Site(base, folder, data_dir, runner, first)
    server.shutdown()
    server.server_close()


def _ok(runner: CliRunner, *args: str) -> str:
    result = runner.invoke(main, list(args))
    assert result.exit_code in (0, 3), (args, result.output)
    return result.stdout


def _harbour(runner: CliRunner, tmp: Path) -> None:
    """An institution with no website of its own, one in-copyright object."""
    images = tmp / "harbour-images"
    images.mkdir()
    PILImage.new("RGB", (900, 600), "navy").save(images / "a.jpg")
    PILImage.new("RGB", (900, 600), "teal").save(images / "b.jpg")
    export = tmp / "harbour.csv"
    export.write_text(
        "identifier,title,creator,creator_death,rights,images\n"
        "H 1,Harbour at Dusk,Ann Reed,1890,CC0,a.jpg\n"
        "H/2,Net Loft,Bo Lind,2010,http://rightsstatements.org/vocab/InC/1.0/,b.jpg\n"
    )
    _ok(runner, "institution", "add", "harbour", "--name", "Harbour Museum")
    _ok(runner, "import", str(export), "--institution", "harbour", "--images", str(images))


class _Links(HTMLParser):
    """Every URL an HTML page refers to, by attribute."""

    def __init__(self) -> None:
        super().__init__()
        self.found: list[tuple[str, str]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        for name, value in attrs:
            if value and name in ("href", "src", "action", "data-info", "data-prefix"):
                self.found.append((name, value))
            elif value and name == "data-indexes":
                self.found += [("href", entry["url"]) for entry in json.loads(value).values()]


@dataclass
class Crawl:
    fetched: dict[str, bytes] = field(default_factory=dict)
    external: set[str] = field(default_factory=set)
    broken: list[str] = field(default_factory=list)


def _json_links(node: object) -> Iterator[str]:
    if isinstance(node, dict):
        kind = str(node.get("type", ""))
        if isinstance(node.get("id"), str) and kind not in NOT_DEREFERENCED:
            yield f"{node['id']}/info.json" if kind.startswith("ImageService") else node["id"]
        if isinstance(node.get("thumbnail"), str):  # the search index
            yield node["thumbnail"]
        for value in node.values():
            yield from _json_links(value)
    elif isinstance(node, list):
        for value in node:
            yield from _json_links(value)


def crawl(base: str) -> Crawl:
    result = Crawl()
    queue = [(f"{base}index.html", "the start")]
    while queue:
        url, referrer = queue.pop()
        url = urldefrag(url)[0]
        if not url.startswith(base):
            host = urlsplit(url).netloc
            if host not in DECLARED_EXTERNAL:
                result.broken.append(f"{referrer} links outside the export: {url}")
            result.external.add(url)
            continue
        # A static server ignores the query (the search page reads it in the browser).
        path = url.split("?", 1)[0]
        if path in result.fetched:
            continue
        try:
            with urlopen(path, timeout=10) as response:
                result.fetched[path] = body = response.read()
        except HTTPError as error:
            result.broken.append(f"{referrer} links to {url}: {error.code}")
            result.fetched[path] = b""
            continue
        if path.endswith(".html"):
            parser = _Links()
            parser.feed(body.decode("utf-8"))
            for attribute, value in parser.found:
                target = urljoin(path, value)
                if attribute == "data-prefix":  # the viewer's folder of button images
                    target += "zoomin_rest.png"
                queue.append((target, path))
        elif path.endswith(".json"):
            queue += [(link, path) for link in _json_links(json.loads(body))]
    return result


@pytest.fixture(scope="module")
def crawled(site: Site) -> Crawl:
    return crawl(site.base)


def test_nothing_the_export_links_to_is_missing(site: Site, crawled: Crawl) -> None:
    assert crawled.broken == []
    pages = [url for url in crawled.fetched if url.endswith(".html")]
    objects = [url for url in pages if "/objects/" in url]
    # All 40 sample objects and Harbour's two, reached through the search index.
    assert len(objects) == 42
    assert {f"{site.base}index.html", f"{site.base}search/index.html"} <= set(pages)
    assert {
        f"{site.base}institutions/{slug}/index.html"
        for slug in ("kestrel-museum", "stadtmuseum-lindenau", "harbour")
    } <= set(pages)
    # The viewer, shipped from the installed copy, and the icon.
    assert (
        crawled.fetched[f"{site.base}vendor/openseadragon/openseadragon.min.js"] == STANDIN_VIEWER
    )
    assert crawled.fetched[f"{site.base}favicon.ico"][:4] == b"\x00\x00\x01\x00"
    assert any(url.startswith("https://creativecommons.org/") for url in crawled.external)


def test_no_page_links_to_dynamic_only_pages(site: Site, crawled: Crawl) -> None:
    pages = [(url, body) for url, body in crawled.fetched.items() if url.endswith(".html")]
    assert len(pages) > 40
    for url, body in pages:
        html = body.decode("utf-8")
        if True:
            assert "/staff" not in html, url
            assert not re.search(r'(href|action)="[^"]*/search(\?|")', html), url
            assert not re.search(r'href="[^"]*/objects/[^"]*/download/', html), url


def test_the_provider_of_an_institution_without_a_site_is_its_page(site: Site) -> None:
    manifest = json.loads(
        urlopen(f"{site.base}iiif/3/harbour/H%25201/manifest.json", timeout=10).read()
    )
    provider = manifest["provider"][0]
    assert provider["id"] == f"{site.base}institutions/harbour/index.html"
    html = urlopen(provider["homepage"][0]["id"], timeout=10).read().decode()
    assert "<h1>Harbour Museum</h1>" in html
    assert (
        f'href="{site.base}search/index.html?institution=harbour&amp;reuse=free">1 object' in html
    )
    assert f'href="{site.base}iiif/3/collection/harbour.json"' in html


def test_downloads_point_at_the_exported_originals(site: Site, crawled: Crawl) -> None:
    page = crawled.fetched[f"{site.base}objects/harbour/H%25201/index.html"].decode()
    href = re.search(r'<a class="button download" href="([^"]+)"', page).group(1)
    manifest = json.loads(crawled.fetched[f"{site.base}iiif/3/harbour/H%25201/manifest.json"])
    assert href == manifest["rendering"][0]["id"]
    assert b"http://ns.adobe.com/xap/1.0/" in crawled.fetched[href]
    # In copyright: a thumbnail only, no download, no original in the export.
    closed = crawled.fetched[f"{site.base}objects/harbour/H%252F2/index.html"].decode()
    assert 'class="button download"' not in closed
    assert "Only a small image is published" in closed
    closed_manifest = json.loads(
        crawled.fetched[f"{site.base}iiif/3/harbour/H%252F2/manifest.json"]
    )
    assert "rendering" not in closed_manifest
    service = closed_manifest["items"][0]["items"][0]["items"][0]["body"]["service"][0]["id"]
    image_id = service.rsplit("/", 1)[-1]
    assert list((site.folder / "iiif/download").glob(f"{image_id}.*")) == []
    assert list((site.folder / "iiif/download").glob(f"{href.rsplit('/', 1)[-1]}")) != []


def test_the_search_index_lists_every_published_object(site: Site, crawled: Crawl) -> None:
    index = json.loads(crawled.fetched[f"{site.base}search/harbour.json"])
    assert index["institution"] == {"slug": "harbour", "name": "Harbour Museum"}
    by_title = {entry["title"]: entry for entry in index["objects"]}
    assert by_title["Net Loft"] == {
        "id": f"{site.base}objects/harbour/H%252F2/index.html",
        "title": "Net Loft",
        "creators": "Bo Lind",
        "date": "",
        "identifier": "H/2",
        "type": "",
        "reuse": "permission",
        "thumbnail": by_title["Net Loft"]["thumbnail"],
    }
    assert by_title["Net Loft"]["thumbnail"].endswith("/full/!400,400/0/default.jpg")


def _mtimes(folder: Path) -> dict[str, int]:
    return {
        path.relative_to(folder).as_posix(): path.stat().st_mtime_ns
        for path in folder.rglob("*")
        if path.is_file() and path.name != ".glampub-export.json"
    }


def test_a_rerun_with_nothing_changed_renders_nothing(site: Site, crawled: Crawl) -> None:
    assert site.first_output.startswith(f"Exported 38 manifests and 54 images to {site.folder}:")
    assert "42 objects rendered, 0 unchanged since the last export" in site.first_output
    before = _mtimes(site.folder)
    again = _ok(site.runner, "export-static", str(site.folder), "--base-url", site.base)
    assert f"0 files written, {len(before)} unchanged, 0 removed; " in again
    assert "0 objects rendered, 42 unchanged since the last export" in again
    assert _mtimes(site.folder) == before


def test_a_rerun_after_one_change_renders_that_object_only(site: Site, tmp_path: Path) -> None:
    before = _mtimes(site.folder)
    export = tmp_path / "harbour.csv"
    export.write_text(
        "identifier,title,creator,creator_death,rights,images\n"
        "H 1,Harbour at Night,Ann Reed,1890,CC0,a.jpg\n"
        "H/2,Net Loft,Bo Lind,2010,http://rightsstatements.org/vocab/InC/1.0/,b.jpg\n"
    )
    images = site.folder.parents[2] / "harbour-images"
    _ok(site.runner, "import", str(export), "--institution", "harbour", "--images", str(images))
    again = _ok(site.runner, "export-static", str(site.folder), "--base-url", site.base)
    assert "1 objects rendered, 41 unchanged since the last export" in again
    after = _mtimes(site.folder)
    changed = {name for name in after if after[name] != before.get(name)}
    assert "objects/harbour/H%201/index.html" in changed
    assert "iiif/3/harbour/H%201/manifest.json" in changed
    assert "search/harbour.json" in changed and "index.html" in changed
    # Nothing of another object; of the images, only those of this one (each
    # file carries the credit, and so the title, in its metadata).
    assert not [name for name in changed if "H%2F2" in name or "kestrel" in name]
    manifest = json.loads((site.folder / "iiif/3/harbour/H%201/manifest.json").read_text())
    image_id = manifest["items"][0]["items"][0]["items"][0]["body"]["service"][0]["id"]
    own_images = f"iiif/image/3/{image_id.rsplit('/', 1)[-1]}/"
    assert [n for n in changed if n.startswith("iiif/image/")]
    assert not [n for n in changed if n.startswith("iiif/image/") and not n.startswith(own_images)]
    page = (site.folder / "objects/harbour/H%201/index.html").read_text()
    assert "<h1>Harbour at Night</h1>" in page


def test_a_file_gone_from_the_export_is_written_again(site: Site) -> None:
    tiles = sorted((site.folder / "iiif/image/3").rglob("default.jpg"))
    missing = tiles[len(tiles) // 2]
    missing.unlink()
    again = _ok(site.runner, "export-static", str(site.folder), "--base-url", site.base)
    assert "1 objects rendered, 41 unchanged since the last export" in again
    assert missing.is_file()
