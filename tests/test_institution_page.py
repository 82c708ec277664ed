"""Every institution has a public page, which is also its IIIF provider's
homepage when it has no website of its own; and every page has an icon."""

from __future__ import annotations

import io
import re
from pathlib import Path

from PIL import Image as PILImage

from glampub import create_app
from glampub.cli import main


def test_an_institution_without_a_homepage_is_its_page(runner, tmp_path: Path) -> None:
    images = tmp_path / "images"
    images.mkdir()
    PILImage.new("RGB", (300, 200), "navy").save(images / "a.jpg")
    export = tmp_path / "objects.csv"
    export.write_text(
        "identifier,title,creator,rights,images\n"
        "1,Harbour at Dusk,Ann Reed,CC0,a.jpg\n"
        "2,Net Loft,Ann Reed,http://rightsstatements.org/vocab/InC/1.0/,\n"
    )
    added = runner.invoke(main, ["institution", "add", "harbour", "--name", "Harbour Museum"])
    assert added.exit_code == 0, added.output
    runner.invoke(
        main, ["import", str(export), "--institution", "harbour", "--images", str(images)]
    )
    client = create_app().test_client()

    manifest = client.get("/iiif/3/harbour/1/manifest", base_url="https://pub.example").get_json()
    provider = manifest["provider"][0]
    assert provider["id"] == "https://pub.example/institutions/harbour"
    assert provider["homepage"][0]["id"] == "https://pub.example/institutions/harbour"

    page = client.get("/institutions/harbour", base_url="https://pub.example")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "<h1>Harbour Museum</h1>" in html
    assert "2 published objects</h2>" in html
    # Counts by reuse class, each linking to the search for it.
    assert re.search(
        r'badge-free">Free to reuse</span>\s*<a href="/search\?institution=harbour&amp;reuse=free">'
        r"1 object</a>",
        html,
    )
    assert re.search(r'badge-conditions">Reuse with conditions</span>\s*0 objects', html)
    assert 'href="/search?institution=harbour&amp;reuse=permission">1 object</a>' in html
    assert 'href="/search?institution=harbour">Search the collection of Harbour Museum</a>' in html
    assert 'href="https://pub.example/iiif/3/collection/harbour">IIIF collection of' in html
    # The credit of its newest object, and its recent objects as cards.
    assert re.search(r'<p class="credit-example">[^<]*Harbour Museum', html)
    assert 'href="https://pub.example/objects/harbour/1"' in html
    assert 'href="https://pub.example/objects/harbour/2"' in html


def test_the_page_shows_logo_homepage_and_counts(demo_client) -> None:
    html = demo_client.get("/institutions/kestrel-museum").get_data(as_text=True)
    assert "<h1>Kestrel Museum of Art</h1>" in html
    assert "22 published objects</h2>" in html
    assert (
        'src="http://glampub.test/iiif/image/3/logo-kestrel-museum/full/max/0/default.png"' in html
    )
    assert '<a href="https://kestrel-museum.example/" rel="external">' in html
    counts = re.findall(r'reuse=(\w+)">(\d+) objects?</a>', html)
    assert sum(int(n) for _, n in counts) == 22 and len(counts) >= 2
    # The home page and the object pages lead there.
    home = demo_client.get("/").get_data(as_text=True)
    assert (
        '<a href="http://glampub.test/institutions/kestrel-museum">Kestrel Museum of Art</a>'
        in home
    )
    obj = demo_client.get("/objects/kestrel-museum/1923.5").get_data(as_text=True)
    assert (
        '<p class="institution"><a href="http://glampub.test/institutions/kestrel-museum">' in obj
    )


def test_an_unknown_institution_is_a_404_page(demo_client) -> None:
    response = demo_client.get("/institutions/nowhere")
    assert response.status_code == 404
    assert "no institution &#39;nowhere&#39;" in response.get_data(as_text=True)


def test_the_favicon_is_served_and_linked(demo_client) -> None:
    response = demo_client.get("/favicon.ico")
    assert response.status_code == 200
    assert response.content_type == "image/vnd.microsoft.icon"
    icon = PILImage.open(io.BytesIO(response.data))
    assert icon.format == "ICO"
    assert {(16, 16), (32, 32), (48, 48)} <= icon.info["sizes"]
    with demo_client.get("/static/favicon.svg") as svg:
        assert svg.status_code == 200 and svg.data.startswith(b"<svg")
    html = demo_client.get("/").get_data(as_text=True)
    assert '<link rel="icon" href="/static/favicon.svg" type="image/svg+xml">' in html
    assert '<link rel="icon" href="/favicon.ico" sizes="16x16 32x32 48x48">' in html
