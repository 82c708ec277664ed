"""``glampub user`` and ``glampub token``: staff accounts and their API tokens."""

from __future__ import annotations

import sys
from datetime import datetime

import click

from glampub.accounts import store as accounts
from glampub.cli.base import database_context, domain_errors, err, out
from glampub.errors import UsageError


@click.group()
def user() -> None:
    """Staff accounts."""


@user.command("add")
@click.argument("email")
@click.option("--institution", required=True)
@click.option("--admin", is_flag=True, help="May manage every institution.")
@click.option("--password-stdin", is_flag=True, help="Read the password from standard input.")
@domain_errors
def user_add(email: str, institution: str, admin: bool, password_stdin: bool) -> None:
    """Add a staff account, or reset one (which ends its sessions and revokes its tokens)."""
    if password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    elif not sys.stdin.isatty():
        # getpass would fall back to echoing input, with a Python warning.
        raise UsageError(
            "the password can only be asked for on a terminal: give it on standard input "
            "with --password-stdin"
        )
    else:
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    with database_context() as opened, opened.database.transaction() as session:
        _user, created = accounts.add_user(session, email, institution, password, admin=admin)
    out.print(f"{'Added' if created else 'Updated'} account {email.lower()} ({institution})")
    if not created:
        out.print("Its sessions have ended and its API tokens are revoked.")


@user.command("disable")
@click.argument("email")
@domain_errors
def user_disable(email: str) -> None:
    """Disable an account: no sign-in, session or token of it works until it is enabled."""
    with database_context() as opened, opened.database.transaction() as session:
        account, revoked = accounts.set_disabled(session, email, True)
    out.print(
        f"Disabled account {account.email}: its sessions have ended, {revoked} API tokens revoked"
    )


@user.command("enable")
@click.argument("email")
@domain_errors
def user_enable(email: str) -> None:
    """Let a disabled account sign in again (its old tokens stay revoked)."""
    with database_context() as opened, opened.database.transaction() as session:
        account, _revoked = accounts.set_disabled(session, email, False)
    out.print(f"Enabled account {account.email}")


@user.command("remove")
@click.argument("email")
@domain_errors
def user_remove(email: str) -> None:
    """Delete an account and its tokens (its uploads stay in the history)."""
    with database_context() as opened, opened.database.transaction() as session:
        tokens = accounts.remove_user(session, email)
    out.print(f"Removed account {email.strip().lower()} and its {tokens} API tokens")


@click.group()
def token() -> None:
    """API tokens."""


@token.command("create")
@click.argument("email")
@click.option(
    "--expires-days",
    type=int,
    default=accounts.DEFAULT_TOKEN_DAYS,
    show_default=True,
    help="Days until the token expires.",
)
@domain_errors
def token_create(email: str, expires_days: int) -> None:
    """Print a new API token for the account EMAIL (bound to its institution)."""
    with database_context() as opened, opened.database.transaction() as session:
        issued = accounts.issue_token(session, email, expires_days)
        token_id, slug = issued.row.id, issued.row.institution.slug
        expires = _when(issued.row.expires_at)
    click.echo(issued.secret)
    # The token alone on standard output, for scripts; what it is on standard error.
    err.print(f"Token {token_id} for {email.strip().lower()} ({slug}), expires {expires}")


@token.command("list")
@click.argument("email", required=False)
@domain_errors
def token_list(email: str | None) -> None:
    """Tokens (of the account EMAIL, or all) with their institution, expiry and last use."""
    with database_context() as opened, opened.database.transaction() as session:
        now = accounts.now_utc()
        rows = [
            (
                str(t.id),
                t.user.email,
                t.institution.slug,
                _when(t.created_at),
                _when(t.expires_at),
                _when(t.last_used_at) if t.last_used_at else "never",
                accounts.token_state(t, now),
            )
            for t in accounts.list_tokens(session, email)
        ]
    if not rows:
        out.print("No API tokens.")
        return
    header = ("ID", "ACCOUNT", "INSTITUTION", "CREATED", "EXPIRES", "LAST USED", "STATE")
    widths = [max(len(row[i]) for row in [header, *rows]) for i in range(len(header))]
    for row in [header, *rows]:
        cells = (cell.ljust(width) for cell, width in zip(row, widths, strict=True))
        out.print("  ".join(cells).rstrip())


@token.command("revoke")
@click.argument("token_id", metavar="ID", type=int)
@domain_errors
def token_revoke(token_id: int) -> None:
    """Revoke the token ID (see `glampub token list`): it answers 401 from now on."""
    with database_context() as opened, opened.database.transaction() as session:
        row, revoked_now = accounts.revoke_token(session, token_id)
        owner, slug = row.user.email, row.institution.slug
    if revoked_now:
        out.print(f"Revoked token {token_id} of {owner} ({slug})")
    else:
        out.print(f"Token {token_id} of {owner} ({slug}) was already revoked")


def _when(moment: datetime) -> str:
    return accounts.aware(moment).strftime("%Y-%m-%d %H:%M UTC")
