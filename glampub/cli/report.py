"""How the CLI prints an import report and a rights decision."""

from __future__ import annotations

from gettext import ngettext
from itertools import islice

from rich.console import Console
from rich.table import Table

from glampub.errors import Problem
from glampub.importing.report import ImportReport
from glampub.rights import RightsDecision


def objects_changed(count: int) -> str:
    """ "1 object changed", "3 objects changed"."""
    return ngettext("%(count)d object changed", "%(count)d objects changed", count) % {
        "count": count
    }


def print_report(console: Console, report: ImportReport) -> None:
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


def print_decision(console: Console, decision: RightsDecision) -> None:
    console.print(f"Statement: {decision.statement}")
    if decision.uri:
        console.print(f"Maps to:   {decision.label} <{decision.uri}>")
    else:
        console.print("Maps to:   needs review (no URI)")
    console.print(f"Reuse:     {decision.reuse}")
    console.print(f"Rule:      {decision.rule}")
    console.print(f"Why:       {decision.reason}")
    for warning in decision.warnings:
        console.print(f"Warning:   {warning}")
