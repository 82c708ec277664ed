"""The review queue, objects, settings, column profiles, institutions and the guide."""

from __future__ import annotations

import re
from pathlib import Path

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import get_locale, ngettext
from flask_babel import gettext as _
from flask_login import login_required
from markupsafe import Markup
from werkzeug.wrappers import Response

from glampub.errors import GlampubError, NotFound
from glampub.harvesting.edm_coverage import edm_coverage
from glampub.importing import column_profiles
from glampub.importing import history as import_history
from glampub.institutions.registry import (
    add_institution,
    list_institutions,
    metadata_licence_choice,
)
from glampub.institutions.settings import Settings, credit_template, update_settings
from glampub.languages import DEFAULT_LANGUAGE
from glampub.publishing import withdrawal as staff_objects
from glampub.publishing.documents import find_object
from glampub.resources import resource_dir
from glampub.rights import NEEDS_REVIEW, all_terms
from glampub.rights_review.queue import decide, review_queue
from glampub.web.auth import admin_required, staff
from glampub.web.blueprints.helpers import id_arg, page_arg, session, transaction
from glampub.web.blueprints.staff.common import bp, data_dir, institution_for
from glampub.web.blueprints.staff.forms import (
    DecideForm,
    InstitutionForm,
    ObjectStatusForm,
    ProfileForm,
    SettingsForm,
    options,
)

GUIDE = "collection-managers.md"


@bp.get("/<institution>/")
@login_required
def institution_home(institution: str) -> str:
    inst = institution_for(institution)
    db = session()
    return render_template(
        "staff/institution.html",
        institution=inst,
        counts=staff_objects.status_counts(db, inst),
        review=len(review_queue(db, inst.slug)),
        uploads=import_history.uploads(db, inst, limit=5),
        edm=edm_coverage(db, inst),
    )


def _decision_choices() -> list[tuple[str, str]]:
    terms = sorted(all_terms(), key=lambda t: (t.reuse != "free", t.label))
    seen: set[str] = set()
    choices = [(NEEDS_REVIEW, _("Still unclear: ask before reuse"))]
    for term in terms:
        if term.jurisdiction is None and term.uri not in seen:
            seen.add(term.uri)
            choices.append((term.uri, term.label))
    return choices


@bp.route("/<institution>/review", methods=["GET", "POST"])
@login_required
def review(institution: str) -> Response | str | tuple[str, int]:
    inst = institution_for(institution)
    db = session()
    choices = _decision_choices()
    if request.method == "POST":
        form = DecideForm()
        form.target.choices = options(choices)
        target = form.target.data or ""
        if not form.validate_on_submit() or target not in dict(choices):
            abort(400, description=_("Choose a decision from the list."))
        no_statement = form.no_statement.data == "1"
        statement = form.statement.data or ""
        if not no_statement and not statement.strip():
            abort(400, description=_("Choose a statement from the review list."))
        try:
            with transaction() as db:
                change = decide(
                    db,
                    inst.slug,
                    statement,
                    target,
                    staff().email,
                    form.note.data or "",
                    no_statement=no_statement,
                )
        except GlampubError as exc:
            flash(exc.for_web(), "error")
            return redirect(url_for("staff.review", institution=inst.slug))
        if no_statement:
            message = ngettext(
                "Decided: records without a rights statement are now %(target)s; "
                "%(num)d object changed.",
                "Decided: records without a rights statement are now %(target)s; "
                "%(num)d objects changed.",
                change.changed,
                target=dict(choices)[target],
            )
        else:
            message = ngettext(
                "Decided: “%(statement)s” is now %(target)s; %(num)d object changed.",
                "Decided: “%(statement)s” is now %(target)s; %(num)d objects changed.",
                change.changed,
                statement=statement,
                target=dict(choices)[target],
            )
        flash(message, "info")
        return redirect(url_for("staff.review", institution=inst.slug))
    items = review_queue(db, inst.slug)
    forms = []
    for item in items:
        form = DecideForm(
            formdata=None,
            statement=item.statement,
            no_statement="1" if item.no_statement else "",
        )
        form.target.choices = options(choices)
        forms.append((item, form))
    return render_template("staff/review.html", institution=inst, items=forms)


