"""The JSON API for automation, under /api/v1, with token authentication.

It does what the upload page does: upload an export, read its dry-run
preview, publish it, follow the history; and the review queue and the
withdrawal of objects. Described by /api/v1/openapi.json.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from flask import Blueprint, Response, current_app, g, jsonify, request, url_for

from glampub.accounts.store import TokenRefused
from glampub.db import get_db
from glampub.errors import UsageError
from glampub.importing import column_profiles
from glampub.importing import history as import_history
from glampub.importing.progress import progress_path, read_progress
from glampub.importing.uploads import store_upload
from glampub.institutions.registry import list_institutions
from glampub.jobs import background as jobs
from glampub.jobs import runner as job_runner
from glampub.models import ImportRun, Institution, Upload
from glampub.publishing import withdrawal as staff_objects
from glampub.publishing.documents import find_object
from glampub.rights import NEEDS_REVIEW, canonical_uri
from glampub.rights_review.queue import decide, review_queue
from glampub.statuses import ObjectStatus, UploadStatus
from glampub.web.auth import StaffUser, require_institution, token_user
from glampub.web.blueprints.api_spec import openapi_document
from glampub.web.blueprints.helpers import page_arg, request_urls, session, transaction
from glampub.web.blueprints.staff.common import data_dir
from importers.base import AUTO_FORMAT, format_choices

bp = Blueprint("api", __name__, url_prefix="/api/v1")


def _problem(status: int, title: str, message: str) -> Response:
    response = jsonify({"error": title, "status": status, "message": message})
    response.status_code = status
    return response


def authenticate_token() -> Response | None:
    """Who sends this request, by its bearer token (kept as ``g.api_user``);
    the 401 answer when the token names nobody. Reads only the headers."""
    if "api_user" in g:
        return None
    try:
        user = token_user(session(), get_db().engine, request.headers.get("Authorization"))
    except TokenRefused as exc:
        response = _problem(401, "Unauthorized", str(exc))
        response.headers["WWW-Authenticate"] = 'Bearer realm="glampub"'
        return response
    g.api_user = user
    return None


def authenticate_upload() -> Response | None:
    """For an upload, before its body is read (glampub.web.edge): the token's
    account, and that it may upload for the institution of the URL."""
    answer = authenticate_token()
    if answer is None:
        require_institution((request.view_args or {}).get("institution", ""), _user())
    return answer


def token_required(view: Callable[..., Any]) -> Callable[..., Any]:
    @wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        answer = authenticate_token()
        if answer is not None:
            return answer
        return view(*args, **kwargs)

    return wrapper


def _user() -> StaffUser:
    return g.api_user


@bp.get("/openapi.json")
def openapi() -> Response:
    return jsonify(openapi_document(request_urls().base))


def _institution(slug: str) -> Institution:
    require_institution(slug, _user())
    return institution_for_token(slug)


def institution_for_token(slug: str) -> Institution:
    from glampub.institutions.registry import get_institution

    return get_institution(session(), slug)


def _institution_json(inst: Institution) -> dict[str, Any]:
    return {"slug": inst.slug, "name": inst.name, "homepage": inst.homepage}


@bp.get("/institutions")
@token_required
def institutions() -> Response:
    user = _user()
    only = None if user.is_admin else user.institution_id
    rows = list_institutions(session(), by_slug=True, only_id=only)
    return jsonify({"institutions": [_institution_json(i) for i in rows]})


def upload_json(row: Upload) -> dict[str, Any]:
    slug = row.institution.slug
    state = read_progress(progress_path(data_dir(), row.id)) or {}
    preview = dict(row.preview or {})
    preview.pop("problems_file", None)  # a server path: nothing for the client
    return {
        "id": row.id,
        "institution": slug,
        "file": row.original_name,
        "size": row.size,
        "format": row.format,
        "profile": row.profile,
        "full": row.full,
        "status": row.status,
        "message": row.message,
        "progress": {"records": state.get("records", 0), "percent": state.get("percent", 0)},
        "preview": preview or None,
        "preview_run": row.preview_run_id,
        "publish_run": row.publish_run_id,
        "created_at": row.created_at.isoformat(),
        "url": url_for("api.get_upload", institution=slug, upload_id=row.id),
        "page": url_for("staff.upload_page", institution=slug, upload_id=row.id),
    }


def _flag(name: str) -> bool:
    value = (request.form.get(name) or "false").strip().lower()
    if value not in ("true", "false", "1", "0", "yes", "no"):
        raise UsageError(f"{name} must be true or false, not {value!r}")
    return value in ("true", "1", "yes")


@bp.post("/institutions/<institution>/uploads")
@token_required
def create_upload(institution: str) -> tuple[Response, int]:
    inst = _institution(institution)
    db = session()
    export = request.files.get("export")
    if export is None or not export.filename:
        raise UsageError("send the export as the multipart file field `export`")
    images = request.files.get("images")
    fmt = request.form.get("format") or AUTO_FORMAT
    if fmt not in format_choices():
        raise UsageError(f"format must be one of {', '.join(format_choices())}")
    profile = request.form.get("profile") or None
    if not column_profiles.choice_is_valid(db, inst, profile):
        raise UsageError(
            f"unknown profile {profile!r}: use a shipped one "
            f"({', '.join(column_profiles.shipped())}) or profile:<id> of your own"
        )
    full = _flag("full")
    with transaction():
        row = store_upload(
            db,
            data_dir(),
            inst,
            _user().user_id,
            export.stream,
            export.filename,
            images=images.stream if images is not None and images.filename else None,
            fmt=fmt,
            profile=profile,
            full=full,
        )
        job_runner.set_waiting(row, UploadStatus.PREVIEWING)
    jobs.start(current_app._get_current_object(), row.id, "preview", request_urls().base)  # type: ignore[attr-defined]
    return jsonify(upload_json(row)), 202


@bp.get("/institutions/<institution>/uploads/<int:upload_id>")
@token_required
def get_upload(institution: str, upload_id: int) -> Response:
    inst = _institution(institution)
    return jsonify(upload_json(import_history.get_upload(session(), inst, upload_id)))


@bp.post("/institutions/<institution>/uploads/<int:upload_id>/publish")
@token_required
def publish_upload(institution: str, upload_id: int) -> tuple[Response, int]:
    inst = _institution(institution)
    db = session()
    row = import_history.get_upload(db, inst, upload_id)
    if row.status != UploadStatus.PREVIEWED:
        return _problem(
            409,
            "Conflict",
            f"upload {row.id} is {row.status}; only a previewed upload is published",
        ), 409
    with transaction():
        job_runner.set_waiting(row, UploadStatus.PUBLISHING)
    jobs.start(current_app._get_current_object(), row.id, "publish", request_urls().base)  # type: ignore[attr-defined]
    return jsonify(upload_json(row)), 202


def run_json(run: ImportRun, page: int | None = None) -> dict[str, Any]:
    data: dict[str, Any] = {
        "id": run.id,
        "file": run.file_name.rsplit("/", 1)[-1],
        "format": run.format,
        "status": run.status,
        "dry_run": run.dry_run,
        "started_at": run.started_at.isoformat(),
        "finished_at": run.finished_at.isoformat() if run.finished_at else None,
        "created": run.created,
        "updated": run.updated,
        "unchanged": run.unchanged,
        "withdrawn": run.withdrawn,
        "rejected": run.rejected,
        "rights": run.rights or {},
        "problems_total": run.problems_total,
        "problem_counts": run.problem_counts or {},
        "message": run.message,
    }
    if page is not None:
        data["problems"] = import_history.problems(data_dir(), run, page)
        data["problem_pages"] = import_history.problem_pages(run)
    return data


@bp.get("/institutions/<institution>/imports")
@token_required
def list_imports(institution: str) -> Response:
    inst = _institution(institution)
    return jsonify({"imports": [run_json(r) for r in import_history.runs(session(), inst)]})


@bp.get("/institutions/<institution>/imports/<int:run_id>")
@token_required
def get_import(institution: str, run_id: int) -> Response:
    inst = _institution(institution)
    page = page_arg()
    return jsonify(run_json(import_history.get_run(session(), inst, run_id), page))


@bp.get("/institutions/<institution>/review")
@token_required
def get_review(institution: str) -> Response:
    inst = _institution(institution)
    return jsonify({"items": [item.to_dict() for item in review_queue(session(), inst.slug)]})


def _json_body() -> dict[str, Any]:
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        raise UsageError("send a JSON object")
    return body


def _text(body: dict[str, Any], key: str, required: bool = True) -> str:
    value = body.get(key, "" if not required else None)
    if not isinstance(value, str) or (required and not value.strip()):
        raise UsageError(f"`{key}` must be a non-empty string")
    return value


@bp.post("/institutions/<institution>/review")
@token_required
def post_review(institution: str) -> Response:
    inst = _institution(institution)
    body = _json_body()
    no_statement = body.get("no_statement", False)
    if not isinstance(no_statement, bool):
        raise UsageError("`no_statement` is true or false")
    if no_statement and "statement" in body:
        raise UsageError("send `statement` or `no_statement: true`, not both")
    statement = "" if no_statement else _text(body, "statement")
    target = _text(body, "target")
    note = _text(body, "note", required=False) if "note" in body else ""
    if target != NEEDS_REVIEW and canonical_uri(target) is None:
        raise UsageError(f"{target!r} is not a rights URI glampub knows, nor {NEEDS_REVIEW}")
    with transaction() as db:
        change = decide(
            db, inst.slug, statement, target, _user().email, note, no_statement=no_statement
        )
    return jsonify(
        {
            "statement": statement,
            "no_statement": no_statement,
            "target": change.rule.target,
            "changed": change.changed,
        }
    )


@bp.post("/institutions/<institution>/objects/status")
@token_required
def object_status(institution: str) -> Response:
    inst = _institution(institution)
    body = _json_body()
    identifier, status = _text(body, "identifier"), _text(body, "status")
    if status not in tuple(ObjectStatus):
        raise UsageError("`status` is published or withdrawn")
    with transaction() as db:
        obj = find_object(db, inst.slug, identifier)
        changed = staff_objects.set_published(db, obj, status == ObjectStatus.PUBLISHED)
    return jsonify({"identifier": obj.identifier, "status": obj.status, "changed": changed})
