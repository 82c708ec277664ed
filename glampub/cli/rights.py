"""``glampub rights``: explain statements, work through the review queue, and
keep an institution's own rules."""

from __future__ import annotations

import getpass
import json
import sys
from gettext import ngettext

import click

from glampub.cli.base import database_context, domain_errors, out
from glampub.cli.report import objects_changed, print_decision
from glampub.rights import map_rights


def operator() -> str:
    """Who runs the command: kept with what they decide."""
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return ""


by_option = click.option(
    "--by",
    "decided_by",
    default=operator,
    show_default="the current user",
    help="Who decides; kept with the rule.",
)


@click.group()
def rights() -> None:
    """Rights statements: what they map to and why; review and institution rules."""


@rights.command("explain")
@click.argument("statement")
@click.option("--json", "as_json", is_flag=True, help="Print the decision as JSON.")
@click.option("--institution", help="Apply this institution's own rules and copyright term.")
@domain_errors
def rights_explain(statement: str, as_json: bool, institution: str | None) -> None:
    """Explain what STATEMENT maps to; '-' reads one statement per line from stdin."""
    overrides, context = None, None
    if institution:
        from glampub.institutions.registry import get_institution
        from glampub.rights import RightsContext
        from glampub.rights_review.stored_rules import load_policy

        with database_context() as opened, opened.database.transaction() as session:
            policy = load_policy(session, get_institution(session, institution))
        overrides, context = policy.rules, RightsContext(term_years=policy.term_years)
    if statement == "-":
        write = sys.stdout.write
        for line in sys.stdin:
            decision = map_rights(line.rstrip("\r\n"), context, overrides=overrides)
            write(json.dumps(decision.to_dict(), ensure_ascii=False) + "\n")
        return
    decision = map_rights(statement, context, overrides=overrides)
    if as_json:
        click.echo(json.dumps(decision.to_dict(), ensure_ascii=False))
    else:
        print_decision(out, decision)


@rights.command("review")
@click.argument("institution")
@click.option("--json", "as_json", is_flag=True, help="One JSON object per statement.")
@domain_errors
def rights_review(institution: str, as_json: bool) -> None:
    """List each distinct statement of INSTITUTION that needs review, once."""
    from glampub.rights_review.queue import review_queue

    with database_context() as opened, opened.database.transaction() as session:
        items = review_queue(session, institution)
    if as_json:
        for item in items:
            click.echo(json.dumps(item.to_dict(), ensure_ascii=False))
        return
    if not items:
        out.print(f"Nothing of {institution} needs review.")
        return
    total = sum(item.count for item in items)
    statements = ngettext(
        "%(count)d statement needs review", "%(count)d statements need review", len(items)
    ) % {"count": len(items)}
    objects = ngettext("on %(count)d object", "on %(count)d objects", total) % {"count": total}
    out.print(f"{statements} ({objects}):")
    for item in items:
        shown = item.statement or "(no statement)"
        out.print(f"\n{item.count:>6}  {shown}")
        out.print(f"        why: {item.reason}")
        out.print(f"        e.g. {', '.join(item.examples)}")
    out.print(
        f'\nDecide one with: glampub rights decide {institution} "STATEMENT" URI '
        "(or needs-review to keep it here)"
    )
    if any(item.no_statement for item in items):
        out.print(
            f"Decide the records without a statement with: glampub rights decide "
            f"{institution} --no-statement URI"
        )


