"""Which rights statements Europeana accepts in ``edm:rights``.

Europeana takes CC0, the Public Domain Mark, the six Creative Commons
licences, and six RightsStatements.org statements (NoC-NC, NoC-OKLR, InC,
InC-EDU, InC-OW-EU, CNE); Metis refuses a record with any other, so such a
record is not offered as ``edm`` at all. Of the Creative Commons licences
only the unported (international) versions are offered: Metis accepts just
some national ports, and a port it refuses would fail the whole record.
"""

from __future__ import annotations

from functools import cache

from glampub.rights import all_terms, lookup

CC_CODES = frozenset({"BY", "BY-SA", "BY-ND", "BY-NC", "BY-NC-SA", "BY-NC-ND"})
CC_VERSIONS = frozenset({"1.0", "2.0", "2.5", "3.0", "4.0"})
RS_CODES = frozenset({"NoC-NC", "NoC-OKLR", "InC", "InC-EDU", "InC-OW-EU", "CNE"})


def europeana_accepts(uri: str | None) -> bool:
    """Whether ``uri`` (a canonical rights URI) may be an EDM record's ``edm:rights``."""
    if not uri:
        return False
    term = lookup(uri)
    if term is None or term.uri != uri:
        return False
    if term.kind in ("cc0", "pdm"):
        return True
    if term.kind == "rs":
        return term.code in RS_CODES
    return (
        term.kind == "cc"
        and term.code.upper() in CC_CODES
        and term.version in CC_VERSIONS
        and term.jurisdiction is None
    )


@cache
def accepted_uris() -> tuple[str, ...]:
    """Every rights URI Europeana accepts, for a query's IN list."""
    return tuple(sorted(term.uri for term in all_terms() if europeana_accepts(term.uri)))


#: Why a rights URI is not offered as edm, for the staff page.
UNDETERMINED = "undetermined"
NATIONAL_PORT = "national-port"
OTHER_LICENCE = "other-licence"
OTHER_STATEMENT = "other-statement"


def refusal_reason(uri: str | None) -> str | None:
    """Why Europeana would refuse ``uri`` (one of the constants above), or None
    when it accepts it."""
    if europeana_accepts(uri):
        return None
    term = lookup(uri) if uri else None
    if term is None:
        return UNDETERMINED
    if term.kind == "cc":
        return NATIONAL_PORT if term.jurisdiction is not None else OTHER_LICENCE
    return OTHER_STATEMENT
