"""Public pages: home, search, object pages, downloads, and the source record behind each object."""

from __future__ import annotations

import re
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import urlencode

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    make_response,
    render_template,
    request,
    send_file,
    send_from_directory,
    url_for,
)
from flask_babel import lazy_gettext as _l
from sqlalchemy.exc import SQLAlchemyError

from glampub.credit import first_value, in_language
from glampub.db import ping
from glampub.favicon import favicon_ico
from glampub.images import delivery as image_delivery
from glampub.institutions.settings import credit_template
from glampub.languages import shipped
from glampub.publishing.documents import Gone, find_object, has_canvas
from glampub.publishing.institution_page import institution_overview
from glampub.publishing.mining import Headers, mining_note, object_headers
from glampub.publishing.object_page import page_extras
from glampub.publishing.object_values import image_info, object_info, source_document
from glampub.publishing.viewer_sources import viewer_sources
from glampub.search.query import SORTS, SearchQuery, institution_counts, recent_objects, search
from glampub.web import vendor
from glampub.web.blueprints.helpers import request_urls, session
from glampub.web.language import LANGUAGE_COOKIE, current_language
from glampub.web.security import DATA_DOCUMENT_POLICY, content_security_policy

if TYPE_CHECKING:
    from glampub.models import CollectionObject, Image

bp = Blueprint("public", __name__)

REUSE_CLASSES = {
    "free": _l("Free to reuse"),
    "conditions": _l("Reuse with conditions"),
    "permission": _l("Ask permission"),
}
#: Deep pages are for crawlers, not people; they cost the database an offset scan.
MAX_PAGE = 1000


@bp.app_template_filter("lang")
def pick_language(lang_map: dict[str, list[str]] | None, fallback: str = "") -> str:
    """The value in the reader's language when the data has it, else the first one."""
    if not lang_map:
        return fallback
    # An explicit choice (?lang=, the remembered one) first, then the browser's
    # languages as far as the data has them, then the interface's language.
    chosen = request.args.get("lang") or shipped(request.cookies.get(LANGUAGE_COOKIE))
    wanted = request.accept_languages.best_match(list(lang_map))
    for lang in (chosen, wanted, current_language(), "none", "en"):
        if lang and lang_map.get(lang):
            return lang_map[lang][0]
    return next((v[0] for v in lang_map.values() if v), fallback)


@bp.app_context_processor
def shared_names() -> dict[str, object]:
    return {
        "reuse_classes": REUSE_CLASSES,
        "urls": request_urls(),
        "viewer_installed": _viewer_root() is not None,
        "search_url": search_url,
        "static_site": _static_site(),
        "site_link": site_link,
        "download_url": download_url,
    }


def _static_site() -> bool:
    """True while the static export renders pages: they link only to its files."""
    return bool(current_app.config.get("STATIC_URLS"))


def site_link(page: str, **params: object) -> str:
    """A link to the home or search page, in the live site or the static export.

    The export's search is a page of its own searching a JSON index in the
    browser; it reads the same ``q``, ``institution`` and ``reuse`` parameters."""
    params = {k: v for k, v in params.items() if v is not None}
    if not _static_site():
        return url_for({"home": "public.home", "search": "public.search_page"}[page], **params)
    urls = request_urls()
    target = {"home": urls.home(), "search": urls.search()}[page]
    return f"{target}?{urlencode(params)}" if params else target


def download_url(obj: CollectionObject, image: Image) -> str:
    """Where the "Download image" button fetches the original: the download
    route live, the file the static export wrote of it there."""
    if _static_site():
        extension = image_info(image, obj.institution).extension
        return request_urls().download(image.public_id, extension)
    return url_for(
        "public.download",
        institution=obj.institution.slug,
        identifier=obj.identifier,
        position=image.position,
    )


def search_url(**changes: object) -> str:
    """This search with some parameters changed (None drops one); back to page 1
    unless a page is given."""
    params = {k: v for k, v in request.args.items() if k != "page"}
    for key, value in changes.items():
        if value is None:
            params.pop(key, None)
        else:
            params[key] = str(value)
    return url_for("public.search_page", **params)


def _viewer_root() -> Path | None:
    return vendor.installed_root(Path(current_app.config["DATA_DIR"]))


@bp.get("/")
def home() -> str:
    db = session()
    return render_template(
        "home.html", institutions=institution_counts(db), recent=recent_objects(db)
    )


def _year(name: str) -> int | None:
    value = request.args.get(name, "").strip()
    return int(value) if re.fullmatch(r"-?\d{1,4}", value) else None


