"""Rights said in plain words, in English, German, French, Dutch, Spanish,
Italian, Swedish, Finnish and Danish: public domain, all rights reserved, in
copyright, no known copyright restrictions, by permission, copyright notices,
and the words that are not statements at all (type words, placeholders,
pointers to a website).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator

from glampub.rights.countries import public_domain_in_one_country
from glampub.rights.findings import PRIORITY_NOTICE, PRIORITY_PHRASE, Finding, Role
from glampub.rights.vocabulary import IN_COPYRIGHT, RIGHTS_STATEMENTS, RightsTerm

_FLAGS = re.IGNORECASE
Span = tuple[int, int, Finding]
Maker = Callable[[str], Finding]

#: A whole statement that says nothing: an empty cell written some other way.
PLACEHOLDERS = frozenset(
    [
        "-",
        "--",
        "---",
        "?",
        "??",
        "...",
        "0",
        "x",
        "n/a",
        "na",
        "n.a.",
        "n.a",
        "none",
        "null",
        "nil",
        "nan",
        "tbd",
        "todo",
        "unspecified",
        "not specified",
        "keine angabe",
        "keine angaben",
        "k.a.",
        "k. a.",
        "ohne angabe",
        "non renseigné",
    ]
)

#: A whole statement that says the rights status is unknown: not an empty cell
#: but a statement, Copyright Undetermined (see ``_status_unknown``).
STATUS_UNKNOWN = frozenset(
    [
        "unknown",
        "not known",
        "unbekannt",
        "nicht bekannt",
        "inconnu",
        "inconnue",
        "onbekend",
        "niet bekend",
        "desconocido",
        "sconosciuto",
        "okänd",
        "okänt",
        "tuntematon",
        "ukendt",
    ]
)

#: A whole statement that only names a kind of right, as LIDO rightsType terms
#: next to the real statement do ("Urheberrecht", "publication right").
GENERIC_TERMS = frozenset(
    [
        "copyright",
        "©",
        "(c)",
        "copyright ©",
        "copyright (c)",
        "rights",
        "rights statement",
        "rights statements",
        "rights status",
        "copyright status",
        "usage rights",
        "use rights",
        "image rights",
        "reproduction rights",
        "reproduction right",
        "publication right",
        "publication rights",
        "exploitation rights",
        "access rights",
        "license",
        "licence",
        "licenses",
        "licences",
        "license type",
        "licence type",
        "rights holder",
        "copyright holder",
        "urheberrecht",
        "urheberrechte",
        "urheberrechtsstatus",
        "rechte",
        "rechtehinweis",
        "rechteangabe",
        "rechteangaben",
        "rechtsstatus",
        "lizenz",
        "lizenzen",
        "lizenzart",
        "nutzungsrecht",
        "nutzungsrechte",
        "verwertungsrecht",
        "verwertungsrechte",
        "bildrecht",
        "bildrechte",
        "veröffentlichungsrecht",
        "reproduktionsrecht",
        "rechteinhaber",
        "droit d'auteur",
        "droits d'auteur",
        "droits",
        "auteursrecht",
        "auteursrechten",
        "rechten",
        "licentie",
        "derechos de autor",
        "derecho de autor",
        "derechos",
        "licencia",
        "diritto d'autore",
        "diritti d'autore",
        "diritti",
        "licenza",
        "upphovsrätt",
        "rättigheter",
        "licens",
        "tekijänoikeus",
        "tekijänoikeudet",
        "oikeudet",
        "lisenssi",
        "ophavsret",
        "rettigheder",
    ]
)

_ALL_RIGHTS_RESERVED = re.compile(
    # "Some rights reserved" is Creative Commons' own tagline, not a reservation.
    r"(?<!\w)(?<!some\s)(?:all\s+rights\s+reserved|(?:copyright|©)\s+reserved|rights\s+reserved"
    r"|alle\s+rechte\s+vorbehalten|rechte\s+vorbehalten|tous\s+droits\s+r[ée]serv[ée]s"
    r"|droits\s+r[ée]serv[ée]s|alle\s+rechten\s+voorbehouden|rechten\s+voorbehouden"
    r"|todos\s+los\s+derechos\s+reservados|derechos\s+reservados"
    r"|tutti\s+i\s+diritti\s+riservati|diritti\s+riservati|alla\s+rättigheter\s+förbehållna"
    r"|med\s+ensamrätt|kaikki\s+oikeudet\s+pidätetään|kaikki\s+oikeudet\s+pidätetty"
    r"|alle\s+rettigheder\s+forbeholdes|alle\s+rettigheder\s+forbeholdt)(?!\w)",
    _FLAGS,
)
_IN_COPYRIGHT = re.compile(
    r"(?<!\w)(?:protected\s+by\s+copyright|copyright[\s\-]protected|subject\s+to\s+copyright"
    r"|(?:still\s+)?under\s+copyright|still\s+in\s+copyright|copyrighted"
    r"|urheberrechtlich\s+geschützt|urheberrechtsgeschützt|unterliegt\s+(?:dem\s+)?urheberrecht"
    r"|(?:durch\s+(?:das\s+)?urheberrecht|urheberrechtlich)\s+geschützt"
    r"|unter\s+urheberrecht(?:sschutz)?|onder\s+auteursrecht|beschermd\s+door\s+copyright"
    r"|prot[ée]g[ée]e?s?\s+par\s+(?:le\s+)?copyright|tutelat[oa]\s+dal\s+diritto\s+d'autore"
    r"|upphovsrättsskyddad[et]?|upphovsrättsligt\s+skyddat|ophavsretsbeskyttet"
    r"|tekijänoikeussuojattu|tekijänoikeuksin\s+suojattu|sujeto\s+a\s+copyright"
    r"|prot[ée]g[ée]e?s?\s+par\s+(?:le\s+)?droit\s+d'auteur|soumise?s?\s+au\s+droit\s+d'auteur"
    r"|sous\s+droit\s+d'auteur|auteursrechtelijk\s+beschermd"
    r"|beschermd\s+door\s+(?:het\s+)?auteursrecht"
    r"|protegid[oa]s?\s+por\s+(?:(?:el\s+|los\s+)?derechos?\s+de\s+autor|copyright)"
    r"|suj?et[oa]s?\s+a\s+derechos\s+de\s+autor"
    r"|protett[oa]\s+da(?:l)?\s+(?:diritto\s+d'autore|copyright)|soggett[oa]\s+a\s+diritto\s+d'autore"
    r"|upphovsrättsligt\s+skyddade?|skyddad\s+av\s+upphovsrätt(?:en)?"
    r"|tekijänoikeudella\s+suojattu|tekijänoikeuden\s+(?:suojaama|piirissä)"
    r"|underkastad\s+upphovsrätt|ophavsretligt\s+beskyttet"
    r"|beskyttet\s+af\s+ophavsret(?:ten)?)(?!\w)",
    _FLAGS,
)
_NO_KNOWN_COPYRIGHT = re.compile(
    r"(?<!\w)(?:no\s+known\s+copyright\s+restrictions?"
    r"|keine\s+bekannten\s+urheberrechtlichen\s+(?:beschränkungen|einschränkungen)"
    r"|aucune\s+restriction\s+(?:de\s+droit\s+d'auteur\s+)?connue"
    r"|geen\s+bekende\s+auteursrechtelijke\s+beperkingen"
    r"|sin\s+restricciones\s+(?:de\s+derechos\s+de\s+autor\s+)?conocidas"
    r"|nessuna\s+restrizione\s+(?:di\s+copyright\s+)?nota"
    r"|inga\s+kända\s+upphovsrättsliga\s+begränsningar|ei\s+tunnettuja\s+tekijänoikeusrajoituksia"
    r"|ingen\s+kendte\s+ophavsretlige\s+begrænsninger)(?!\w)",
    _FLAGS,
)
_BY_PERMISSION = re.compile(
    r"(?<!\w)(?:by\s+(?:kind\s+)?permission\s+of|reproduced\s+(?:by|with)\s+(?:kind\s+)?permission"
    r"|(?:only\s+)?with\s+(?:the\s+)?(?:prior\s+)?(?:written\s+)?permission"
    r"|permission\s+(?:is\s+)?(?:required|needed)|not\s+to\s+be\s+reproduced"
    r"|no\s+re-?use|re-?use\s+not\s+(?:permitted|allowed)|keine\s+nachnutzung"
    r"|pas\s+de\s+r[ée]utilisation|geen\s+hergebruik"
    r"|(?:nur\s+)?mit\s+(?:freundlicher\s+)?(?:vorheriger\s+)?(?:schriftlicher\s+)?genehmigung"
    r"|genehmigungspflichtig|avec\s+l'aimable\s+autorisation|(?:sur|avec)\s+autorisation"
    r"|met\s+(?:vriendelijke\s+)?toestemming|toestemming\s+(?:vereist|nodig)"
    r"|con\s+(?:el\s+)?permiso|(?:su|con)\s+autorizzazione|med\s+tillstånd|luvalla"
    r"|med\s+tilladelse)(?!\w)",
    _FLAGS,
)
_PUBLIC_DOMAIN = re.compile(
    r"(?<!\w)(?:(?:in\s+the\s+)?public[\s\-]domain|out\s+of\s+copyright"
    r"|no\s+(?:longer\s+(?:in|under)\s+)?copyright(?![\w-]|\s+(?:information|info|details"
    r"|data|statement|holder|notice|owner))|copyright\s+(?:has\s+)?expired|gemeinfrei\w*"
    r"|kein(?:e|en)?\s+(?:copyright|urheberrecht(?:sschutz)?)(?:\s+mehr)?(?![\w-])"
    r"|urheberrechtsfrei|urheberrecht(?:sschutz)?\s+(?:ist\s+)?abgelaufen"
    r"|nicht\s+mehr\s+urheberrechtlich\s+geschützt|domaine\s+public|publiek\s+domein"
    r"|vrij\s+van\s+auteursrecht(?:en)?|dominio\s+p[uú]blico|pubblico\s+dominio"
    r"|dominio\s+pubblico|allmän\s+egendom|fri\s+från\s+upphovsrätt"
    r"|tekijänoikeus(?:suoja)?\s+on\s+(?:päättynyt|rauennut|vanhentunut)|ei\s+tekijänoikeutta"
    r"|offentlig\s+ejendom|fri\s+af\s+ophavsret|ophavsretten\s+er\s+udløbet"
    # Wikimedia Commons tags for works out of copyright by age.
    r"|pd-(?:old(?:-\d+)?|art|100|scan))(?!\w)",
    _FLAGS,
)
_VAGUE = re.compile(
    r"(?<!\w)(?:free\s+to\s+(?:use|download|share)|free\s+(?:for\s+)?(?:re-?use|download)"
    r"|freely\s+(?:available|usable|accessible)|royalty[\s\-]free|copyright[\s\-]free"
    r"|frei\s+(?:verwendbar|nutzbar|zugänglich|verfügbar)|freie[rn]?\s+(?:nutzung|zugang)"
    r"|nutzung\s+frei|open\s+access|see\s+(?:the\s+)?(?:website|web\s*site|terms|conditions"
    r"|rights|licen[cs]e|copyright|notes?|details|below|above)|siehe\s+\w+"
    r"|for\s+(?:rights|usage|copyright)\s+(?:information|see)"
    r"|(?:terms|conditions)\s+of\s+(?:use|re-?use|access)|terms\s+and\s+conditions"
    r"|nutzungsbedingungen|nutzungsbestimmungen|conditions\s+d'utilisation"
    r"|gebruiksvoorwaarden|condiciones\s+de\s+uso|condizioni\s+d'uso|användarvillkor"
    r"|käyttöehdot|brugsbetingelser"
    r"|contact\s+(?:the\s+)?(?:museum|library|archive|institution|owner|rights\s+holder)"
    r"|rights\s+(?:information\s+)?to\s+be\s+(?:checked|determined|cleared)|courtesy(?:\s+of)?"
    r"|creative\s+commons(?:\s+licen[cs]e)?|some\s+rights\s+reserved)(?!\w)",
    _FLAGS,
)

_UNKNOWN_WORDS = (
    r"unknown|not\s+known|unclear|undetermined|unbekannt|nicht\s+bekannt|ungeklärt|unklar"
    r"|inconnue?s?|non\s+connue?s?|ind[ée]termin[ée]e?s?|onbekend|niet\s+bekend|onduidelijk"
    r"|desconocidos?|sconosciut[oi]|okända?|okänt|oklar|tuntematon|epäselvä|ukendt|uklar"
)
_RIGHTS_WORDS = (
    r"copyright(?:\s+status)?|rights?(?:\s+status)?|©|\(c\)|urheberrecht(?:e|sstatus)?|rechte"
    r"|rechtslage|rechtsstatus|rechtestatus|droits?(?:\s+d'auteur)?|statut\s+juridique"
    r"|auteursrecht(?:en|elijke\s+status)?|rechten|derechos?(?:\s+de\s+autor)?"
    r"|diritti(?:\s+d'autore)?|upphovsrätt(?:en)?|upphovsrättslig\s+status|rättigheter"
    r"|tekijänoikeu(?:s|det)|tekijänoikeusstatus|ophavsret(?:ten)?|rettigheder"
)
#: "copyright unknown", "Rechte: unbekannt", "status unknown", "unknown copyright";
#: never "unknown" on its own inside longer text ("Fotograf: unbekannt").
_STATUS_UNKNOWN = re.compile(
    rf"(?<!\w)(?:(?:{_RIGHTS_WORDS}|status)\s*(?:(?:is|sind|ist|est|sont|är|on|er|es|è)\s+)?"
    rf"[:\-]?\s*(?:{_UNKNOWN_WORDS})"
    r"|unknown\s+(?:copyright|rights)(?:\s+status)?(?!\s*[\-]?\s*holder)"
    r"|(?:copyright|rights)\s+status\s+(?:unknown|undetermined))(?!\w)",
    _FLAGS,
)

_NOTICE = re.compile(
    r"(?:(?<!\w)(?:©|\(c\)|℗)|(?<!\w)copyright(?!\w)(?:\s*(?:©|\(c\)))?"
    r"|(?<!\w)(?:urheberrechte?|bild-?rechte?|foto-?rechte?|rechteinhaber(?:in)?"
    r"|rights[\s\-]?holders?|copyright[\s\-]?holders?|droits)\s*:)"
    # The holder runs to the end of the sentence, or to a blanked-out licence
    # name (two spaces); a full stop inside a name ("Inc./ARS", "www.x.com") is kept.
    r"\s*:?\s*(?:by\s+)?(?P<holder>(?:[^.;|]|\.(?!\s|$))*?)(?=\s{2}|[.;|](?:\s|$)|$)",
    _FLAGS,
)
_YEARS = re.compile(r"(?<!\d)(?:1[5-9]\d\d|20\d\d)(?:\s*[-/]\s*(?:1[5-9]\d\d|20\d\d|\d\d))?(?!\d)")
_NOT_A_HOLDER = re.compile(
    r"(?<!\w)(?:status|unclear|unknown|unbekannt|ungeklärt|undetermined|free|frei|expired"
    r"|abgelaufen|information|info|notice|see|siehe|holder|owner|not|nicht|evaluated|n/a)(?!\w)",
    _FLAGS,
)

_NEGATION = re.compile(
    r"(?<!\w)(?:not|never|nicht|kein(?:e[nmrs]?)?|niet|geen|pas|non|no(?!\.?\s*\d)|inte|icke|ej"
    r"|ei|ikke|ingen|nessun[oa]?|ningun[oa]?|ningún|aucune?)(?!\w)",
    _FLAGS,
)
_RESTRICTION = re.compile(
    r"(?<!\w)(?:except|excluding|exclusively|only|solely|unless|nur|ausschließlich|ausgenommen"
    r"|außer|sauf|uniquement|seulement|exclusivement|alleen|uitsluitend|behalve"
    r"|solo|solamente|únicamente|excepto|salvo|eccetto|tranne|soltanto|endast|enbart"
    r"|utom|vain|ainoastaan|paitsi|undtagen|prohibited|forbidden|verboten|untersagt|interdit\w*"
    r"|verboden|prohibid\w*|vietat\w*|förbjud\w*|kielle\w*|forbudt|restrict\w*|eingeschränkt\w*"
    # "Privatbesitz" and "private collection" are about ownership, not use.
    r"|beschränk\w*|private\s+use|privat(?:e[nmr]?)?\s+(?:gebrauch|nutzung|zwecke)"
    r"|personal\s+use|persönlich\w*\s+(?:gebrauch|nutzung)|commercial\w*|kommerziell\w*"
    r"|commercie\w*|comercial\w*|kaupallinen|kommersiell\w*|kommerciel\w*|permission"
    r"|genehmigung\w*|erlaubnis|zustimmung|toestemming|autorisation|autorizzazione|autorización"
    r"|tillstånd|lupa\w*|tilladelse|fees?|gebühr\w*|paid|kostenpflichtig|payant|betaald|pago"
    r"|educational|bildung\w*|research|forschung\w*)(?!\w)",
    _FLAGS,
)


def _spans(pattern: re.Pattern[str], text: str, make: Maker) -> Iterator[Span]:
    for match in pattern.finditer(text):
        yield match.start(), match.end(), make(match.group(0).strip())


def _term(rule: str, term: RightsTerm) -> Maker:
    return lambda words: Finding(
        role="term", rule=rule, term=term, text=words, priority=PRIORITY_PHRASE
    )


def _role(role: Role, rule: str) -> Maker:
    return lambda words: Finding(role=role, rule=rule, text=words, priority=PRIORITY_PHRASE)


def _all_rights_reserved(text: str) -> Iterator[Span]:
    yield from _spans(_ALL_RIGHTS_RESERVED, text, _term("phrase-all-rights-reserved", IN_COPYRIGHT))


def _in_copyright(text: str) -> Iterator[Span]:
    yield from _spans(_IN_COPYRIGHT, text, _term("phrase-in-copyright", IN_COPYRIGHT))


def _no_known_copyright(text: str) -> Iterator[Span]:
    yield from _spans(
        _NO_KNOWN_COPYRIGHT, text, _term("phrase-no-known-copyright", RIGHTS_STATEMENTS["NKC"])
    )


def _by_permission(text: str) -> Iterator[Span]:
    yield from _spans(_BY_PERMISSION, text, _term("phrase-permission", IN_COPYRIGHT))


def _public_domain(text: str) -> Iterator[Span]:
    yield from _spans(_PUBLIC_DOMAIN, text, _role("pd-hint", "phrase-public-domain"))


def _status_unknown(text: str) -> Iterator[Span]:
    yield from _spans(_STATUS_UNKNOWN, text, _term("status-unknown", RIGHTS_STATEMENTS["UND"]))


def status_unknown(words: str) -> Finding:
    """The finding for a whole statement in :data:`STATUS_UNKNOWN`."""
    return _term("status-unknown", RIGHTS_STATEMENTS["UND"])(words)


def _vague(text: str) -> Iterator[Span]:
    yield from _spans(_VAGUE, text, _role("vague", "vague"))


def holder_of(words: str) -> str:
    """The holder a notice names, without years and outer punctuation."""
    return _YEARS.sub(" ", words).strip(" ,:-/()").replace("  ", " ").strip()


def _notices(text: str) -> Iterator[Span]:
    for match in _NOTICE.finditer(text):
        words = " ".join(match.group("holder").split())
        holder = holder_of(words)
        if _NOT_A_HOLDER.search(holder):
            finding = Finding(
                role="unknown",
                rule="no-match",
                text=match.group(0).strip(),
                priority=PRIORITY_NOTICE,
            )
        elif holder or _YEARS.search(words):
            finding = Finding(
                role="notice",
                rule="copyright-holder",
                term=IN_COPYRIGHT,
                text=holder,
                priority=PRIORITY_NOTICE,
            )
        else:
            continue  # a bare "©" is a type word, not a notice
        yield match.start(), match.end(), finding


#: Run in this order, after the URIs and names: definite phrases before the
#: public-domain hint (so "no copyright - ..." labels are already gone), and
#: notices last, so that a holder never swallows a licence name. "Public domain
#: in <country>" comes first, before the plain public-domain phrase can read
#: only its first words.
PHRASE_FINDERS = (
    public_domain_in_one_country,
    _all_rights_reserved,
    _in_copyright,
    _no_known_copyright,
    _by_permission,
    _status_unknown,
    _public_domain,
    _vague,
    _notices,
)


def has_negation(text: str) -> bool:
    return _NEGATION.search(text) is not None


def has_restriction(text: str) -> bool:
    return _RESTRICTION.search(text) is not None
