"""End to end in headless Chromium: staff publish an export, the public finds,
views, copies the credit and downloads; other institutions' staff are refused;
no serious accessibility violations. Screenshots for the README go to docs/."""

from __future__ import annotations

import io
import os
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from PIL import Image

from tests.browser_support import (
    PASSWORD,
    LiveSite,
    assert_accessible,
    axe_source,
    live_site,
    viewer_has_drawn,
)
from tests.staff_helpers import sample_zip

DOCS = Path(__file__).resolve().parents[1] / "docs"


def screenshots_folder(tmp_path: Path) -> Path:
    """Where the README's pictures go: docs/ when asked for, else the test's own folder.

    A browser seldom renders a page to the same bytes twice, so a run that wrote
    docs/ each time would leave a changed picture behind in every checkout."""
    return DOCS if os.environ.get("GLAMPUB_UPDATE_SCREENSHOTS") == "1" else tmp_path


TIMEOUT = 60_000


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveSite]:
    with live_site(tmp_path_factory.mktemp("live")) as running:
        yield running


@pytest.fixture
def page(browser, site):  # type: ignore[no-untyped-def]
    context = browser.new_context(
        base_url=site.url, viewport={"width": 1280, "height": 900}, accept_downloads=True
    )
    context.grant_permissions(["clipboard-read", "clipboard-write"], origin=site.url)
    context.set_default_timeout(TIMEOUT)
    tab = context.new_page()
    # The pages must work under their Content Security Policy: Chromium reports
    # each thing the policy blocked on the console.
    blocked: list[str] = []

    def note_blocked(message) -> None:  # type: ignore[no-untyped-def]
        if "Content Security Policy" in message.text:
            blocked.append(f"{message.location['url']}: {message.text}")

    tab.on("console", note_blocked)
    yield tab
    context.close()
    assert not blocked, blocked


def _sign_in(page, email: str) -> None:  # type: ignore[no-untyped-def]
    page.goto("/staff/login")
    page.get_by_label("E-mail").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()


def test_staff_publish_then_the_public_finds_views_copies_and_downloads(
    page, site, tmp_path
) -> None:  # type: ignore[no-untyped-def]
    # Staff: sign in, upload the export with its images, read the preview, publish.
    _sign_in(page, site.staff)
    page.wait_for_url("**/staff/harbour-museum/")
    page.get_by_role("link", name="Upload", exact=True).click()
    page.get_by_label("Export file").set_input_files(str(sample_zip(tmp_path)))
    page.get_by_role("button", name="Upload and preview").click()
    publish = page.get_by_role("button", name="Publish these records")
    publish.wait_for()
    counts = page.locator("table.counts")
    assert counts.locator("tr", has_text="New").inner_text().split() == ["New", "22"]
    assert page.get_by_role("heading", name="A sample of records as they will look").is_visible()
    assert (
        page.locator(".sample-record h3").first.inner_text()
        == "View of the Estuary from Saltings Hill"
    )
    first_problem = page.locator("table.problems tbody tr").first.locator("td")
    assert first_problem.nth(0).inner_text().isdigit()  # every problem names its line
    page.screenshot(path=str(screenshots_folder(tmp_path) / "import-preview.png"))
    publish.click()
    page.get_by_text("Published.").wait_for()

    # The public: search, open the object just published.
    page.goto("/")
    page.get_by_role("searchbox", name="Search the collections").fill("ferryman")
    page.keyboard.press("Enter")
    page.wait_for_url("**/search?q=ferryman")
    harbour = page.locator("li.card", has_text="Harbour Museum").first
    harbour.locator("a").first.click()
    page.wait_for_url(re.compile(r".*/objects/harbour-museum/1887\.12$"))
    assert page.get_by_role("heading", level=1).inner_text() == "Portrait of a Ferryman"

    # The zoomable viewer draws the image from the IIIF Image API service.
    page.locator("#viewer[data-ready=true]").wait_for()
    page.wait_for_function("() => document.querySelector('#viewer canvas') !== null")
    for _ in range(60):
        if viewer_has_drawn(page):
            break
        page.wait_for_timeout(500)
    assert viewer_has_drawn(page), "the viewer drew nothing"
    # The first screenful holds the viewer, the rights badge and the credit.
    page.screenshot(path=str(screenshots_folder(tmp_path) / "screenshot.png"))

    # The copy button puts the plain-text credit on the clipboard.
    credit = page.locator("#credit-1").input_value()
    # The export names its rights holder, whom a CC BY credit names before the publisher.
    assert credit.startswith(
        "“Portrait of a Ferryman” by Wren, Elias (ca. 1850), "
        "© Kestrel Museum of Art, Harbour Museum, "
    )
    page.get_by_role("button", name="Copy credit").click()
    assert page.evaluate("() => navigator.clipboard.readText()") == credit

    # The download starts at once and points to the credit beside it; the
    # file carries it too.
    with page.expect_download() as info:
        page.get_by_role("link", name="Download image").click()
    note = page.locator("#download-note")
    note.wait_for(state="visible")
    assert "The licence requires the credit below." in note.inner_text()
    assert _in_viewport(page, "#download-note") and _in_viewport(page, "#credit-1")
    saved = tmp_path / info.value.suggested_filename
    info.value.save_as(saved)
    assert saved.name == "harbour-museum-1887.12-1.jpg"
    xmp = Image.open(io.BytesIO(saved.read_bytes())).info["xmp"].decode("utf-8")
    assert credit in xmp
    assert "http://creativecommons.org/licenses/by/4.0/" in xmp


