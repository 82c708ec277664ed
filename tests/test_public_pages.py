"""The public pages over HTTP with the test client: the home page, search with its
facets, sorting and pages, object pages (rights badge, credit, machine-readable
metadata, Content State, downloads that carry the credit, the reader's language),
the source record and the viewer's assets."""

from __future__ import annotations

import base64
import io
import json
import re
from urllib.parse import quote, unquote

from PIL import Image

PDM = "http://creativecommons.org/publicdomain/mark/1.0/"


def _ld(html: str) -> dict:
    return json.loads(
        re.search(r'<script type="application/ld\+json">(.*?)</script>', html, re.S).group(1)
    )


def test_home_lists_institutions_with_counts(demo_client) -> None:
    html = demo_client.get("/").get_data(as_text=True)
    assert "Kestrel Museum of Art</a>" in html
    assert '<span class="count">22 objects</span>' in html
    assert '<span class="count">18 objects</span>' in html


def test_search_finds_by_title_and_creator_words(demo_client) -> None:
    html = demo_client.get("/search?q=ferryman").get_data(as_text=True)
    assert '<p class="result-count" role="status">1 result for “ferryman”</p>' in html
    assert "Portrait of a Ferryman" in html
    none = demo_client.get("/search?q=zzzzqqq").get_data(as_text=True)
    assert "0 results for “zzzzqqq”" in none


def test_search_filters_by_reuse_class(demo_client) -> None:
    html = demo_client.get("/search?reuse=free").get_data(as_text=True)
    assert "badge-permission" not in html
    assert "badge-free" in html


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


def test_object_page_shows_rights_badge_and_reference_box(demo_client) -> None:
    html = demo_client.get("/objects/kestrel-museum/1923.5").get_data(as_text=True)
    assert 'class="badge badge-free"' in html
    assert ">Public Domain Mark 1.0</a>" in html
    assert '<link rel="license" href="' in html
    assert "How to reference" in html
    assert "You don't have to" in html
    assert 'class="copy" data-copy="credit-1"' in html
    assert "/iiif/3/kestrel-museum/1923.5/manifest" in html


def test_object_page_puts_the_credit_beside_the_image_and_other_formats_one_click_away(
    demo_client,
) -> None:
    html = demo_client.get("/objects/kestrel-museum/1887.12").get_data(as_text=True)
    top = html[html.index('<div class="object-top">') : html.index('<section class="metadata"')]
    images, reuse = top.split('<aside class="reuse"')
    assert 'alt="Portrait of a Ferryman"' in images and ">Download image</a>" in reuse
    assert reuse.index('class="badge badge-free"') < reuse.index('id="credit-1"')
    plain, others = reuse.split('<details class="other-formats">')
    assert '<label for="credit-1">Plain text</label>' in plain
    assert 'data-copy="credit-1">Copy credit</button>' in plain
    assert [m for m in re.findall(r'<label for="credit-\d">([^<]+)</label>', others)] == [
        "HTML",
        "Markdown",
        "Wikitext",
    ]


def test_a_thumbnail_only_image_is_shown_at_its_published_size_without_the_viewer(
    demo_client,
) -> None:
    html = demo_client.get("/objects/kestrel-museum/2003.17").get_data(as_text=True)
    figure = html[html.index('<figure class="main-image small-image">') :]
    figure = figure[: figure.index("</figure>")]
    assert re.search(r'<img src="[^"]+/full/max/0/default\.jpg"\s+alt="Tidewrack No. 4"', figure)
    width, height = map(int, re.search(r'width="(\d+)" height="(\d+)"', figure).groups())
    assert max(width, height) == 400
    assert 'id="viewer"' not in html
    assert ">Download image</a>" not in html


def test_html_in_titles_is_shown_escaped(demo_client) -> None:
    response = demo_client.get("/objects/kestrel-museum/2011.4")
    html = response.get_data(as_text=True)
    assert "<b>bold</b>" not in html
    assert "Untitled (&lt;b&gt;bold&lt;/b&gt; &amp; italic)" in html


def test_object_page_for_an_object_without_images(demo_client) -> None:
    html = demo_client.get(f"/objects/kestrel-museum/{quote('X 117', safe='')}").get_data(
        as_text=True
    )
    assert "No image of this object is published." in html
    assert ">IIIF manifest</a>" not in html


def test_unknown_object_page_is_a_404_page(demo_client) -> None:
    response = demo_client.get("/objects/kestrel-museum/nope")
    assert response.status_code == 404
    assert "no object &#39;nope&#39; in institution &#39;kestrel-museum&#39;" in response.get_data(
        as_text=True
    )


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


def test_source_record_is_served_verbatim(demo_client) -> None:
    response = demo_client.get(f"/objects/stadtmuseum-lindenau/{quote('Ä-12', safe='')}/source")
    assert response.status_code == 200
    assert response.mimetype == "application/xml"
    assert "<lido:lidoRecID" in response.get_data(as_text=True)


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
