"""The public site in depth: facets and sorting, machine-readable metadata,
Content State, downloads that carry the credit, and the reader's language."""

from __future__ import annotations

import base64
import io
import json
import re
from urllib.parse import unquote

from PIL import Image

PDM = "http://creativecommons.org/publicdomain/mark/1.0/"


def _ld(html: str) -> dict:
    return json.loads(
        re.search(r'<script type="application/ld\+json">(.*?)</script>', html, re.S).group(1)
    )


def test_search_shows_facets_with_counts_and_filters_by_them(demo_client) -> None:
    html = demo_client.get("/search").get_data(as_text=True)
    assert '<p class="result-count" role="status">40 results</p>' in html
    assert re.search(
        r'institution=kestrel-museum">Kestrel Museum of Art <span class="count">\(22\)</span>', html
    )
    assert re.search(r'reuse=free">Free to reuse <span class="count">\(\d+\)</span>', html)
    assert (
        'href="/search?licence=http://creativecommons.org/publicdomain/mark/1.0/">'
        'Public Domain Mark 1.0 <span class="count">' in html
    )
    assert re.search(r'type=painting">painting <span class="count">\(\d+\)</span>', html)
    creator_link, creator_count = re.search(
        r'href="(/search\?creator=[^"]+)">[^<]+<span class="count">\((\d+)\)', html
    ).groups()
    by_creator = demo_client.get(creator_link.replace("&amp;", "&")).get_data(as_text=True)
    assert f'<p class="result-count" role="status">{creator_count} result' in by_creator
    painting = demo_client.get("/search?type=painting").get_data(as_text=True)
    count = int(
        re.search(
            r'aria-current="true" class="chosen">\s*painting <span class="count">\((\d+)\)',
            painting,
        ).group(1)
    )
    assert f'<p class="result-count" role="status">{count} results</p>' in painting
    assert painting.count('<li class="card">') == count


def test_search_combines_text_facets_and_date_range(demo_client) -> None:
    html = demo_client.get("/search?q=portrait&reuse=free").get_data(as_text=True)
    titles = re.findall(r'<span class="card-title">([^<]+)</span>', html)
    assert "Portrait of a Ferryman" in titles
    assert "badge-permission" not in html.split('<ul class="cards">')[1]
    dated = demo_client.get("/search?from=1800&to=1850&sort=date-asc").get_data(as_text=True)
    dates = re.findall(r'<span class="card-meta">[^<·]+ · ([^<]+)</span>', dated)
    assert dates and all(re.search(r"18[0-5]\d|1[0-7]\d\d", d) for d in dates)
    prefix = demo_client.get("/search?q=ferr").get_data(as_text=True)
    assert "Portrait of a Ferryman" in prefix


def test_search_survives_any_input(demo_client) -> None:
    for query in ('"', "AND OR NOT", "*", "a'b", "NEAR(", "ü", "%_", "-", "🙂", "x" * 600):
        response = demo_client.get("/search", query_string={"q": query, "from": "x", "page": "-3"})
        assert response.status_code == 200, query


def test_pages_of_results(demo_app) -> None:
    demo_app.config["SEARCH_PAGE_SIZE"] = 7
    try:
        client = demo_app.test_client()
        first = client.get("/search?sort=identifier").get_data(as_text=True)
        assert "<span>Page 1 of 6</span>" in first
        assert 'rel="next" href="/search?sort=identifier&amp;page=2"' in first
        last = client.get("/search?sort=identifier&page=6").get_data(as_text=True)
        assert last.count('<li class="card">') == 40 - 5 * 7
    finally:
        demo_app.config["SEARCH_PAGE_SIZE"] = 24


