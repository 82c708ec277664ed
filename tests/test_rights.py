"""The rights engine: real-world strings, one row per rule, the vocabulary, the
public-domain checks, overrides, and properties that must hold for any input.
"""

from __future__ import annotations

import csv
import importlib.util
import json
import re
from dataclasses import dataclass
from functools import cache
from itertools import permutations
from pathlib import Path

import jsonschema
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from lxml import etree

from glampub.cli import main
from glampub.rights import (
    LIKELY_PUBLIC_DOMAIN,
    MAY_BE_IN_COPYRIGHT,
    InstitutionRules,
    RightsContext,
    RightsDecision,
    Rule,
    all_terms,
    canonical_uri,
    lookup,
    map_rights,
    normalize_statement,
    statement_key,
)
from glampub.rights.findings import RULES
from glampub.rights.official import read_labels
from glampub.rights.vocabulary import REUSE_ORDER
from tests import iiif_structure
from tests.conftest import CORPUS, SHARED, iiif_schema

TSV = Path(__file__).resolve().parent / "data" / "rights_strings.tsv"
NR = "needs-review"
BY4 = "http://creativecommons.org/licenses/by/4.0/"
CC0 = "http://creativecommons.org/publicdomain/zero/1.0/"
PDM = "http://creativecommons.org/publicdomain/mark/1.0/"
INC = "http://rightsstatements.org/vocab/InC/1.0/"
FAST = settings(max_examples=200, deadline=None)
SKOS = "{http://www.w3.org/2004/02/skos/core#}"


# --- the table of real-world strings ------------------------------------------------


@dataclass(frozen=True)
class Row:
    source: str
    statements: tuple[str, ...]
    expected: str
    rule: str
    note: str


def _unescape(text: str) -> str:
    return re.sub(r"\\([nrt\\])", lambda m: {"n": "\n", "r": "\r", "t": "\t"}.get(m[1], "\\"), text)


def load_rows() -> list[Row]:
    lines = [line for line in TSV.read_text(encoding="utf-8").splitlines() if line[:1] != "#"]
    reader = csv.DictReader(lines, delimiter="\t", quoting=csv.QUOTE_NONE)
    return [
        Row(
            r["source"],
            tuple(_unescape(s) for s in r["statements"].split(" || ")),
            r["expected"],
            r["rule"],
            r["note"],
        )
        for r in reader
    ]


ROWS = load_rows()
SINGLE_STATEMENTS = sorted({row.statements[0] for row in ROWS if len(row.statements) == 1})


def check_decision(decision: RightsDecision) -> None:
    """What every decision must satisfy, whatever the input."""
    assert decision.rule in RULES
    assert decision.reuse in REUSE_ORDER
    assert decision.reason.endswith(".") and "\n" not in decision.reason
    if decision.uri is None:
        assert decision.status == NR and decision.label == "Needs review"
        assert decision.reuse == "permission"
    else:
        term = lookup(decision.uri)
        assert term is not None and term.uri == decision.uri
        assert decision.status == "mapped"
        assert (decision.label, decision.reuse) == (term.label, term.reuse)


@pytest.mark.parametrize("row", ROWS, ids=[f"{i}-{r.source}" for i, r in enumerate(ROWS)])
def test_real_world_string(row: Row) -> None:
    decision = map_rights(list(row.statements))
    assert (decision.uri or NR, decision.rule) == (row.expected, row.rule), decision.reason
    check_decision(decision)


def test_table_is_large() -> None:
    assert len(ROWS) >= 200


@pytest.mark.needs_shared
def test_table_covers_every_rights_value_in_the_corpus() -> None:
    missing = corpus_rights_values() - set(SINGLE_STATEMENTS)
    assert not missing, f"add these to {TSV.name}: {sorted(missing)[:20]}"


def corpus_rights_values() -> set[str]:
    """Every distinct rights value in the shared corpus."""
    values: set[str] = set()
    lido = "{http://www.lido-schema.org}"
    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)
    for path in sorted((CORPUS / "lido").rglob("*.xml")):
        tree = etree.parse(str(path), parser)
        for element in tree.iter(f"{lido}rightsType", f"{lido}creditLine"):
            if element.tag == f"{lido}creditLine":
                values.add((element.text or "").strip())
                continue
            for node in element.iter():
                if node.tag in (f"{lido}conceptID", f"{lido}term", f"{SKOS}prefLabel"):
                    values.add((node.text or "").strip())
                values.update(
                    v.strip() for k, v in node.attrib.items() if k.endswith(("}about", "}resource"))
                )
    for path in sorted((CORPUS / "json").rglob("*.json")):
        artwork = json.loads(path.read_text(encoding="utf-8"))
        values.add(artwork.get("thumbnailCopyright") or "")
        images = artwork.get("additionalImages") or []
        values.update(image.get("copyright") or "" for image in images)
    met = CORPUS / "csv" / "met-subset-cp1252" / "MetObjects_subset_cp1252_semicolon.csv"
    with met.open(encoding="cp1252", newline="") as handle:
        for record in csv.DictReader(handle, delimiter=";"):
            values.add(record.get("Rights and Reproduction") or "")
    return values - {""}


