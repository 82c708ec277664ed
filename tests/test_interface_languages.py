"""The site in the visitor's language, over HTTP: which language a request
gets (``?lang=``, the remembered choice, ``Accept-Language``, the
institution's default, English), what the page says about it (``<html
lang>``, hreflang alternates, the switcher, ``Content-Language``, ``Vary``),
and the rights label and credit in the reader's language."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from flask import Flask, render_template_string

from tests.staff_helpers import KESTREL, STAFF, csrf_token, make_two_institutions_staff, signed_in

FERRYMAN = "/objects/kestrel-museum/1887.12"  # CC BY 4.0
TIDEWRACK = "/objects/kestrel-museum/2003.17"  # In Copyright


def _html_lang(html: str) -> str:
    return re.search(r'<html lang="([^"]+)"', html).group(1)


def _badge(html: str) -> str:
    return re.search(r'<a class="badge badge-\w+"[^>]*>([^<]+)</a>', html).group(1)


def _credit(html: str) -> str:
    return re.search(r'<textarea id="credit-1"[^>]*>([^<]*)</textarea>', html).group(1)


def test_an_object_page_for_a_dutch_browser_is_dutch_with_the_official_dutch_label(
    demo_client,
) -> None:
    response = demo_client.get(FERRYMAN, headers={"Accept-Language": "nl-BE,nl;q=0.9,en;q=0.5"})
    html = response.get_data(as_text=True)
    assert _html_lang(html) == "nl"
    assert response.headers["Content-Language"] == "nl"
    assert '<h2 id="rights-heading">Mag ik het hergebruiken?</h2>' in html
    assert '<h2 id="reference-heading">Zo verwijst u</h2>' in html
    assert ">Afbeelding downloaden</a>" in html
    # Creative Commons' own Dutch title of CC BY 4.0, in the badge and the credit.
    assert _badge(html) == "Naamsvermelding 4.0 Internationaal"
    assert _credit(html).startswith("“Portrait of a Ferryman” door Wren, Elias (ca. 1850), ")
    assert "Naamsvermelding 4.0 Internationaal, https://creativecommons.org/licenses/by/4.0/" in (
        _credit(html)
    )
    in_copyright = demo_client.get(TIDEWRACK, headers={"Accept-Language": "nl"})
    # RightsStatements.org's Dutch label of InC.
    assert _badge(in_copyright.get_data(as_text=True)) == "Auteursrechtelijk beschermd"


def test_without_a_label_in_the_language_the_english_one_is_shown(demo_client) -> None:
    # Creative Commons has no Dutch title for the Public Domain Mark.
    html = demo_client.get("/objects/kestrel-museum/1923.5?lang=nl").get_data(as_text=True)
    assert _badge(html) == "Public Domain Mark 1.0"
    assert "U mag deze afbeelding voor elk doel gebruiken, zonder toestemming te vragen." in html


def test_english_pages_are_unchanged_and_say_what_they_vary_on(demo_client) -> None:
    response = demo_client.get(FERRYMAN)
    html = response.get_data(as_text=True)
    assert _html_lang(html) == "en"
    assert response.headers["Content-Language"] == "en"
    assert {"Accept-Language", "Cookie"} <= set(response.vary)
    assert _badge(html) == "CC BY 4.0"
    assert _credit(html).startswith("“Portrait of a Ferryman” by Wren, Elias (ca. 1850), ")
    # JSON documents carry language maps: they do not vary by language.
    manifest = demo_client.get("/iiif/3/kestrel-museum/1887.12/manifest")
    assert "Content-Language" not in manifest.headers
    assert "Accept-Language" not in manifest.headers.get("Vary", "")


def test_lang_is_remembered_and_beats_the_browser_until_another_is_chosen(demo_client) -> None:
    french_browser = {"Accept-Language": "fr"}
    chosen = demo_client.get("/search?lang=de", headers=french_browser)
    assert "glampub_lang=de" in chosen.headers["Set-Cookie"]
    assert "SameSite=Lax" in chosen.headers["Set-Cookie"]
    assert "40 Treffer" in chosen.get_data(as_text=True)
    # The next page, without ?lang=: the remembered choice beats Accept-Language.
    later = demo_client.get(FERRYMAN, headers=french_browser).get_data(as_text=True)
    assert _html_lang(later) == "de"
    assert "Darf ich es nachnutzen?" in later
    # ?lang= beats the remembered choice, and is remembered in its turn.
    swedish = demo_client.get("/?lang=sv", headers=french_browser)
    assert _html_lang(swedish.get_data(as_text=True)) == "sv"
    assert _html_lang(demo_client.get("/", headers=french_browser).get_data(as_text=True)) == "sv"
    # A language glampub does not ship is ignored, and sets nothing.
    unknown = demo_client.get("/?lang=xx", headers=french_browser)
    assert "Set-Cookie" not in unknown.headers
    assert _html_lang(unknown.get_data(as_text=True)) == "sv"


def test_every_page_has_the_switcher_and_hreflang_alternates(demo_client) -> None:
    html = demo_client.get("/search?q=portrait&lang=es").get_data(as_text=True)
    switcher = re.search(
        r'<nav class="language-switcher" aria-label="Idioma">(.*?)</nav>', html, re.S
    )
    links = re.findall(
        r'<a href="([^"]+)" hreflang="(\w+)" lang="\w+"( aria-current="true")?>([^<]+)</a>',
        switcher.group(1),
    )
    assert [(code, name) for _, code, _, name in links] == [
        ("en", "English"),
        ("de", "Deutsch"),
        ("nl", "Nederlands"),
        ("fr", "Français"),
        ("sv", "Svenska"),
        ("es", "Español"),
    ]
    assert [code for _, code, current, _ in links if current] == ["es"]
    assert (
        links[1][0] == "/search?q=portrait&amp;lang=de"
    )  # the same page, the other parameters kept
    alternates = dict(
        re.findall(r'<link rel="alternate" hreflang="([\w-]+)" href="([^"]+)">', html)
    )
    assert alternates["nl"] == "http://localhost/search?q=portrait&amp;lang=nl"
    assert alternates["x-default"] == "http://localhost/search?q=portrait"
    assert set(alternates) == {"en", "de", "nl", "fr", "sv", "es", "x-default"}


def test_error_pages_and_counts_are_in_the_language(demo_client, demo_app) -> None:
    missing = demo_client.get("/objects/kestrel-museum/no-such-thing?lang=de")
    assert missing.status_code == 404
    assert "<h1>404 Nicht gefunden</h1>" in missing.get_data(as_text=True)
    assert missing.headers["Content-Language"] == "de"
    # Numbers are written as the language writes them.
    for lang, written in (
        ("de", "12.345 Objekte"),
        ("en", "12,345 objects"),
        ("fr", "12\u202f345 objets"),
    ):
        with demo_app.test_request_context(f"/?lang={lang}"):
            text = render_template_string(
                '{{ ngettext("%(num)s object", "%(num)s objects", n, num=n | number) }}', n=12345
            )
        assert text == written


@pytest.fixture
def staff_app(app: Flask) -> Flask:
    """The Kestrel Museum published, with a staff account."""
    from glampub.importing.run import ImportOptions, run_import

    make_two_institutions_staff(app)
    run_import(
        app.extensions["glampub.db"],
        Path(app.config["DATA_DIR"]),
        ImportOptions(institution="kestrel-museum", path=KESTREL / "objects.csv"),
    )
    return app


def test_the_institution_default_language_serves_browsers_asking_for_none_we_ship(
    staff_app,
) -> None:
    client = signed_in(staff_app, STAFF)
    page = client.get("/staff/kestrel-museum/settings").get_data(as_text=True)
    assert '<option value="sv">Svenska</option>' in page
    form = {
        "csrf_token": csrf_token(page),
        "name": "Kestrel Museum of Art",
        "copyright_term": "70",
        "metadata_licence": "none",
        "default_language": "sv",
    }
    assert client.post("/staff/kestrel-museum/settings", data=form).status_code == 302
    visitor = staff_app.test_client()
    japanese = visitor.get(TIDEWRACK, headers={"Accept-Language": "ja"}).get_data(as_text=True)
    assert _html_lang(japanese) == "sv"
    assert "Får jag återanvända det?" in japanese
    # RightsStatements.org's Swedish label (Finland's) of InC.
    assert _badge(japanese) == "Underkastad upphovsrätt"
    no_preference = visitor.get(TIDEWRACK).get_data(as_text=True)
    assert _html_lang(no_preference) == "sv"
    # The visitor's own languages still win, and pages of no institution are English.
    assert (
        _html_lang(visitor.get(TIDEWRACK, headers={"Accept-Language": "en"}).get_data(as_text=True))
        == "en"
    )
    assert (
        _html_lang(visitor.get("/", headers={"Accept-Language": "ja"}).get_data(as_text=True))
        == "en"
    )
    # An unknown language is refused with a clear message.
    page = client.get("/staff/kestrel-museum/settings").get_data(as_text=True)
    assert '<option selected value="sv">Svenska</option>' in page or 'value="sv" selected' in page
    bad = client.post(
        "/staff/kestrel-museum/settings",
        data={**form, "csrf_token": csrf_token(page), "default_language": "xx"},
    )
    assert bad.status_code == 400


def test_search_facets_name_licences_and_reuse_in_the_language(demo_client) -> None:
    html = demo_client.get("/search", headers={"Accept-Language": "de"}).get_data(as_text=True)
    assert re.search(
        r'licence=http://creativecommons.org/licenses/by/4.0/">'
        r"Namensnennung 4.0 International <span",
        html,
    )
    assert re.search(r'reuse=free">Frei nachnutzbar <span class="count">', html)
    # A remembered choice names them too, whatever the browser asks for.
    demo_client.get("/?lang=nl")
    dutch = demo_client.get("/search", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert re.search(r'/by/4.0/">Naamsvermelding 4.0 Internationaal <span', dutch)


def test_the_institution_page_gives_its_example_credit_in_the_language(demo_client) -> None:
    html = demo_client.get("/institutions/kestrel-museum?lang=fr").get_data(as_text=True)
    assert '<h2 id="credit-heading">Comment mentionner ses objets</h2>' in html
    example = re.search(r'<p class="credit-example">([^<]*)</p>', html).group(1)
    assert example.startswith("«\u00a0") and " par " in example
