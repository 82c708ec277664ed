"""The shipped translations are whole: every string the code marks (extracted
afresh with Babel's own extraction API, as ``pybabel extract`` does) has a
translation in every shipped language, none fuzzy, with the same
placeholders; the plural rules are right; and the committed ``.mo`` files are
what the ``.po`` files compile to."""

from __future__ import annotations

import io
import re
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

from glampub.languages import DEFAULT_LANGUAGE, SHIPPED_LANGUAGES, TRANSLATIONS_DIR
from tests.conftest import REPO

TRANSLATED = [language for language in SHIPPED_LANGUAGES if language != DEFAULT_LANGUAGE]
#: What the code marks with: gettext's names, and Flask-Babel's lazy ones in forms.
KEYWORDS = {**DEFAULT_KEYWORDS, "_l": None, "lazy_gettext": None}
PLACEHOLDER = re.compile(r"%\((\w+)\)[sd]")
#: gettext's plural rule per language (French counts 0 as singular).
PLURAL_RULES = {"de": "(n != 1)", "nl": "(n != 1)", "sv": "(n != 1)", "es": "(n != 1)"}
PLURAL_RULES["fr"] = "(n > 1)"

Msgid = str | tuple[str, str]


def marked_strings() -> dict[Msgid, str]:
    """Every marked string in the code and templates, with where it is."""
    with (REPO / "glampub" / "babel.cfg").open(encoding="utf-8") as config:
        method_map, options_map = parse_mapping_cfg(config)
    found: dict[Msgid, str] = {}
    for filename, line, message, _comments, _context in extract_from_dir(
        str(REPO), method_map, options_map, keywords=KEYWORDS
    ):
        msgid: Msgid = message if isinstance(message, str) else (message[0], message[1])
        if msgid:
            found.setdefault(msgid, f"{filename}:{line}")
    return found


def catalogue(language: str) -> Catalog:
    path = TRANSLATIONS_DIR / language / "LC_MESSAGES" / "messages.po"
    with path.open("rb") as po:
        return read_po(po, locale=language)


def placeholders(*texts: str) -> set[str]:
    return {name for text in texts for name in PLACEHOLDER.findall(text)}


def problems(marked: dict[Msgid, str], translations: Catalog) -> list[str]:
    """What is missing or wrong in ``translations`` for the ``marked`` strings."""
    found = []
    for msgid, where in marked.items():
        key = msgid[0] if isinstance(msgid, tuple) else msgid
        message = translations.get(key)
        label = f"{where}: {key!r}"
        if message is None or not message.string:
            found.append(f"{label} has no translation")
            continue
        if message.fuzzy:
            found.append(f"{label} is translated fuzzy")
        forms = list(message.string) if isinstance(message.string, tuple) else [message.string]
        if isinstance(msgid, tuple) and len(forms) != translations.num_plurals:
            found.append(f"{label} has {len(forms)} plural forms, not {translations.num_plurals}")
        wanted = placeholders(*(msgid if isinstance(msgid, tuple) else (msgid,)))
        for form in forms:
            if not form:
                found.append(f"{label} has an empty plural form")
            elif placeholders(form) != wanted:
                found.append(f"{label}: {form!r} has other placeholders than {sorted(wanted)}")
    return found


@pytest.fixture(scope="module")
def marked() -> dict[Msgid, str]:
    return marked_strings()


def test_the_extraction_finds_the_interface_strings(marked) -> None:  # type: ignore[no-untyped-def]
    # From templates, flash messages, form labels, the credit line and the CLI.
    assert "How to reference" in marked
    assert "Free to reuse" in marked
    assert "%(work)s by %(names)s" in marked
    assert "Too many failed sign-ins. Try again in %(minutes)d minutes." in marked
    assert ("%(num)s result", "%(num)s results") in marked
    assert len(marked) > 250


@pytest.mark.parametrize("language", TRANSLATED)
def test_every_marked_string_is_translated_with_its_placeholders(marked, language) -> None:  # type: ignore[no-untyped-def]
    assert problems(marked, catalogue(language)) == []


def test_the_check_names_a_missing_a_fuzzy_and_a_wrong_translation() -> None:
    marked: dict[Msgid, str] = {
        "Download image": "templates/object.html:1",
        "Ask %(name)s before reusing it.": "templates/object.html:2",
        "Copy credit": "templates/object.html:3",
        ("%(num)s result", "%(num)s results"): "templates/search.html:4",
    }
    translations = Catalog(locale="de")
    translations.add("Ask %(name)s before reusing it.", "Fragen Sie vor der Nachnutzung.")
    translations.add("Copy credit", "Quellenangabe kopieren", flags=["fuzzy"])
    translations.add(("%(num)s result", "%(num)s results"), ("%(num)s Treffer", ""))
    assert problems(marked, translations) == [
        "templates/object.html:1: 'Download image' has no translation",
        "templates/object.html:2: 'Ask %(name)s before reusing it.': "
        "'Fragen Sie vor der Nachnutzung.' has other placeholders than ['name']",
        "templates/object.html:3: 'Copy credit' is translated fuzzy",
        "templates/search.html:4: '%(num)s result' has an empty plural form",
    ]


@pytest.mark.parametrize("language", TRANSLATED)
def test_plural_rules_and_register_are_stated(language: str) -> None:
    translations = catalogue(language)
    assert translations.num_plurals == 2
    assert translations.plural_expr == PLURAL_RULES[language]
    # The header says which form of address the translation uses.
    assert "Register:" in translations.header_comment


@pytest.mark.parametrize("language", TRANSLATED)
def test_the_committed_mo_file_is_the_compiled_po_file(language: str) -> None:
    compiled = io.BytesIO()
    write_mo(compiled, catalogue(language))
    mo = Path(TRANSLATIONS_DIR / language / "LC_MESSAGES" / "messages.mo")
    assert mo.read_bytes() == compiled.getvalue(), (
        f"{mo} is stale: run pybabel compile -d glampub/translations"
    )
