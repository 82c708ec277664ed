"""The pure manifest and collection builders, on hand-made objects."""

from __future__ import annotations

import json
import re
from dataclasses import replace
from urllib.parse import quote

import pytest

from glampub.iiif.collection import (
    InstitutionEntry,
    ManifestEntry,
    institution_collection,
    institution_page,
    top_collection,
)
from glampub.iiif.manifest import build_manifest
from glampub.iiif.records import ImageInfo, InstitutionInfo, ObjectInfo, RightsInfo
from glampub.iiif.urls import IiifUrls, file_segment
from tests.conftest import assert_valid_iiif

URLS = IiifUrls("https://collections.example")
MUSEUM = InstitutionInfo(
    slug="kestrel-museum",
    name="Kestrel Museum of Art",
    homepage="https://kestrel-museum.example/",
    logo_image_id="logo-kestrel-museum",
    logo_width=300,
    logo_height=120,
)
PDM = RightsInfo(
    uri="http://creativecommons.org/publicdomain/mark/1.0/",
    label="Public Domain Mark 1.0",
    reuse="free",
    public_domain=True,
    licence_page="https://creativecommons.org/publicdomain/mark/1.0/",
)
CC_BY = RightsInfo(
    uri="http://creativecommons.org/licenses/by/4.0/",
    label="CC BY 4.0",
    reuse="free",
    attribution_required=True,
    licence_page="https://creativecommons.org/licenses/by/4.0/",
)
IN_COPYRIGHT = RightsInfo(
    uri="http://rightsstatements.org/vocab/InC/1.0/", label="In Copyright", reuse="permission"
)
PAINTING = ObjectInfo(
    institution=MUSEUM,
    identifier="KM 1901/3",
    title={"en": ["Harbour at Dusk"], "fr": ["Port au crépuscule"]},
    description={"en": ["Oil on canvas."]},
    rights=PDM,
    creators=({"name": "Ada Marsh", "birth_year": 1820, "death_year": 1871, "role": "painter"},),
    date_display="ca. 1865",
    date_earliest=1863,
    inventory_number="1901.3",
    source_format="csv",
    source_media_type="text/csv",
    images=(
        ImageInfo("abc123", 1, 1200, 900),
        ImageInfo(
            "def456",
            2,
            900,
            1400,
            rights_uri="http://creativecommons.org/licenses/by/4.0/",
            credit_line="Photo: J. Doe",
        ),
    ),
)


def test_a_public_domain_painting_gives_a_valid_manifest(iiif_validator) -> None:
    manifest = build_manifest(PAINTING, URLS)
    assert_valid_iiif(iiif_validator, manifest)
    assert (
        manifest["id"] == "https://collections.example/iiif/3/kestrel-museum/KM%201901%2F3/manifest"
    )
    assert manifest["label"] == {"en": ["Harbour at Dusk"], "fr": ["Port au crépuscule"]}
    assert manifest["rights"] == "http://creativecommons.org/publicdomain/mark/1.0/"
    assert manifest["navDate"] == "1863-01-01T00:00:00Z"
    assert manifest["partOf"] == [
        {"id": "https://collections.example/iiif/3/collection/kestrel-museum", "type": "Collection"}
    ]


def test_public_domain_items_ask_for_credit_but_never_require_it() -> None:
    manifest = build_manifest(PAINTING, URLS)
    assert "requiredStatement" not in manifest
    labels = [entry["label"]["en"][0] for entry in manifest["metadata"]]
    assert "How to reference" in labels
    how = manifest["metadata"][labels.index("How to reference")]["value"]["en"][0]
    assert how.startswith("<span>") and "Kestrel Museum of Art" in how
    url = "https://collections.example/objects/kestrel-museum/KM%201901%2F3"
    # The persistent URL is in the text itself, so a copied credit line keeps it.
    assert f'<a href="{url}">{url}</a>' in how
    assert "required" not in how.lower() and "©" not in how


def test_courtesy_statement_is_opt_in_and_labelled_as_a_courtesy() -> None:
    obj = replace(PAINTING, institution=replace(MUSEUM, courtesy_statement=True))
    statement = build_manifest(obj, URLS)["requiredStatement"]
    assert statement["label"]["en"] == ["Courtesy of"]
    assert statement["value"] == {"none": ["Kestrel Museum of Art"]}


