"""Rights URIs in any form people write them, reduced to vocabulary terms.

Accepts http or https, with or without ``www.``, a trailing slash, ``deed.xx``,
``legalcode``, ``rdf``, a query string or fragment, ``/page/`` for ``/vocab/``,
``licences`` for ``licenses``, the malformed ``creativecommons.org/by-sa/4.0/``,
RS codes in the wrong case, and the retired Europeana and DDB statements.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from functools import lru_cache

from glampub.rights.findings import PRIORITY_LEGACY, PRIORITY_URI, Finding
from glampub.rights.vocabulary import (
    CC0,
    CC_CODE_BY_ELEMENTS,
    IN_COPYRIGHT,
    PDM,
    RIGHTS_STATEMENTS,
    RightsTerm,
    cc_term,
    rs_term,
)

_URI = re.compile(
    r"(?<![\w@.-])(?:https?://)?(?:[a-z0-9-]+\.)?"
    r"(?P<host>creativecommons\.org|rightsstatements\.org|europeana\.eu"
    r"|deutsche-digitale-bibliothek\.de)(?P<path>/[^\s\"'<>|,;()\[\]{}]*)?",
    re.IGNORECASE,
)
_VERSION = re.compile(r"^v?(\d)[.,](\d)$")
_PORT = re.compile(r"^(?:[a-z]{2}|scotland|igo)$")
# Tails that change the page, not the licence: deed.de, legalcode.fr, rdf ...
_PAGE_TAIL = re.compile(r"^(?:deed|legalcode|rdf|index|rdfa|legalcode\.txt)(?:[._].*)?$")
_LICENCES_SEGMENT = {"licenses", "licences", "license", "licence", "licens"}
_RETIRED_CC = {
    "publicdomain": "the retired Creative Commons public domain certification",
    "sampling": "the retired Sampling licence",
    "sampling+": "the retired Sampling Plus licence",
    "nc-sampling+": "the retired NonCommercial Sampling Plus licence",
    "devnations": "the retired Developing Nations licence",
}
_EUROPEANA = re.compile(
    r"rights/(?P<code>rr-[fpr]|unknown|orphan-work-eu|out-of-copyright-non-commercial)\b",
    re.IGNORECASE,
)
_EUROPEANA_TERMS: dict[str, tuple[RightsTerm, str]] = {
    "rr-f": (IN_COPYRIGHT, "Europeana's retired Rights Reserved - Free Access statement"),
    "rr-p": (IN_COPYRIGHT, "Europeana's retired Rights Reserved - Paid Access statement"),
    "rr-r": (IN_COPYRIGHT, "Europeana's retired Rights Reserved - Restricted Access statement"),
    "orphan-work-eu": (RIGHTS_STATEMENTS["InC-OW-EU"], "Europeana's retired Orphan Work statement"),
    "out-of-copyright-non-commercial": (
        RIGHTS_STATEMENTS["NoC-NC"],
        "Europeana's retired Out of copyright - non commercial re-use statement",
    ),
    "unknown": (RIGHTS_STATEMENTS["CNE"], "Europeana's retired Unknown copyright status statement"),
}
EUROPEANA_UNKNOWN_WARNING = (
    "Europeana's 'unknown' was mapped to Copyright Not Evaluated; if the status was "
    "researched and could not be settled, Copyright Undetermined fits better"
)
_DDB = re.compile(r"lizenzen/(?P<code>rv-fz|rv-ez)\b", re.IGNORECASE)
_DDB_NOTES = {
    "rv-fz": "the Deutsche Digitale Bibliothek's Rechte vorbehalten - Freier Zugang statement",
    "rv-ez": "the Deutsche Digitale Bibliothek's Rechte vorbehalten - Zugang nach Autorisierung "
    "statement",
}


def _segments(path: str | None) -> list[str]:
    path = (path or "").split("?", 1)[0].split("#", 1)[0]
    return [segment for segment in path.lower().split("/") if segment]


def _review(rule: str, text: str, note: str) -> Finding:
    return Finding(role="review", rule=rule, text=text, note=note, priority=PRIORITY_URI)


def _creative_commons(text: str, segments: list[str]) -> Finding:
    if not segments:
        return _review("unknown-uri", text, "points to the Creative Commons site, not to a licence")
    if segments[0] == "publicdomain" and len(segments) >= 2:
        tool = {"zero": CC0, "mark": PDM}.get(segments[1])
        if tool is not None and (len(segments) < 3 or segments[2] == "1.0"):
            return Finding(
                role="term", rule=tool.code.lower(), term=tool, text=text, priority=PRIORITY_URI
            )
        return _review("unknown-uri", text, "is not a public domain tool Creative Commons offers")
    rest = segments[1:] if segments[0] in _LICENCES_SEGMENT else segments
    if not rest:
        return _review("unknown-uri", text, "names no licence")
    code = rest[0].replace("_", "-")
    if code in _RETIRED_CC:
        return _review(
            "cc-retired",
            text,
            f"is {_RETIRED_CC[code]}, which Creative Commons no "
            "longer recommends (the Public Domain Mark, CC0 or a current licence "
            "replace it)",
        )
    elements = frozenset(code.split("-"))
    if code not in ("by-nd-nc", "sa", "nc", "nd", "nc-sa", "nd-nc"):
        code = CC_CODE_BY_ELEMENTS.get(elements, code)  # by-sa-nc -> by-nc-sa
    tail = [s for s in rest[1:] if not _PAGE_TAIL.match(s)]
    if not tail:
        if cc_term(code, "4.0") is None and cc_term(code, "1.0") is None:
            return _review("unknown-uri", text, "is not a Creative Commons licence")
        return Finding(
            role="family", rule="cc-uri", family=code.upper(), text=text, priority=PRIORITY_URI
        )
    version_match = _VERSION.match(tail[0])
    if not version_match:
        return _review(
            "unknown-uri", text, "names a licence version Creative Commons never published"
        )
    version = f"{version_match.group(1)}.{version_match.group(2)}"
    port = tail[1] if len(tail) > 1 and _PORT.match(tail[1]) else None
    if version == "4.0":
        port = None  # 4.0 has no ports; a two-letter segment is a language
    term = cc_term(code, version, port)
    if term is None:
        return _review(
            "unknown-uri",
            text,
            f"names CC {code.upper()} {version}"
            + (f" for {port.upper()}" if port else "")
            + ", which Creative Commons never published",
        )
    return Finding(role="term", rule="cc-uri", term=term, text=text, priority=PRIORITY_URI)


def _rights_statements(text: str, segments: list[str]) -> Finding:
    if len(segments) >= 2 and segments[0] in ("vocab", "page", "data"):
        term = rs_term(segments[1])
        version_ok = len(segments) < 3 or segments[2].startswith("1.0")
        if term is not None and version_ok:
            return Finding(role="term", rule="rs-uri", term=term, text=text, priority=PRIORITY_URI)
    return _review("unknown-uri", text, "is not one of the twelve RightsStatements.org statements")


def _finding_for(text: str, host: str, path: str | None) -> Finding:
    host = host.lower()
    if host == "creativecommons.org":
        return _creative_commons(text, _segments(path))
    if host == "rightsstatements.org":
        return _rights_statements(text, _segments(path))
    if host == "europeana.eu":
        match = _EUROPEANA.search(path or "")
        if match:
            code = match.group("code").lower()
            term, what = _EUROPEANA_TERMS[code]
            return Finding(
                role="term",
                rule="europeana-legacy",
                term=term,
                text=text,
                note=what,
                warning=EUROPEANA_UNKNOWN_WARNING if code == "unknown" else "",
                priority=PRIORITY_LEGACY,
            )
        return _review("unknown-uri", text, "is not one of Europeana's rights statements")
    match = _DDB.search(path or "")
    if match:
        code = match.group("code").lower()
        return Finding(
            role="term",
            rule="ddb-legacy",
            term=IN_COPYRIGHT,
            text=text,
            note=_DDB_NOTES[code],
            priority=PRIORITY_LEGACY,
        )
    return _review(
        "unknown-uri", text, "is not one of the Deutsche Digitale Bibliothek's rights statements"
    )


def find_uris(text: str) -> Iterator[tuple[int, int, Finding]]:
    """Every rights URI in ``text``, as (start, end, finding)."""
    for match in _URI.finditer(text):
        uri = match.group(0).rstrip(".")
        yield (
            match.start(),
            match.start() + len(uri),
            _finding_for(uri, match.group("host"), match.group("path")),
        )


@lru_cache(maxsize=1024)
def lookup(uri: str) -> RightsTerm | None:
    """The CC, CC0, PDM or RightsStatements.org term a URI names, in any of its
    spellings; None for anything else (retired Europeana URIs included: those are
    mapped by :func:`glampub.rights.map_rights`, they are not vocabulary).

    Cached: a bulk import asks for the same few URIs on every record."""
    match = _URI.fullmatch(uri.strip())
    if not match:
        return None
    finding = _finding_for(match.group(0), match.group("host"), match.group("path"))
    if finding.role == "term" and finding.rule in ("cc-uri", "cc0", "pdm", "rs-uri"):
        return finding.term
    return None
