"""Staff accounts and API tokens: made, listed, revoked, disabled, removed.

What ends access at once:

- a password reset (``glampub user add`` for an existing account) ends the
  account's sessions and revokes its tokens;
- disabling ends its sessions and revokes its tokens, and it cannot sign in
  until enabled again (its old tokens stay revoked);
- signing out ends the account's sessions in every browser (the session
  cookie carries the account's session version, see glampub.web.auth).

A token acts for its account only while it is neither revoked nor expired,
the account is enabled, and the account still belongs to the institution the
token was made for.
"""

from __future__ import annotations

import functools
import hashlib
import re
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import Engine, select, update
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session
from werkzeug.security import check_password_hash, generate_password_hash

from glampub.db import brief_write_wait
from glampub.errors import GlampubError, NotFound, UsageError
from glampub.institutions.registry import get_institution
from glampub.models import ApiToken, Upload, User

EMAIL_PATTERN = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
MIN_PASSWORD_LENGTH = 12
#: How long a new token is valid unless ``--expires-days`` says otherwise.
DEFAULT_TOKEN_DAYS = 90
MAX_TOKEN_DAYS = 3650
#: A token's last use is written at most this often: an API client polling
#: every second would otherwise write on every request.
LAST_USE_RESOLUTION = timedelta(minutes=1)


class TokenRefused(GlampubError):
    """An API token that does not (or no longer) act for anyone; the reason says why."""

    http_status = 401


@dataclass(frozen=True)
class IssuedToken:
    secret: str
    row: ApiToken


def now_utc() -> datetime:
    return datetime.now(UTC)


def aware(moment: datetime) -> datetime:
    """SQLite hands back naive datetimes; glampub writes them in UTC."""
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def get_user(session: Session, email: str) -> User:
    user = session.scalar(select(User).where(User.email == email.strip().lower()))
    if user is None:
        raise NotFound(f"no account {email!r}; create it with `glampub user add {email} ...`")
    return user


def add_user(
    session: Session, email: str, institution_slug: str, password: str, *, admin: bool = False
) -> tuple[User, bool]:
    """Create the account, or reset its password, role and institution (which ends
    its sessions and revokes its tokens); returns (user, created)."""
    if not EMAIL_PATTERN.match(email):
        raise UsageError(f"{email!r} is not an e-mail address")
    if len(password) < MIN_PASSWORD_LENGTH:
        raise UsageError(f"the password must have at least {MIN_PASSWORD_LENGTH} characters")
    institution = get_institution(session, institution_slug)
    user = session.scalar(select(User).where(User.email == email.lower()))
    created = user is None
    if user is None:
        user = User(email=email.lower(), session_version=1)
        session.add(user)
    else:
        end_access(session, user)
    user.password_hash = generate_password_hash(password)
    user.institution_id = institution.id
    user.is_admin = admin
    session.flush()
    return user, created


def end_access(session: Session, user: User) -> int:
    """End every session of the account and revoke its tokens; how many were revoked."""
    user.session_version = (user.session_version or 1) + 1
    result = session.execute(
        update(ApiToken)
        .where(ApiToken.user_id == user.id, ApiToken.revoked_at.is_(None))
        .values(revoked_at=now_utc())
    )
    return result.rowcount


def set_disabled(session: Session, email: str, disabled: bool) -> tuple[User, int]:
    """Disable (ending its sessions and revoking its tokens) or enable the account;
    returns it with the number of tokens revoked."""
    user = get_user(session, email)
    revoked = 0
    if disabled:
        revoked = end_access(session, user)
        user.disabled_at = user.disabled_at or now_utc()
    else:
        user.disabled_at = None
    session.flush()
    return user, revoked


def remove_user(session: Session, email: str) -> int:
    """Delete the account and its tokens; its uploads stay, without an uploader.
    Returns how many tokens it had."""
    user = get_user(session, email)
    tokens = session.scalars(select(ApiToken).where(ApiToken.user_id == user.id)).all()
    for token in tokens:
        session.delete(token)
    session.execute(update(Upload).where(Upload.user_id == user.id).values(user_id=None))
    session.delete(user)
    session.flush()
    return len(tokens)