# --- one row per rule ---------------------------------------------------------------

RULE_ROWS: list[tuple[str, list[str], str | None]] = [
    ("override", ["Rechte: Stadtmuseum"], BY4),
    ("cc-uri", ["https://www.creativecommons.org/licenses/by/4.0/deed.de"], BY4),
    ("cc-name", ["Creative Commons Namensnennung 4.0 International"], BY4),
    ("cc0", ["CC 0"], CC0),
    ("pdm", ["https://creativecommons.org/publicdomain/mark/1.0/deed.de"], PDM),
    ("rs-uri", ["https://rightsstatements.org/page/InC/1.0/?language=en"], INC),
    ("rs-label", ["Urheberrechtsschutz"], INC),
    ("europeana-legacy", ["http://www.europeana.eu/rights/rr-f/"], INC),
    ("ddb-legacy", ["https://www.deutsche-digitale-bibliothek.de/content/lizenzen/rv-fz/"], INC),
    ("phrase-public-domain", ["Publiek domein"], PDM),
    ("phrase-all-rights-reserved", ["Tous droits réservés"], INC),
    ("phrase-in-copyright", ["Upphovsrättsligt skyddad"], INC),
    (
        "phrase-no-known-copyright",
        ["No known copyright restrictions"],
        "http://rightsstatements.org/vocab/NKC/1.0/",
    ),
    ("phrase-permission", ["By permission of the estate of the artist"], INC),
    (
        "phrase-public-domain-us",
        ["Public domain in the United States"],
        "http://rightsstatements.org/vocab/NoC-US/1.0/",
    ),
    ("public-domain-one-country", ["gemeinfrei in Deutschland"], None),
    ("status-unknown", ["Rechte unbekannt"], "http://rightsstatements.org/vocab/UND/1.0/"),
    ("copyright-holder", ["© Jane Doe 1987"], INC),
    ("conflict", ["CC BY 4.0", "http://rightsstatements.org/vocab/InC/1.0/"], INC),
    ("no-statement", [], None),
    ("import-default", [], BY4),
    ("generic-term", ["Urheberrecht", "Verwertungsrecht"], None),
    ("vague", ["free to use"], None),
    ("no-match", ["Jane Doe"], None),
    ("partial-match", ["CC BY 4.0", "Stadtmuseum Musterstadt"], None),
    ("cc-no-version", ["CC BY-SA"], None),
    ("cc-retired", ["http://creativecommons.org/licenses/sampling+/1.0/"], None),
    ("unknown-uri", ["https://creativecommons.org/licenses/by/7.0/"], None),
    ("negated", ["not CC BY 4.0"], None),
    ("qualified", ["CC BY 4.0 except for commercial use"], None),
    ("too-long", ["CC BY 4.0 " + "lorem ipsum " * 200], None),
]


def test_every_rule_has_a_row() -> None:
    assert {rule for rule, _s, _u in RULE_ROWS} == set(RULES)


@pytest.mark.parametrize(("rule", "statements", "uri"), RULE_ROWS, ids=[r[0] for r in RULE_ROWS])
def test_rule(rule: str, statements: list[str], uri: str | None) -> None:
    overrides = {
        normalize_statement("Rechte: Stadtmuseum"): "https://creativecommons.org/licenses/by/4.0"
    }
    # Only the row of the import's default gives one; every other row shows none applies.
    default = BY4 if rule == "import-default" else None
    decision = map_rights(statements, overrides=overrides, default=default)
    assert (decision.rule, decision.uri) == (rule, uri), decision.reason
    check_decision(decision)


def test_conflict_warns_and_names_both() -> None:
    decision = map_rights(["Public Domain Mark 1.0", "CC BY-SA 4.0"])
    assert decision.uri == "http://creativecommons.org/licenses/by-sa/4.0/"
    assert decision.warnings == (
        "conflicting statements: CC BY-SA 4.0, Public Domain Mark 1.0; the most restrictive, "
        "CC BY-SA 4.0, was chosen",
    )


def test_holder_is_named_in_the_reason() -> None:
    decision = map_rights("© Jane Doe 1987")
    assert decision.reason == (
        "'© Jane Doe 1987' is a copyright notice naming the holder "
        "Jane Doe, so the image is In Copyright."
    )


# --- vocabulary -------------------------------------------------------------------


