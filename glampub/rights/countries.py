"""Public domain in one country only: "Public domain in the United States",
"gemeinfrei in Deutschland", "domaine public aux États-Unis", "PD-US".

Such a statement never means the Public Domain Mark, which says the work has
no known copyright anywhere. For the United States RightsStatements.org has
a statement of its own, No Copyright - United States; any other country (or
any other place named after "public domain in ...") goes to a person, with
the reason naming the place.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from glampub.rights.findings import PRIORITY_PHRASE, Finding
from glampub.rights.vocabulary import RIGHTS_STATEMENTS

_FLAGS = re.IGNORECASE
Span = tuple[int, int, Finding]

#: "Public domain" and "no copyright" in the nine languages the phrase rules read.
_PUBLIC_DOMAIN = (
    r"(?:in\s+the\s+)?public[\s\-]domain|out\s+of\s+copyright|no\s+(?:longer\s+)?copyright"
    r"|not\s+(?:in|under)\s+copyright|gemeinfrei|urheberrechtsfrei|kein(?:e|en)?\s+urheberrecht"
    r"(?:sschutz)?|(?:dans\s+le\s+)?domaine\s+public|(?:in\s+het\s+)?publieke?\s+domein"
    r"|(?:en\s+el\s+)?dominio\s+p[uú]blico|(?:di\s+|nel\s+)?pubblico\s+dominio"
    r"|dominio\s+pubblico|allmän\s+egendom|offentlig\s+ejendom|fri\s+af\s+ophavsret"
    r"|fri\s+från\s+upphovsrätt|vapaa\s+tekijänoikeudesta|public\s+domain\s*-?\s*merkki"
)
#: The word(s) before a place: in, im, en, au, aux, dans, i, på, nel, em, w ...
_IN = (
    r"(?:in(?:\s+the|\s+den|\s+der|\s+de|\s+het)?|im|en(?:\s+el|\s+los)?|au|aux|dans\s+l[ea]s?|dans|i|på"
    r"|nel(?:l[ae]|l'|gli|i)?|negli|em|w|within|throughout)"
)
_US_NAMES = (
    r"the\s+united\s+states(?:\s+of\s+america)?|united\s+states(?:\s+of\s+america)?"
    r"|u\.?\s?s\.?(?:a\.?)?|america|vereinigten\s+staaten|den\s+usa|verenigde\s+staten"
    r"|[ée]tats[\s\-]unis(?:\s+d'am[ée]rique)?|förenta\s+staterna|estados\s+unidos"
    r"|stati\s+uniti|yhdysvalloissa|yhdysvallat|de\s+forenede\s+stater|usa"
)
_US = re.compile(rf"(?:{_US_NAMES})", _FLAGS)
#: A place: the words up to a punctuation mark, a number or the end. Greedy on
#: purpose: whatever follows "public domain in" is a place, and a place that is
#: not exactly the United States goes to a person, never to the Mark.
_PLACE = r"(?P<place>[^\W\d_][^.,;:|()\[\]\n\d]{0,60})"
#: What may follow a US name for it to be the whole place ("in the U.S.", "in the USA 1.0").
_US_END = r"(?=\s*(?:[,;:|()\[\]]|\.?\s*$|\.\s|\d)|\s*$)"
_IN_ONE_COUNTRY = re.compile(
    # A US name first (its full stops, as in "U.S.", would end a place early);
    # "(USA)" in brackets only for the US, as other words in brackets are too
    # often something else ("Public domain (scan)").
    rf"(?<!\w)(?:{_PUBLIC_DOMAIN})\s*(?:{_IN}\s+(?:(?P<us_in>{_US_NAMES}){_US_END}|{_PLACE})"
    rf"|\(\s*(?P<us_bracket>{_US_NAMES})\s*\))"
    # "US public domain", "U.S. public domain"
    rf"|(?<!\w)(?P<us_before>u\.?\s?s\.?(?:a\.?)?|united\s+states)\s+public[\s\-]domain(?!\w)"
    # Wikimedia Commons tags: PD-US, PD-US-expired, PD-US-no notice ...
    r"|(?<![\w-])(?P<pd_us>pd-us(?:-[a-z]+(?:[\s\-][a-z]+)*)?)(?![\w-])",
    _FLAGS,
)
#: Places that are not one country: the statement is as good as a plain
#: "public domain" there, and the ordinary rule reads it.
_EVERYWHERE = re.compile(
    r"(?:the\s+)?(?:world|whole\s+world|all\s+countries|every\s+country|worldwide|world-wide)$",
    _FLAGS,
)

NO_COPYRIGHT_US = RIGHTS_STATEMENTS["NoC-US"]


def public_domain_in_one_country(text: str) -> Iterator[Span]:
    """Each "public domain in <place>" in ``text``, as (start, end, finding)."""
    for match in _IN_ONE_COUNTRY.finditer(text):
        words = match.group(0).strip()
        place = " ".join((match.group("place") or "").split())
        start, end = match.start(), match.start() + len(match.group(0).rstrip())
        if place and _EVERYWHERE.fullmatch(place):
            continue
        us = any(match.group(name) for name in ("us_in", "us_before", "pd_us", "us_bracket"))
        if us or _US.fullmatch(place):
            finding = Finding(
                role="term",
                rule="phrase-public-domain-us",
                term=NO_COPYRIGHT_US,
                text=words,
                priority=PRIORITY_PHRASE,
            )
        else:
            finding = Finding(
                role="review",
                rule="public-domain-one-country",
                text=words,
                priority=PRIORITY_PHRASE,
                note=f"says the work is in the public domain in {place} only, which no "
                "rights URI states for that country (the Public Domain Mark would claim "
                "no known copyright anywhere)",
            )
        yield start, end, finding