@bp.get("/search")
def search_page() -> str:
    args = request.args
    reuse = args.get("reuse") or None
    query = SearchQuery(
        text=args.get("q", "").strip()[:500],
        institution=args.get("institution") or None,
        reuse=reuse if reuse in REUSE_CLASSES else None,
        licence=args.get("licence") or None,
        object_type=args.get("type") or None,
        creator=args.get("creator") or None,
        date_from=_year("from"),
        date_to=_year("to"),
        sort=args.get("sort", ""),
        page=min(max(args.get("page", 1, type=int) or 1, 1), MAX_PAGE),
        page_size=current_app.config["SEARCH_PAGE_SIZE"],
    )
    result = search(session(), query, exact_up_to=current_app.config["SEARCH_EXACT_COUNTS_UP_TO"])
    return render_template("search.html", result=result, sorts=SORTS)


@bp.get("/objects/<institution>/<path:identifier>/source")
def source_record(institution: str, identifier: str) -> Response:
    obj = find_object(session(), institution, identifier)
    if obj.is_withdrawn:
        raise Gone(f"object {identifier!r} of {institution!r} has been withdrawn")
    text, media_type = source_document(obj)
    response = Response(text, mimetype=media_type)
    response.headers["Access-Control-Allow-Origin"] = "*"
    response.headers["Content-Security-Policy"] = DATA_DOCUMENT_POLICY
    return with_headers(response, object_headers(obj))


def with_headers(response: Response, headers: Headers) -> Response:
    """The response with the object's TDM reservation (glampub.publishing.mining)."""
    for name, value in headers:
        response.headers[name] = value
    return response


@bp.get("/objects/<institution>/<path:identifier>/download/<int:position>")
def download(institution: str, identifier: str, position: int) -> Response:
    """The full image as a file to keep, its credit and licence in its own metadata."""
    db = session()
    obj = find_object(db, institution, identifier)
    if obj.is_withdrawn:
        raise Gone(f"object {identifier!r} of {institution!r} has been withdrawn")
    image = next((i for i in obj.images if i.position == position and i.width), None)
    if image is None:
        abort(404, description=f"object {identifier!r} has no image {position}")
    data_dir = Path(current_app.config["DATA_DIR"])
    served = image_delivery.find_image(db, image.public_id, data_dir, request_urls())
    # The master at full resolution, credit spliced in (refused for an image
    # published as a thumbnail only), as the manifest's "rendering" offers it.
    original = image_delivery.original(served, data_dir)
    assert original.path is not None
    name = re.sub(r"[^A-Za-z0-9._-]+", "-", f"{institution}-{identifier}-{position}").strip("-")
    response = send_file(
        original.path,
        mimetype=original.media_type,
        as_attachment=True,
        download_name=f"{name}{original.path.suffix}",
    )
    return with_headers(response, served.tdm_headers)


@bp.get("/objects/<institution>/<path:identifier>")
def object_page(institution: str, identifier: str) -> Response:
    db = session()
    obj = find_object(db, institution, identifier)
    if obj.is_withdrawn:
        raise Gone(f"object {identifier!r} of {institution!r} has been withdrawn")
    urls = request_urls()
    language = current_language()
    # The rights label in the reader's language: the publisher's official one.
    info = in_language(object_info(obj), language)
    manifest_url = urls.manifest(institution, obj.identifier) if has_canvas(obj) else None
    extras = page_extras(
        info,
        urls,
        manifest_url,
        credit_template(db, obj.institution),
        pick_language(obj.description) or first_value(obj.description),
        language,
    )
    mining = mining_note(obj)
    viewer = viewer_sources(info, urls, secure_page=request.is_secure)
    response = make_response(
        render_template(
            "object.html",
            obj=obj,
            info=info,
            extras=extras,
            manifest_url=manifest_url,
            viewer_info=viewer.info,
            mining=mining,
        )
    )
    if viewer.origins:
        response.headers["Content-Security-Policy"] = content_security_policy(viewer.origins)
    return with_headers(response, mining.headers)


@bp.get("/institutions/<institution>")
def institution_page(institution: str) -> str:
    overview = institution_overview(
        session(), institution, request_urls(), language=current_language()
    )
    return render_template("institution.html", overview=overview)


@bp.get("/favicon.ico")
def favicon() -> Response:
    # Browsers ask for it at the root whatever the page links to.
    response = Response(favicon_ico(), mimetype="image/vnd.microsoft.icon")
    response.cache_control.public = True
    response.cache_control.max_age = 86400
    return response


@bp.get("/vendor/openseadragon/<path:filename>")
def viewer_file(filename: str) -> Response:
    root = _viewer_root()
    if root is None:
        abort(404, description="the zoomable viewer is not installed: run glampub install-viewer")
    response = send_from_directory(root, filename, max_age=86400)
    return response


@bp.get("/healthz")
def healthz() -> tuple[dict[str, str], int]:
    try:
        ping(session())
    except SQLAlchemyError as exc:
        return {"status": "unavailable", "message": f"database does not answer: {exc}"}, 503
    return {"status": "ok"}, 200