def test_a_long_preview_shows_a_live_progress_bar(page, site, tmp_path, axe) -> None:  # type: ignore[no-untyped-def]
    rows = ["identifier,title,creator,date,rights"]
    rows += [
        f'LONG-{n:05d},Study of a harbour no. {n},"Pellow, Thomas",{1850 + n % 60},Public domain'
        for n in range(20_000)
    ]
    export = tmp_path / "long-export.csv"
    export.write_text("\n".join(rows) + "\n", "utf-8")
    _sign_in(page, site.staff)
    page.goto("/staff/harbour-museum/upload")
    page.get_by_label("Export file").set_input_files(str(export))
    page.get_by_role("button", name="Upload and preview").click()
    bar = page.locator("progress#import-progress")
    bar.wait_for()
    assert page.get_by_text("Previewing…").is_visible()
    page.wait_for_function(
        "() => { const b = document.querySelector('progress#import-progress');"
        " return !b || b.value > 0; }"
    )
    page.get_by_role("button", name="Publish these records").wait_for(timeout=240_000)
    assert page.locator("table.counts tr", has_text="New").inner_text().split() == ["New", "20000"]
    assert_accessible(page, axe)


def test_staff_of_another_institution_are_refused(page, site) -> None:  # type: ignore[no-untyped-def]
    _sign_in(page, site.other_staff)
    page.wait_for_url("**/staff/moor-gallery/")
    response = page.goto("/staff/harbour-museum/upload")
    assert response.status == 403
    assert page.get_by_text(
        "This belongs to another institution; you cannot see or change it."
    ).is_visible()
    assert page.goto("/staff/harbour-museum/review").status == 403


@pytest.fixture(scope="module")
def axe(tmp_path_factory: pytest.TempPathFactory) -> str:
    return axe_source(tmp_path_factory.mktemp("npm"))


@pytest.mark.parametrize(
    "path",
    [
        "/",
        "/search?q=portrait",
        "/objects/kestrel-museum/1887.12",
        "/objects/kestrel-museum/2003.17",
        "/institutions/kestrel-museum",
        "/staff/login",
    ],
)
def test_no_serious_accessibility_violations(page, axe, path) -> None:  # type: ignore[no-untyped-def]
    page.goto(path)
    assert_accessible(page, axe)


def test_keyboard_and_small_screens(page) -> None:  # type: ignore[no-untyped-def]
    page.goto("/objects/kestrel-museum/1887.12")
    page.keyboard.press("Tab")
    assert page.evaluate("() => document.activeElement.textContent") == "Skip to content"
    page.keyboard.press("Enter")
    assert page.evaluate("() => document.activeElement.id") == "main"
    page.set_viewport_size({"width": 375, "height": 800})
    page.goto("/search?q=portrait")
    assert page.evaluate("() => document.documentElement.scrollWidth <= window.innerWidth + 1")
    page.goto("/objects/kestrel-museum/1887.12")
    assert page.evaluate("() => document.documentElement.scrollWidth <= window.innerWidth + 1")


FERRYMAN = "/objects/kestrel-museum/1887.12"
PHONE = {"width": 390, "height": 844}


def _box(page, selector: str) -> dict[str, float]:  # type: ignore[no-untyped-def]
    box = page.locator(selector).first.bounding_box()
    assert box is not None, f"{selector} is not shown"
    return box