def test_cc_by_items_require_attribution_with_title_creator_source_and_licence() -> None:
    manifest = build_manifest(replace(PAINTING, rights=CC_BY), URLS)
    statement = manifest["requiredStatement"]
    assert statement["label"]["en"] == ["Attribution"]
    value = statement["value"]["en"][0]
    for part in (
        "Harbour at Dusk",
        "Ada Marsh",
        "Kestrel Museum of Art",
        "CC BY 4.0",
        "https://creativecommons.org/licenses/by/4.0/",
    ):
        assert part in value
    labels = [entry["label"]["en"][0] for entry in manifest["metadata"]]
    assert "How to reference" not in labels


def test_in_copyright_items_state_the_holder() -> None:
    obj = replace(PAINTING, rights=IN_COPYRIGHT, rights_holder="Estate of Ada Marsh")
    statement = build_manifest(obj, URLS)["requiredStatement"]
    assert statement["label"]["en"] == ["Rights"]
    assert statement["label"]["de"] == ["Rechte"]
    # The statement's official label in each shipped language, the holder as given.
    assert statement["value"] == {
        "en": ["In Copyright. Estate of Ada Marsh"],
        "de": ["Urheberrechtsschutz. Estate of Ada Marsh"],
        "nl": ["Auteursrechtelijk beschermd. Estate of Ada Marsh"],
        "fr": ["Protégé par le droit d'auteur. Estate of Ada Marsh"],
        "sv": ["Underkastad upphovsrätt. Estate of Ada Marsh"],  # Finland's Swedish label
        "es": ["Protegido por derecho de autor. Estate of Ada Marsh"],
    }


def test_canvases_follow_image_order_and_state_differing_rights_only() -> None:
    manifest = build_manifest(PAINTING, URLS)
    first, second = manifest["items"]
    assert first["id"].endswith("/canvas/1") and second["id"].endswith("/canvas/2")
    assert (first["width"], first["height"]) == (1200, 900)
    assert "rights" not in first
    assert second["rights"] == "http://creativecommons.org/licenses/by/4.0/"
    body = first["items"][0]["items"][0]["body"]
    assert body["service"][0] == {
        "id": "https://collections.example/iiif/image/3/abc123",
        "type": "ImageService3",
        "profile": "level2",
    }


def test_html_in_titles_never_becomes_markup(iiif_validator) -> None:
    obj = replace(PAINTING, title={"none": ["<script>alert(1)</script>"]})
    manifest = build_manifest(obj, URLS)
    assert_valid_iiif(iiif_validator, manifest)
    # All code, no text: shown as written, with brackets no viewer takes for a tag.
    assert manifest["label"] == {"none": ["‹script›alert(1)‹/script›"]}


def _labels(document: object) -> list[str]:
    """Every string of every label in a IIIF document."""
    if isinstance(document, list):
        return [text for item in document for text in _labels(item)]
    if not isinstance(document, dict):
        return []
    found = []
    for name, value in document.items():
        if name == "label":
            found += [text for texts in value.values() for text in texts]
        else:
            found += _labels(value)
    return found


def test_every_label_is_plain_text_as_written(iiif_validator) -> None:
    """IIIF allows HTML only in summary, metadata values and requiredStatement values:
    a label is text, so "x < y" stays "x < y", and markup gives its text."""
    museum = replace(MUSEUM, name="Smith & Sons <b>Gallery</b>")
    obj = replace(
        PAINTING,
        institution=museum,
        title={"en": ["x < y"], "de": ["<i>Hafen</i> bei Nacht"]},
        description={"en": ["<p>Oil on <i>canvas</i>.</p>"]},
        extra_metadata=(({"en": ["Width < height"]}, {"en": ["<b>yes</b>"]}),),
        images=(replace(PAINTING.images[0], label={"none": ["<Untitled> & recto"]}),),
    )
    manifest = build_manifest(obj, URLS)
    assert_valid_iiif(iiif_validator, manifest)
    assert manifest["label"] == {"en": ["x < y"], "de": ["Hafen bei Nacht"]}
    assert manifest["homepage"][0]["label"] == manifest["label"]
    assert manifest["items"][0]["label"] == {"none": ["‹Untitled› & recto"]}
    assert {"label": {"en": ["Width < height"]}, "value": {"en": ["<b>yes</b>"]}} in manifest[
        "metadata"
    ]
    provider = manifest["provider"][0]
    assert (
        provider["label"] == provider["homepage"][0]["label"] == {"none": ["Smith & Sons Gallery"]}
    )
    # HTML stays where IIIF allows it.
    assert manifest["summary"] == {"en": ["<p>Oil on <i>canvas</i>.</p>"]}
    entries = [ManifestEntry("a<b", {}), ManifestEntry("b", {"none": ["1 < 2 <b>bold</b>"]})]
    top = top_collection([InstitutionEntry(museum, 2)], URLS)
    small = institution_collection(museum, 2, 1000, URLS, entries)
    paged = institution_collection(museum, 2500, 1000, URLS)
    page = institution_page(museum, 1, 3, entries, URLS)
    for document in (top, small, paged, page):
        assert_valid_iiif(iiif_validator, document)
    assert [item["label"] for item in small["items"]] == [
        {"none": ["a‹b"]},
        {"none": ["1 < 2 bold"]},
    ]
    assert paged["items"][0]["label"] == {"en": ["Smith & Sons Gallery, page 1 of 3"]}
    assert page["label"] == {"en": ["Smith & Sons Gallery, page 1 of 3"]}
    for document in (manifest, top, small, paged, page):
        for text in _labels(document):
            assert not re.search(r"<[A-Za-z/!?]|&(lt|gt|amp);|<span", text), text


