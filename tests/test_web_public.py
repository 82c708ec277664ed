"""The public pages, over HTTP with the test client."""

from __future__ import annotations

import re
from urllib.parse import quote


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


def test_source_record_is_served_verbatim(demo_client) -> None:
    response = demo_client.get(f"/objects/stadtmuseum-lindenau/{quote('Ä-12', safe='')}/source")
    assert response.status_code == 200
    assert response.mimetype == "application/xml"
    assert "<lido:lidoRecID" in response.get_data(as_text=True)
