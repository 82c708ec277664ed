"""Small readers for LIDO's recurring building blocks.

Tag names, language tags, text, concepts (LIDO 1.0 ``conceptID``/``term``
and LIDO 1.1 inline ``skos:Concept``), appellations with their ``pref``
attribute, and dates. Each reader walks an element's children directly: on
the bulk path that is several times cheaper than one XPath call per field.
"""

from __future__ import annotations

import re

from lxml import etree

from importers.base import LangMap

LIDO_NS = "http://www.lido-schema.org"
SKOS_NS = "http://www.w3.org/2004/02/skos/core#"
RDF_NS = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
OWL_NS = "http://www.w3.org/2002/07/owl#"
XSI_NS = "http://www.w3.org/2001/XMLSchema-instance"

_L = "{" + LIDO_NS + "}"
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
PREF = _L + "pref"
TYPE = _L + "type"
SORTORDER = _L + "sortorder"
ADDED_SEARCH_TERM = _L + "addedSearchTerm"
FORMAT_RESOURCE = _L + "formatResource"
SCHEMA_LOCATION = "{" + XSI_NS + "}schemaLocation"
RDF_ABOUT = "{" + RDF_NS + "}about"
RDF_RESOURCE = "{" + RDF_NS + "}resource"
SKOS_CONCEPT = "{" + SKOS_NS + "}Concept"
SKOS_PREF_LABEL = "{" + SKOS_NS + "}prefLabel"
OWL_SAME_AS = "{" + OWL_NS + "}sameAs"


def lido(local: str) -> str:
    """Clark-notation tag of a LIDO element."""
    return _L + local


CONCEPT_ID = lido("conceptID")
TERM = lido("term")
APPELLATION_VALUE = lido("appellationValue")
LEGAL_BODY_ID = lido("legalBodyID")
LEGAL_BODY_NAME = lido("legalBodyName")
LEGAL_BODY_WEBLINK = lido("legalBodyWeblink")
DISPLAY_DATE = lido("displayDate")
DATE = lido("date")
EARLIEST_DATE = lido("earliestDate")
LATEST_DATE = lido("latestDate")

# ``pref`` values, written as words (LIDO 1.0) or terminology URIs (1.1).
_PREFERRED = frozenset({"preferred", "http://terminology.lido-schema.org/lido00169"})
_ALTERNATE = frozenset({"alternate", "alternative", "http://terminology.lido-schema.org/lido00170"})
PREFERRED, UNMARKED, ALTERNATE, OTHER = 0, 1, 2, 3

# ISO 639-2 codes seen in exports (bibliographic and terminology forms) and
# their ISO 639-1 equivalents, so that "deu", "ger" and "de" share one key.
_ISO639_2 = {
    "ara": "ar",
    "ben": "bn",
    "bul": "bg",
    "cat": "ca",
    "ces": "cs",
    "cze": "cs",
    "chi": "zh",
    "zho": "zh",
    "cym": "cy",
    "wel": "cy",
    "dan": "da",
    "deu": "de",
    "ger": "de",
    "ell": "el",
    "gre": "el",
    "eng": "en",
    "est": "et",
    "eus": "eu",
    "baq": "eu",
    "fas": "fa",
    "per": "fa",
    "fin": "fi",
    "fra": "fr",
    "fre": "fr",
    "gle": "ga",
    "heb": "he",
    "hin": "hi",
    "hrv": "hr",
    "hun": "hu",
    "ind": "id",
    "isl": "is",
    "ice": "is",
    "ita": "it",
    "jpn": "ja",
    "kor": "ko",
    "lat": "la",
    "lav": "lv",
    "lit": "lt",
    "nld": "nl",
    "dut": "nl",
    "nor": "no",
    "nob": "nb",
    "nno": "nn",
    "pol": "pl",
    "por": "pt",
    "ron": "ro",
    "rum": "ro",
    "rus": "ru",
    "slk": "sk",
    "slo": "sk",
    "slv": "sl",
    "spa": "es",
    "srp": "sr",
    "swe": "sv",
    "tam": "ta",
    "tgl": "tl",
    "tur": "tr",
    "ukr": "uk",
}
# "undetermined" and "no linguistic content" mean no language: IIIF's "none".
_NO_LANGUAGE = frozenset({"", "und", "zxx"})
_lang_cache: dict[str, str] = {}


def normalise_lang(raw: str) -> str:
    """A lower-case BCP 47-style tag; ISO 639-2 codes become ISO 639-1."""
    known = _lang_cache.get(raw)
    if known is not None:
        return known
    tag = raw.strip().lower().replace("_", "-")
    primary, _, rest = tag.partition("-")
    primary = _ISO639_2.get(primary, primary)
    result = "none" if primary in _NO_LANGUAGE else (f"{primary}-{rest}" if rest else primary)
    if len(_lang_cache) < 4096:  # bounded: language tags are few, garbage may not be
        _lang_cache[raw] = result
    return result


