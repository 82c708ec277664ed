"""Object types as concepts: keys, pairing of a CSV's language columns, names
in the reader's language, and the two stored shapes."""

from __future__ import annotations

import pytest

from importers.object_types import (
    concepts_of,
    from_language_map,
    label,
    language_map,
    stored_concept,
    web_uri,
)


def test_a_uri_is_the_key_otherwise_the_terms_sorted() -> None:
    assert stored_concept("http://vocab.getty.edu/aat/300046300", {"en": ["photograph"]}) == {
        "key": "http://vocab.getty.edu/aat/300046300",
        "id": "http://vocab.getty.edu/aat/300046300",
        "label": {"en": ["photograph"]},
    }
    concept = stored_concept(None, {"en": ["photograph"], "de": ["Fotografie"], "fr": []})
    assert concept == {
        "key": "Fotografie | photograph",
        "id": None,
        "label": {"en": ["photograph"], "de": ["Fotografie"]},
    }
    assert stored_concept(None, {"en": ["painting"]})["key"] == "painting"


def test_only_a_web_address_counts_as_a_concept_uri() -> None:
    assert web_uri(["4289137", " http://d-nb.info/gnd/4045895-7 "]) == (
        "http://d-nb.info/gnd/4045895-7"
    )
    assert web_uri(["4289137", "urn:x"]) is None


def test_language_columns_pair_by_position_when_they_agree() -> None:
    paired = from_language_map({"en": ["photograph", "print"], "de": ["Fotografie", "Druck"]})
    assert [c["key"] for c in paired] == ["Fotografie | photograph", "Druck | print"]
    # Two English types but one German: which is which is unknown.
    alone = from_language_map({"en": ["photograph", "print"], "de": ["Fotografie"]})
    assert [c["key"] for c in alone] == ["photograph", "print", "Fotografie"]
    assert from_language_map({}) == []


def test_rows_stored_before_concepts_read_one_concept_per_term() -> None:
    old = {"en": ["portrait"], "fr": ["portrait", "tableau"]}
    assert [c["key"] for c in concepts_of(old)] == ["portrait", "portrait", "tableau"]
    assert language_map(old) is old
    new = [
        stored_concept("http://vocab.getty.edu/aat/300046300", {"de": ["Fotografie"]}),
        stored_concept(None, {"en": ["print"], "de": ["Druck"]}),
    ]
    assert language_map(new) == {"de": ["Fotografie", "Druck"], "en": ["print"]}
    assert concepts_of(None) == [] and language_map([]) == {}


@pytest.mark.parametrize(
    ("wanted", "expected"),
    [("de", "Fotografie"), ("de-CH", "Fotografie"), ("fr", "photograph"), (None, "photograph")],
)
def test_the_name_in_the_readers_language_then_english(wanted, expected) -> None:
    assert label({"de": ["Fotografie"], "en": ["photograph"]}, wanted) == expected


def test_without_english_the_first_name() -> None:
    assert label({"nl": ["foto"], "de": ["Fotografie"]}, "fr") == "foto"
    assert label({}, "fr", "key") == "key"
