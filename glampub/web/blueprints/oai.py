"""OAI-PMH 2.0 at ``/oai`` (GET and POST): the request's arguments go to
glampub.harvesting.repository, which answers them."""

from __future__ import annotations

from flask import Blueprint, Response, current_app, request

from glampub.harvesting.identifiers import repository_host
from glampub.harvesting.repository import OaiSettings, answer
from glampub.web.blueprints.helpers import request_urls, session

bp = Blueprint("oai", __name__)


@bp.route("/oai", methods=["GET", "POST"])
def endpoint() -> Response:
    # A POST carries its arguments in the form body only (protocol section 3.1.1.2).
    values = request.form if request.method == "POST" else request.args
    body = answer(session(), values.items(multi=True), _settings())
    response = Response(body, content_type="text/xml; charset=utf-8")
    response.headers["Access-Control-Allow-Origin"] = "*"
    return response


def _settings() -> OaiSettings:
    config = current_app.config
    urls = request_urls()
    return OaiSettings(
        endpoint=f"{urls.base}/oai",
        urls=urls,
        host=repository_host(urls.base),
        repository_name=config["OAI_REPOSITORY_NAME"],
        admin_email=config["OAI_ADMIN_EMAIL"],
        page_size=config["OAI_PAGE_SIZE"],
        token_seconds=config["OAI_TOKEN_SECONDS"],
        edm_provider=config["EDM_PROVIDER"],
    )
