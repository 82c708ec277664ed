"""Public-domain checks. They only ever add warnings: dates in exports are too
often wrong, partial or about the wrong thing to change a decision on their own.
"""

from __future__ import annotations

from datetime import date

from glampub.rights.decision import RightsContext
from glampub.rights.vocabulary import RightsTerm, is_copyright_claim

LIKELY_PUBLIC_DOMAIN = (
    "likely public domain: Creative Commons recommends PDM or CC0 and a reference request "
    "instead of a licence"
)
MAY_BE_IN_COPYRIGHT = "check: the work may still be in copyright"
#: Works made before this year with no known death year are old enough that
#: nobody who made them can have died within the usual terms.
OLD_WORK_YEAR = 1850


def public_domain_warnings(term: RightsTerm, context: RightsContext | None) -> tuple[str, ...]:
    """Warnings when the decision and the work's dates disagree about copyright."""
    if context is None:
        return ()
    year = context.current_year or date.today().year
    term_years = context.term_years
    deaths = [d for d in context.creator_death_years if d <= year]
    last_death = max(deaths) if deaths else None
    made_by = context.date_latest if context.date_latest is not None else context.date_earliest

    if is_copyright_claim(term):
        if last_death is not None and year - last_death > term_years:
            return (
                f"{LIKELY_PUBLIC_DOMAIN} (the last creator died in {last_death}, more than "
                f"{term_years} years ago)",
            )
        if last_death is None and made_by is not None and made_by < OLD_WORK_YEAR:
            who = (
                "by a known creator without dates"
                if context.creator_known
                else ("by an unknown creator")
            )
            return (f"{LIKELY_PUBLIC_DOMAIN} (made in or before {made_by} {who})",)
    elif term.kind in ("pdm", "cc0"):
        if last_death is not None and year - last_death <= term_years:
            return (
                f"{MAY_BE_IN_COPYRIGHT} (a creator died in {last_death}, not more than "
                f"{term_years} years ago)",
            )
        earliest = context.date_earliest
        if last_death is None and earliest is not None and year - earliest < term_years:
            return (
                f"{MAY_BE_IN_COPYRIGHT} (made in {earliest}, less than {term_years} years ago)",
            )
    return ()