def _in_viewport(page, selector: str) -> bool:  # type: ignore[no-untyped-def]
    """Wholly inside the window as it is, without scrolling."""
    box, view = _box(page, selector), page.viewport_size
    return (
        box["x"] >= 0
        and box["y"] >= 0
        and box["x"] + box["width"] <= view["width"]
        and box["y"] + box["height"] <= view["height"]
    )


def test_on_a_desktop_the_badge_and_the_credit_sit_beside_the_image_unscrolled(page) -> None:  # type: ignore[no-untyped-def]
    page.goto(FERRYMAN)
    page.locator("#viewer[data-ready=true]").wait_for()
    assert page.evaluate("() => window.scrollY") == 0
    for selector in ("#viewer", "a.download", ".reuse .badge", "#credit-1", ".credit-main .copy"):
        assert _in_viewport(page, selector), f"{selector} is below the fold"
    image = _box(page, "#viewer")
    for selector in ("a.download", ".reuse .badge", "#credit-1", ".credit-main .copy"):
        box = _box(page, selector)
        assert box["x"] >= image["x"] + image["width"], f"{selector} is not beside the image"
        assert box["y"] < image["y"] + image["height"], f"{selector} is not level with the image"
    assert page.locator("#credit-1").input_value().startswith("“Portrait of a Ferryman” by ")
    # The other formats are one click away.
    html = page.get_by_label("HTML", exact=True)
    assert not html.is_visible()
    page.get_by_text("Other formats").click()
    assert html.is_visible()
    assert html.input_value().startswith("“Portrait of a Ferryman” by Wren, Elias (ca. 1850), <a ")


def test_on_a_phone_the_badge_and_the_credit_come_right_after_the_image(page, tmp_path) -> None:  # type: ignore[no-untyped-def]
    page.set_viewport_size(PHONE)
    page.goto(FERRYMAN)
    page.locator("#viewer[data-ready=true]").wait_for()
    image_bottom = _box(page, ".images")["y"] + _box(page, ".images")["height"]
    tops = [_box(page, s)["y"] for s in ("a.download", ".reuse .badge", "#credit-1")]
    assert image_bottom <= tops[0] <= image_bottom + 40, "the download is not right under the image"
    assert tops == sorted(tops)
    assert tops[2] - image_bottom < PHONE["height"] / 2
    assert page.evaluate("() => document.documentElement.scrollWidth <= window.innerWidth")
    page.screenshot(path=str(screenshots_folder(tmp_path) / "screenshot-phone.png"))


@pytest.mark.parametrize("viewport", [{"width": 1280, "height": 900}, PHONE])
def test_every_credit_box_shows_its_whole_text(page, viewport) -> None:  # type: ignore[no-untyped-def]
    page.set_viewport_size(viewport)
    page.goto(FERRYMAN)
    page.get_by_text("Other formats").click()
    boxes = page.evaluate(
        """() => [...document.querySelectorAll('textarea.credit-text')].map((b) => ({
             id: b.id, text: b.value.length, width: [b.scrollWidth, b.clientWidth],
             height: [b.scrollHeight, b.clientHeight]}))"""
    )
    assert [b["id"] for b in boxes] == ["credit-1", "credit-2", "credit-3", "credit-4"]
    for box in boxes:
        assert box["text"] > 80, box
        assert box["width"][0] <= box["width"][1], f"{box['id']} is cut off at the side"
        assert box["height"][0] <= box["height"][1], f"{box['id']} is cut off at the bottom"


def test_a_thumbnail_only_image_is_shown_no_larger_than_its_own_size(page) -> None:  # type: ignore[no-untyped-def]
    # In copyright: only a 400-pixel image is published.
    page.goto("/objects/kestrel-museum/2003.17")
    page.wait_for_function(
        "() => { const i = document.querySelector('.main-image img'); "
        "return i && i.complete && i.naturalWidth > 0; }"
    )
    natural_width, natural_height, width, height = page.evaluate(
        """() => { const i = document.querySelector('.main-image img');
                   const r = i.getBoundingClientRect();
                   return [i.naturalWidth, i.naturalHeight, r.width, r.height]; }"""
    )
    assert max(natural_width, natural_height) == 400
    assert 0 < width <= natural_width and 0 < height <= natural_height
    assert page.locator("#viewer").count() == 0  # nothing to zoom into
    assert _in_viewport(page, ".reuse .badge") and _in_viewport(page, "#credit-1")