def test_every_term_round_trips_through_lookup() -> None:
    terms = all_terms()
    assert len({t.uri for t in terms}) == len(terms)
    for term in terms:
        assert lookup(term.uri) == term
        assert term.uri.startswith("http://") and term.uri.endswith("/")
    assert sum(t.kind == "rs" for t in terms) == 12
    versions = {t.version for t in terms if t.kind == "cc" and t.jurisdiction is None}
    assert versions == {"1.0", "2.0", "2.5", "3.0", "4.0"}


def cc(path: str) -> str:
    return f"http://creativecommons.org/licenses/{path}/"


def rs(code: str) -> str:
    return f"http://rightsstatements.org/vocab/{code}/1.0/"


@pytest.mark.parametrize(
    ("uri", "label", "reuse", "attribution", "kind"),
    [
        (BY4, "CC BY 4.0", "free", True, "cc"),
        (cc("by-sa/3.0/nl"), "CC BY-SA 3.0 NL", "free", True, "cc"),
        (cc("by-nc/4.0"), "CC BY-NC 4.0", "conditions", True, "cc"),
        (cc("by-nd/2.5"), "CC BY-ND 2.5", "conditions", True, "cc"),
        (cc("by-nc-sa/2.0/de"), "CC BY-NC-SA 2.0 DE", "conditions", True, "cc"),
        (cc("by-nc-nd/1.0"), "CC BY-ND-NC 1.0", "conditions", True, "cc"),
        (CC0, "CC0 1.0", "free", False, "cc0"),
        (PDM, "Public Domain Mark 1.0", "free", False, "pdm"),
        (INC, "In Copyright", "permission", False, "rs"),
        (rs("InC-EDU"), "In Copyright - Educational Use Permitted", "conditions", False, "rs"),
        (rs("NoC-NC"), "No Copyright - Non-Commercial Use Only", "conditions", False, "rs"),
        (
            rs("NoC-OKLR"),
            "No Copyright - Other Known Legal Restrictions",
            "conditions",
            False,
            "rs",
        ),
        (rs("NoC-US"), "No Copyright - United States", "permission", False, "rs"),
        (rs("NKC"), "No Known Copyright", "permission", False, "rs"),
        (rs("CNE"), "Copyright Not Evaluated", "permission", False, "rs"),
    ],
)
def test_term_facts(uri: str, label: str, reuse: str, attribution: bool, kind: str) -> None:
    term = lookup(uri)
    assert term is not None
    assert (term.label, term.reuse, term.attribution_required, term.kind) == (
        label,
        reuse,
        attribution,
        kind,
    )


@pytest.mark.parametrize(
    ("written", "canonical"),
    [
        ("https://creativecommons.org/licenses/by/4.0", BY4),
        ("http://www.creativecommons.org/licenses/by/4.0/legalcode", BY4),
        ("https://creativecommons.org/licenses/by/4.0/deed.fr", BY4),
        ("creativecommons.org/licenses/by/4.0/?ref=chooser-v1#cc", BY4),
        ("https://creativecommons.org/by/4.0/", BY4),
        ("HTTPS://CREATIVECOMMONS.ORG/LICENSES/BY/4.0/", BY4),
        ("https://creativecommons.org/publicdomain/zero/1.0/legalcode.de", CC0),
        ("https://rightsstatements.org/page/InC/1.0/?language=de", INC),
        ("http://rightsstatements.org/vocab/inc/1.0", INC),
        ("CC-BY-SA 4.0", cc("by-sa/4.0")),
        ("CC BY NC ND 4.0", cc("by-nc-nd/4.0")),
        ("Creative Commons Namensnennung 4.0 International", BY4),
        ("CC 0", CC0),
        ("Public Domain Mark", PDM),
        ("Copyright Not Evaluated", rs("CNE")),
        ("CC BY", None),
        ("http://www.europeana.eu/rights/rr-f/", None),
        ("© Jane Doe", None),
    ],
)
def test_canonical_uri(written: str, canonical: str | None) -> None:
    assert canonical_uri(written) == canonical


def test_lookup_is_only_the_vocabulary() -> None:
    assert lookup("http://www.europeana.eu/rights/rr-f/") is None
    assert lookup("https://example.org/licenses/by/4.0/") is None
    assert lookup("CC BY 4.0") is None
    assert lookup("https://creativecommons.org/licenses/by/4.0/").page_url == (  # type: ignore[union-attr]
        "https://creativecommons.org/licenses/by/4.0/"
    )
    assert lookup(INC).page_url == "https://rightsstatements.org/page/InC/1.0/"  # type: ignore[union-attr]


# --- keys and overrides -------------------------------------------------------------


