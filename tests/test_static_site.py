"""The static export stands alone: exported through the CLI for a base URL with
a sub-path, served under that sub-path by a plain static server, and crawled
from its home page, every link, script, image and JSON id resolves inside the
export, except declared external sites. A re-run renders only what changed."""

from __future__ import annotations

import functools
import gc
import gzip
import json
import re
import subprocess
import threading
import warnings
from collections.abc import Iterator
from dataclasses import dataclass, field
from html.parser import HTMLParser
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.error import HTTPError
from urllib.parse import unquote, urldefrag, urljoin, urlsplit
from urllib.request import urlopen

import frictionless
import pytest
from click.testing import CliRunner
from PIL import Image as PILImage
from sqlalchemy import func, select

from glampub import create_app
from glampub.cli import main
from glampub.models import ChangeEvent, CollectionObject, Institution
from glampub.publishing.object_page import OTHER_VIEWERS
from glampub.statuses import ObjectStatus
from glampub.web.vendor import OPENSEADRAGON
from tests.demo_template import DemoTemplate

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
#: The packages of /datasets/: their folder under datasets/ and the stem of their data files.
PACKAGES = {
    "all": "all-institutions",
    "institutions/harbour": "harbour",
    "institutions/kestrel-museum": "kestrel-museum",
    "institutions/stadtmuseum-lindenau": "stadtmuseum-lindenau",
}
#: Values that name the export's URLs (compared as files), not the data.
URL_FIELDS = ("object_page", "record", "manifest")


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
def site(tmp_path_factory: pytest.TempPathFactory, demo_template: DemoTemplate) -> Iterator[Site]:
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
        demo_template.copy_to(data_dir)
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


def _published_and_dates() -> tuple[set[tuple[str, str]], dict[str, str]]:
    """The published objects as the database holds them, and the time of each
    institution's latest change (what its dataset is dated by)."""
    app = create_app()
    try:
        with app.extensions["glampub.db"].session() as session:
            published = {
                (row.slug, row.identifier)
                for row in session.execute(
                    select(Institution.slug, CollectionObject.identifier)
                    .join(Institution)
                    .where(CollectionObject.status == ObjectStatus.PUBLISHED)
                )
            }
            latest = {
                slug: at.strftime("%Y-%m-%dT%H:%M:%SZ")
                for slug, at in session.execute(
                    select(Institution.slug, func.max(ChangeEvent.at))
                    .join(Institution, Institution.id == ChangeEvent.institution_id)
                    .group_by(Institution.slug)
                )
            }
    finally:
        app.extensions["glampub.db"].dispose()
    return published, latest


def _file_of(site: Site, url: str) -> Path:
    """The file a static server sends for ``url`` (it decodes the path once)."""
    assert url.startswith(site.base), url
    return site.folder / unquote(urlsplit(url).path[len(urlsplit(site.base).path) :])


def _records(folder: Path, stem: str) -> list[dict]:
    data = gzip.decompress((folder / f"{stem}.jsonl.gz").read_bytes())
    return [json.loads(line) for line in data.decode("utf-8").splitlines()]


def test_the_datasets_page_and_every_file_it_links_to_are_served(
    site: Site, crawled: Crawl
) -> None:
    # Reached from the home page's footer, as on the live site.
    page = crawled.fetched[f"{site.base}datasets/index.html"].decode("utf-8")
    assert "<h1>Open data</h1>" in page and "rebuilt in the background" not in page
    links = set(re.findall(r'href="([^"]+/datasets/[^"]+)"', page))
    links.remove(f"{site.base}datasets/index.html")  # the footer's, as on every page
    expected = {
        f"{site.base}datasets/{path}/{name}"
        for path, stem in PACKAGES.items()
        for name in (f"{stem}.jsonl.gz", f"{stem}.csv.gz", "datapackage.json", "SHA256SUMS")
    }
    assert links == expected
    for url in links:  # fetched by the crawl from the plain static server
        assert crawled.fetched[url], url
    kestrel = crawled.fetched[f"{site.base}institutions/kestrel-museum/index.html"].decode()
    assert f'href="{site.base}datasets/index.html"' in kestrel
    # The citation names the descriptor where the export serves it.
    assert f"{site.base}datasets/institutions/harbour/datapackage.json</code>" in page


def test_the_datasets_validate_and_hold_the_published_objects_one_to_one(site: Site) -> None:
    published, latest = _published_and_dates()
    assert len(published) == 42
    for path, stem in PACKAGES.items():
        folder = site.folder / "datasets" / path
        with warnings.catch_warnings():
            # frictionless leaves a gzip reader to the garbage collector.
            warnings.simplefilter("ignore", ResourceWarning)
            report = frictionless.validate(str(folder / "datapackage.json"))
            gc.collect()
        assert report.valid, report.flatten(["type", "note"])
        checked = subprocess.run(
            ["sha256sum", "-c", "SHA256SUMS"], cwd=folder, capture_output=True, text=True
        )
        assert checked.returncode == 0 and checked.stdout.count(": OK") == 3, checked.stdout
        records = _records(folder, stem)
        keys = [(r["institution"], r["identifier"]) for r in records]
        slug = path.removeprefix("institutions/")
        expected = published if path == "all" else {p for p in published if p[0] == slug}
        assert len(keys) == len(set(keys)) == len(expected) and set(keys) == expected
        # Dated by the data: the latest change of what it holds, not the export.
        descriptor = json.loads((folder / "datapackage.json").read_text("utf-8"))
        assert descriptor["created"] == (max(latest.values()) if path == "all" else latest[slug])


