"""The Flask application: the factory that wires configuration, the database,
the web edge, the blueprints and the error handlers together.

It lives apart from ``glampub/__init__.py`` so that importing any part of the
package (the rights engine, the IIIF builders, the import reader) does not load
Flask; ``glampub.create_app`` still reaches it, lazily.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask import Flask

from glampub.resources import resource_dir


def create_app(test_config: Mapping[str, Any] | None = None) -> Flask:
    """The Flask application factory (``gunicorn 'glampub:create_app()'``)."""
    from glampub.config import build_config, instance_path
    from glampub.db import Database
    from glampub.web.blueprints import register_blueprints
    from glampub.web.edge import init_edge
    from glampub.web.errors import register_error_handlers
    from glampub.web.extensions import init_extensions
    from glampub.web.security import init_security

    app = Flask(
        # The package's name, not this module's: Flask derives the app name,
        # logger, root and instance folders from it.
        "glampub",
        template_folder=str(resource_dir("templates")),
        static_folder=str(resource_dir("static")),
        # Found by glampub.config, as the commands that run without an app find it.
        instance_path=instance_path(),
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
    _load_manifest_builder()
    return app


def _load_manifest_builder() -> None:
    """Load iiif-prezi3 with the app, not on the first manifest asked.

    The IIIF builders import it when first needed (see glampub.iiif), so that
    the commands which never build a manifest do not pay for it. A web process
    does build them, and the import (about 1 s of CPU: it builds its pydantic
    models) then fell on the first visitor to ask a manifest not yet stored,
    in every worker after every start: under load, with an import running,
    such a request took 3.3 s (bench/import_under_load.py on PostgreSQL).
    """
    import iiif_prezi3  # noqa: F401