def issue_token(
    session: Session, email: str, expires_days: int = DEFAULT_TOKEN_DAYS
) -> IssuedToken:
    """A new API token for the account, bound to its institution; only its hash is stored."""
    if not 1 <= expires_days <= MAX_TOKEN_DAYS:
        raise UsageError(f"a token expires after 1 to {MAX_TOKEN_DAYS} days, not {expires_days}")
    user = get_user(session, email)
    if user.disabled_at is not None:
        raise UsageError(f"the account {user.email} is disabled; enable it first")
    secret = f"gp_{secrets.token_urlsafe(32)}"
    now = now_utc()
    row = ApiToken(
        user_id=user.id,
        institution_id=user.institution_id,
        token_hash=token_digest(secret),
        created_at=now,
        expires_at=now + timedelta(days=expires_days),
    )
    session.add(row)
    session.flush()
    return IssuedToken(secret, row)


def create_token(session: Session, email: str, expires_days: int = DEFAULT_TOKEN_DAYS) -> str:
    """A new API token for the account (see :func:`issue_token`)."""
    return issue_token(session, email, expires_days).secret


def token_digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def token_state(token: ApiToken, now: datetime | None = None) -> str:
    """active, revoked, expired, disabled (the account) or moved (the account
    belongs to another institution now)."""
    now = now or now_utc()
    if token.revoked_at is not None:
        return "revoked"
    if aware(token.expires_at) <= now:
        return "expired"
    if token.user.disabled_at is not None:
        return "disabled"
    if token.user.institution_id != token.institution_id:
        return "moved"
    return "active"


_REFUSALS = {
    "revoked": "this token was revoked",
    "expired": "this token has expired",
    "disabled": "this token's account is disabled",
    "moved": "this token was made for another institution than its account's",
}


def check_token(session: Session, secret: str) -> ApiToken:
    """The token whose secret this is, if it acts for its account now; else TokenRefused."""
    token = session.scalar(select(ApiToken).where(ApiToken.token_hash == token_digest(secret)))
    if token is None:
        raise TokenRefused("unknown token")
    state = token_state(token)
    if state != "active":
        raise TokenRefused(f"{_REFUSALS[state]}; `glampub token create EMAIL` makes a new one")
    return token


def record_use(engine: Engine, token: ApiToken, now: datetime | None = None) -> None:
    """Note that the token was used, at most once per LAST_USE_RESOLUTION.

    Written from a connection of its own, so the request's transaction is left
    alone. Best effort: while an import holds SQLite's one write lock it is
    skipped (a later request writes it), never waited for.
    """
    now = now or now_utc()
    if token.last_used_at is not None and now - aware(token.last_used_at) < LAST_USE_RESOLUTION:
        return
    with Session(engine) as session:
        try:
            with brief_write_wait(session):
                session.execute(
                    update(ApiToken).where(ApiToken.id == token.id).values(last_used_at=now)
                )
            session.commit()
        except OperationalError as exc:
            if "locked" not in str(exc.orig):
                raise
            session.rollback()


def list_tokens(session: Session, email: str | None = None) -> list[ApiToken]:
    """Every token (or the account's), oldest first."""
    statement = select(ApiToken).order_by(ApiToken.id)
    if email is not None:
        statement = statement.where(ApiToken.user_id == get_user(session, email).id)
    return list(session.scalars(statement))


def revoke_token(session: Session, token_id: int) -> tuple[ApiToken, bool]:
    """Revoke the token; returns it and whether this revoked it (False: it already was)."""
    token = session.get(ApiToken, token_id)
    if token is None:
        raise NotFound(f"no token {token_id}; `glampub token list` shows them")
    revoked_now = token.revoked_at is None
    if revoked_now:
        token.revoked_at = now_utc()
        session.flush()
    return token, revoked_now


@functools.cache
def _dummy_hash() -> str:
    """Compared against when the e-mail is unknown, so that a miss takes as long as a hit."""
    return generate_password_hash("not a password of anyone")


def authenticate(session: Session, email: str, password: str) -> User | None:
    """The account, if the password is its own and it is enabled. A disabled
    account is refused like a wrong password: the answer tells a guesser nothing."""
    user = session.scalar(select(User).where(User.email == email.strip().lower()))
    if user is None:
        check_password_hash(_dummy_hash(), password)
        return None
    if not check_password_hash(user.password_hash, password) or user.disabled_at is not None:
        return None
    return user


def end_sessions(session: Session, user_id: int) -> None:
    """Sign the account out everywhere: no session cookie made so far works again."""
    user = session.get(User, user_id)
    if user is not None:
        user.session_version += 1


def signed_in_user(session: Session, user_id: int, session_version: int) -> User | None:
    """The account a session cookie names, while it is enabled and that
    cookie's sessions have not been ended; else None."""
    user = session.get(User, user_id)
    if user is None or user.disabled_at is not None or user.session_version != session_version:
        return None
    return user
