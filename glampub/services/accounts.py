"""Staff accounts and API tokens."""

from __future__ import annotations

import hashlib
import re
import secrets

from sqlalchemy import select
from sqlalchemy.orm import Session
from werkzeug.security import generate_password_hash

from glampub.errors import NotFound, UsageError
from glampub.models import ApiToken, User
from glampub.services.institutions import get_institution

EMAIL_PATTERN = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
MIN_PASSWORD_LENGTH = 12


def add_user(
    session: Session, email: str, institution_slug: str, password: str, *, admin: bool = False
) -> tuple[User, bool]:
    """Create the account, or reset its password and role; returns (user, created)."""
    if not EMAIL_PATTERN.match(email):
        raise UsageError(f"{email!r} is not an e-mail address")
    if len(password) < MIN_PASSWORD_LENGTH:
        raise UsageError(f"the password must have at least {MIN_PASSWORD_LENGTH} characters")
    institution = get_institution(session, institution_slug)
    user = session.scalar(select(User).where(User.email == email.lower()))
    created = user is None
    if user is None:
        user = User(email=email.lower())
        session.add(user)
    user.password_hash = generate_password_hash(password)
    user.institution_id = institution.id
    user.is_admin = admin
    session.flush()
    return user, created


def create_token(session: Session, email: str) -> str:
    """A new API token for the account; only its hash is stored."""
    user = session.scalar(select(User).where(User.email == email.lower()))
    if user is None:
        raise NotFound(f"no account {email!r}; create it with `glampub user add {email} ...`")
    token = f"gp_{secrets.token_urlsafe(32)}"
    session.add(ApiToken(user_id=user.id, token_hash=token_digest(token)))
    session.flush()
    return token


def token_digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()
