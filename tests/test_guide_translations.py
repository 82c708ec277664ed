"""The collection managers' guide in the interface languages: each translation keeps the
English guide's headings (count, levels, order) and its literal code, and /staff/guide
serves it in the request's language with the English anchors, English where no
translation is shipped."""

from __future__ import annotations

import re
import shutil
from collections import Counter
from pathlib import Path

import pytest

from glampub.languages import DEFAULT_LANGUAGE, SHIPPED_LANGUAGES
from glampub.web.blueprints.staff import manage_views
from tests.staff_helpers import STAFF, make_two_institutions_staff, signed_in

DOCS = Path(__file__).resolve().parent.parent / "docs"
ENGLISH = DOCS / "collection-managers.md"
TRANSLATED = [
    language
    for language in SHIPPED_LANGUAGES
    if language != DEFAULT_LANGUAGE and (DOCS / f"collection-managers.{language}.md").is_file()
]
# A sentence of each translation's first paragraph, to recognise it on the page.
OPENINGS = {
    "de": "Dieser Leitfaden richtet sich an",
    "nl": "Deze handleiding is bedoeld voor",
    "fr": "Ce guide s’adresse",
    "es": "Esta guía está pensada para",
    "sv": "Den här guiden är till för",
}


def _without_code(text: str) -> str:
    return re.sub(r"^```.*?^```", "", text, flags=re.S | re.M)


def _headings(text: str) -> list[int]:
    return [len(m.group(1)) for m in re.finditer(r"^(#{1,6}) ", _without_code(text), re.M)]


def _code(text: str) -> Counter[str]:
    fenced = re.findall(r"^```.*?^```", text, flags=re.S | re.M)
    spans = re.findall(r"`([^`\n]+)`", _without_code(text))
    return Counter(fenced) + Counter(spans)


def _links(text: str) -> Counter[str]:
    return Counter(re.findall(r"\]\(([^)\s]+)\)", text))


def test_every_shipped_interface_language_has_its_guide() -> None:
    assert sorted(TRANSLATED) == sorted(OPENINGS)


@pytest.mark.parametrize("language", TRANSLATED)
def test_a_translation_keeps_the_headings_code_and_links(language: str) -> None:
    english = ENGLISH.read_text("utf-8")
    translated = (DOCS / f"collection-managers.{language}.md").read_text("utf-8")
    assert _headings(translated) == _headings(english)
    assert _code(translated) == _code(english)
    assert _links(translated) == _links(english)
    assert OPENINGS[language] in translated


@pytest.fixture
def staff_app(app):
    return make_two_institutions_staff(app)


def _ids(html: str) -> list[str]:
    return re.findall(r'<h[2-4] id="([^"]+)">', html)


@pytest.mark.parametrize("language", TRANSLATED)
def test_the_guide_is_served_in_the_language_with_the_english_anchors(staff_app, language) -> None:
    client = signed_in(staff_app, STAFF)
    english = client.get("/staff/guide?lang=en").get_data(as_text=True)
    page = client.get(f"/staff/guide?lang={language}").get_data(as_text=True)
    assert OPENINGS[language] in page
    assert "This is for the people in a museum" not in page
    assert _ids(page) == _ids(english)
    assert 'id="preparing-an-export"' in page
    assert 'id="deciding-rights-in-the-review-queue"' in page


def test_accept_language_chooses_the_guide(staff_app) -> None:
    client = signed_in(staff_app, STAFF)
    page = client.get("/staff/guide", headers={"Accept-Language": "de-CH,de;q=0.9"})
    html = page.get_data(as_text=True)
    assert OPENINGS["de"] in html
    assert '<h2 id="preparing-an-export">Eine Exportdatei vorbereiten</h2>' in html


def test_a_language_without_its_guide_gets_the_english_one(staff_app, tmp_path, monkeypatch):
    docs = tmp_path / "docs"
    shutil.copytree(DOCS, docs)
    (docs / "collection-managers.de.md").unlink()
    monkeypatch.setattr(manage_views, "resource_dir", lambda name: tmp_path / name)
    client = signed_in(staff_app, STAFF)
    html = client.get("/staff/guide?lang=de").get_data(as_text=True)
    assert "This is for the people in a museum" in html
    assert '<h2 id="preparing-an-export">Preparing an export</h2>' in html
    # The interface around it is still German.
    assert '<html lang="de"' in html


def test_the_guide_file_of_a_language() -> None:
    assert manage_views.guide_file("en") == "collection-managers.md"
    assert manage_views.guide_file("de") == "collection-managers.de.md"
    assert manage_views.guide_file("sv_SE") == "collection-managers.sv.md"
    assert manage_views.guide_file("../x") == "collection-managers.md"