def test_every_url_in_the_datasets_is_a_file_of_the_export(site: Site) -> None:
    records = _records(site.folder / "datasets/all", "all-institutions")
    images = 0
    for record in records:
        for field_name in URL_FIELDS:
            if field_name in record:
                assert _file_of(site, record[field_name]).is_file(), record[field_name]
        for image in record["images"]:
            data = _file_of(site, image["url"]).read_bytes()
            assert data[:2] == b"\xff\xd8", image["url"]
            assert _file_of(site, f"{image['service']}/info.json").is_file()
            images += 1
    assert images >= 54
    # And through the static server: one image, as a reader of the CSV would fetch it.
    first = next(r for r in records if r["images"])["images"][0]["url"]
    with urlopen(first, timeout=10) as response:
        assert response.read(2) == b"\xff\xd8"


def test_the_datasets_are_those_export_dataset_writes(site: Site, tmp_path: Path) -> None:
    """The same packages as /datasets/ (glampub export-dataset writes those):
    the same records, with the export's URLs."""
    out = tmp_path / "harbour"
    _ok(site.runner, "export-dataset", "harbour", str(out), "--base-url", site.base)
    live = {r["identifier"]: r for r in _records(out, "harbour")}
    static = {
        r["identifier"]: r
        for r in _records(site.folder / "datasets/institutions/harbour", "harbour")
    }
    assert live.keys() == static.keys() == {"H 1", "H/2"}
    for identifier, record in static.items():
        assert _comparable(record) == _comparable(live[identifier])
        # The image files: the Image API's largest size, live and here alike.
        assert [i["url"].split("/full/")[1] for i in record["images"]] == [
            i["url"].split("/full/")[1] for i in live[identifier]["images"]
        ]


def _comparable(record: dict) -> dict:
    """A record without the URLs, which differ in form between the live site and
    the export (the export's name files): every other value must be the same."""
    page = record["object_page"]
    same = {k: v for k, v in record.items() if k not in URL_FIELDS}
    same["credit_line"] = record["credit_line"].replace(page, "<object page>")
    same["images"] = [
        {k: v for k, v in image.items() if k not in ("url", "service")}
        for image in record["images"]
    ]
    return same


def test_robots_txt_is_exported(site: Site) -> None:
    text = urlopen(f"{site.base}robots.txt", timeout=10).read().decode("utf-8")
    assert text.startswith("# robots.txt of a glampub site\nUser-agent: *\nDisallow:\n")
    assert "GLAMPUB_ROBOTS_AI=allow" in text and "GPTBot" not in text
    assert f"# Datasets (JSON Lines, CSV): {site.base}datasets/index.html" in text
    assert f"{site.base}.well-known/tdmrep.json" in text
    assert f"# IIIF collection: {site.base}iiif/3/collection.json" in text
    assert "/oai" not in text and "/staff/" not in text  # a static copy has neither


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
    # The datasets too: dated by their data, the same bytes, left alone.
    assert {f"datasets/{path}/datapackage.json" for path in PACKAGES} <= before.keys()
    assert {"datasets/index.html", "robots.txt"} <= before.keys()
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
    # The datasets holding it change; Kestrel's and Lindenau's stay as they were.
    assert {
        "datasets/all/all-institutions.jsonl.gz",
        "datasets/institutions/harbour/harbour.csv.gz",
        "datasets/institutions/harbour/datapackage.json",
        "datasets/index.html",
    } <= changed
    assert not [name for name in changed if "lindenau" in name]
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


def test_robots_txt_follows_glampub_robots_ai(site: Site, monkeypatch: pytest.MonkeyPatch) -> None:
    """Last: it re-exports with other settings, then as before."""
    before = _mtimes(site.folder)
    monkeypatch.setenv("GLAMPUB_ROBOTS_AI", "GPTBot, CCBot")
    _ok(site.runner, "export-static", str(site.folder), "--base-url", site.base)
    text = (site.folder / "robots.txt").read_text("utf-8")
    assert "User-agent: GPTBot\nUser-agent: CCBot\nDisallow: /\n" in text
    after = _mtimes(site.folder)
    assert {name for name in after if after[name] != before.get(name)} == {"robots.txt"}
    monkeypatch.setenv("GLAMPUB_ROBOTS_AI", "GPT Bot")
    refused = site.runner.invoke(main, ["export-static", str(site.folder), "--base-url", site.base])
    assert refused.exit_code == 2 and "'GPT Bot' is not a crawler" in refused.output
    monkeypatch.delenv("GLAMPUB_ROBOTS_AI")
    _ok(site.runner, "export-static", str(site.folder), "--base-url", site.base)
    assert "GPTBot" not in (site.folder / "robots.txt").read_text("utf-8")