def test_provider_has_homepage_and_logo_with_its_own_image_service() -> None:
    provider = build_manifest(PAINTING, URLS)["provider"][0]
    assert provider["type"] == "Agent"
    assert provider["homepage"][0]["id"] == "https://kestrel-museum.example/"
    logo = provider["logo"][0]
    assert (
        logo["service"][0]["id"] == "https://collections.example/iiif/image/3/logo-kestrel-museum"
    )


def test_collections_validate_and_page_past_the_limit(iiif_validator) -> None:
    top = top_collection([InstitutionEntry(MUSEUM, 3, "abc123")], URLS)
    assert_valid_iiif(iiif_validator, top)
    assert top["items"][0]["id"] == "https://collections.example/iiif/3/collection/kestrel-museum"

    entries = [ManifestEntry(f"obj-{n}", {"none": [f"Object {n}"]}, "abc123") for n in range(3)]
    small = institution_collection(MUSEUM, 3, 1000, URLS, entries)
    assert_valid_iiif(iiif_validator, small)
    assert [item["type"] for item in small["items"]] == ["Manifest"] * 3

    big = institution_collection(MUSEUM, 2500, 1000, URLS)
    assert_valid_iiif(iiif_validator, big)
    assert [item["id"].rsplit("/", 1)[1] for item in big["items"]] == ["1", "2", "3"]
    page = institution_page(MUSEUM, 3, 3, entries, URLS)
    assert_valid_iiif(iiif_validator, page)
    assert page["label"] == {"en": ["Kestrel Museum of Art, page 3 of 3"]}


@pytest.mark.parametrize(
    ("identifier", "quoted"),
    [("KM 1901/3", "KM%201901%2F3"), ("Ä-12", "%C3%84-12"), ("plain-1", "plain-1")],
)
def test_identifiers_become_one_url_segment(identifier: str, quoted: str) -> None:
    assert (
        URLS.manifest("m", identifier) == f"https://collections.example/iiif/3/m/{quoted}/manifest"
    )
    # A static server decodes the URL once to find the file: the file is
    # named by the quoted segment, so its URL quotes that once more.
    static = IiifUrls("https://cdn.example", static=True)
    assert file_segment(identifier) == quoted
    assert static.manifest("m", identifier).endswith(f"/{quote(quoted, safe='')}/manifest.json")


@pytest.mark.parametrize("identifier", [".", "..", "..."])
def test_dot_identifiers_never_become_paths_out_of_the_static_tree(identifier: str) -> None:
    assert file_segment(identifier) == "%2E" * len(identifier)


def test_collection_entries_are_what_iiif_prezi3_makes_of_them(iiif_validator) -> None:
    """A collection has iiif-prezi3 validate its first entry only; the others,
    made by the same code, are exactly what it would have written (the same
    JSON, keys in the same order): labels in several languages, none, markup,
    with a thumbnail and without."""
    import iiif_prezi3 as prezi

    entries = [
        ManifestEntry("obj-1", {"en": ["A mill"], "de": ["Eine Mühle"]}, "abc123"),
        ManifestEntry("obj-2", {}, None),
        ManifestEntry("KM 1901/3", {"none": ["<i>Heron</i> & reeds", ""], "": ["x"]}, "d/e f"),
        ManifestEntry("obj-4", {"fr": ["Moulin"]}),
    ]
    for document in (
        institution_page(MUSEUM, 2, 3, entries, URLS),
        institution_collection(MUSEUM, 4, 1000, URLS, entries, "abc123"),
    ):
        assert_valid_iiif(iiif_validator, document)
        assert len(document["items"]) == 4
        fields = {key: value for key, value in document.items() if key != "@context"}
        validated = json.loads(prezi.Collection(**fields).json())
        assert json.dumps(validated) == json.dumps(document)