def test_normalize_statement_folds_what_does_not_matter() -> None:
    assert normalize_statement("  CC  BY–SA 4.0. ") == normalize_statement("cc by-sa 4.0")
    assert normalize_statement("https://www.creativecommons.org/licenses/by/4.0/") == (
        normalize_statement("http://creativecommons.org/licenses/by/4.0")
    )
    assert statement_key(["Verwertungsrecht", "CC BY"]) == statement_key(
        [" cc by", "verwertungsrecht"]
    )
    assert statement_key("CC BY") == normalize_statement("CC BY")


def test_overrides_whole_key_per_statement_and_review() -> None:
    overrides = {
        statement_key(["Urheberrecht", "CC BY"]): "http://creativecommons.org/licenses/by/3.0/de/",
        normalize_statement("Stadtmuseum"): "needs-review",
        normalize_statement("Rechte beim Museum"): "https://example.org/not-a-licence",
    }
    whole = map_rights(["CC BY", "Urheberrecht"], overrides=overrides)
    assert (whole.uri, whole.rule) == ("http://creativecommons.org/licenses/by/3.0/de/", "override")
    assert map_rights("STADTMUSEUM", overrides=overrides).status == NR
    broken = map_rights("Rechte beim Museum", overrides=overrides)
    assert (broken.status, broken.rule) == (NR, "override")
    assert "not a rights URI" in broken.reason


def test_the_decision_on_records_without_a_statement_touches_only_those() -> None:
    rules = InstitutionRules(
        [
            Rule("unstated", "", INC),
            # A pattern that matches anything must not judge a record that says nothing.
            Rule("pattern", "^", "needs-review"),
        ]
    )
    for nothing in ([], None, "", ["  ", ""]):
        decision = map_rights(nothing, overrides=rules)
        assert (decision.uri, decision.rule) == (INC, "override")
        assert decision.reason.startswith("No rights statement was given; the institution")
    # A statement of its own, even a placeholder or one nobody understands, is never decided by it.
    for said in (["n/a"], ["Jane Doe"], ["CC BY 4.0"]):
        assert map_rights(said, overrides=rules).uri != INC
    assert map_rights("CC BY 4.0", default=INC).uri == BY4
    # The import's default comes before the institution's standing decision.
    assert map_rights([], overrides=rules, default=BY4).rule == "import-default"
    kept = InstitutionRules([Rule("unstated", "", "needs-review")])
    assert map_rights([], overrides=kept).status == NR
    assert map_rights([], overrides=InstitutionRules()).rule == "no-statement"


# --- public-domain checks: warnings only ----------------------------------------------


@pytest.mark.parametrize(
    ("statement", "context", "warning"),
    [
        (
            "CC BY 4.0",
            RightsContext(creator_death_years=(1890,), creator_known=True, current_year=2026),
            LIKELY_PUBLIC_DOMAIN,
        ),
        ("© Museum", RightsContext(date_latest=1700, current_year=2026), LIKELY_PUBLIC_DOMAIN),
        (
            "In Copyright",
            RightsContext(creator_death_years=(1950,), current_year=2026),
            LIKELY_PUBLIC_DOMAIN,
        ),
        ("CC BY 4.0", RightsContext(creator_death_years=(1890, 1990), current_year=2026), None),
        (
            "CC BY 4.0",
            RightsContext(creator_death_years=(1950,), current_year=2026, term_years=80),
            None,
        ),
        ("PDM", RightsContext(creator_death_years=(1990,), current_year=2026), MAY_BE_IN_COPYRIGHT),
        ("CC0", RightsContext(date_earliest=2001, current_year=2026), MAY_BE_IN_COPYRIGHT),
        ("CC0", RightsContext(creator_death_years=(1890,), current_year=2026), None),
        ("Copyright Not Evaluated", RightsContext(date_latest=1600, current_year=2026), None),
    ],
)
def test_public_domain_checks(statement: str, context: RightsContext, warning: str | None) -> None:
    plain = map_rights(statement)
    checked = map_rights(statement, context)
    assert (checked.uri, checked.rule, checked.reuse) == (plain.uri, plain.rule, plain.reuse)
    added = [w for w in checked.warnings if w not in plain.warnings]
    assert [w.split(" (")[0] for w in added] == ([warning] if warning else [])


# --- properties ------------------------------------------------------------------------

