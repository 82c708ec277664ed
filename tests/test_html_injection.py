"""Script and event-handler HTML in every text field of an export.

One record carries a payload in every field the CSV importer maps (and in an
unmapped column's name and value, the identifier and the institution's
name). The pages must show it as text: no script, handler or javascript: link
of its own in the DOM. The manifest must keep only what IIIF allows: HTML
values with a, b, br, i, img, p, small, span, sub, sup and only href, src and
alt, no javascript: URL; text values with no markup a lax viewer could run.
"""

from __future__ import annotations

import csv
import json
import re
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote

import pytest
from lxml import html as lxml_html
from PIL import Image

from glampub.iiif.text import IIIF_ATTRIBUTES, IIIF_TAGS
from glampub.importing.run import ImportOptions, run_import
from glampub.institutions.registry import add_institution
from tests.conftest import assert_valid_iiif, database

#: Starts and ends with a tag, so IIIF clients would take it as HTML.
MARKUP = (
    '<script>alert("script")</script><img src="x" onerror="alert(1)">'
    '<a href="javascript:alert(2)" onclick="alert(3)">link</a><b onmouseover="alert(4)">b</b>'
    '<p style="x">para</p><iframe src="javascript:alert(5)"></iframe><!--<script>'
)
#: Plain text around a payload: text to IIIF, markup to a careless viewer.
INLINE = 'Before <script>alert("inline")</script> <img src=x onerror=alert(6)> after &amp; done'
IDENTIFIER = 'XSS-1"><img src=x onerror=alert(7)>'
INSTITUTION_NAME = '<script>alert("institution")</script> Museum'

FIELDS = {
    "identifier": IDENTIFIER,
    "title": MARKUP,
    "description": INLINE,
    "creator": MARKUP,
    "creator_role": INLINE,
    "date": INLINE,
    "object_type": MARKUP,
    "materials": INLINE,
    "dimensions": MARKUP,
    "inventory_number": INLINE,
    "credit_line": MARKUP,
    "rights": "CC BY 4.0",
    "rights_holder": INLINE,
    "images": "a.jpg",
    "record_url": "javascript:alert(8)",
    f"Note {MARKUP}": INLINE,
}


@pytest.fixture
def published(app, tmp_path: Path) -> Iterator[object]:
    data_dir = Path(app.config["DATA_DIR"])
    with database(app).transaction() as session:
        add_institution(session, "xss", INSTITUTION_NAME, data_dir)
    images = tmp_path / "images"
    images.mkdir()
    Image.new("RGB", (64, 48), "red").save(images / "a.jpg")
    export = tmp_path / "xss.csv"
    with export.open("w", newline="", encoding="utf-8") as out:
        writer = csv.writer(out)
        writer.writerow(FIELDS)
        writer.writerow(FIELDS.values())
    report = run_import(
        database(app), data_dir, ImportOptions(institution="xss", path=export, images=images)
    )
    assert (report.created, report.rejected) == (1, 0)
    codes = {problem.code for problem in report.problems}
    assert "unsafe-link" in codes  # the javascript: record link was left out, and said so
    yield app.test_client()


def _assert_inert(page: str, where: str) -> lxml_html.HtmlElement:
    """No script, handler or javascript: URL that the payloads could have put there."""
    tree = lxml_html.document_fromstring(page)
    for script in tree.iter("script"):
        if script.get("type") == "application/ld+json":
            json.loads(script.text or "")  # still one JSON document: nothing broke out
            assert "<" not in (script.text or ""), where
        else:
            assert script.get("src", "").startswith("/"), (where, lxml_html.tostring(script))
            assert not (script.text or "").strip(), where
    for element in tree.iter():
        if not isinstance(element.tag, str):
            continue
        assert element.tag not in ("iframe", "object", "embed"), where
        handlers = [name for name in element.attrib if name.lower().startswith("on")]
        assert not handlers, (where, element.tag, handlers)
        assert "style" not in element.attrib, (where, element.tag)
        for name in ("href", "src", "action", "formaction", "data"):
            value = (element.get(name) or "").strip().lower()
            assert not value.startswith(("javascript:", "data:", "vbscript:")), (where, value)
    return tree


def test_the_object_page_shows_every_payload_as_text(published) -> None:
    page = published.get(f"/objects/xss/{quote(IDENTIFIER, safe='')}")
    assert page.status_code == 200
    tree = _assert_inert(page.get_data(as_text=True), "object page")
    text = tree.text_content()
    # Shown as written, not dropped: the reader sees what the export said.
    assert 'alert("script")' in text and "onerror=alert(6)" in text
    assert IDENTIFIER in text and INSTITUTION_NAME in text
    assert "javascript:alert(8)" not in page.get_data(as_text=True)


@pytest.mark.parametrize(
    "path",
    [
        "/",
        "/search?q=alert",
        "/search?q=" + quote('<script>alert("query")</script>'),
        "/search?institution=xss",
    ],
)
def test_home_and_search_pages_escape_every_payload(published, path: str) -> None:
    page = published.get(path)
    assert page.status_code == 200
    _assert_inert(page.get_data(as_text=True), path)


def _language_map_strings(document: object, key: str = "") -> Iterator[tuple[str, str]]:
    """(where, string) for every string in a language map of a IIIF document."""
    if isinstance(document, dict):
        for name, value in document.items():
            if name in ("label", "summary", "value") and isinstance(value, dict):
                for strings in value.values():
                    for string in strings:
                        yield f"{key}.{name}", string
            else:
                yield from _language_map_strings(value, f"{key}.{name}")
    elif isinstance(document, list):
        for number, item in enumerate(document):
            yield from _language_map_strings(item, f"{key}[{number}]")


