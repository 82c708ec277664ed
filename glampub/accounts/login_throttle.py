"""Slowing down password guessing: failed sign-ins per account and per address.

Kept in the database, not in one process's memory, so the limit holds across
every app process behind the proxy and across restarts.

An attempt is counted *before* its password is checked, by one conditional
upsert per key that only counts while the count is under the limit: the
database decides, one attempt after another, which may go ahead, so however
many arrive at once no more than the limit are checked. (Reading the count
first and adding the failure after the check, as glampub once did, let every
concurrent attempt read the same count and go ahead.) A successful sign-in
then forgives the account's failures and gives the address back its attempt.

Each key's window starts with its first counted failure and lasts
``Limits.window``; a later attempt after it starts a new one.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import Connection, Engine, case, delete, select, update
from sqlalchemy.dialects import postgresql, sqlite

from glampub.models import LoginCounter

COUNTERS = LoginCounter.__table__


@dataclass(frozen=True)
class Limits:
    per_account: int = 5
    per_address: int = 20
    window: timedelta = timedelta(minutes=15)


def keys(email: str, address: str | None) -> list[str]:
    """The counters an attempt counts on: the account's first, then the address's
    (always in this order, so concurrent attempts lock rows in the same order)."""
    found = [f"email:{email.strip().lower()}"]
    if address:
        found.append(f"ip:{address}")
    return found


def _limit(key: str, limits: Limits) -> int:
    return limits.per_account if key.startswith("email:") else limits.per_address


def reserve(
    engine: Engine, email: str, address: str | None, limits: Limits, now: datetime | None = None
) -> int | None:
    """Count this attempt as a failure before its password is checked.

    Returns None when it was counted and the password may be checked, or the
    seconds until another attempt is allowed (nothing is counted then).
    """
    now = now or datetime.now(UTC)
    expired = now - limits.window
    with engine.connect() as connection, connection.begin() as transaction:
        for key in keys(email, address):
            if not _count(connection, key, _limit(key, limits), now, expired):
                wait = _seconds_left(connection, key, now, limits.window)
                transaction.rollback()
                return wait
        # Windows that have ended say nothing any more; keep the table small.
        # Rows another attempt is counting on are skipped, never waited for.
        stale = (
            select(LoginCounter.key)
            .where(LoginCounter.window_start <= expired)
            .with_for_update(skip_locked=True)
        )
        connection.execute(delete(LoginCounter).where(LoginCounter.key.in_(stale)))
    return None


def _count(connection: Connection, key: str, limit: int, now: datetime, expired: datetime) -> bool:
    """Add one failure to ``key`` unless it is at its limit; whether it was added."""
    insert = (postgresql if connection.dialect.name == "postgresql" else sqlite).insert
    window_over = COUNTERS.c.window_start <= expired
    statement = (
        insert(COUNTERS)
        .values(key=key, window_start=now, failures=1)
        .on_conflict_do_update(
            index_elements=[COUNTERS.c.key],
            set_={
                "failures": case((window_over, 1), else_=COUNTERS.c.failures + 1),
                "window_start": case((window_over, now), else_=COUNTERS.c.window_start),
            },
            # Under the limit, or a new window: otherwise nothing is written.
            where=window_over | (COUNTERS.c.failures < limit),
        )
        # A row comes back only when one was written (psycopg's rowcount does
        # not say so for an upsert).
        .returning(COUNTERS.c.failures)
    )
    return connection.execute(statement).first() is not None


def _seconds_left(connection: Connection, key: str, now: datetime, window: timedelta) -> int:
    start = connection.scalar(select(LoginCounter.window_start).where(LoginCounter.key == key))
    assert start is not None  # a key at its limit has its row
    start = start if start.tzinfo else start.replace(tzinfo=UTC)  # SQLite gives naive UTC
    return max(1, int((start + window - now).total_seconds()) + 1)


def succeeded(engine: Engine, email: str, address: str | None) -> None:
    """The password was right: forgive the account's failures and give the
    address back the attempt :func:`reserve` counted."""
    account, *others = keys(email, address)
    with engine.begin() as connection:
        connection.execute(delete(LoginCounter).where(LoginCounter.key == account))
        for key in others:
            connection.execute(
                update(LoginCounter)
                .where(LoginCounter.key == key, LoginCounter.failures > 0)
                .values(failures=LoginCounter.failures - 1)
            )
