"""The yardstick for manifests: a bare Flask app that returns stored bytes
from memory, with nothing else (no database, no validators, no CORS).

``BENCH_DOCUMENTS`` names a JSON file ``{path: [content_type, body]}``.
"""

from __future__ import annotations

import json
import os
from urllib.parse import unquote

from flask import Flask, Response, abort


def create_app() -> Flask:
    with open(os.environ["BENCH_DOCUMENTS"], encoding="utf-8") as handle:
        documents = {
            # Flask hands the view the decoded path.
            unquote(path): (content_type, body.encode("utf-8"))
            for path, (content_type, body) in json.load(handle).items()
        }
    app = Flask(__name__)

    @app.get("/healthz")
    def healthz() -> str:
        return "ok"

    @app.get("/<path:path>")
    def document(path: str) -> Response:
        found = documents.get("/" + path)
        if found is None:
            abort(404)
        return Response(found[1], content_type=found[0])

    return app
