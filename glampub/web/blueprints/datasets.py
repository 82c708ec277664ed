"""Open data at ``/datasets/``: the page listing the datasets, and their files.

The files are those of the current build (glampub.open_data.builds), sent as
stored with their sha256 as ETag, their size and a stable URL:
``/datasets/all/<file>`` for the whole site,
``/datasets/institutions/<slug>/<file>`` for one institution. A request that
finds the build older than what is published serves it all the same and
starts a rebuild in the background (glampub.jobs.datasets); before the first
build is complete, files are answered 503 with Retry-After.
"""

from __future__ import annotations

from pathlib import Path

from flask import Blueprint, Response, abort, current_app, render_template, send_file

from glampub.jobs.datasets import request_rebuild
from glampub.open_data.builds import INSTITUTIONS, SITE, Build, served_build
from glampub.open_data.package import GZIP_TYPE
from glampub.web.blueprints.helpers import request_urls

bp = Blueprint("datasets", __name__)
#: The files: the same for everyone, so shared caches may keep them
#: (glampub.web.auth.SESSIONLESS_BLUEPRINTS: no ``Vary: Cookie``), unlike the
#: page, whose header shows who is signed in.
files = Blueprint("dataset_files", __name__)

#: How long a client is asked to wait while the first build is written (seconds).
RETRY_AFTER = 30
#: Caches may keep a file but ask each time (a 304 on its ETag): the URLs are
#: stable and a rebuild replaces what they hold, and a descriptor kept beside
#: newer data files would state the wrong checksums.
CACHE_CONTROL = "public, no-cache"
_TYPES = {
    ".json": "application/json",
    ".gz": GZIP_TYPE,
    "SHA256SUMS": "text/plain",
}


def _current() -> tuple[Build | None, bool]:
    """The build to serve, and whether it is stale; a rebuild is started when
    it is missing or stale."""
    base = request_urls().base
    engine = current_app.extensions["glampub.db"].engine
    latest, stale = served_build(engine, Path(current_app.config["DATA_DIR"]), base)
    if stale:
        request_rebuild(current_app._get_current_object(), base)  # type: ignore[attr-defined]
    return latest, stale


@bp.get("/datasets/")
def listing() -> Response:
    latest, stale = _current()
    urls = request_urls()
    body = render_template("datasets.html", build=latest, stale=stale, base=urls.base)
    response = Response(body)
    if latest is None:
        response.headers["Retry-After"] = str(RETRY_AFTER)
    return response


@files.get(f"/datasets/{SITE}/<name>")
def site_file(name: str) -> Response:
    return _send(SITE, name)


@files.get(f"/datasets/{INSTITUTIONS}/<slug>/<name>")
def institution_file(slug: str, name: str) -> Response:
    return _send(f"{INSTITUTIONS}/{slug}", name)


def _send(path: str, name: str) -> Response:
    latest, _stale = _current()
    if latest is None:
        response = Response(
            "The datasets are being prepared; try again shortly.\n",
            status=503,
            content_type="text/plain; charset=utf-8",
        )
        response.headers["Retry-After"] = str(RETRY_AFTER)
        return response
    package = latest.package(path)
    served = package.file(name) if package is not None else None
    if package is None or served is None:
        abort(404, description=f"no dataset file /datasets/{path}/{name}")
    suffix = name if name == "SHA256SUMS" else Path(name).suffix
    response = send_file(
        latest.folder / path / served.name,
        mimetype=_TYPES[suffix],
        etag=served.sha256,
        conditional=True,
        max_age=None,
        download_name=served.name if suffix == ".gz" else None,
        as_attachment=suffix == ".gz",
    )
    response.headers["Cache-Control"] = CACHE_CONTROL
    response.headers["Access-Control-Allow-Origin"] = "*"
    return response