@rights.command("decide")
@click.argument("institution")
@click.argument("words", nargs=-1, metavar="[STATEMENT] TARGET")
@click.option(
    "--no-statement",
    is_flag=True,
    help="Decide the records that state nothing at all (give only TARGET).",
)
@by_option
@click.option("--note", default="", help="Why: kept with the decision.")
@domain_errors
def rights_decide(
    institution: str, words: tuple[str, ...], no_statement: bool, decided_by: str, note: str
) -> None:
    """Decide STATEMENT (as the review queue shows it) to mean TARGET, for good.

    TARGET is a rights URI, or a licence name or code ("CC BY 4.0", "InC").
    Every object with that statement is updated now, and on every re-import.
    With --no-statement, TARGET applies to the records without any rights
    statement; never to a record that has one of its own.
    """
    from glampub.errors import UsageError
    from glampub.rights_review.queue import decide

    if no_statement:
        if len(words) != 1:
            raise UsageError("with --no-statement give only the TARGET, no statement")
        statement, target = "", words[0]
    else:
        if len(words) != 2:
            raise UsageError("give the STATEMENT and the TARGET (or --no-statement TARGET)")
        statement, target = words
    with database_context() as opened, opened.database.transaction() as session:
        change = decide(
            session,
            institution,
            statement,
            target,
            decided_by,
            note,
            no_statement=no_statement,
        )
        target_uri = change.rule.target
    changed = objects_changed(change.changed)
    what = "records without a statement" if no_statement else repr(statement)
    out.print(f"Decided {what} -> {target_uri} for {institution}: {changed}")


@rights.group("rule")
def rule() -> None:
    """An institution's own rules, checked before the built-in ones."""


@rule.command("add")
@click.argument("institution")
@click.argument("target")
@click.option("--exact", help="A statement, matched after normalisation (case, spaces, URL form).")
@click.option("--pattern", help="A regular expression searched in the normalised statement.")
@by_option
@click.option("--note", default="", help="Why: kept with the rule.")
@domain_errors
def rule_add(
    institution: str,
    target: str,
    exact: str | None,
    pattern: str | None,
    decided_by: str,
    note: str,
) -> None:
    """Add a rule mapping statements of INSTITUTION to TARGET (a URI or needs-review)."""
    from glampub.errors import UsageError
    from glampub.rights_review.queue import add_rule

    if (exact is None) == (pattern is None):
        raise UsageError("give exactly one of --exact STATEMENT or --pattern REGEX")
    kind, match = ("exact", exact) if exact is not None else ("pattern", pattern)
    with database_context() as opened, opened.database.transaction() as session:
        change = add_rule(
            session,
            institution,
            kind=kind,
            match=match or "",
            target=target,
            decided_by=decided_by,
            note=note,
        )
        rule_id, target_uri = change.rule.id, change.rule.target
    out.print(
        f"Rule {rule_id} ({kind} {match!r} -> {target_uri}) added for {institution}: "
        f"{objects_changed(change.changed)}"
    )


@rule.command("list")
@click.argument("institution")
@click.option("--json", "as_json", is_flag=True, help="One JSON object per rule.")
@domain_errors
def rule_list(institution: str, as_json: bool) -> None:
    """List INSTITUTION's rules in the order they are tried."""
    from glampub.rights_review.stored_rules import list_rules

    with database_context() as opened, opened.database.transaction() as session:
        rows = [
            {
                "id": r.id,
                "kind": r.kind,
                "match": r.match,
                "target": r.target,
                "origin": r.origin,
                "decided_by": r.decided_by,
                "decided_at": r.created_at.isoformat(timespec="seconds"),
                "note": r.note,
            }
            for r in list_rules(session, institution)
        ]
    for row in rows:
        if as_json:
            click.echo(json.dumps(row, ensure_ascii=False))
        else:
            out.print(
                f"{row['id']:>4}  {row['kind']:<7} "
                f"{'(no statement)' if row['kind'] == 'unstated' else repr(row['match'])} "
                f"-> {row['target']}  "
                f"({row['origin']}, {row['decided_by']}, {row['decided_at']})"
            )
    if not rows and not as_json:
        out.print(f"{institution} has no rights rules of its own.")


@rule.command("remove")
@click.argument("institution")
@click.argument("rule_id", type=int)
@domain_errors
def rule_remove(institution: str, rule_id: int) -> None:
    """Remove rule RULE_ID of INSTITUTION; its objects are decided again."""
    from glampub.rights_review.queue import remove_rule

    with database_context() as opened, opened.database.transaction() as session:
        change = remove_rule(session, institution, rule_id)
    out.print(f"Rule {rule_id} removed from {institution}: {objects_changed(change.changed)}")
