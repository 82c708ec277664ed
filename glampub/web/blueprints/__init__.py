"""The web app's blueprints: public pages, IIIF, and the staff JSON API."""

from __future__ import annotations

from flask import Flask


def register_blueprints(app: Flask) -> None:
    from glampub.web.blueprints import api, crawlers, datasets, iiif, oai, public, staff
    from glampub.web.extensions import csrf

    app.register_blueprint(public.bp)
    app.register_blueprint(crawlers.bp)
    app.register_blueprint(iiif.bp)
    app.register_blueprint(staff.bp)
    # The API authenticates every request by token, never by cookie: no CSRF to forge.
    csrf.exempt(api.bp)
    app.register_blueprint(api.bp)
    # OAI-PMH harvesters POST their arguments, without cookies or a session.
    csrf.exempt(oai.bp)
    app.register_blueprint(oai.bp)
    # Open data: its own blueprint, so download headers can be added in one place.
    app.register_blueprint(datasets.bp)
    app.register_blueprint(datasets.files)