def _urls(document: object) -> Iterator[str]:
    if isinstance(document, dict):
        for name, value in document.items():
            if name in ("id", "homepage") and isinstance(value, str):
                yield value
            else:
                yield from _urls(value)
    elif isinstance(document, list):
        for item in document:
            yield from _urls(item)


def _assert_iiif_html(where: str, value: str) -> None:
    if where.endswith(".label"):
        # Labels are plain text to IIIF, never HTML: nothing a browser takes for a tag.
        assert not re.search(r"<[A-Za-z/!?]", value), (where, value)
        return
    if not (value.startswith("<") and value.endswith(">")):
        # Text: no markup at all, so even a viewer that renders text as HTML is safe.
        assert "<" not in value, (where, value)
        return
    fragment = lxml_html.fragment_fromstring(value, create_parent="div")
    for element in fragment.iterdescendants():
        assert isinstance(element.tag, str), (where, value)  # no comments either
        assert element.tag in IIIF_TAGS, (where, element.tag, value)
        allowed = IIIF_ATTRIBUTES.get(element.tag, set())
        assert set(element.attrib) <= allowed, (where, dict(element.attrib), value)
        for name in ("href", "src"):
            url = element.get(name)
            if url is not None:
                assert url.strip().lower().startswith(("http://", "https://", "mailto:")), (
                    where,
                    url,
                )


def test_the_manifest_keeps_only_what_iiif_allows(published, iiif_validator) -> None:
    answer = published.get(f"/iiif/3/xss/{quote(IDENTIFIER, safe='')}/manifest")
    assert answer.status_code == 200
    manifest = answer.get_json()
    assert_valid_iiif(iiif_validator, manifest)
    strings = list(_language_map_strings(manifest))
    assert len(strings) > 15
    for where, value in strings:
        _assert_iiif_html(where, value)
    # The payloads are still there to read, escaped: kept, not silently lost.
    joined = json.dumps(strings, ensure_ascii=False)
    assert "&lt;script&gt;alert(&quot;inline&quot;)&lt;/script&gt;" in joined
    assert "<b>b</b>" in joined and "<p>para</p>" in joined  # allowed markup survives
    # The title was markup: as a label (plain text) its text, the script gone with its content.
    assert manifest["label"] == {"none": ["linkb para"]}
    assert manifest["provider"][0]["label"] == {"none": ["Museum"]}
    for url in _urls(manifest):
        assert url.startswith("http://"), url
    # Escaped text may still spell it out; no attribute of any HTML value holds it.
    assert '"javascript:' not in answer.get_data(as_text=True)


@pytest.mark.parametrize("path", ["/iiif/3/collection", "/iiif/3/collection/xss"])
def test_collections_keep_only_what_iiif_allows(published, iiif_validator, path: str) -> None:
    document = published.get(path).get_json()
    assert_valid_iiif(iiif_validator, document)
    for where, value in _language_map_strings(document):
        _assert_iiif_html(where, value)


def test_the_source_record_is_served_as_text_not_html(published) -> None:
    answer = published.get(f"/objects/xss/{quote(IDENTIFIER, safe='')}")
    tree = lxml_html.document_fromstring(answer.get_data(as_text=True))
    [link] = [a.get("href") for a in tree.iter("a") if (a.text or "").startswith("Source record")]
    source = published.get(link)
    assert source.status_code == 200
    assert source.mimetype in ("text/plain", "text/csv", "application/xml")
    assert source.headers["X-Content-Type-Options"] == "nosniff"
    assert source.headers["Content-Security-Policy"] == "sandbox; default-src 'none'"
    assert "XSS-1" in source.get_data(as_text=True)


LIDO_WITH_XHTML = """<?xml version="1.0" encoding="UTF-8"?>
<lido:lidoWrap xmlns:lido="http://www.lido-schema.org" xmlns:h="http://www.w3.org/1999/xhtml">
<lido:lido><lido:lidoRecID>XML-1</lido:lidoRecID>
<lido:descriptiveMetadata xml:lang="en"><lido:objectIdentificationWrap><lido:titleWrap>
<lido:titleSet><lido:appellationValue>&lt;script&gt;alert(1)&lt;/script&gt;<h:script>alert(2)</h:script>\
</lido:appellationValue></lido:titleSet></lido:titleWrap></lido:objectIdentificationWrap>
</lido:descriptiveMetadata></lido:lido>
</lido:lidoWrap>
"""


def test_a_lido_record_with_xhtml_script_is_served_sandboxed(app, tmp_path: Path) -> None:
    """A browser renders an XML source and would run its XHTML script elements."""
    data_dir = Path(app.config["DATA_DIR"])
    with database(app).transaction() as session:
        add_institution(session, "xml", "XML Museum", data_dir)
    export = tmp_path / "xhtml.xml"
    export.write_text(LIDO_WITH_XHTML, "utf-8")
    report = run_import(database(app), data_dir, ImportOptions(institution="xml", path=export))
    assert report.created == 1
    client = app.test_client()
    source = client.get("/objects/xml/XML-1/source")
    assert source.mimetype == "application/xml"
    assert "<h:script>alert(2)</h:script>" in source.get_data(as_text=True)  # as exported
    assert source.headers["Content-Security-Policy"] == "sandbox; default-src 'none'"
    assert source.headers["X-Content-Type-Options"] == "nosniff"
    page = client.get("/objects/xml/XML-1").get_data(as_text=True)
    _assert_inert(page, "object page of a LIDO record")
    manifest = client.get("/iiif/3/xml/XML-1/manifest").get_json()
    for where, value in _language_map_strings(manifest):
        _assert_iiif_html(where, value)
