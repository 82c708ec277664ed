"""IIIF over HTTP: Presentation 3.0 collections and manifests, Image API 3.0.

Every answer carries CORS, the JSON-LD content type with the IIIF profile, an
ETag, and answers 304 to a matching If-None-Match.
"""

from __future__ import annotations

import os
from dataclasses import replace
from pathlib import Path
from typing import Any

from flask import Blueprint, Response, current_app, request
from werkzeug.http import http_date
from werkzeug.wsgi import wrap_file

from glampub.db import current_session, get_db
from glampub.errors import NotFound
from glampub.iiif.image_api import ImageApiError
from glampub.iiif.urls import IiifUrls
from glampub.images import delivery as image_delivery
from glampub.images.render_lanes import RenderRefused
from glampub.publishing import discovery
from glampub.publishing.collections import (
    institution_collection_document,
    top_collection_document,
)
from glampub.publishing.documents import (
    Document,
    ServedCache,
    document,
    manifest_document,
    record_document,
)
from glampub.web.errors import error_response
from glampub.web.fast_documents import Answer, FastDocuments, iiif_urls, respond, stamp_for

bp = Blueprint("iiif", __name__)


@bp.record_once
def _setup(state: Any) -> None:
    """The worker's memory of what it served, and the middleware that answers from it."""
    app = state.app
    # Answers by their size (a document is kept as text and as bytes); a
    # ServedImage is a few hundred bytes, so counting each as 1 bounds the entries.
    answers: ServedCache[Answer] = ServedCache(
        app.config["SERVED_CACHE_BYTES"], lambda answer: 2 * len(answer.doc.body) + 400
    )
    images: ServedCache[image_delivery.ServedImage] = ServedCache(
        app.config["SERVED_IMAGE_ENTRIES"], lambda _image: 1
    )
    app.extensions["glampub.served_images"] = images
    app.wsgi_app = FastDocuments(app, app.wsgi_app, answers)  # type: ignore[method-assign]
    app.extensions["glampub.fast_documents"] = app.wsgi_app


PRESENTATION_TYPE = 'application/ld+json;profile="http://iiif.io/api/presentation/3/context.json"'
IMAGE_TYPE = 'application/ld+json;profile="http://iiif.io/api/image/3/context.json"'


def _json_answer(doc: Document, media_type: str, max_age: int = 300) -> Response:
    """A document with its validators, remembered so the next request for this
    path is answered before Flask (see glampub.web.fast_documents)."""
    answer = Answer(doc, media_type, max_age)
    environ = request.environ
    current_app.extensions["glampub.fast_documents"].remember(environ, answer)
    status, headers, body = respond(answer, environ)
    return Response(body or None, status=status, headers=headers)


def request_urls() -> IiifUrls:
    """The IIIF ids of this request's documents (see glampub.web.fast_documents)."""
    return iiif_urls(request.environ, current_app.config)


@bp.after_request
def cors(response: Response) -> Response:
    response.headers["Access-Control-Allow-Origin"] = "*"
    return response


@bp.get("/iiif/3/collection")
def top_collection() -> Response:
    urls, size = request_urls(), current_app.config["COLLECTION_PAGE_SIZE"]
    doc = top_collection_document(current_session(), urls, size)
    return _json_answer(doc, PRESENTATION_TYPE)


@bp.get("/iiif/3/collection/<institution>")
@bp.get("/iiif/3/collection/<institution>/page/<int:page>")
def institution_collection(institution: str, page: int | None = None) -> Response:
    urls, size = request_urls(), current_app.config["COLLECTION_PAGE_SIZE"]
    doc = institution_collection_document(current_session(), institution, urls, size, page)
    return _json_answer(doc, PRESENTATION_TYPE)


@bp.get("/iiif/3/<institution>/<path:identifier>/manifest")
def manifest(institution: str, identifier: str) -> Response:
    urls = request_urls()
    doc = manifest_document(current_session(), institution, identifier, urls)
    return _json_answer(doc, PRESENTATION_TYPE)


@bp.get("/iiif/3/<institution>/<path:identifier>/record")
def record(institution: str, identifier: str) -> Response:
    urls = request_urls()
    doc = record_document(current_session(), institution, identifier, urls)
    return _json_answer(doc, "application/json")


DISCOVERY_TYPE = 'application/ld+json;profile="http://iiif.io/api/discovery/1/context.json"'


@bp.get("/iiif/discovery/all-changes")
def all_changes() -> Response:
    urls, size = request_urls(), current_app.config["DISCOVERY_PAGE_SIZE"]
    doc = discovery.changes_document(current_session(), urls, size)
    return _json_answer(doc, DISCOVERY_TYPE, max_age=60)


@bp.get("/iiif/discovery/all-changes/page/<int:page>")
def all_changes_page(page: int) -> Response:
    urls, size = request_urls(), current_app.config["DISCOVERY_PAGE_SIZE"]
    doc = discovery.changes_page_document(current_session(), urls, size, page)
    return _json_answer(doc, DISCOVERY_TYPE, max_age=60)


