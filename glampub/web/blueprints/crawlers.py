"""What crawlers and mining agents read first: ``/robots.txt`` and the TDM
Reservation Protocol's ``/.well-known/tdmrep.json``."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, current_app, request

from glampub.iiif.urls import IiifUrls
from glampub.publishing.robots import ai_agents, robots_txt
from glampub.publishing.tdmrep import tdmrep_document
from glampub.web.blueprints.helpers import session

bp = Blueprint("crawlers", __name__)


@bp.record_once
def _check(state: Any) -> None:
    # A wrong GLAMPUB_ROBOTS_AI stops the start, not the first crawler's request.
    ai_agents(state.app.config.get("ROBOTS_AI"))


def _site_base() -> str:
    return current_app.config.get("BASE_URL") or request.url_root.rstrip("/")


@bp.get("/robots.txt")
def robots() -> Response:
    text = robots_txt(_site_base(), ai_agents(current_app.config.get("ROBOTS_AI")))
    response = Response(text, mimetype="text/plain")
    response.cache_control.public = True
    response.cache_control.max_age = 3600
    return response


@bp.get("/.well-known/tdmrep.json")
def tdmrep() -> Response:
    # Locations are paths on this host: the site's own path, when it has one.
    base = current_app.config.get("BASE_URL") or request.url_root
    path = "/" + base.split("://", 1)[-1].partition("/")[2]
    doc = tdmrep_document(session(), IiifUrls(path.rstrip("/")))
    response = Response(doc.data, mimetype="application/json")
    response.headers["Access-Control-Allow-Origin"] = "*"
    response.set_etag(doc.etag)
    response.cache_control.public = True
    response.cache_control.max_age = 300
    return response.make_conditional(request)
