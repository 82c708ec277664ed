"""Uploading an export, its dry-run preview, publishing it, and the import history."""

from __future__ import annotations

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import login_required
from werkzeug.wrappers import Response

from glampub.errors import GlampubError
from glampub.importing import column_profiles
from glampub.importing import harvest as image_harvest
from glampub.importing import history as import_history
from glampub.importing.progress import progress_path, read_progress
from glampub.importing.uploads import store_upload
from glampub.jobs import background as jobs
from glampub.jobs import harvest_job
from glampub.jobs import runner as job_runner
from glampub.statuses import UPLOAD_RUNNING, UploadStatus
from glampub.web.auth import staff
from glampub.web.blueprints.helpers import page_arg, request_urls, session, transaction
from glampub.web.blueprints.staff.common import bp, data_dir, institution_for
from glampub.web.blueprints.staff.forms import EmptyForm, UploadForm, options
from importers.base import AUTO_FORMAT


def profile_choices(institution) -> list[tuple[str, str]]:  # type: ignore[no-untyped-def]
    choices = [("", _("Default columns"))]
    choices += [(name, _("Shipped: %(name)s", name=name)) for name in column_profiles.shipped()]
    choices += [
        (f"profile:{p.id}", _("Ours: %(name)s", name=p.name))
        for p in column_profiles.own_profiles(session(), institution)
    ]
    return choices


@bp.route("/<institution>/upload", methods=["GET", "POST"])
@login_required
def upload(institution: str) -> Response | str | tuple[str, int]:
    inst = institution_for(institution)
    form = UploadForm()
    form.profile.choices = options(profile_choices(inst))
    if request.method == "POST":
        db = session()
        if not form.validate_on_submit():
            return render_template("staff/upload.html", institution=inst, form=form), 400
        if not column_profiles.choice_is_valid(db, inst, form.profile.data):
            form.profile.errors = [_("Choose one of the listed profiles.")]
            return render_template("staff/upload.html", institution=inst, form=form), 400
        export = form.export.data
        images = form.images.data or None
        try:
            with transaction() as db:
                row = store_upload(
                    db,
                    data_dir(),
                    inst,
                    staff().user_id,
                    export.stream,
                    export.filename or "export",
                    images=images.stream if images and images.filename else None,
                    fmt=form.format.data or AUTO_FORMAT,
                    profile=form.profile.data or None,
                    full=bool(form.full.data),
                )
                job_runner.set_waiting(row, UploadStatus.PREVIEWING)
        except GlampubError as exc:
            form.export.errors = [exc.for_web()]
            return render_template("staff/upload.html", institution=inst, form=form), 400
        jobs.start(current_app._get_current_object(), row.id, "preview", request_urls().base)  # type: ignore[attr-defined]
        return redirect(url_for("staff.upload_page", institution=inst.slug, upload_id=row.id))
    return render_template("staff/upload.html", institution=inst, form=form)


@bp.get("/<institution>/uploads/<int:upload_id>")
@login_required
def upload_page(institution: str, upload_id: int) -> str:
    inst = institution_for(institution)
    db = session()
    row = import_history.get_upload(db, inst, upload_id)
    if row.status in UPLOAD_RUNNING:
        jobs.recover_one(current_app._get_current_object(), db, row)  # type: ignore[attr-defined]
    run = import_history.get_run(db, inst, row.preview_run_id) if row.preview_run_id else None
    page = page_arg()
    problems = import_history.problems(data_dir(), run, page) if run else []
    return render_template(
        "staff/preview.html",
        institution=inst,
        upload=row,
        run=run,
        summary=row.preview or {},
        problems=problems,
        page=page,
        pages=import_history.problem_pages(run) if run else 1,
        running=row.status in UPLOAD_RUNNING,
        form=EmptyForm(),
        **_harvest_view(inst),
    )


def _harvest_view(inst) -> dict[str, object]:  # type: ignore[no-untyped-def]
    """The institution's latest harvest of image URLs, and how many still wait."""
    db = session()
    return {
        "harvest": image_harvest.harvest_state(db, inst),
        "waiting": image_harvest.waiting_references(db, inst.id),
    }


@bp.post("/<institution>/harvest")
@login_required
def start_harvest(institution: str) -> Response:
    """Harvest (or resume harvesting) the institution's image URLs in the background."""
    inst = institution_for(institution)
    if not EmptyForm().validate_on_submit():
        abort(400, description="The form had expired; open the page again.")
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    try:
        harvest_job.check_can_start(app.extensions["glampub.db"], inst.slug)
    except GlampubError as exc:
        flash(exc.for_web(), "error")
    else:
        harvest_job.start(app, inst.slug)
        flash(_("The image URLs are being harvested."), "info")
    return redirect(url_for("staff.history", institution=inst.slug) + "#image-harvest")


@bp.get("/<institution>/uploads/<int:upload_id>/progress")
@login_required
def upload_progress(institution: str, upload_id: int) -> dict[str, object]:
    inst = institution_for(institution)
    row = import_history.get_upload(session(), inst, upload_id)
    if row.status in UPLOAD_RUNNING:
        jobs.recover_one(current_app._get_current_object(), session(), row)  # type: ignore[attr-defined]
    state = read_progress(progress_path(data_dir(), upload_id)) or {}
    records = state.get("records", 0)
    return {
        "status": row.status,
        "finished": row.status not in UPLOAD_RUNNING,
        "percent": state.get("percent", 0),
        "records": records,
        # A retry's reason, or how far it got.
        "text": state.get("message") or _("%(records)d records read", records=records),
    }


@bp.post("/<institution>/uploads/<int:upload_id>/publish")
@login_required
def publish(institution: str, upload_id: int) -> Response:
    inst = institution_for(institution)
    db = session()
    row = import_history.get_upload(db, inst, upload_id)
    if not EmptyForm().validate_on_submit():
        abort(400, description=_("The form had expired; open the preview again and publish."))
    if row.status != UploadStatus.PREVIEWED:
        flash(_("Only a previewed upload can be published."), "error")
        return redirect(url_for("staff.upload_page", institution=inst.slug, upload_id=row.id))
    with transaction():
        job_runner.set_waiting(row, UploadStatus.PUBLISHING)
    jobs.start(current_app._get_current_object(), row.id, "publish", request_urls().base)  # type: ignore[attr-defined]
    return redirect(url_for("staff.upload_page", institution=inst.slug, upload_id=row.id))


@bp.get("/<institution>/imports")
@login_required
def history(institution: str) -> str:
    inst = institution_for(institution)
    db = session()
    for row in import_history.uploads(db, inst):
        if row.status in UPLOAD_RUNNING:
            jobs.recover_one(current_app._get_current_object(), db, row)  # type: ignore[attr-defined]
    return render_template(
        "staff/history.html",
        institution=inst,
        runs=import_history.runs(db, inst),
        uploads=import_history.uploads(db, inst),
        **_harvest_view(inst),
    )


@bp.get("/<institution>/imports/<int:run_id>")
@login_required
def run_report(institution: str, run_id: int) -> str:
    inst = institution_for(institution)
    run = import_history.get_run(session(), inst, run_id)
    page = page_arg()
    return render_template(
        "staff/run.html",
        institution=inst,
        run=run,
        problems=import_history.problems(data_dir(), run, page),
        page=page,
        pages=import_history.problem_pages(run),
    )
