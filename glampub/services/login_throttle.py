"""Slowing down password guessing: failed logins per address and per account.

Kept in the database, not in one process's memory, so the limit holds across
every app process behind the proxy and across restarts.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from glampub.models import LoginAttempt


@dataclass(frozen=True)
class Limits:
    per_account: int = 5
    per_address: int = 20
    window: timedelta = timedelta(minutes=15)


def keys(email: str, address: str | None) -> list[str]:
    found = [f"email:{email.strip().lower()}"]
    if address:
        found.append(f"ip:{address}")
    return found


def blocked_for(session: Session, email: str, address: str | None, limits: Limits) -> int | None:
    """Seconds until another try is allowed, or None when it is allowed now."""
    now = datetime.now(UTC)
    since = now - limits.window
    for key in keys(email, address):
        limit = limits.per_account if key.startswith("email:") else limits.per_address
        count, first = session.execute(
            select(func.count(LoginAttempt.id), func.min(LoginAttempt.at)).where(
                LoginAttempt.key == key, LoginAttempt.at > since
            )
        ).one()
        if count >= limit and first is not None:
            first = first if first.tzinfo else first.replace(tzinfo=UTC)
            return max(1, int((first + limits.window - now).total_seconds()) + 1)
    return None


def record_failure(session: Session, email: str, address: str | None, limits: Limits) -> None:
    now = datetime.now(UTC)
    session.add_all(LoginAttempt(key=key, at=now) for key in keys(email, address))
    # Old attempts say nothing any more; keep the table small.
    session.execute(delete(LoginAttempt).where(LoginAttempt.at < now - limits.window))


def clear(session: Session, email: str) -> None:
    """A successful login forgives the account's failed attempts (not the address's)."""
    session.execute(delete(LoginAttempt).where(LoginAttempt.key == keys(email, None)[0]))
