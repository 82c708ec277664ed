"""IIIF over HTTP: Presentation 3.0 collections and manifests, Image API 3.0.

Every answer carries CORS, the JSON-LD content type with the IIIF profile, an
ETag, and answers 304 to a matching If-None-Match.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

from flask import Blueprint, Response, current_app, request, send_file

from glampub.blueprints.helpers import gzipped, request_urls, session
from glampub.iiif.image_api import ImageApiError
from glampub.services import discovery, image_delivery
from glampub.services.publishing import (
    Document,
    institution_collection_document,
    manifest_document,
    top_collection_document,
)
from glampub.web_errors import error_response

bp = Blueprint("iiif", __name__)
#: Smaller bodies gain less from gzip than the header costs.
GZIP_MIN_BYTES = 1024

PRESENTATION_TYPE = 'application/ld+json;profile="http://iiif.io/api/presentation/3/context.json"'
IMAGE_TYPE = 'application/ld+json;profile="http://iiif.io/api/image/3/context.json"'


def _json_answer(doc: Document, media_type: str, max_age: int = 300) -> Response:
    """A stored document with its validators; gzip when the client accepts it."""
    response = Response(mimetype=None, content_type=media_type)
    response.set_etag(doc.etag)
    if doc.built_at is not None:
        response.last_modified = doc.built_at
    response.headers["Cache-Control"] = f"public, max-age={max_age}"
    response.vary.add("Accept-Encoding")
    response = response.make_conditional(request)
    if response.status_code == 304:
        return response
    if "gzip" in request.accept_encodings and len(doc.body) >= GZIP_MIN_BYTES:
        response.set_data(gzipped(doc.etag, doc.body))
        response.headers["Content-Encoding"] = "gzip"
    else:
        response.set_data(doc.body)
    return response


@bp.after_request
def cors(response: Response) -> Response:
    response.headers["Access-Control-Allow-Origin"] = "*"
    return response


@bp.get("/iiif/3/collection")
def top_collection() -> Response:
    return _json_answer(top_collection_document(session(), request_urls()), PRESENTATION_TYPE)


@bp.get("/iiif/3/collection/<institution>")
def institution_collection(institution: str) -> Response:
    doc = institution_collection_document(
        session(), institution, request_urls(), current_app.config["COLLECTION_PAGE_SIZE"]
    )
    return _json_answer(doc, PRESENTATION_TYPE)


@bp.get("/iiif/3/collection/<institution>/page/<int:page>")
def institution_collection_page(institution: str, page: int) -> Response:
    doc = institution_collection_document(
        session(), institution, request_urls(), current_app.config["COLLECTION_PAGE_SIZE"], page
    )
    return _json_answer(doc, PRESENTATION_TYPE)


@bp.get("/iiif/3/<institution>/<path:identifier>/manifest")
def manifest(institution: str, identifier: str) -> Response:
    doc = manifest_document(session(), institution, identifier, request_urls())
    return _json_answer(doc, PRESENTATION_TYPE)


DISCOVERY_TYPE = 'application/ld+json;profile="http://iiif.io/api/discovery/1/context.json"'


@bp.get("/iiif/discovery/all-changes")
def all_changes() -> Response:
    doc = discovery.changes_document(
        session(), request_urls(), current_app.config["DISCOVERY_PAGE_SIZE"]
    )
    return _json_answer(doc, DISCOVERY_TYPE, max_age=60)


@bp.get("/iiif/discovery/all-changes/page/<int:page>")
def all_changes_page(page: int) -> Response:
    doc = discovery.changes_page_document(
        session(), request_urls(), current_app.config["DISCOVERY_PAGE_SIZE"], page
    )
    return _json_answer(doc, DISCOVERY_TYPE, max_age=60)


@bp.get("/iiif/image/3/<image_id>")
def image_base(image_id: str) -> Response:
    # The spec asks servers to redirect the bare service URI to its info.json.
    response = Response(status=303)
    response.headers["Location"] = f"{request_urls().image_service(image_id)}/info.json"
    return response


@bp.get("/iiif/image/3/<image_id>/info.json")
def image_info(image_id: str) -> Response:
    urls = request_urls()
    image = image_delivery.find_image(session(), image_id, _data_dir(), urls)
    body = json.dumps(image_delivery.info_document(image, urls), separators=(",", ":"))
    doc = Document(body, hashlib.sha256(body.encode()).hexdigest()[:32])
    return _json_answer(doc, IMAGE_TYPE)


@bp.get("/iiif/image/3/<image_id>/<region>/<size>/<rotation>/<quality>.<fmt>")
def image(image_id: str, region: str, size: str, rotation: str, quality: str, fmt: str):  # type: ignore[no-untyped-def]
    data_dir = _data_dir()
    image = image_delivery.find_image(session(), image_id, data_dir, request_urls())
    try:
        path, media_type = image_delivery.render(
            image, region, size, rotation, quality, fmt, data_dir
        )
    except ImageApiError as exc:
        return error_response(exc.status, "Image request not supported", exc.message)
    response = send_file(path, mimetype=media_type, etag=True, max_age=86400, conditional=True)
    response.headers["Link"] = f'<{request_urls().image_service(image_id)}>;rel="canonical"'
    if image.rights_uri:
        response.headers["Link"] += f', <{image.rights_uri}>;rel="license"'
    return response


def _data_dir() -> Path:
    return Path(current_app.config["DATA_DIR"])
