"""The value :func:`glampub.rights.map_rights` returns."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Final, Literal

#: The one word for "no rights URI yet": a decision's status, the stored
#: ``rights_status``, an institution rule's target that keeps a statement in the
#: review queue on purpose, and the import report's tally of undecided records.
NEEDS_REVIEW: Final = "needs-review"

#: The second is NEEDS_REVIEW (a Literal cannot name a constant).
Status = Literal["mapped", "needs-review"]
#: free: PDM, CC0, BY, BY-SA; conditions: NC, ND, NoC-NC, NoC-OKLR, InC-EDU;
#: permission: everything else, including anything that needs review.
Reuse = Literal["free", "conditions", "permission"]


@dataclass(frozen=True)
class RightsContext:
    """What else an export says that bears on rights (all optional)."""

    creator_death_years: tuple[int, ...] = ()
    #: True when at least one creator is named (even without dates).
    creator_known: bool = False
    date_earliest: int | None = None
    date_latest: int | None = None
    rights_holder: str | None = None
    #: The year "now" for term calculations; None means the current year.
    current_year: int | None = None
    #: Copyright term in years after the creator's death (the jurisdiction's
    #: "life + N"); a setting per institution.
    term_years: int = 70


@dataclass(frozen=True)
class RightsDecision:
    #: The statement(s) as given, joined with " | " when there were several.
    statement: str
    #: Canonical ``http://`` URI with trailing slash, or None when it needs review.
    uri: str | None
    status: Status
    label: str
    reuse: Reuse
    #: Stable name of the rule that decided, e.g. "cc-uri", "rs-label", "no-match".
    rule: str
    #: One sentence a person can read.
    reason: str
    warnings: tuple[str, ...] = field(default_factory=tuple)

    @property
    def needs_review(self) -> bool:
        return self.status == NEEDS_REVIEW

    def to_dict(self) -> dict[str, object]:
        return {
            "statement": self.statement,
            "uri": self.uri,
            "status": self.status,
            "label": self.label,
            "reuse": self.reuse,
            "rule": self.rule,
            "reason": self.reason,
            "warnings": list(self.warnings),
        }
