"""What an import did, for the terminal, ``--json`` and the ImportRun row.

The report is counted here and written out here, in both its forms: one JSON
object (``ImportReport.write_json``) and the text ``glampub import`` prints
(:func:`print_report`), so a new part of the report is added to both at once.
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass, field
from gettext import ngettext
from itertools import islice
from typing import TYPE_CHECKING, Any, TextIO

from glampub.errors import Problem
from glampub.importing.problem_log import ProblemLog, problem_json
from glampub.importing.withdrawn_log import WithdrawnLog
from glampub.rights.decision import NEEDS_REVIEW
from glampub.rights.normalize import STATEMENT_SEPARATOR, statement_key

if TYPE_CHECKING:
    from rich.console import Console

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


def print_report(console: Console, report: ImportReport) -> None:
    """The report for people: counts, withdrawals, rights decisions, review list, problems."""
    # Loaded here: the web app and the jobs use the report, never its tables.
    from rich.table import Table

    mode = " (dry run: nothing was published)" if report.dry_run else ""
    console.print(f"Imported {report.file} into {report.institution} as {report.format}{mode}")
    console.print(
        f"created {report.created}, updated {report.updated}, unchanged {report.unchanged}, "
        f"withdrawn {report.withdrawn}, rejected {report.rejected}",
        highlight=False,
    )
    if report.withdrawn:
        print_withdrawn(console, report)
    if report.default_rights:
        given = report.default_rights
        console.print(
            f"Default rights for records without a statement: {given['uri']} "
            f"(given by {given['by']} with {given['source']}, {given['at']})",
            highlight=False,
        )
    if report.rights:
        table = Table("rights", "objects", title="Rights decisions", title_justify="left")
        for uri, count in sorted(report.rights.items(), key=lambda kv: (-kv[1], kv[0])):
            table.add_row(uri, str(count))
        console.print(table)
    if report.review:
        table = Table("statement", "objects", title="Needs review", title_justify="left")
        for statement, count in report.review_list():
            table.add_row(statement or "(no statement)", str(count))
        console.print(table)
        console.print(f"Decide them with: glampub rights review {report.institution}")
    if report.problems:
        print_problems(console, report)


#: Withdrawn identifiers printed; ``--json`` lists them all.
WITHDRAWN_SHOWN = 50


def print_withdrawn(console: Console, report: ImportReport) -> None:
    """The objects a full import withdrew (or would withdraw), one per line."""
    count = report.withdrawn
    if report.dry_run:
        text = ngettext(
            "Would be withdrawn: %(count)d object the file no longer lists",
            "Would be withdrawn: %(count)d objects the file no longer lists",
            count,
        )
    else:
        text = ngettext(
            "Withdrawn: %(count)d object the file no longer lists",
            "Withdrawn: %(count)d objects the file no longer lists",
            count,
        )
    console.print(text % {"count": count})
    for identifier in islice(report.withdrawn_identifiers, WITHDRAWN_SHOWN):
        console.print(f"  {identifier}")
    if count > WITHDRAWN_SHOWN:
        more = count - WITHDRAWN_SHOWN
        console.print(
            ngettext(
                "  … and %(count)d more (--json lists them all)",
                "  … and %(count)d more (--json lists them all)",
                more,
            )
            % {"count": more}
        )


#: Up to this many problems print as a table; more stream as one line each.
TABLE_LIMIT = 200


def print_problems(console: Console, report: ImportReport) -> None:
    """Every problem, as ``record | line | code | message``, streamed from the log."""
    from rich.table import Table

    problems = report.problems
    title = f"Problems ({len(problems)})"
    if len(problems) > TABLE_LIMIT:
        counts = ", ".join(f"{code} {count}" for code, count in problems.counts.most_common())
        console.print(f"{title}: {counts}")
        console.print("record | line | code | message")
        for problem in problems:
            console.print(" | ".join(_cells(problem)))
    else:
        table = Table("record", "line", "code", "message", title=title, title_justify="left")
        for problem in problems:
            table.add_row(*_cells(problem))
        console.print(table)
    if problems.path is not None:
        console.print(f"Every problem is also in {problems.path} (one JSON object per line)")


def _cells(problem: Problem) -> tuple[str, str, str, str]:
    return (
        problem.record or "",
        "" if problem.line is None else str(problem.line),
        problem.code if problem.severity == "error" else f"{problem.code} (warning)",
        problem.message,
    )
