"""Who is asking: staff sessions (Flask-Login), API tokens, and what each may touch.

Every staff member belongs to one institution and sees and changes nothing
of another's; admins manage every institution.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Callable
from functools import wraps
from typing import Any

from flask import Flask, abort, current_app, request
from flask.sessions import SecureCookieSessionInterface
from flask_babel import gettext as _
from flask_login import LoginManager, UserMixin, current_user
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from glampub.accounts.store import TokenRefused, check_token, record_use, signed_in_user
from glampub.db import get_db
from glampub.models import Institution, User

login_manager = LoginManager()
login_manager.login_view = "staff.login"
login_manager.login_message = "Please sign in to see that page."
login_manager.session_protection = "basic"


class StaffUser(UserMixin):
    """The signed-in account, as the views need it."""

    def __init__(self, user: User) -> None:
        self.user_id = user.id
        self.email = user.email
        self.is_admin = user.is_admin
        self.institution_id = user.institution_id
        self.institution_slug = user.institution.slug
        self.session_version = user.session_version

    def get_id(self) -> str:
        # What the session cookie carries: the account and its session version,
        # nothing derived from the password. Signing out, a password reset and
        # disabling bump the version, which ends every session made before.
        return f"{self.user_id}:{self.session_version}"

    def may_manage(self, institution: Institution | str) -> bool:
        slug = institution if isinstance(institution, str) else institution.slug
        return self.is_admin or slug == self.institution_slug


def _session() -> Session:
    database = get_db()
    assert database.session is not None
    return database.session()


@login_manager.user_loader
def load_user(session_id: str) -> StaffUser | None:
    """The account of a session cookie, checked on every request: None (signed
    out) when the account is gone or disabled, or its sessions were ended."""
    user_id, _, version = session_id.partition(":")
    if not (user_id.isdigit() and version.isdigit()):
        return None  # also every cookie from before session versions
    user = signed_in_user(_session(), int(user_id), int(version))
    return None if user is None else StaffUser(user)


def token_user(session: Session, engine: Engine, header: str | None) -> StaffUser:
    """The account of ``Authorization: Bearer <token>``; TokenRefused when there
    is none, or it does not act for anyone now (the reason says why)."""
    scheme, _, secret = (header or "").partition(" ")
    if scheme.lower() != "bearer" or not secret.strip():
        raise TokenRefused(
            "send `Authorization: Bearer <token>`; `glampub token create EMAIL` makes one"
        )
    token = check_token(session, secret.strip())
    record_use(engine, token)
    return StaffUser(token.user)


def staff() -> StaffUser:
    """The signed-in staff member; only call in views that require a login."""
    user = current_user._get_current_object()  # type: ignore[attr-defined]
    assert isinstance(user, StaffUser)
    return user


def require_institution(slug: str, user: StaffUser | None = None) -> None:
    """403 unless the account belongs to that institution (or is an admin)."""
    if not (user or staff()).may_manage(slug):
        abort(
            403, description=_("This belongs to another institution; you cannot see or change it.")
        )


def admin_required(view: Callable[..., Any]) -> Callable[..., Any]:
    @wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        if not current_user.is_authenticated:
            return current_app.login_manager.unauthorized()  # type: ignore[attr-defined]
        if not staff().is_admin:
            abort(403, description=_("Only an administrator can manage institutions."))
        return view(*args, **kwargs)

    return wrapper


#: Blueprints whose answers never depend on who is signed in (IIIF documents
#: and images, the token-authenticated API, the open-data files).
SESSIONLESS_BLUEPRINTS = frozenset({"iiif", "api", "dataset_files"})


class GlampubSessionInterface(SecureCookieSessionInterface):
    """Session cookies are Secure everywhere except plain HTTP on a loopback
    address (the demo and development on one's own machine), where a browser
    would otherwise drop them.

    Flask-Login looks at the session after every request, so Flask would add
    ``Vary: Cookie`` to every answer; for IIIF documents and images, which are
    the same for everyone, that would keep shared caches (a CDN, a proxy)
    from caching them. Their answers therefore do not vary on the cookie.
    """

    def save_session(self, app: Flask, session: Any, response: Any) -> None:
        super().save_session(app, session, response)
        if request.blueprint in SESSIONLESS_BLUEPRINTS and not session.modified:
            # (lower case: HeaderSet.discard compares the header as given with
            # lower-cased names, so "Cookie" would stay)
            response.vary.discard("cookie")

    def get_cookie_secure(self, app: Flask) -> bool:
        if request.is_secure:
            return True
        host = request.host.rsplit(":", 1)[0].strip("[]")
        if host == "localhost":
            return False
        try:
            return not ipaddress.ip_address(host).is_loopback
        except ValueError:
            return True


def init_auth(app: Flask) -> None:
    app.session_interface = GlampubSessionInterface()
    app.config.setdefault("SESSION_COOKIE_HTTPONLY", True)
    app.config.setdefault("SESSION_COOKIE_SAMESITE", "Lax")
    app.config.setdefault("REMEMBER_COOKIE_HTTPONLY", True)
    login_manager.init_app(app)
