"""Public pages: home, search, object pages, and the source record behind each object."""

from __future__ import annotations

from flask import Blueprint, Response, current_app, render_template, request
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from glampub.blueprints.helpers import request_urls, session
from glampub.credit import (
    reference_html,
    reference_markdown,
    reference_text,
    reference_wikitext,
)
from glampub.services.publishing import Gone, find_object, has_canvas
from glampub.services.search import institution_counts, recent_objects, search
from glampub.services.views import object_info, source_document

bp = Blueprint("public", __name__)

REUSE_CLASSES = {
    "free": "Free to reuse",
    "conditions": "Reuse with conditions",
    "permission": "Ask permission",
}


@bp.app_template_filter("lang")
def pick_language(lang_map: dict[str, list[str]] | None, fallback: str = "") -> str:
    """The value in the reader's language when the data has it, else the first one."""
    if not lang_map:
        return fallback
    wanted = request.args.get("lang") or request.accept_languages.best_match(list(lang_map))
    for lang in (wanted, "none", "en"):
        if lang and lang_map.get(lang):
            return lang_map[lang][0]
    return next((v[0] for v in lang_map.values() if v), fallback)


@bp.app_context_processor
def shared_names() -> dict[str, object]:
    return {"reuse_classes": REUSE_CLASSES, "urls": request_urls()}


@bp.get("/")
def home() -> str:
    db = session()
    return render_template(
        "home.html", institutions=institution_counts(db), recent=recent_objects(db)
    )


@bp.get("/search")
def search_page() -> str:
    query = request.args.get("q", "").strip()
    reuse = request.args.get("reuse") or None
    if reuse not in REUSE_CLASSES:
        reuse = None
    result = search(
        session(),
        query,
        institution=request.args.get("institution") or None,
        reuse=reuse,
        page=request.args.get("page", 1, type=int) or 1,
        page_size=current_app.config["SEARCH_PAGE_SIZE"],
    )
    return render_template("search.html", result=result, reuse=reuse)


@bp.get("/objects/<institution>/<path:identifier>/source")
def source_record(institution: str, identifier: str) -> Response:
    obj = find_object(session(), institution, identifier)
    if obj.is_withdrawn:
        raise Gone(f"object {identifier!r} of {institution!r} has been withdrawn")
    text, media_type = source_document(obj)
    response = Response(text, mimetype=media_type)
    response.headers["Access-Control-Allow-Origin"] = "*"
    return response


@bp.get("/objects/<institution>/<path:identifier>")
def object_page(institution: str, identifier: str) -> str:
    obj = find_object(session(), institution, identifier)
    if obj.is_withdrawn:
        raise Gone(f"object {identifier!r} of {institution!r} has been withdrawn")
    urls = request_urls()
    info = object_info(obj)
    page_url = urls.object_page(institution, obj.identifier)
    references = {
        "Plain text": reference_text(info, page_url),
        "HTML": reference_html(info, page_url),
        "Markdown": reference_markdown(info, page_url),
        "Wikitext": reference_wikitext(info, page_url),
    }
    return render_template(
        "object.html",
        obj=obj,
        info=info,
        references=references,
        manifest_url=urls.manifest(institution, obj.identifier) if has_canvas(obj) else None,
    )


@bp.get("/healthz")
def healthz() -> tuple[dict[str, str], int]:
    try:
        session().execute(text("SELECT 1"))
    except SQLAlchemyError as exc:
        return {"status": "unavailable", "message": f"database does not answer: {exc}"}, 503
    return {"status": "ok"}, 200