def lang_of(element: etree._Element, inherited: str) -> str:
    """The element's own ``xml:lang`` if it has one, else the inherited one.

    LIDO allows ``xml:lang`` on the descriptive and administrative blocks and
    on text elements, not on wrappers and sets, so only those are asked.
    (Scanning ``items()`` is about three times cheaper than ``get()`` with a
    namespaced name, and most elements have no attributes at all.)
    """
    for key, value in element.items():
        if key == XML_LANG:
            return normalise_lang(value)
    return inherited


def clean(value: str | None) -> str:
    """Collapse runs of whitespace and strip."""
    return " ".join(value.split()) if value else ""


def text_of(element: etree._Element) -> str:
    """Normalised text of an element, including mixed content below it."""
    value = element.text
    if len(element):  # markup, comments or entity nodes inside: gather all text
        value = "".join(element.itertext())
    return " ".join(value.split()) if value else ""


def text_lines(element: etree._Element) -> str:
    """As :func:`text_of`, but line breaks stay: one normalised line per source line."""
    value = element.text
    if len(element):
        value = "".join(element.itertext())
    if not value:
        return ""
    if "\n" not in value.strip():
        return " ".join(value.split())
    lines: list[str] = []
    for raw in value.splitlines():
        line = " ".join(raw.split())
        if not line:
            continue
        if lines and not _starts_entry(line):
            # A pretty-printer's wrap ("Breite: 54" / "cm"): the same line.
            lines[-1] += " " + line
        else:
            lines.append(line)
    return "\n".join(lines)


def _starts_entry(line: str) -> bool:
    """Whether a line reads as an entry of its own ("Breite: 92 mm", "Frame 45 x 56 cm")
    rather than the rest of the line before it ("cm", "x 30 cm")."""
    return line[0].isupper() or ":" in line


def own_text(element: etree._Element) -> str:
    """Normalised text directly inside an element, not inside its children
    (a LIDO 1.0 text-typed element such as ``measurementType``)."""
    value = element.text
    if len(element):
        value = "".join([value or ""] + [child.tail or "" for child in element])
    return " ".join(value.split()) if value else ""


def add(langmap: LangMap, lang: str, value: str) -> None:
    """Append ``value`` under ``lang`` unless blank or already there."""
    if not value:
        return
    values = langmap.get(lang)
    if values is None:
        langmap[lang] = [value]
    elif value not in values:
        values.append(value)


def merge(target: LangMap, source: LangMap) -> None:
    for lang, values in source.items():
        for value in values:
            add(target, lang, value)


def pref_rank(pref: str | None) -> int:
    """How preferred a ``pref`` attribute value is (lower is more preferred)."""
    if pref is None:
        return UNMARKED
    if pref in _PREFERRED:
        return PREFERRED
    return ALTERNATE if pref in _ALTERNATE else OTHER


def concept(element: etree._Element, lang: str) -> tuple[list[str], list[tuple[str, str]]]:
    """Identifiers and ``(lang, label)`` pairs of a concept-typed element.

    Reads LIDO 1.0 ``conceptID``/``term`` children, LIDO 1.1 ``skos:Concept``
    (``rdf:about`` and ``skos:prefLabel``) and plain text content. Terms
    marked ``addedSearchTerm="yes"`` are search aids, used only when nothing
    else names the concept.
    """
    ids: list[str] = []
    labels: list[tuple[str, str]] = []
    search_terms: list[tuple[str, str]] = []
    for child in element:
        tag = child.tag
        if tag == TERM:
            value = text_of(child)
            if value:
                term_lang = lang
                search_term = False
                for key, attribute in child.items():
                    if key == XML_LANG:
                        term_lang = normalise_lang(attribute)
                    elif key == ADDED_SEARCH_TERM:
                        search_term = attribute == "yes"
                (search_terms if search_term else labels).append((term_lang, value))
        elif tag == CONCEPT_ID:
            value = text_of(child)
            if value:
                ids.append(value)
        elif tag == SKOS_CONCEPT:
            _skos_concept(child, lang, ids, labels)
    if not labels and element.tag.__class__ is str:  # not for comments and PIs
        own = own_text(element)
        if own:
            labels.append((lang, own))
        else:
            labels = search_terms
    return ids, labels


def _skos_concept(
    skos: etree._Element, lang: str, ids: list[str], labels: list[tuple[str, str]]
) -> None:
    about = skos.get(RDF_ABOUT)
    if about:
        ids.append(about.strip())
    for label in skos:
        if label.tag == SKOS_PREF_LABEL:
            value = text_of(label)
            if value:
                labels.append((lang_of(label, lang), value))


def concept_langmap(element: etree._Element, lang: str, into: LangMap) -> None:
    """Add a concept's labels to ``into`` under their languages.

    The same reading as :func:`concept` without collecting identifiers: it
    runs for nearly every concept in a record, so it is kept lean.
    """
    added = False
    for child in element:
        tag = child.tag
        if tag == TERM:
            value = text_of(child)
            if value:
                term_lang = lang
                for key, attribute in child.items():
                    if key == XML_LANG:
                        term_lang = normalise_lang(attribute)
                    elif key == ADDED_SEARCH_TERM and attribute == "yes":
                        break  # a search aid: only used when nothing else is there
                else:
                    add(into, term_lang, value)
                    added = True
        elif tag == SKOS_CONCEPT:
            for label in child:
                if label.tag == SKOS_PREF_LABEL:
                    add(into, lang_of(label, lang), text_of(label))
                    added = True
    if not added:
        for label_lang, value in concept(element, lang)[1]:
            add(into, label_lang, value)