FRAGMENTS = [
    "CC",
    "BY",
    "NC",
    "ND",
    "SA",
    "-",
    "4.0",
    "3.0",
    "1.0",
    "©",
    "(c)",
    "not",
    "kein",
    "public domain",
    "gemeinfrei",
    "all rights reserved",
    "except",
    "only",
    "Urheberrecht",
    "https://creativecommons.org/licenses/",
    "by-nc-sa/",
    "creativecommons.org/by/3.0/nl/",
    "http://rightsstatements.org/vocab/",
    "InC",
    "InC-EDU/1.0/",
    "/page/NoC-US/1.0",
    "europeana.eu/rights/rr-f/",
    "In Copyright",
    "No Copyright -",
    "Jane Doe",
    "1987",
    ";",
    "Namensnennung",
    "Attribution",
    "ShareAlike",
    "CC0",
    "PDM",
    "free to use",
    "\n",
    "ß",
    "İ",
]
RIGHTS_LIKE = st.lists(st.sampled_from(FRAGMENTS), max_size=8).map(" ".join)
ANY_STATEMENTS = st.one_of(
    st.text(max_size=200),
    RIGHTS_LIKE,
    st.lists(st.one_of(st.text(max_size=60), RIGHTS_LIKE), max_size=5),
)


@FAST
@given(ANY_STATEMENTS)
def test_any_text_gives_a_decision(statements: str | list[str]) -> None:
    check_decision(map_rights(statements))


def _assert_iiif_rights(uri: str) -> None:
    assert iiif_structure.rights_problem(uri) is None
    if (full := iiif_schema()) is None:
        return  # no ../shared/: the structural check above stands alone
    schema = full["classes"]["rights"]
    jsonschema.validate(uri, schema)
    # JSON Schema patterns only search; demand a match from the start, and just one.
    patterns = [re.compile(alt["pattern"]) for alt in schema["oneOf"]]  # type: ignore[index]
    assert sum(bool(p.match(uri)) for p in patterns) == 1, uri


def test_every_vocabulary_uri_passes_the_iiif_rights_pattern() -> None:
    for term in all_terms():
        _assert_iiif_rights(term.uri)


@FAST
@given(ANY_STATEMENTS)
def test_every_emitted_uri_passes_the_iiif_rights_pattern(statements: str | list[str]) -> None:
    uri = map_rights(statements).uri
    if uri is not None:
        _assert_iiif_rights(uri)


def _key(decision: RightsDecision) -> tuple[object, ...]:
    return decision.uri, decision.status, decision.rule, decision.reuse


@FAST
@given(
    st.sampled_from(SINGLE_STATEMENTS),
    st.sampled_from([str.upper, str.lower, str.title, str.swapcase]),
)
def test_case_does_not_matter(statement: str, change: object) -> None:
    assert _key(map_rights(change(statement))) == _key(map_rights(statement))  # type: ignore[operator]


@FAST
@given(st.sampled_from(SINGLE_STATEMENTS), st.data())
def test_whitespace_does_not_matter(statement: str, data: st.DataObject) -> None:
    runs = st.sampled_from([" ", "  ", "\t", " \n ", "\u00a0"])
    words = statement.split()
    spaced = data.draw(runs).join([""]) + "".join(w + data.draw(runs) for w in words)
    assert _key(map_rights(spaced)) == _key(map_rights(statement))


URIS = [s for s in SINGLE_STATEMENTS if re.match(r"(https?://)?[\w.-]+\.(org|eu|de)/\S*$", s)]


@FAST
@given(st.sampled_from(URIS), st.booleans(), st.booleans(), st.booleans())
def test_uri_spelling_does_not_matter(uri: str, https: bool, slash: bool, www: bool) -> None:
    bare = re.sub(r"^https?://(www\.)?", "", uri).rstrip("/")
    variant = ("https://" if https else "http://") + ("www." if www else "") + bare
    variant += "/" if slash else ""
    assert _key(map_rights(variant)) == _key(map_rights(uri))


#: Definite statements (URIs, names, labels, phrases). Copyright notices are left
#: out on purpose: "(c) Jane Doe" beside a CC licence names the licensor, so it
#: yields to the licence; it is In Copyright only on its own.
DEFINITE = sorted(
    {
        r.statements[0]
        for r in ROWS
        if len(r.statements) == 1 and r.rule not in ("copyright-holder",)
    }
)
RESTRICTIVE = sorted(
    {
        r.statements[0]
        for r in ROWS
        if len(r.statements) == 1
        and r.expected != NR
        and r.rule != "copyright-holder"
        and map_rights(r.statements[0]).reuse != "free"
    }
)


@FAST
@given(st.lists(st.sampled_from(DEFINITE), max_size=3), st.sampled_from(RESTRICTIVE))
def test_adding_a_restrictive_statement_never_opens_up(base: list[str], extra: str) -> None:
    before, alone, after = map_rights(base), map_rights(extra), map_rights([*base, extra])
    assert REUSE_ORDER[after.reuse] >= REUSE_ORDER[alone.reuse]
    if before.status == "mapped":
        assert REUSE_ORDER[after.reuse] >= REUSE_ORDER[before.reuse]


