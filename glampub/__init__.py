"""glampub: open-culture collection publishing for galleries, libraries, archives and museums."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from flask import Flask

__version__ = "0.1.0"

PACKAGE_DIR = Path(__file__).resolve().parent


def resource_dir(name: str) -> Path:
    """A top-level folder of the repository (editable install) or of the wheel."""
    in_wheel = PACKAGE_DIR / name
    return in_wheel if in_wheel.is_dir() else PACKAGE_DIR.parent / name


def create_app(test_config: Mapping[str, Any] | None = None) -> Flask:
    """The Flask application factory (``gunicorn 'glampub:create_app()'``)."""
    from glampub.blueprints import register_blueprints
    from glampub.config import build_config
    from glampub.db import Database
    from glampub.security import init_security
    from glampub.web.edge import init_edge
    from glampub.web.extensions import init_extensions
    from glampub.web_errors import register_error_handlers

    app = Flask(
        __name__,
        template_folder=str(resource_dir("templates")),
        static_folder=str(resource_dir("static")),
    )
    app.config.update(build_config(app.instance_path, test_config))
    database = Database()
    database.init_app(app)
    database.prepare()
    init_extensions(app)
    # Before the blueprints: their rules take the bounded integer converter.
    init_edge(app)
    register_blueprints(app)
    register_error_handlers(app)
    # Last: the proxy fix must wrap every WSGI layer the blueprints added.
    init_security(app)
    return app