def pick_label(labels: list[tuple[str, str]], lang: str) -> str | None:
    """One label, in ``lang`` when there is one."""
    for label_lang, value in labels:
        if label_lang == lang:
            return value
    return labels[0][1] if labels else None


def appellations(element: etree._Element, lang: str) -> list[tuple[int, str, str]]:
    """``(pref rank, lang, value)`` for each appellationValue child."""
    found = []
    for child in element:
        if child.tag == APPELLATION_VALUE:
            value = text_of(child)
            if value:
                value_lang = lang
                pref = None
                for key, attribute in child.items():
                    if key == XML_LANG:
                        value_lang = normalise_lang(attribute)
                    elif key == PREF:
                        pref = attribute
                found.append((pref_rank(pref), value_lang, value))
    return found


def best_appellation(element: etree._Element, lang: str) -> str | None:
    """The most preferred appellationValue of a name set (first on a tie)."""
    found = appellations(element, lang)
    return min(found, key=_rank)[2] if found else None


def _rank(item: tuple[int, str, str]) -> int:
    return item[0]


def legal_body(element: etree._Element, lang: str) -> tuple[LangMap, list[str], str | None]:
    """Names (by language), identifiers and web link of a legal body."""
    names: LangMap = {}
    ids: list[str] = []
    weblink = None
    for child in element:
        tag = child.tag
        if tag == LEGAL_BODY_NAME:
            for rank, name_lang, value in appellations(child, lang):
                if rank != ALTERNATE:
                    add(names, name_lang, value)
        elif tag == LEGAL_BODY_ID:
            value = text_of(child)
            if value:
                ids.append(value)
        elif tag == LEGAL_BODY_WEBLINK and weblink is None:
            weblink = text_of(child) or None
    return names, ids, weblink


def first_value(langmap: LangMap) -> str | None:
    for values in langmap.values():
        if values:
            return values[0]
    return None


# --- dates -----------------------------------------------------------------

_YEAR = re.compile(r"(?<![\d.])(-?)(\d{1,4})(?!\d)")
_FOUR_DIGITS = re.compile(r"(?<!\d)(-?)(\d{4})(?!\d)")
_BEFORE_CHRIST = re.compile(r"v\.\s*chr|\bb\.?\s?c\.?(e\.?)?(?![a-z])|\bav\.?\s*j", re.IGNORECASE)
_CENTURY = re.compile(
    r"(\d{1,2})\s*(?:\.\s*(?:jh|jahrhundert)|(?:st|nd|rd|th)\s+c(?:entury|\.))", re.IGNORECASE
)


def parse_year(value: str | None, *, latest: bool = False) -> int | None:
    """The year of a LIDO date as an int, or None (also for the placeholder "0").

    Handles ISO dates ("1480", "1480-05-01", "-0300"), approximations
    ("ca. 1480", "um 1600"), day-first dates ("01.05.1480"), BC markers
    ("300 v. Chr.", "300 BC") and centuries ("15. Jh.", "15th century";
    the first year for an earliest date, the last for a latest one).
    """
    if not value:
        return None
    text = value.strip()
    # Fast path for the common ISO forms "1480" and "1480-05-01".
    if len(text) >= 4 and text[:4].isdigit() and (len(text) == 4 or text[4] == "-"):
        return int(text[:4]) or None
    century = _CENTURY.search(text)
    if century:
        number = int(century.group(1))
        year = number * 100 if latest else (number - 1) * 100 + 1
        return -year if _BEFORE_CHRIST.search(text) else year
    # A four-digit run wins over shorter ones ("01.05.1480"); else the first.
    match = _FOUR_DIGITS.search(text) or _YEAR.search(text)
    return None if match is None else _signed_year(text, match)


def _signed_year(text: str, match: re.Match[str]) -> int | None:
    sign, digits = match.groups()
    if not digits.strip("0"):
        return None  # "0" and "0000" stand for "unknown" in real exports, not 1 BC
    # A minus sign is a sign only at the start or after a space ("-0300"),
    # not the separator of a range or a date ("1480-1490").
    negative = sign == "-" and (match.start() == 0 or text[match.start() - 1].isspace())
    year = int(digits)
    return -year if negative or _BEFORE_CHRIST.search(text) else year


def date_range(element: etree._Element) -> tuple[str | None, int | None, int | None]:
    """displayDate, earliest and latest year of an eventDate-like element."""
    display = None
    earliest = latest = None
    for child in element:
        tag = child.tag
        if tag == DISPLAY_DATE and display is None:
            display = text_of(child) or None
        elif tag == DATE and earliest is None and latest is None:
            for part in child:
                if part.tag == EARLIEST_DATE:
                    earliest = parse_year(text_of(part))
                elif part.tag == LATEST_DATE:
                    latest = parse_year(text_of(part), latest=True)
    return display, earliest, latest