@FAST
@given(st.lists(st.sampled_from(SINGLE_STATEMENTS), min_size=2, max_size=3, unique=True))
def test_order_of_statements_does_not_matter(statements: list[str]) -> None:
    outcomes = {
        (map_rights(list(p)).uri, map_rights(list(p)).status) for p in permutations(statements)
    }
    assert len(outcomes) == 1


# --- official translations, one country, plain words, unknown ----------------------

NOC_US = rs("NoC-US")
UND = rs("UND")

#: (statement, URI or None for review), a few phrasings per language and class.
CLASS_ROWS: dict[str, list[tuple[str, str | None]]] = {
    "rightsstatements-translation": [
        ("Urheberrechtsschutz – Nutzung zu Bildungszwecken erlaubt", rs("InC-EDU")),
        ("Auteursrechtelijk beschermd — educatief gebruik toegestaan", rs("InC-EDU")),
        (
            "protégé par le droit d'auteur - utilisation à des fins pédagogiques autorisée",
            rs("InC-EDU"),
        ),
        ("Protegido por derecho de autor - Uso educativo permitido", rs("InC-EDU")),
        ("IN COPYRIGHT – USO EDUCATIVO CONSENTITO", rs("InC-EDU")),
        ("Underkastad upphovsrätt - användning inom undervisning tillåten", rs("InC-EDU")),
        ("No Copyright – Other Known Legal Restrictions", rs("NoC-OKLR")),
        ("Kein Urheberrechtsschutz – Andere rechtliche Beschränkungen", rs("NoC-OKLR")),
        ("Niet auteursrechtelijk beschermd - andere juridische beperkingen", rs("NoC-OKLR")),
        ("Ei tekijänoikeutta – muita tunnettuja oikeudellisia rajoituksia", rs("NoC-OKLR")),
        ("Sin derecho de autor - Otras restricciones legales conocidas", rs("NoC-OKLR")),
        ("Autoriõigus ei kehti - muud teadaolevad õiguslikud piirangud", rs("NoC-OKLR")),
        ("Ingen upphovsrätt - endast för icke-kommersiell användning", rs("NoC-NC")),
        ("Niezbadany status prawnoautorski", rs("CNE")),
        ("Droit d’auteur indéterminé", UND),
        ("Geen auteursrechtelijke beperkingen bekend", rs("NKC")),
        ("Nie objęty ochroną autorskich praw majątkowych - Stany Zjednoczone", NOC_US),
        ("Auteursrechtelijk beschermd - EU Verweesd Werk 1.0", rs("InC-OW-EU")),
    ],
    "cc-translation": [
        (
            "Namensnennung – Weitergabe unter gleichen Bedingungen 4.0 International",
            cc("by-sa/4.0"),
        ),
        ("Namensnennung - Nicht kommerziell - Keine Bearbeitungen 4.0", cc("by-nc-nd/4.0")),
        ("Creative Commons Namensnennung-NichtKommerziell 4.0 International", cc("by-nc/4.0")),
        ("Naamsvermelding-NietCommercieel-GelijkDelen 4.0 Internationaal", cc("by-nc-sa/4.0")),
        ("Naamsvermelding 4,0 Internationaal", BY4),
        (
            "Attribution - Utilisation non commerciale - Pas d'Œuvre dérivée 4.0 International",
            cc("by-nc-nd/4.0"),
        ),
        ("Attribution - Partage dans les mêmes conditions 4.0 International", cc("by-sa/4.0")),
        ("Reconocimiento-NoComercial-CompartirIgual 4.0 Internacional", cc("by-nc-sa/4.0")),
        ("Atribución/Reconocimiento 4.0 Internacional", BY4),
        ("Erkännande-DelaPåSammaVillkor 4.0 Internationell", cc("by-sa/4.0")),
        ("Kreditering-IkkeKommerciel 4.0 International", cc("by-nc/4.0")),
        ("Nimeä-EiKaupallinen-EiMuutoksia 4.0 Kansainvälinen", cc("by-nc-nd/4.0")),
        ("Attribuzione - Non commerciale 4.0 Internazionale", cc("by-nc/4.0")),
        ("CC BY-NC-SA 4.0 (non-commercial use only)", cc("by-nc-sa/4.0")),
        ("CC BY-SA 4.0 (attribution required, share alike)", cc("by-sa/4.0")),
        ("CC BY-NC-ND 4.0 (nur nicht kommerzielle Nutzung)", cc("by-nc-nd/4.0")),
        ("CC BY 4.0 (non-commercial use only)", None),
        ("CC BY-NC 4.0 (no print)", None),
        ("CC BY-ND 4.0 (non-commercial use only)", None),
    ],
    "cc0-names": [
        ("CC0 1.0 Universal", CC0),
        ("CC0 1.0 Universeel", CC0),
        ("Public Domain Dedication", CC0),
        ("CC-Zero", CC0),
        ("Creative Commons Zero", CC0),
        ("Marque du domaine public 1.0", PDM),
        ("Etiqueta de Dominio Público", PDM),
    ],
    "public-domain-one-country": [
        ("Public domain in the United States", NOC_US),
        ("public domain in the USA", NOC_US),
        ("In the public domain in the U.S.", NOC_US),
        ("Public Domain (USA)", NOC_US),
        ("US public domain", NOC_US),
        ("PD-US-expired", NOC_US),
        ("Gemeinfrei in den USA", NOC_US),
        ("domaine public aux États-Unis", NOC_US),
        ("Publiek domein in de Verenigde Staten", NOC_US),
        ("allmän egendom i USA", NOC_US),
        ("gemeinfrei in Deutschland", None),
        ("Public domain in the United Kingdom", None),
        ("domaine public en France", None),
        ("Publiek domein in Nederland", None),
        ("allmän egendom i Sverige", None),
        ("Public domain in its country of origin", None),
        ("Public domain in the United States and Canada", None),
    ],
    "copyright-in-plain-words": [
        ("Copyrighted", INC),
        ("Protected by copyright", INC),
        ("Still in copyright", INC),
        ("Urheberrechtlich geschützt", INC),
        ("urheberrechtsgeschützt", INC),
        ("Auteursrechtelijk beschermd", INC),
        ("Protégé par le droit d'auteur", INC),
        ("Protegido por derechos de autor", INC),
        ("Protetto dal diritto d'autore", INC),
        ("Upphovsrättsskyddad", INC),
        ("Upphovsrättsligt skyddat", INC),
        ("Ophavsretligt beskyttet", INC),
        ("Ophavsretsbeskyttet", INC),
        ("Tekijänoikeudella suojattu", INC),
        ("Not copyrighted", None),
    ],
    "status-unknown": [
        ("unknown", UND),
        ("Unknown.", UND),
        ("copyright unknown", UND),
        ("Copyright status: unknown", UND),
        ("Rights unknown", UND),
        ("Rechte unbekannt", UND),
        ("Urheberrecht: ungeklärt", UND),
        ("onbekend", UND),
        ("Auteursrecht onbekend", UND),
        ("okänd", UND),
        ("Droits d'auteur inconnus", UND),
        ("tuntematon", UND),
        ("Fotograf: unbekannt", None),
    ],
}
CLASS_CASES = [(name, *row) for name, rows in CLASS_ROWS.items() for row in rows]


