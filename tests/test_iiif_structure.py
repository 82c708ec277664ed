"""The structural IIIF checks (tests/iiif_structure.py) pass what glampub
publishes and reject each way a document can break the specification, so a
fresh clone without the schema in ../shared/ still validates for real."""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from tests import iiif_structure
from tests.conftest import iiif_schema

GOLDEN = Path(__file__).resolve().parent / "golden"
Doc = dict[str, Any]


def golden(name: str) -> Doc:
    return json.loads((GOLDEN / f"{name}.json").read_text("utf-8"))


@pytest.mark.parametrize("path", sorted(GOLDEN.glob("*.json")), ids=lambda p: p.stem)
def test_every_golden_document_passes(path: Path) -> None:
    assert iiif_structure.problems(json.loads(path.read_text("utf-8"))) == []


def _canvas(doc: Doc) -> Doc:
    return doc["items"][0]


def _annotation(doc: Doc) -> Doc:
    return _canvas(doc)["items"][0]["items"][0]


def _set(getter: Callable[[Doc], Doc], key: str, value: object) -> Callable[[Doc], None]:
    return lambda doc: getter(doc).__setitem__(key, value)


def _drop(getter: Callable[[Doc], Doc], key: str) -> Callable[[Doc], None]:
    return lambda doc: getter(doc).pop(key)


def _top(doc: Doc) -> Doc:
    return doc


BROKEN_MANIFESTS: list[tuple[str, Callable[[Doc], None], str]] = [
    ("no-context", _drop(_top, "@context"), "$/@context: must be"),
    ("wrong-type", _set(_top, "type", "Sequence"), "$/type: 'Sequence' is not a Manifest"),
    ("id-not-http", _set(_top, "id", "urn:x:1"), "$/id: 'urn:x:1' is not an HTTP(S) URI"),
    ("id-with-space", _set(_top, "id", "http://x.test/a b"), "$/id: 'http://x.test/a b' is not"),
    ("no-label", _drop(_top, "label"), "$/label: None is not a language map"),
    ("label-a-string", _set(_top, "label", "Vase"), "$/label: 'Vase' is not a language map"),
    ("label-bad-language", _set(_top, "label", {"en_GB": ["Vase"]}), "$/label/en_GB: 'en_GB'"),
    ("label-not-a-list", _set(_top, "label", {"en": "Vase"}), "$/label/en: must be a non-empty"),
    ("summary-empty", _set(_top, "summary", {}), "$/summary: {} is not a language map"),
    ("no-items", _drop(_top, "items"), "$/items: is required"),
    ("empty-items", _set(_top, "items", []), "$/items: must list at least one item"),
    (
        "rights-https",
        _set(_top, "rights", "https://creativecommons.org/licenses/by/4.0/"),
        "$/rights: rights 'https://creativecommons.org/licenses/by/4.0/' is not",
    ),
    (
        "rights-free-text",
        _set(_top, "rights", "CC BY 4.0"),
        "$/rights: rights 'CC BY 4.0' is not",
    ),
    (
        "required-statement-without-value",
        _drop(lambda d: d["requiredStatement"], "value"),
        "$/requiredStatement: must be an object with exactly label and value",
    ),
    (
        "metadata-value-a-string",
        _set(lambda d: d["metadata"][0], "value", "Wren"),
        "$/metadata/0/value: 'Wren' is not a language map",
    ),
    ("metadata-not-a-list", _set(_top, "metadata", {}), "$/metadata: must be a list"),
    ("nav-date-without-zone", _set(_top, "navDate", "1845-01-01"), "$/navDate: '1845-01-01'"),
    ("bad-behavior", _set(_top, "behavior", ["slideshow"]), "$/behavior/0: 'slideshow'"),
    (
        "thumbnail-without-id",
        _drop(lambda d: d["thumbnail"][0], "id"),
        "$/thumbnail/0/id: None is not an HTTP(S) URI",
    ),
    (
        "thumbnail-not-a-list",
        lambda d: d.__setitem__("thumbnail", d["thumbnail"][0]),
        "$/thumbnail: must be a list",
    ),
    (
        "homepage-without-label",
        _drop(lambda d: d["homepage"][0], "label"),
        "$/homepage/0/label: None is not a language map",
    ),
    (
        "service-without-profile",
        _drop(lambda d: d["thumbnail"][0]["service"][0], "profile"),
        "$/thumbnail/0/service/0/profile: None is not level0",
    ),
    (
        "provider-not-an-agent",
        _set(lambda d: d["provider"][0], "type", "Organization"),
        "$/provider/0/type: 'Organization', expected 'Agent'",
    ),
    (
        "logo-not-an-image",
        _set(lambda d: d["provider"][0]["logo"][0], "type", "Text"),
        "$/provider/0/logo/0/type: a logo is an Image",
    ),
    (
        "canvas-without-width",
        _drop(_canvas, "width"),
        "$/items/0/width: None is not a positive integer",
    ),
    (
        "canvas-without-extent",
        lambda d: [_canvas(d).pop(key) for key in ("width", "height")],
        "$/items/0: a Canvas needs height and width, or a duration",
    ),
    ("canvas-id-missing", _drop(_canvas, "id"), "$/items/0/id: None is not an HTTP(S) URI"),
    (
        "annotation-on-another-canvas",
        _set(_annotation, "target", "http://glampub.test/iiif/3/other/canvas/1"),
        "$/items/0/items/0/items/0/target: 'http://glampub.test/iiif/3/other/canvas/1' is not",
    ),
    (
        "painting-without-body",
        _drop(_annotation, "body"),
        "$/items/0/items/0/items/0/body: a painting annotation needs a body",
    ),
    (
        "body-with-a-bad-format",
        _set(lambda d: _annotation(d)["body"], "format", "jpeg"),
        "$/items/0/items/0/items/0/body/format: 'jpeg' is not a media type",
    ),
    (
        "page-of-the-wrong-type",
        _set(lambda d: _canvas(d)["items"][0], "type", "AnnotationList"),
        "$/items/0/items/0/type: 'AnnotationList', expected 'AnnotationPage'",
    ),
    (
        "script-in-a-value",
        _set(lambda d: d["metadata"][0], "value", {"none": ["<script>alert(1)</script>"]}),
        "$/metadata/0/value/none/0: <script> is not a tag IIIF clients keep",
    ),
    (
        "javascript-link",
        _set(
            lambda d: d["requiredStatement"],
            "value",
            {"en": ['<a href="javascript:alert(1)">x</a>']},
        ),
        "$/requiredStatement/value/en/0: <a href='javascript:alert(1)'> is not an HTTP(S) link",
    ),
    (
        "html-of-two-elements",
        _set(_top, "summary", {"en": ["<p>a</p> and more"]}),
        "$/summary/en/0: an HTML value must be one element",
    ),
]