@bp.route("/<institution>/objects", methods=["GET", "POST"])
@login_required
def objects(institution: str) -> Response | str:
    inst = institution_for(institution)
    db = session()
    if request.method == "POST":
        form = ObjectStatusForm()
        if not form.validate_on_submit() or form.action.data not in ("withdraw", "publish"):
            abort(400, description=_("Choose withdraw or publish again."))
        with transaction() as db:
            obj = find_object(db, inst.slug, form.identifier.data or "")
            changed = staff_objects.set_published(db, obj, form.action.data == "publish")
        if changed:
            message = (
                _("%(id)s is published again.", id=obj.identifier)
                if form.action.data == "publish"
                else _(
                    "%(id)s is withdrawn: its page and manifest now answer 410 Gone.",
                    id=obj.identifier,
                )
            )
            flash(message, "info")
        back = request.form.get("back") or ""
        listing = url_for("staff.objects", institution=inst.slug)
        # Back to the same filtered list, and never anywhere off this list.
        return redirect(back if back.startswith(listing) else listing)
    page = page_arg()
    status = request.args.get("status") or None
    text = request.args.get("q", "")[:200]
    rows, total = staff_objects.list_objects(db, inst, status, text, page)
    return render_template(
        "staff/objects.html",
        institution=inst,
        objects=rows,
        total=total,
        page=page,
        pages=max(1, -(-total // staff_objects.PAGE_SIZE)),
        status=status,
        q=text,
        form=ObjectStatusForm(formdata=None),
    )


@bp.route("/<institution>/settings", methods=["GET", "POST"])
@login_required
def settings(institution: str) -> Response | str | tuple[str, int]:
    inst = institution_for(institution)
    db = session()
    # Shown values on GET; on POST what was sent wins (Flask-WTF reads the form then).
    form = SettingsForm(
        name=inst.name,
        homepage=inst.homepage,
        credit_template=credit_template(db, inst),
        courtesy_statement=inst.courtesy_statement,
        copyright_term=inst.copyright_term_years,
        metadata_licence=metadata_licence_choice(inst),
        default_language=inst.default_language or DEFAULT_LANGUAGE,
        tdm_reservation=inst.tdm_reservation is not False,
        tdm_policy=inst.tdm_policy,
    )
    if request.method == "POST":
        if not form.validate_on_submit():
            return render_template("staff/settings.html", institution=inst, form=form), 400
        logo = form.logo.data if form.logo.data and form.logo.data.filename else None
        try:
            with transaction() as db:
                changed = update_settings(
                    db,
                    inst,
                    Settings(
                        name=form.name.data or "",
                        homepage=form.homepage.data,
                        credit_template=form.credit_template.data,
                        courtesy_statement=bool(form.courtesy_statement.data),
                        copyright_term_years=form.copyright_term.data or 70,
                        metadata_licence=form.metadata_licence.data,
                        default_language=form.default_language.data,
                        tdm_reservation=bool(form.tdm_reservation.data),
                        tdm_policy=form.tdm_policy.data or "",
                    ),
                    data_dir(),
                    logo=logo.stream if logo else None,
                )
        except GlampubError as exc:
            form.form_errors.append(exc.for_web())
            return render_template("staff/settings.html", institution=inst, form=form), 400
        flash(_("Settings saved."), "info")
        if changed:
            flash(
                ngettext(
                    "The new copyright term changed the rights of %(num)d object.",
                    "The new copyright term changed the rights of %(num)d objects.",
                    changed,
                ),
                "info",
            )
        return redirect(url_for("staff.settings", institution=inst.slug))
    return render_template("staff/settings.html", institution=inst, form=form)


@bp.get("/<institution>/profiles")
@login_required
def profiles(institution: str) -> str:
    inst = institution_for(institution)
    return render_template(
        "staff/profiles.html",
        institution=inst,
        own=column_profiles.own_profiles(session(), inst),
        shipped=column_profiles.shipped(),
    )


@bp.route("/<institution>/profiles/edit", methods=["GET", "POST"])
@login_required
def edit_profile(institution: str) -> Response | str | tuple[str, int]:
    inst = institution_for(institution)
    db = session()
    profile_id = id_arg("id")
    existing = column_profiles.get_profile(db, inst, profile_id) if profile_id else None
    if request.method == "GET":
        start = request.args.get("from")
        text = existing.toml if existing else column_profiles.shipped_text(start or "default")
        name = existing.name if existing else (f"{start} (ours)" if start else "")
        form = ProfileForm(formdata=None, name=name, toml=text)
        return render_template("staff/profile_edit.html", institution=inst, form=form)
    form = ProfileForm()
    if not form.validate_on_submit():
        return render_template("staff/profile_edit.html", institution=inst, form=form), 400
    try:
        with transaction() as db:
            column_profiles.save_profile(
                db, inst, form.name.data or "", form.toml.data or "", profile_id
            )
    except GlampubError as exc:
        form.toml.errors = [exc.for_web()]
        return render_template("staff/profile_edit.html", institution=inst, form=form), 400
    flash(_("Profile “%(name)s” saved.", name=form.name.data), "info")
    return redirect(url_for("staff.profiles", institution=inst.slug))


@bp.route("/institutions", methods=["GET", "POST"])
@admin_required
def institutions() -> Response | str | tuple[str, int]:
    form = InstitutionForm()
    status = 200
    if request.method == "POST":
        if form.validate_on_submit():
            try:
                with transaction() as db:
                    add_institution(
                        db,
                        form.slug.data or "",
                        form.name.data or "",
                        data_dir(),
                        homepage=form.homepage.data or None,
                    )
                flash(_("Institution %(slug)s saved.", slug=form.slug.data), "info")
                return redirect(url_for("staff.institutions"))
            except GlampubError as exc:
                form.form_errors.append(exc.for_web())
        status = 400
    rows = list_institutions(session())
    return render_template("staff/institutions.html", institutions=rows, form=form), status


@bp.get("/guide")
@login_required
def guide() -> str:
    docs = resource_dir("docs")
    english = docs / GUIDE
    if not english.is_file():
        raise NotFound(f"the guide {GUIDE} is not installed")
    # The guide in the interface language when it is translated, English otherwise.
    translated = docs / guide_file(str(get_locale() or DEFAULT_LANGUAGE))
    html = _rendered(english)
    # Anchors stay the English ones, so the staff pages' links work in every language.
    anchors = _anchors(html)
    if translated != english and translated.is_file():
        html = _rendered(translated)
    html = _anchored(html, anchors)
    return render_template("staff/guide.html", html=Markup(html))


def guide_file(language: str) -> str:
    """The guide's file name in a language: `collection-managers.de.md`, English unsuffixed."""
    language = language.split("_")[0].lower()
    if language == DEFAULT_LANGUAGE or not re.fullmatch(r"[a-z]{2,3}", language):
        return GUIDE
    return GUIDE.removesuffix(".md") + f".{language}.md"


def _rendered(path: Path) -> str:
    from markdown_it import MarkdownIt

    # Our own file, rendered with raw HTML switched off all the same.
    return MarkdownIt("commonmark", {"html": False}).enable("table").render(path.read_text("utf-8"))


_HEADING = re.compile(r"<h([2-4])>(.*?)</h\1>")


def _anchors(html: str) -> list[str]:
    """The id of each heading, made from its text."""
    return [
        re.sub(r"[^a-z0-9]+", "-", re.sub(r"<[^>]+>", "", m.group(2)).lower()).strip("-")
        for m in _HEADING.finditer(html)
    ]


def _anchored(html: str, anchors: list[str]) -> str:
    """Headings get ids, so the staff pages can link to a section of the guide.

    The ids are given by position: a translation has the English headings' structure, and
    keeps the English anchors.
    """
    ids = iter(anchors)

    def heading(match: re.Match[str]) -> str:
        level, inner = match.group(1), match.group(2)
        anchor = next(ids, None)
        if anchor is None:
            return match.group(0)
        return f'<h{level} id="{anchor}">{inner}</h{level}>'

    return _HEADING.sub(heading, html)