@pytest.mark.parametrize(
    ("kind", "statement", "uri"), CLASS_CASES, ids=[f"{c[0]}-{c[1][:40]}" for c in CLASS_CASES]
)
def test_statement_class(kind: str, statement: str, uri: str | None) -> None:
    decision = map_rights(statement)
    assert decision.uri == uri, decision.reason
    check_decision(decision)


def test_one_country_other_than_the_us_is_reviewed_with_the_country_named() -> None:
    decision = map_rights("gemeinfrei in Deutschland")
    assert decision.rule == "public-domain-one-country"
    assert "public domain in Deutschland only" in decision.reason


def test_unknown_is_a_statement_quoted_in_the_reason() -> None:
    decision = map_rights("Rechte unbekannt")
    assert (decision.uri, decision.rule) == (UND, "status-unknown")
    assert decision.reason.startswith("'Rechte unbekannt' says the copyright status is unknown")
    assert "No rights statement was given" not in map_rights("unknown").reason


def test_explain_reads_translations_one_country_and_unknown(runner) -> None:
    lines = (
        "Auteursrechtelijk beschermd – educatief gebruik toegestaan\n"
        "Public domain in the United States\n"
        "gemeinfrei in Deutschland\n"
        "unknown\n"
    )
    result = runner.invoke(main, ["rights", "explain", "-"], input=lines)
    assert result.exit_code == 0, result.output
    decisions = [json.loads(line) for line in result.stdout.splitlines()]
    assert [(d["uri"], d["rule"]) for d in decisions] == [
        (rs("InC-EDU"), "rs-label"),
        (NOC_US, "phrase-public-domain-us"),
        (None, "public-domain-one-country"),
        (UND, "status-unknown"),
    ]
    assert "Deutschland" in decisions[2]["reason"]
    human = runner.invoke(main, ["rights", "explain", "unknown"])
    assert human.exit_code == 0
    assert "Copyright Undetermined <http://rightsstatements.org/vocab/UND/1.0/>" in human.stdout
    assert "Why:       'unknown' says the copyright status is unknown" in human.stdout


