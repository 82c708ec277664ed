"""What an import did, for the terminal, ``--json`` and the ImportRun row."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from glampub.errors import Problem

NEEDS_REVIEW = "needs-review"


@dataclass
class ImportReport:
    file: str
    format: str
    institution: str
    dry_run: bool = False
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    withdrawn: int = 0
    rejected: int = 0
    rights: Counter[str] = field(default_factory=Counter)
    problems: list[Problem] = field(default_factory=list)
    run_id: int | None = None

    @property
    def imported(self) -> int:
        return self.created + self.updated + self.unchanged

    @property
    def exit_code(self) -> int:
        """0 all in; 3 some records rejected; 2 nothing imported at all."""
        if self.rejected and not self.imported:
            return 2
        return 3 if self.rejected else 0

    def count_rights(self, uri: str | None) -> None:
        self.rights[uri or NEEDS_REVIEW] += 1

    def to_dict(self) -> dict[str, Any]:
        return {
            "file": self.file,
            "format": self.format,
            "institution": self.institution,
            "dry_run": self.dry_run,
            "created": self.created,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "withdrawn": self.withdrawn,
            "rejected": self.rejected,
            "rights": dict(sorted(self.rights.items())),
            "problems": [p.to_dict() for p in self.problems],
            "run_id": self.run_id,
        }
