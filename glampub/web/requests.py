"""A request class that streams uploaded files straight to disk.

Werkzeug keeps small uploads in memory (up to 500 KB) before spilling them to
the system's temporary folder; an export can be gigabytes, and its place is the
data folder, outside the web root, where it is kept. Every file part goes to
a temporary file there from its first byte; the upload service links it to a
generated name, and the temporary file disappears when the request ends.
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import IO

from flask import Request, current_app


class StreamingRequest(Request):
    def _get_file_stream(
        self,
        total_content_length: int | None,
        content_type: str | None,
        filename: str | None = None,
        content_length: int | None = None,
    ) -> IO[bytes]:
        from glampub.importing.uploads import incoming_dir

        folder = incoming_dir(Path(current_app.config["DATA_DIR"]))
        return tempfile.NamedTemporaryFile(dir=folder, prefix="part-", suffix=".tmp")