def _never_more_open(decision: RightsDecision, uri: str | None) -> None:
    """``decision`` is review, or at least as restrictive as ``uri`` in every respect."""
    if decision.uri is None:
        return
    assert uri is not None, f"{decision.statement!r} was mapped, but may only be reviewed"
    got, meant = lookup(decision.uri), lookup(uri)
    assert got is not None and meant is not None
    assert got.restrictions >= meant.restrictions, (decision.statement, got.label, meant.label)
    assert REUSE_ORDER[got.reuse] >= REUSE_ORDER[meant.reuse], (decision.statement, got.label)


OFFICIAL = read_labels()
#: Words added around a statement that may change its reading, but never open it up.
ADDITIONS = [
    "",
    " (non-commercial use only)",
    " (attribution required)",
    " (no derivatives)",
    " (share alike)",
    " (commercial use allowed)",
    " (free to use)",
    " except for commercial use",
    " 1.0",
    " International",
    "not ",
    "© Jane Doe 2001, ",
]
DASHES = st.sampled_from(["-", " - ", "–", " — ", "‐", " -- "])


@FAST
@given(
    st.one_of(
        st.sampled_from([(row.label, row.uri) for row in OFFICIAL]),
        st.sampled_from([(text, uri) for _kind, text, uri in CLASS_CASES]),
    ),
    st.sampled_from([str, str.upper, str.lower, str.title]),
    DASHES,
    st.sampled_from(ADDITIONS),
)
def test_never_more_open_than_any_reading_of_the_text(
    meant: tuple[str, str | None], change: object, dash: str, addition: str
) -> None:
    text, uri = meant
    varied = change(text.replace(" - ", dash).replace("-", dash.strip() or "-"))  # type: ignore[operator]
    varied = addition + varied if addition.endswith(" ") else varied + addition
    decision = map_rights(varied)
    check_decision(decision)
    _never_more_open(decision, uri)


def _reference_rows(table: str, column: str) -> list[tuple[str, str, str]]:
    with (SHARED / "reference" / table).open(encoding="utf-8", newline="") as handle:
        reader = csv.DictReader(handle, delimiter="\t", quoting=csv.QUOTE_NONE)
        return [(row["uri"], row["language"], row[column]) for row in reader]


@pytest.mark.needs_shared
@pytest.mark.parametrize(
    ("table", "column", "count"),
    [("rightsstatements/labels.tsv", "label", 168), ("creativecommons/titles.tsv", "title", 500)],
)
def test_every_reference_label_maps_to_its_uri(table: str, column: str, count: int) -> None:
    rows = _reference_rows(table, column)
    assert len(rows) == count
    wrong = []
    for uri, language, label in rows:
        # As published, and typed by someone else: other dashes, case and spacing.
        typed = "  ".join(label.replace("-", " – ").upper().split())
        for text in (label, typed):
            decision = map_rights(text)
            _never_more_open(decision, uri)
            if decision.uri != uri:
                wrong.append(f"{language}: {text!r} -> {decision.uri or decision.rule}")
    assert not wrong, f"{len(wrong)} of {2 * len(rows)} wrong:\n" + "\n".join(wrong[:30])


@pytest.mark.needs_shared
def test_shipped_labels_are_what_the_script_makes_from_the_reference() -> None:
    script = Path(__file__).resolve().parents[1] / "scripts" / "make_rights_labels.py"
    spec = importlib.util.spec_from_file_location("make_rights_labels", script)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    shipped = module.OUTPUT.read_text(encoding="utf-8")
    assert shipped == module.render(SHARED / "reference")
    assert len(OFFICIAL) == 168 + 500


@cache
def _whole_trie() -> re.Pattern[str]:
    """The official labels as the single expression the table searches in parts."""
    from glampub.rights import official
    from glampub.rights.uris import lookup

    sequences = [
        words
        for label in read_labels()
        for words in official._variants(label, lookup(label.uri))  # type: ignore[arg-type]
    ]
    return re.compile(rf"(?<!\w){official._trie_pattern(sequences)}(?!\w)", re.IGNORECASE)


@settings(max_examples=300, deadline=None)
@given(
    st.lists(
        st.one_of(
            st.sampled_from([label.label for label in read_labels()]),
            st.sampled_from(["", " ", "-", "4.0", "1,0", "International", "in", "CC BY", "ß", "x"]),
            st.text(max_size=6),
        ),
        max_size=5,
    ),
    st.sampled_from(["", " ", "/"]),
    st.booleans(),
)
def test_official_labels_are_found_branch_by_branch_as_by_the_whole_trie(
    parts: list[str], joint: str, upper: bool
) -> None:
    from glampub.rights.official import _table

    text = joint.join(parts)
    text = text.upper() if upper else text
    whole = [(m.start(), m.end()) for m in _whole_trie().finditer(text)]
    assert [(m.start(), m.end()) for m in _table().finditer(text)] == whole
