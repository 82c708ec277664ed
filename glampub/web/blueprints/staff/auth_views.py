"""Signing in and out, and the staff start page."""

from __future__ import annotations

from datetime import timedelta

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user
from werkzeug.wrappers import Response

from glampub.accounts import login_throttle
from glampub.accounts.store import authenticate, end_sessions
from glampub.db import get_db
from glampub.institutions.registry import list_institutions
from glampub.web.auth import StaffUser, staff
from glampub.web.blueprints.helpers import session, transaction
from glampub.web.blueprints.staff.common import bp
from glampub.web.blueprints.staff.forms import EmptyForm, LoginForm


def _limits() -> login_throttle.Limits:
    config = current_app.config
    return login_throttle.Limits(
        per_account=config["LOGIN_LIMIT_PER_ACCOUNT"],
        per_address=config["LOGIN_LIMIT_PER_ADDRESS"],
        window=timedelta(minutes=config["LOGIN_WINDOW_MINUTES"]),
    )


def _safe_next(target: str | None) -> str:
    # Only a path on this site: never an open redirect to another host. Browsers
    # drop tabs and line breaks from a URL ("/\t/evil.example" is "//evil.example")
    # and read "\\" as "/", so a target with any control character or backslash
    # is refused, not cleaned.
    if (
        target
        and target.startswith("/")
        and not target.startswith("//")
        and "\\" not in target
        and target.isprintable()
    ):
        return target
    return url_for("staff.dashboard")


@bp.route("/login", methods=["GET", "POST"])
def login() -> Response | tuple[str, int] | str:
    form = LoginForm()
    if request.method == "POST":
        if not form.validate_on_submit():
            return render_template("staff/login.html", form=form), 400
        db, engine = session(), get_db().engine
        email, address = form.email.data or "", request.remote_addr
        # Counted before the password is checked: see login_throttle.
        wait = login_throttle.reserve(engine, email, address, _limits())
        if wait is not None:
            form.form_errors.append(
                _(
                    "Too many failed sign-ins. Try again in %(minutes)d minutes.",
                    minutes=-(-wait // 60),
                )
            )
            html = render_template("staff/login.html", form=form)
            return html, 429, {"Retry-After": str(wait)}  # type: ignore[return-value]
        user = authenticate(db, email, form.password.data or "")
        if user is None:
            form.form_errors.append(_("That e-mail and password do not match an account."))
            return render_template("staff/login.html", form=form), 401
        login_throttle.succeeded(engine, email, address)
        login_user(StaffUser(user))
        return redirect(_safe_next(request.args.get("next")))
    return render_template("staff/login.html", form=form)


@bp.post("/logout")
@login_required
def logout() -> Response:
    if not EmptyForm().validate_on_submit():
        abort(400, description=_("The form had expired; sign out again."))
    with transaction() as db:
        end_sessions(db, staff().user_id)
    logout_user()
    flash(_("You are signed out."), "info")
    return redirect(url_for("public.home"))


@bp.get("/")
@login_required
def dashboard() -> Response | str:
    user = staff()
    if not user.is_admin:
        return redirect(url_for("staff.institution_home", institution=user.institution_slug))
    institutions = list_institutions(session())
    return render_template("staff/dashboard.html", institutions=institutions, user=current_user)
