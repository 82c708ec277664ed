"""What an import did, for the terminal, ``--json`` and the ImportRun row."""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass, field
from typing import Any, TextIO

from glampub.importing.problem_log import ProblemLog, problem_json
from glampub.importing.withdrawn_log import WithdrawnLog
from glampub.rights.decision import NEEDS_REVIEW
from glampub.rights.normalize import STATEMENT_SEPARATOR, statement_key

#: Distinct statements kept for the review list; beyond that only counted, so a
#: file of a million free-text values cannot fill memory.
REVIEW_LIMIT = 1000


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
    #: Statements that need review (by normalised key, so spellings that mean
    #: the same count together), with how many records carry each.
    review: Counter[str] = field(default_factory=Counter)
    #: The first spelling seen of each key in ``review``.
    review_text: dict[str, str] = field(default_factory=dict)
    #: Every problem; only the first few are held in memory (see ProblemLog).
    problems: ProblemLog = field(default_factory=ProblemLog)
    #: What a full import withdrew (or, in a dry run, would withdraw), in order.
    withdrawn_identifiers: WithdrawnLog = field(default_factory=WithdrawnLog)
    run_id: int | None = None
    #: The rights given to records that state none (uri, by, source, at), if any.
    default_rights: dict[str, str | None] | None = None

    @property
    def imported(self) -> int:
        return self.created + self.updated + self.unchanged

    @property
    def exit_code(self) -> int:
        """0 all in; 3 some records rejected; 2 nothing imported at all."""
        if self.rejected and not self.imported:
            return 2
        return 3 if self.rejected else 0

    def count_rights(self, uri: str | None, statement: str) -> None:
        self.rights[uri or NEEDS_REVIEW] += 1
        if uri is not None:
            return
        key = statement_key(statement.split(STATEMENT_SEPARATOR))
        if key in self.review or len(self.review) < REVIEW_LIMIT:
            self.review[key] += 1
            self.review_text.setdefault(key, statement)

    def review_list(self) -> list[tuple[str, int]]:
        """(statement as first written, records) for each statement that needs review."""
        return [(self.review_text[key], count) for key, count in self.review.most_common()]

    def summary(self) -> dict[str, Any]:
        """Everything but the problems themselves: counts, rights, review list."""
        problems = self.problems
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
            "review": [
                {"statement": statement, "count": count} for statement, count in self.review_list()
            ],
            "problem_counts": dict(sorted(problems.counts.items())),
            "problems_total": problems.total,
            "problems_file": str(problems.path) if problems.path and problems.total else None,
            "run_id": self.run_id,
            "default_rights": self.default_rights,
        }

    def write_json(self, out: TextIO) -> None:
        """The whole report as one JSON object; withdrawn identifiers and problems
        streamed from their logs."""
        head = json.dumps(self.summary(), ensure_ascii=False)
        out.write(head[:-1] + ', "withdrawn_identifiers": [')
        for number, identifier in enumerate(self.withdrawn_identifiers):
            out.write((", " if number else "") + json.dumps(identifier, ensure_ascii=False))
        out.write('], "problems": [')
        for number, problem in enumerate(self.problems):
            out.write((", " if number else "") + problem_json(problem))
        out.write("]}\n")