def test_object_page_json_ld_for_a_licensed_image(demo_client) -> None:
    html = demo_client.get("/objects/kestrel-museum/1887.12").get_data(as_text=True)
    data = _ld(html)
    assert data["@type"] == "ImageObject"
    assert data["license"] == "https://creativecommons.org/licenses/by/4.0/"
    assert data["acquireLicensePage"] == "https://creativecommons.org/licenses/by/4.0/"
    assert data["creator"] == [{"@type": "Person", "name": "Wren, Elias"}]
    assert data["contentUrl"].startswith("http://glampub.test/iiif/image/3/")
    assert data["creditText"].startswith(
        "“Portrait of a Ferryman” by Wren, Elias (ca. 1850), Kestrel"
    )
    assert data["copyrightNotice"] == "© Kestrel Museum of Art"
    assert '<meta property="og:title" content="Portrait of a Ferryman">' in html
    assert '<meta property="og:image" content="http://glampub.test/iiif/image/3/' in html
    assert '<link rel="license" href="https://creativecommons.org/licenses/by/4.0/">' in html


def test_public_domain_json_ld_claims_no_copyright(demo_client) -> None:
    html = demo_client.get("/objects/kestrel-museum/1923.5").get_data(as_text=True)
    data = _ld(html)
    assert data["license"] == "https://creativecommons.org/publicdomain/mark/1.0/"
    assert "copyrightNotice" not in data and "acquireLicensePage" not in data
    assert "You don't have to, but it helps others find the original" in html
    assert "Why it helps:" in html


def test_open_in_another_viewer_carries_a_content_state(demo_client) -> None:
    html = demo_client.get("/objects/kestrel-museum/1887.12").get_data(as_text=True)
    link = re.search(
        r'<a class="other-viewer" href="https://projectmirador.org/embed/\?iiif-content=([^"]+)"',
        html,
    )
    encoded = link.group(1)
    decoded = json.loads(
        unquote(base64.urlsafe_b64decode(encoded + "=" * (-len(encoded) % 4)).decode())
    )
    assert decoded["motivation"] == ["contentState"]
    assert decoded["target"] == {
        "id": "http://glampub.test/iiif/3/kestrel-museum/1887.12/manifest",
        "type": "Manifest",
    }
    assert (
        'class="iiif-dnd" href="http://glampub.test/iiif/3/kestrel-museum/1887.12/manifest?manifest='
        in html
    )


def test_the_download_is_a_file_that_carries_the_credit(demo_client) -> None:
    html = demo_client.get("/objects/kestrel-museum/1923.5").get_data(as_text=True)
    href = re.search(r'<a class="button download" href="([^"]+)" download', html).group(1)
    credit = re.search(r'<textarea id="credit-1"[^>]*>([^<]+)</textarea>', html).group(1)
    response = demo_client.get(href)
    data = response.get_data()
    response.close()
    assert response.status_code == 200
    assert (
        response.headers["Content-Disposition"]
        == "attachment; filename=kestrel-museum-1923.5-1.jpg"
    )
    image = Image.open(io.BytesIO(data))
    xmp = image.info["xmp"].decode("utf-8")
    assert credit.replace("&#34;", '"') in xmp
    assert PDM in xmp


def test_content_in_the_readers_language(demo_client) -> None:
    url = "/objects/kestrel-museum/KM%201901%2F3"
    english = demo_client.get(url).get_data(as_text=True)
    assert "<h1>View of the Estuary from Saltings Hill</h1>" in english
    french = demo_client.get(url + "?lang=fr").get_data(as_text=True)
    header = demo_client.get(url, headers={"Accept-Language": "fr-FR,fr;q=0.9"}).get_data(
        as_text=True
    )
    french_title = re.search(r"<h1>([^<]+)</h1>", french).group(1)
    assert french_title != "View of the Estuary from Saltings Hill"
    assert f"<h1>{french_title}</h1>" in header


def test_the_viewer_is_served_from_the_data_folder_when_installed(demo_app, tmp_path) -> None:
    from glampub.web import vendor

    root = vendor.OPENSEADRAGON.served_root(__import__("pathlib").Path(demo_app.config["DATA_DIR"]))
    client = demo_app.test_client()
    if not (root / "openseadragon.min.js").is_file():
        assert client.get("/vendor/openseadragon/openseadragon.min.js").status_code == 404
        assert 'id="viewer"' not in client.get("/objects/kestrel-museum/1923.5").get_data(
            as_text=True
        )
        return
    response = client.get("/vendor/openseadragon/openseadragon.min.js")
    assert response.status_code == 200
    assert b"OpenSeadragon" in response.data[:2000]
