"""How the CLI prints a rights decision, and how many objects a change touched.

An import report prints itself (glampub.importing.report.print_report), beside
its JSON form.
"""

from __future__ import annotations

from gettext import ngettext

from rich.console import Console

from glampub.rights import RightsDecision


def objects_changed(count: int) -> str:
    """ "1 object changed", "3 objects changed"."""
    return ngettext("%(count)d object changed", "%(count)d objects changed", count) % {
        "count": count
    }


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