@bp.get("/iiif/image/3/<image_id>")
def image_base(image_id: str) -> Response:
    # The spec asks servers to redirect the bare service URI to its info.json.
    response = Response(status=303)
    response.headers["Location"] = f"{request_urls().image_service(image_id)}/info.json"
    return response


def _served_image(image_id: str) -> image_delivery.ServedImage:
    urls, data_dir = request_urls(), _data_dir()
    images = current_app.extensions["glampub.served_images"]
    return images.fetch(
        (urls, image_id),
        stamp_for(request.environ, get_db().engine),
        lambda: image_delivery.find_image(current_session(), image_id, data_dir, urls),
    )


@bp.get("/iiif/image/3/<image_id>/info.json")
def image_info(image_id: str) -> Response:
    urls = request_urls()

    def build() -> Document:
        max_area = current_app.config["IMAGE_MAX_AREA"]
        served = _served_image(image_id)
        info = image_delivery.info_document(served, urls, max_area)
        return replace(document(info), headers=served.tdm_headers)

    return _json_answer(build(), IMAGE_TYPE)


@bp.get("/iiif/image/3/<image_id>/<region>/<size>/<rotation>/<quality>.<fmt>")
def image(image_id: str, region: str, size: str, rotation: str, quality: str, fmt: str):  # type: ignore[no-untyped-def]
    image = _served_image(image_id)
    params = (region, size, rotation, quality, fmt)
    try:
        try:
            return _image_answer(image, params)
        except FileNotFoundError:
            # A cached file another worker evicted between finding it and
            # opening it: this time it is rendered.
            return _image_answer(image, params)
    except ImageApiError as exc:
        return error_response(exc.status, "Image request not supported", exc.message)
    except RenderRefused as exc:
        title = "Too Many Requests" if exc.http_status == 429 else "Service Unavailable"
        response, status = error_response(exc.http_status, title, str(exc))
        assert isinstance(response, Response)
        response.headers["Retry-After"] = str(exc.retry_after)
        return response, status


def _image_answer(image: image_delivery.ServedImage, params: tuple[str, ...]) -> Response:
    config = current_app.config
    rendered = image_delivery.render(
        image,
        *params,  # type: ignore[arg-type]
        _data_dir(),
        max_area=config["IMAGE_MAX_AREA"],
        render_slots=config["IMAGE_RENDER_SLOTS"],
        cache_bytes=config["IMAGE_CACHE_BYTES"],
        client=request.remote_addr or "",
        renders_per_client=config["IMAGE_RENDERS_PER_CLIENT"],
        renders_waiting=config["IMAGE_RENDERS_WAITING"],
    )
    service = request_urls().image_service(image.image_id)
    links = [f'<{service}/{rendered.canonical}>;rel="canonical"', f'<{LEVEL2}>;rel="profile"']
    if image.rights_uri:
        links.append(f'<{image.rights_uri}>;rel="license"')
    return _file_answer(rendered, ", ".join(links), image.tdm_headers)


LEVEL2 = "http://iiif.io/api/image/3/level2.json"


@bp.get("/iiif/download/<image_id>.<ext>")
def download(image_id: str, ext: str) -> Response:
    """The original file at full resolution, with the credit embedded."""
    image = _served_image(image_id)
    rendered = image_delivery.original(image, _data_dir())
    assert rendered.path is not None
    if rendered.path.suffix != f".{ext}":
        raise NotFound(f"image {image_id!r} is published as {rendered.path.suffix[1:]}, not {ext}")
    link = f'<{image.rights_uri}>;rel="license"' if image.rights_uri else ""
    response = _file_answer(rendered, link, image.tdm_headers)
    response.headers["Content-Disposition"] = f'attachment; filename="{image.download_name}"'
    return response


def _file_answer(
    rendered: image_delivery.Rendered, link: str, extra: tuple[tuple[str, str], ...] = ()
) -> Response:
    """A rendered image: a cached file's name is its version, so the ETag needs
    no stat, and the body goes out through the server's file wrapper (sendfile
    under gunicorn); a render not kept on disk goes out from memory. ``extra``:
    the image's TDM reservation, on its 304 answers as well."""
    headers = {
        "Content-Type": rendered.media_type,
        "ETag": f'"{rendered.etag}"',
        "Cache-Control": "public, max-age=86400",
        **dict(extra),
    }
    if link:
        headers["Link"] = link
    if "If-None-Match" in request.headers and request.if_none_match.contains_weak(rendered.etag):
        return Response(status=304, headers=headers)
    if rendered.path is None:
        assert rendered.data is not None
        return Response(rendered.data, headers=headers)
    handle = rendered.path.open("rb")
    stat = os.fstat(handle.fileno())
    headers["Content-Length"] = str(stat.st_size)
    headers["Last-Modified"] = http_date(stat.st_mtime)
    return Response(wrap_file(request.environ, handle), headers=headers, direct_passthrough=True)


def _data_dir() -> Path:
    return Path(current_app.config["DATA_DIR"])
