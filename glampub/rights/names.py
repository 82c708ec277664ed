"""Licences and statements named in words: CC licence names and abbreviations in
several languages, CC0, the Public Domain Mark, RightsStatements.org labels and
codes, and the labels of retired Europeana and DDB statements.

The official labels and titles in every published translation are data, read
by :mod:`glampub.rights.official`, which runs first; the patterns here catch
what people write that is not an official label ("CC-BY-SA 4.0", "In
Copyright - Rightsholders unlocatable", the DDB's German labels).
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from glampub.rights.findings import PRIORITY_LEGACY, PRIORITY_NAME, Finding
from glampub.rights.official import official_labels
from glampub.rights.uris import EUROPEANA_UNKNOWN_WARNING
from glampub.rights.vocabulary import (
    CC0,
    CC_CODE_BY_ELEMENTS,
    CC_PORTS,
    PDM,
    RIGHTS_STATEMENTS,
    RightsTerm,
    cc_term,
)

_FLAGS = re.IGNORECASE
_SEP = r"[\s\-_/:+]*"

# Licence elements in the languages CC translated its deeds into; the bare
# abbreviations (by, nc, nd, sa) count only after "CC" or "Creative Commons".
_LONG = {
    "by": r"attribution|namensnennung|paternit[eé]|naamsvermelding|reconocimiento"
    r"|atribuci[oó]n|attribuzione|erk[aä]nnande|nime[aä]|navngivelse|kreditering",
    "nc": r"non[\s\-]?commerciale?|nicht[\s\-]?kommerziell|pas d'utilisation commerciale"
    r"|niet[\s\-]?commercieel|no[\s\-]?comercial|icke[\s\-]?kommersiell|ep[aä]kaupallinen"
    r"|ei[\s\-]?kaupallinen|ikke[\s\-]?kommerciel",
    "nd": r"no[\s\-]?derivative[\s\-]works|no[\s\-]?derivatives?|no[\s\-]?derivs"
    r"|keine[\s\-]?bearbeitung(?:en)?|pas de modifications?"
    r"|geen[\s\-]?afgeleide[\s\-]?werken|sin[\s\-]?obra[\s\-]?derivada|sin[\s\-]?derivadas?"
    r"|non[\s\-]opere[\s\-]derivate|inga[\s\-]?bearbetningar|ei[\s\-]?muutoksia"
    r"|ingen[\s\-]?bearbejdelser?",
    "sa": r"share[\s\-]?alike|weitergabe[\s\-]unter[\s\-]gleichen[\s\-]bedingungen"
    r"|partage dans les m[eê]mes conditions"
    r"|partage des conditions initiales [aà] l'identique|gelijk[\s\-]?delen"
    r"|compartir[\s\-]?igual|condividi[\s\-]allo[\s\-]stesso[\s\-]modo|dela[\s\-]?lika"
    r"|jaa[\s\-]?samoin|del[\s\-]?p[aå][\s\-]?samme[\s\-]?vilk[aå]r",
}
#: The words of each licence element, for readers of explanations ("nc": ...).
CONDITION_WORDS: dict[str, str] = dict(_LONG)
_ELEMENT = re.compile(
    "|".join(rf"(?P<{key}>\b(?:{words}|{key})\b)" for key, words in _LONG.items()), _FLAGS
)
_LONG_ANY = "|".join(_LONG.values())
_SHORT_OR_LONG = rf"\b(?:{_LONG_ANY}|by|nc|nd|sa)\b"
_PREFIX = r"(?:\bcreative[\s\-]?commons\b|\bcc(?=[\s\-_:/]|by\b|by[\s\-_]))"
_LICENCE_WORD = r"(?:licen[cs]es?|lizenz(?:en)?|licentie|licencia|licenza|licens|lisenssi)"
_VERSION = r"(?:v(?:ersion)?\.?\s?)?(?P<ver>[1-4][.,][0-5]|[1-4](?![.,\d]))(?!\d)"
_COUNTRY = {
    "deutschland": "de",
    "germany": "de",
    "österreich": "at",
    "austria": "at",
    "schweiz": "ch",
    "switzerland": "ch",
    "nederland": "nl",
    "netherlands": "nl",
    "france": "fr",
    "españa": "es",
    "spain": "es",
    "italia": "it",
    "italy": "it",
    "polska": "pl",
    "poland": "pl",
    "united states": "us",
    "usa": "us",
    "england and wales": "uk",
    "scotland": "scotland",
    "belgium": "be",
    "belgië": "be",
    "belgique": "be",
    "sverige": "se",
    "sweden": "se",
    "danmark": "dk",
    "denmark": "dk",
    "suomi": "fi",
    "finland": "fi",
}
_JURISDICTION = (
    r"(?P<jur>"
    + "|".join(sorted(_COUNTRY, key=len, reverse=True))
    + r"|international|internationaal|internacional|internazionale|internationell"
    r"|kansainvälinen|unported|generic|generisch|universal|[a-z]{2}\b)"
)
_CC_NAME = re.compile(
    rf"(?:{_PREFIX}(?:{_SEP}{_LICENCE_WORD})?{_SEP}(?P<els>{_SHORT_OR_LONG}(?:{_SEP}{_SHORT_OR_LONG})*)"
    # Without "CC" in front, a licence's words count only before a full version
    # number ("Attribution 4.0"), never in ordinary prose ("attribution 2 of 5").
    rf"|(?P<els2>\b(?:{_LONG_ANY})\b(?:{_SEP}{_SHORT_OR_LONG})*)(?={_SEP}v?[1-4][.,]\d))"
    rf"(?:{_SEP}{_VERSION})?(?:{_SEP}{_JURISDICTION})?",
    _FLAGS,
)

_CC0 = re.compile(
    r"(?:(?<!\w)cc[\s\-_]?(?:0|zero)(?!\w)|(?<!\w)cc-?o(?!\w)|\bcreative\s+commons\s+(?:zero|0)\b"
    # The title of CC0's legal code, on its own; not the Open Data Commons
    # "Public Domain Dedication and License" (PDDL), which is another tool.
    r"|\bpublic\s+domain\s+dedication\b(?!\s*(?:and|&)\s*licen[cs]e))"
    r"(?:\s*(?:v?1[.,]0(?!\d)|universal|universell|universel|universeel|universale"
    r"|\(cc[\s\-_]?0(?:\s*1[.,]0)?\)|public\s+domain\s+dedication|verzicht\w*|waiver)){0,5}",
    _FLAGS,
)
_PDM = re.compile(
    r"\b(?:public[\s\-]?domain[\s\-]?mark(?:ierung)?|pdm|marque du domaine public"
    r"|publiek[\s\-]?domein[\s\-]?merk|marca de dominio p[uú]blico"
    r"|marchio (?:di|del) pubblico dominio|public domain[\s\-]?(?:merkki|märkning|mærke))\b"
    r"(?:\s*(?:v?1[.,]0(?!\d)|universal|universell|universel|universeel)){0,3}",
    _FLAGS,
)

_S = r"[\s\-:,/(]+"
_OK = r"(?:erlaubt|gestattet)"
#: (regex, RS code): English labels as published, German ones as the DDB shows them.
_RS_LABELS: tuple[tuple[str, str], ...] = (
    (rf"in copyright{_S}eu orphan work", "InC-OW-EU"),
    (rf"in copyright{_S}educational use permitted", "InC-EDU"),
    (rf"in copyright{_S}non[\s\-]?commercial use permitted", "InC-NC"),
    (
        rf"in copyright{_S}rights[\s\-]?holder(?:\(s\)|s)?{_S}unlocatable or unidentifiable",
        "InC-RUU",
    ),
    (r"in copyright", "InC"),
    (rf"no copyright{_S}contractual restrictions", "NoC-CR"),
    (rf"no copyright{_S}non[\s\-]?commercial use only", "NoC-NC"),
    (rf"no copyright{_S}other known legal restrictions", "NoC-OKLR"),
    (rf"no copyright{_S}united states", "NoC-US"),
    (r"copyright not evaluated", "CNE"),
    (r"copyright undetermined", "UND"),
    (r"no known copyright(?!\s+restrictions)", "NKC"),
    (rf"urheberrechtsschutz{_S}verwaistes werk(?: eu)?", "InC-OW-EU"),
    (rf"urheberrechtsschutz{_S}nutzung zu bildungszwecken {_OK}", "InC-EDU"),
    (rf"urheberrechtsschutz{_S}nicht[\s\-]?kommerzielle nutzung {_OK}", "InC-NC"),
    (
        rf"urheberrechtsschutz{_S}rechte-?inhaber\w* nicht auffindbar oder (?:nicht )?"
        r"identifizierbar",
        "InC-RUU",
    ),
    (r"urheberrechtsschutz nicht bewertet", "CNE"),
    # Copyright Not Evaluated in the other languages RightsStatements.org (or
    # the aggregators using it) publish; each contains a negation, so it must be
    # claimed here before the negation check sees it.
    (r"droit d'auteur non [ée]valu[ée]", "CNE"),
    (r"auteursrechtelijke status niet ge[ëe]valueerd", "CNE"),
    (r"derecho de autor sin evaluar", "CNE"),
    (r"tekijänoikeusstatusta ei arvioitu", "CNE"),
    (r"upphovsrättslig status ej bedömts", "CNE"),
    (r"urheberrechtsschutz ungewiss", "UND"),
    (rf"kein urheberrechtsschutz{_S}vertragliche beschränkungen", "NoC-CR"),
    (rf"kein urheberrechtsschutz{_S}nur nicht[\s\-]?kommerzielle nutzung {_OK}", "NoC-NC"),
    (rf"kein urheberrechtsschutz{_S}andere (?:bekannte )?rechtliche beschränkungen", "NoC-OKLR"),
    (rf"kein urheberrechtsschutz{_S}vereinigte staaten", "NoC-US"),
    (r"kein urheberrechtsschutz bekannt", "NKC"),
    # Bare "Urheberrechtsschutz" is the German label of InC, but not after "kein".
    (r"(?<!kein )(?<!keinen )urheberrechtsschutz(?!\w)", "InC"),
)
# Alternatives are tried in the order listed, so each bare label ("In Copyright")
# comes after the longer labels that begin with it.
_RS_LABEL = re.compile(
    "|".join(
        rf"(?P<rs{i}>(?<!\w)(?:{pattern})(?!\w)\)?)"
        for i, (pattern, _code) in enumerate(_RS_LABELS)
    ),
    _FLAGS,
)
_RS_CODE = re.compile(
    r"^(?:inc|inc-ow-eu|inc-edu|inc-nc|inc-ruu|noc-cr|noc-nc|noc-oklr|noc-us|cne|und|nkc)"
    r"(?:\s*1[.,]0)?$",
    _FLAGS,
)

_LEGACY_LABELS: tuple[tuple[str, str, str, str], ...] = (
    # (regex, RS code, rule, what it was)
    (
        r"rights reserved\s*-\s*free access",
        "InC",
        "europeana-legacy",
        "Europeana's retired Rights Reserved - Free Access statement",
    ),
    (
        r"rights reserved\s*-\s*paid access",
        "InC",
        "europeana-legacy",
        "Europeana's retired Rights Reserved - Paid Access statement",
    ),
    (
        r"rights reserved\s*-\s*restricted access",
        "InC",
        "europeana-legacy",
        "Europeana's retired Rights Reserved - Restricted Access statement",
    ),
    (
        r"unknown copyright status",
        "CNE",
        "europeana-legacy",
        "Europeana's retired Unknown copyright status statement",
    ),
    (
        r"(?<!not an )(?<!no )orphan work",
        "InC-OW-EU",
        "europeana-legacy",
        "Europeana's retired Orphan Work statement",
    ),
    (
        r"out of copyright\s*-\s*non[\s\-]?commercial re-?use",
        "NoC-NC",
        "europeana-legacy",
        "Europeana's retired Out of copyright - non commercial re-use statement",
    ),
    (
        r"rechte vorbehalten\s*-\s*freier zugang",
        "InC",
        "ddb-legacy",
        "the Deutsche Digitale Bibliothek's Rechte vorbehalten - Freier Zugang statement",
    ),
    (
        r"free access\s*-\s*no re-?use",
        "InC",
        "ddb-legacy",
        "the Deutsche Digitale Bibliothek's Free access - no reuse statement (rv-fz)",
    ),
    (
        r"rechte vorbehalten\s*-\s*zugang nach autorisierung",
        "InC",
        "ddb-legacy",
        "the Deutsche Digitale Bibliothek's Rechte vorbehalten - Zugang nach Autorisierung "
        "statement",
    ),
)
_LEGACY = re.compile(
    "|".join(rf"(?P<lg{i}>\b(?:{p})\b)" for i, (p, *_rest) in enumerate(_LEGACY_LABELS)), _FLAGS
)

Span = tuple[int, int, Finding]


def _cc_finding(match: re.Match[str]) -> Finding:
    text = match.group(0).strip()
    elements = {m.lastgroup for m in _ELEMENT.finditer(match.group("els") or match.group("els2"))}
    elements.add("by")  # every licence since 2.0 requires attribution, named or not
    code = CC_CODE_BY_ELEMENTS.get(frozenset(e for e in elements if e))
    if code is None:
        return Finding(
            role="review",
            rule="cc-name",
            text=text,
            priority=PRIORITY_NAME,
            note="combines No Derivatives with Share Alike, which no Creative Commons licence does",
        )
    version = match.group("ver")
    if version is None:
        # A licence without a version is not mapped to 4.0 on a guess: versions
        # and ports differ in their legal terms (moral rights, database rights,
        # jurisdiction), so on its own it goes to review. Beside the same licence
        # with a version (a LIDO term next to its conceptID) it simply agrees.
        return Finding(
            role="family", rule="cc-name", family=code.upper(), text=text, priority=PRIORITY_NAME
        )
    version = version.replace(",", ".") if len(version) > 1 else f"{version}.0"
    if version not in CC_PORTS:
        return Finding(
            role="review",
            rule="cc-name",
            text=text,
            priority=PRIORITY_NAME,
            note=f"names version {version}, which Creative Commons never published",
        )
    jurisdiction = (match.group("jur") or "").lower()
    port = _COUNTRY.get(jurisdiction, jurisdiction if len(jurisdiction) == 2 else None)
    if port not in CC_PORTS[version]:
        port = None  # a language word after the version, or a port that never was
    term = cc_term(code, version, port)
    if term is None:
        return Finding(
            role="review",
            rule="cc-name",
            text=text,
            priority=PRIORITY_NAME,
            note=f"names CC {code.upper()} {version}, which Creative Commons "
            "published only for particular countries",
        )
    return Finding(role="term", rule="cc-name", term=term, text=text, priority=PRIORITY_NAME)


def _term_finding(rule: str, term: RightsTerm, match: re.Match[str], **extra: str) -> Finding:
    return Finding(
        role="term",
        rule=rule,
        term=term,
        text=match.group(0).strip(),
        priority=PRIORITY_LEGACY if rule.endswith("legacy") else PRIORITY_NAME,
        **extra,
    )


def _rs_code(text: str) -> Iterator[Span]:
    """A statement that is nothing but an RS code ("InC-EDU"); codes inside longer
    text are not trusted ("Inc" ends many company names)."""
    if _RS_CODE.match(text):
        term = RIGHTS_STATEMENTS[_CODE_CASE[text.split()[0].lower()]]
        yield (
            0,
            len(text),
            Finding(role="term", rule="rs-label", term=term, text=text, priority=PRIORITY_NAME),
        )


_CODE_CASE = {code.lower(): code for code in RIGHTS_STATEMENTS}


def _legacy_labels(text: str) -> Iterator[Span]:
    for match in _LEGACY.finditer(text):
        assert match.lastgroup is not None
        _pattern, code, rule, what = _LEGACY_LABELS[int(match.lastgroup[2:])]
        warning = EUROPEANA_UNKNOWN_WARNING if code == "CNE" else ""
        yield (
            match.start(),
            match.end(),
            _term_finding(rule, RIGHTS_STATEMENTS[code], match, note=what, warning=warning),
        )


_RS_LABEL_WORDS = (
    "copyright",
    "urheberrechtsschutz",
    "droit d'auteur",
    "auteursrecht",
    "derecho de autor",
    "tekijänoikeus",
    "upphovsrätt",
)


def _rs_labels(text: str) -> Iterator[Span]:
    # Every label has one of these words; most statements have neither, and
    # the label pattern is the slowest one we run.
    folded = text.casefold()
    if not any(word in folded for word in _RS_LABEL_WORDS):
        return
    for match in _RS_LABEL.finditer(text):
        assert match.lastgroup is not None
        code = _RS_LABELS[int(match.lastgroup[2:])][1]
        yield match.start(), match.end(), _term_finding("rs-label", RIGHTS_STATEMENTS[code], match)


def _cc0(text: str) -> Iterator[Span]:
    for match in _CC0.finditer(text):
        yield match.start(), match.end(), _term_finding("cc0", CC0, match)


def _pdm(text: str) -> Iterator[Span]:
    for match in _PDM.finditer(text):
        yield match.start(), match.end(), _term_finding("pdm", PDM, match)


def _cc_names(text: str) -> Iterator[Span]:
    for match in _CC_NAME.finditer(text):
        yield match.start(), match.end(), _cc_finding(match)


#: Run in this order, each on the text left after the earlier ones: a longer,
#: more specific name claims its words before a shorter one can. The official
#: labels come first: they are exact, and some begin with words a shorter rule
#: would read differently ("In Copyright - Uso educativo consentito").
NAME_FINDERS = (_rs_code, official_labels, _rs_labels, _legacy_labels, _cc0, _pdm, _cc_names)