@pytest.mark.parametrize(
    ("break_it", "expected"),
    [(b, e) for _name, b, e in BROKEN_MANIFESTS],
    ids=[name for name, _b, _e in BROKEN_MANIFESTS],
)
def test_a_broken_manifest_is_rejected_saying_where(
    break_it: Callable[[Doc], None], expected: str
) -> None:
    manifest = golden("km-1887-12")
    break_it(manifest)
    found = iiif_structure.problems(manifest)
    assert any(line.startswith(expected) for line in found), found


BROKEN_COLLECTIONS: list[tuple[str, Callable[[Doc], None], str]] = [
    ("no-items", _drop(_top, "items"), "$/items: is required"),
    (
        "item-without-label",
        _drop(lambda d: d["items"][0], "label"),
        "$/items/0/label: None is not a language map",
    ),
    (
        "item-a-canvas",
        _set(lambda d: d["items"][0], "type", "Canvas"),
        "$/items/0/type: 'Canvas': a Collection lists Collections or Manifests",
    ),
    (
        "item-id-relative",
        _set(lambda d: d["items"][0], "id", "/iiif/3/collection/x"),
        "$/items/0/id: '/iiif/3/collection/x' is not an HTTP(S) URI",
    ),
]


@pytest.mark.parametrize(
    ("break_it", "expected"),
    [(b, e) for _name, b, e in BROKEN_COLLECTIONS],
    ids=[name for name, _b, _e in BROKEN_COLLECTIONS],
)
def test_a_broken_collection_is_rejected_saying_where(
    break_it: Callable[[Doc], None], expected: str
) -> None:
    collection = golden("collection-top")
    break_it(collection)
    found = iiif_structure.problems(collection)
    assert any(line.startswith(expected) for line in found), found


SCHEMA_CHECKS_TOO = {
    "no-label", "label-a-string", "no-items", "rights-https", "rights-free-text",
    "required-statement-without-value", "metadata-value-a-string", "thumbnail-without-id",
    "canvas-id-missing", "page-of-the-wrong-type", "id-not-http",
}  # fmt: skip


@pytest.mark.needs_shared
@pytest.mark.parametrize(
    "name_break",
    [(n, b) for n, b, _e in BROKEN_MANIFESTS if n in SCHEMA_CHECKS_TOO],
    ids=lambda nb: nb[0],
)
def test_the_schema_agrees_where_it_has_the_rule(name_break: tuple[str, Any]) -> None:
    """The broken documents the schema can see are broken for it too: the checks
    above test the specification, not a rule of our own making."""
    import jsonschema

    schema = iiif_schema()
    assert schema is not None
    manifest = copy.deepcopy(golden("km-1887-12"))
    name_break[1](manifest)
    assert list(jsonschema.Draft7Validator(schema).iter_errors(manifest)), name_break[0]


@pytest.mark.parametrize(
    "uri",
    [
        "http://creativecommons.org/licenses/by/4.0/",
        "http://creativecommons.org/licenses/by-nc-sa/3.0/de/",
        "http://creativecommons.org/publicdomain/zero/1.0/",
        "http://creativecommons.org/publicdomain/mark/1.0/",
        "http://rightsstatements.org/vocab/InC/1.0/",
        "http://rightsstatements.org/vocab/NoC-OKLR/1.0/",
    ],
)
def test_rights_in_their_canonical_form_pass(uri: str) -> None:
    assert iiif_structure.rights_problem(uri) is None


@pytest.mark.parametrize(
    "value",
    [
        "https://creativecommons.org/licenses/by/4.0/",
        "http://creativecommons.org/licenses/by/4.0",
        "http://creativecommons.org/licenses/by/4.0/deed.de",
        "http://rightsstatements.org/page/InC/1.0/",
        "http://rightsstatements.org/vocab/InC/9.9/",
        "http://example.org/licence",
        "CC0",
        None,
    ],
)
def test_rights_in_other_forms_fail(value: object) -> None:
    assert iiif_structure.rights_problem(value) is not None
