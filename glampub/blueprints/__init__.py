"""The web app's blueprints: public pages, IIIF, and the staff JSON API."""

from __future__ import annotations

from flask import Flask


def register_blueprints(app: Flask) -> None:
    from glampub.blueprints import iiif, public

    app.register_blueprint(public.bp)
    app.register_blueprint(iiif.bp)
