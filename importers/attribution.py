"""Who made an object, and how surely: attribution qualifiers and making roles.

A creator may come with an attribution qualifier ("after", "workshop of",
"Kopia efter"): the work is then not simply *by* that person, and the
qualifier must stay with the name wherever the name is shown. Exports put
the qualifier in a qualifier field, in the role ("Kopia efter" as a LIDO
``roleActor``) or in front of the name ("After Richard Cosway");
:func:`normalise` moves it to the qualifier in every case.

Actors whose role is not a making role (a donor, a former owner, a seller,
the publisher of a photograph, a depicted person) are kept with their role,
but they are never the creator a credit line names "by": :func:`is_maker`.

Pure and table-driven: :data:`QUALIFIERS` and :data:`NON_MAKING_ROLES` are
the tables, compared case-insensitively.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from functools import lru_cache
from typing import Any

#: Attribution qualifiers, as exports write them (English, German, Dutch,
#: French, Swedish, Danish, Norwegian, Spanish, Italian).
QUALIFIERS = (
    # English
    "after",
    "copy after",
    "copy of",
    "copy by",
    "workshop of",
    "studio of",
    "atelier of",
    "attributed to",
    "circle of",
    "follower of",
    "followers of",
    "manner of",
    "in the manner of",
    "style of",
    "in the style of",
    "school of",
    "pupil of",
    "imitator of",
    "formerly attributed to",
    "possibly by",
    "probably by",
    # German
    "nach",
    "kopie nach",
    "werkstatt",
    "werkstatt des",
    "werkstatt der",
    "werkstatt von",
    "zugeschrieben",
    "zugeschrieben an",
    "umkreis",
    "umkreis des",
    "umkreis von",
    "nachfolger",
    "nachfolger des",
    "nachfolge",
    "nachfolge des",
    "art des",
    "in der art des",
    "in der art von",
    "stil des",
    "schule",
    "schule des",
    "schule von",
    "schüler des",
    "kreis des",
    # Dutch
    "naar",
    "kopie naar",
    "atelier van",
    "werkplaats van",
    "toegeschreven aan",
    "kring van",
    "navolger van",
    "navolging van",
    "trant van",
    "in de trant van",
    "stijl van",
    "school van",
    "leerling van",
    # French
    "d'après",
    "d’après",
    "copie d'après",
    "copie d’après",
    "atelier de",
    "atelier d'",
    "attribué à",
    "cercle de",
    "entourage de",
    "suiveur de",
    "manière de",
    "à la manière de",
    "style de",
    "école de",
    "élève de",
    # Swedish, Danish, Norwegian
    "efter",
    "kopia efter",
    "kopi efter",
    "verkstad",
    "verkstad av",
    "verkstaden",
    "værksted",
    "værkstedet",
    "verksted",
    "tillskriven",
    "tillskrivet",
    "tillskrivs",
    "tilskrevet",
    "tilskrives",
    "krets",
    "kretsen kring",
    "kredsen omkring",
    "efterföljare till",
    "efterfølger af",
    "manér",
    "maner",
    "stil",
    "skola",
    "skolan",
    "skole",
    "elev till",
    "elev af",
    # Spanish
    "según",
    "copia de",
    "taller de",
    "atribuido a",
    "círculo de",
    "seguidor de",
    "estilo de",
    "escuela de",
    "discípulo de",
    # Italian
    "da",
    "copia da",
    "bottega di",
    "bottega del",
    "attribuito a",
    "cerchia di",
    "seguace di",
    "maniera di",
    "alla maniera di",
    "stile di",
    "scuola di",
    "allievo di",
)

#: Roles that do not make the object: never named "by" in a credit line.
#: Words in several languages and MARC relator codes (as their id.loc.gov URIs end).
NON_MAKING_ROLES = frozenset(
    {
        # donors and givers
        "donor",
        "donator",
        "gift of",
        "given by",
        "schenker",
        "schenkerin",
        "stifter",
        "stifterin",
        "donateur",
        "donatrice",
        "schenker(s)",
        "givare",
        "gåva av",
        "giver",
        "donante",
        "dnr",
        # owners and collectors
        "owner",
        "former owner",
        "previous owner",
        "provenance",
        "collector",
        "lender",
        "besitzer",
        "vorbesitzer",
        "vorbesitzerin",
        "eigentümer",
        "sammler",
        "sammlerin",
        "leihgeber",
        "propriétaire",
        "ancien propriétaire",
        "collectionneur",
        "eigenaar",
        "vorige eigenaar",
        "verzamelaar",
        "ägare",
        "tidigare ägare",
        "samlare",
        "ejer",
        "tidligere ejer",
        "samler",
        "propietario",
        "coleccionista",
        "proprietario",
        "collezionista",
        "fmo",
        "own",
        "col",
        # sellers and dealers
        "seller",
        "vendor",
        "dealer",
        "auctioneer",
        "verkäufer",
        "händler",
        "kunsthändler",
        "vendeur",
        "marchand",
        "verkoper",
        "handelaar",
        "säljare",
        "försäljare",
        "sælger",
        "vendedor",
        "venditore",
        "sll",
        "dlr",
        # publishers and editors, commissioners, issuers
        "publisher",
        "editor",
        "verleger",
        "verlag",
        "herausgeber",
        "éditeur",
        "uitgever",
        "förläggare",
        "utgivare",
        "forlægger",
        "udgiver",
        "editorial",
        "editore",
        "pbl",
        "edt",
        "commissioner",
        "patron",
        "auftraggeber",
        "commanditaire",
        "opdrachtgever",
        "beställare",
        "pat",
        "münzstand",
        "münzherr",
        # depicted and portrayed people
        "depicted",
        "depicted person",
        "sitter",
        "subject",
        "portrayed",
        "dargestellt",
        "dargestellte person",
        "abgebildet",
        "représenté",
        "personne représentée",
        "afgebeeld",
        "geportretteerde",
        "avbildad",
        "avbildad person",
        "porträtterad",
        "afbildet",
        "portrætteret",
        "retratado",
        "ritratto",
        "dpc",
    }
)

_QUALIFIER_SET = frozenset(QUALIFIERS)
#: A qualifier in front of a name: "After Richard Cosway", "Werkstatt des: Rubens".
_LEADING = re.compile(
    "^(?P<q>"
    + "|".join(re.escape(q) for q in sorted(QUALIFIERS, key=len, reverse=True))
    + r")(?:\s*:\s*|\s+)(?P<name>\S.*)$",
    re.IGNORECASE | re.DOTALL,
)
#: Qualifiers that also begin real names ("Da Costa"): taken from a role, never from a name.
_NOT_FROM_NAMES = frozenset({"da", "stil", "maner", "manér", "skola", "skolan", "skole", "krets"})
#: "Verleger (des Fotos)", "publisher of the photograph": the role's first words decide.
_ROLE_WORDS = re.compile(r"[^\W\d_]+")


def _key(text: str) -> str:
    return " ".join(text.casefold().split()).strip(" :,.")


def is_qualifier(text: str | None) -> bool:
    """True when ``text`` is an attribution qualifier ("Kopia efter", "workshop of")."""
    return bool(text) and _key(text or "") in _QUALIFIER_SET


@lru_cache(maxsize=4096)
def role_is_making(role: str | None) -> bool:
    """False for a role that does not make the object (donor, former owner, ...).

    Cached: an export names the same few roles in every record."""
    if not role:
        return True
    key = _key(role)
    if key in NON_MAKING_ROLES:
        return False
    code = key.rsplit("/", 1)[-1]  # a MARC relator URI ends with its code
    if code in NON_MAKING_ROLES:
        return False
    # "former owner (until 1920)", "publisher of the photograph", "Verleger/in"
    words = _ROLE_WORDS.findall(key) or [""]
    return words[0] not in NON_MAKING_ROLES and " ".join(words[:2]) not in NON_MAKING_ROLES


def is_maker(creator: Mapping[str, Any]) -> bool:
    """True when a stored creator is credited as making the object."""
    return bool(creator.get("name")) and role_is_making(creator.get("role"))


def makers(creators: Iterable[Mapping[str, Any]]) -> list[Mapping[str, Any]]:
    """The creators a credit line names, in order."""
    return [c for c in creators if is_maker(c)]


def qualified_name(creator: Mapping[str, Any]) -> str:
    """The name with its attribution qualifier in front: "Kopia efter David Teniers"."""
    name = creator.get("name") or ""
    qualifier = creator.get("qualifier")
    return f"{qualifier} {name}" if qualifier and name else name


@lru_cache(maxsize=8192)  # a collection names the same people again and again
def normalise(
    name: str, role: str | None, qualifier: str | None
) -> tuple[str, str | None, str | None]:
    """(name, role, qualifier) with a qualifier found in the role or before
    the name moved to the qualifier, as written.

    A role that is a qualifier ("Kopia efter") becomes the qualifier; a
    name that starts with one ("After Richard Cosway") loses it to the
    qualifier, unless the word also begins real names ("Da Costa").
    """
    if role and not qualifier and is_qualifier(role):
        qualifier, role = role.strip(" :"), None
    if not qualifier and " " in name:
        found = _LEADING.match(name.strip())
        if found and found["q"].casefold() not in _NOT_FROM_NAMES:
            qualifier, name = found["q"], found["name"].strip()
    return name, role, qualifier
