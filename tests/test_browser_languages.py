"""In headless Chromium set to German, as a German museum's staff and visitors
use glampub: the staff upload and publish, the search, the object page with
its badge, its credit copied to the clipboard and its download note; then the
switcher to English, remembered on the next page."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest

from tests.browser_support import PASSWORD, LiveSite, live_site
from tests.staff_helpers import sample_zip

TIMEOUT = 60_000


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveSite]:
    with live_site(tmp_path_factory.mktemp("live-de")) as running:
        yield running


@pytest.fixture
def page(browser, site):  # type: ignore[no-untyped-def]
    # The browser's language: Chromium sends it as Accept-Language.
    context = browser.new_context(
        base_url=site.url,
        locale="de-DE",
        viewport={"width": 1280, "height": 900},
        accept_downloads=True,
    )
    context.grant_permissions(["clipboard-read", "clipboard-write"], origin=site.url)
    context.set_default_timeout(TIMEOUT)
    yield context.new_page()
    context.close()


def test_a_german_museum_uploads_publishes_and_its_visitors_find_and_credit(
    page, site, tmp_path
) -> None:  # type: ignore[no-untyped-def]
    # Staff sign in and upload, all in German.
    page.goto("/staff/login")
    assert page.locator("html").get_attribute("lang") == "de"
    page.get_by_label("E-Mail").fill(site.staff)
    page.get_by_label("Passwort").fill(PASSWORD)
    page.get_by_role("button", name="Anmelden").click()
    page.wait_for_url("**/staff/harbour-museum/")
    page.get_by_role("link", name="Hochladen", exact=True).click()
    page.get_by_label("Exportdatei").set_input_files(str(sample_zip(tmp_path)))
    page.get_by_role("button", name="Hochladen und Vorschau").click()
    publish = page.get_by_role("button", name="Diese Datensätze veröffentlichen")
    publish.wait_for()
    counts = page.locator("table.counts")
    assert counts.locator("tr", has_text="Neu").inner_text().split() == ["Neu", "22"]
    assert page.get_by_role("heading", name="Was die Veröffentlichung bewirken würde").is_visible()
    assert page.locator("#upload-status").inner_text() == "Vorschau bereit"
    publish.click()
    page.locator("p.flash-info", has_text="Veröffentlicht.").wait_for()

    # Visitors search.
    page.goto("/")
    page.get_by_role("searchbox", name="Die Sammlungen durchsuchen").fill("ferryman")
    page.keyboard.press("Enter")
    page.wait_for_url("**/search?q=ferryman")
    assert page.get_by_role("heading", level=1).inner_text() == "Suche"
    assert page.locator(".result-count").inner_text() == "2 Treffer für „ferryman“"
    harbour = page.locator("li.card", has_text="Harbour Museum").first
    assert harbour.locator(".badge").inner_text() == "Frei nachnutzbar"
    harbour.locator("a").first.click()
    page.wait_for_url(re.compile(r".*/objects/harbour-museum/1887\.12$"))

    # The object page: German text, Creative Commons' German title in the badge.
    assert page.get_by_role("heading", name="Darf ich es nachnutzen?").is_visible()
    assert page.get_by_role("heading", name="Zitiervorschlag").is_visible()
    badge = page.locator(".rights .badge")
    assert badge.inner_text() == "Namensnennung 4.0 International"
    assert badge.get_attribute("href") == "https://creativecommons.org/licenses/by/4.0/"
    credit = page.locator("#credit-1").input_value()
    assert credit.startswith(
        "„Portrait of a Ferryman“ von Wren, Elias (ca. 1850), "
        "© Kestrel Museum of Art, Harbour Museum, "
    )
    assert credit.endswith(
        ". Namensnennung 4.0 International, https://creativecommons.org/licenses/by/4.0/"
    )
    page.get_by_role("button", name="Quellenangabe kopieren").click()
    # The button says so in German for a moment.
    page.locator("button[data-copy=credit-1]", has_text="Kopiert").wait_for()
    assert page.evaluate("() => navigator.clipboard.readText()") == credit
    with page.expect_download():
        page.get_by_role("link", name="Bild herunterladen").click()
    note = page.locator("#download-note")
    note.wait_for(state="visible")
    assert "Die Lizenz verlangt die Quellenangabe unten." in note.inner_text()

    # The switcher: English, the current language marked, and remembered.
    switcher = page.get_by_role("navigation", name="Sprache")
    assert switcher.locator("[aria-current=true]").inner_text() == "Deutsch"
    switcher.get_by_role("link", name="English").click()
    page.wait_for_url("**/objects/harbour-museum/1887.12?lang=en")
    assert page.get_by_role("heading", name="Can I reuse it?").is_visible()
    assert page.locator(".rights .badge").inner_text() == "CC BY 4.0"
    page.goto("/search?q=ferryman")
    assert page.locator("html").get_attribute("lang") == "en"
    assert page.locator(".result-count").inner_text() == "2 results for “ferryman”"
