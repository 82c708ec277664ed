"""Errors and problems.

Library code raises :class:`GlampubError` subclasses; only ``glampub.cli.base`` and the
Flask error handlers turn them into exit codes, HTML or JSON. Trouble with a
single record is *data*, a :class:`Problem`, collected into the import report.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Literal

Severity = Literal["error", "warning"]


@dataclass(frozen=True)
class Problem:
    """One thing wrong with one record (or with the file, when ``record`` is None).

    ``severity="error"`` means the record was rejected; ``"warning"`` means it
    was imported but someone should look. ``code`` is stable and machine
    readable: a ``ProblemCode`` from the catalogue in importers/problem_codes.py
    (read back from a problems file, the same value as a plain string).
    """

    record: str | None
    line: int | None
    code: str
    message: str
    severity: Severity = "error"

    def to_dict(self) -> dict[str, object]:
        return asdict(self)

    def __str__(self) -> str:
        where = []
        if self.line is not None:
            where.append(f"line {self.line}")
        if self.record:
            where.append(f"record {self.record!r}")
        prefix = ", ".join(where)
        return f"{prefix}: {self.message}" if prefix else self.message


class GlampubError(Exception):
    """Base of every error glampub raises on purpose; ``exit_code`` is for the CLI.

    The message (``str(error)``) may give command-line advice ("name it with
    --format"). Where that advice would be wrong on the staff pages, the error
    also carries ``web``: the same message in the pages' terms. Each edge picks
    its own: the CLI prints ``str(error)``, the web shows :meth:`for_web`.
    """

    exit_code = 1
    http_status = 400
    #: Stable and machine readable, for ``--json`` (``"error": {"code", "message"}``).
    code = "error"

    def __init__(self, *args: object, web: str | None = None) -> None:
        super().__init__(*args)
        self.web = web

    def for_web(self) -> str:
        """The message as the staff pages show it: no command-line options in it."""
        return self.web if self.web is not None else str(self)


class UsageError(GlampubError):
    """The caller asked for something that cannot work as asked."""

    exit_code = 2
    code = "usage"


class UnreadableInput(GlampubError):
    """A file could not be read at all (wrong format, broken, or unsafe)."""

    exit_code = 2
    code = "unreadable-file"


class UnsafeInput(UnreadableInput):
    """Hostile input refused: entities, path traversal, decompression bombs."""

    code = "unsafe-file"


class NotFound(GlampubError):
    """A named thing (institution, object, image) does not exist."""

    exit_code = 2
    code = "not-found"
    http_status = 404


class Forbidden(GlampubError):
    """Published, but not in this form (e.g. the original of an in-copyright image)."""

    http_status = 403
    code = "forbidden"


class ImportLocked(GlampubError):
    """Another import for the same institution is running."""

    exit_code = 2
    code = "import-locked"
    http_status = 409


class StorageFull(GlampubError):
    """The disk (or quota) ran out while writing: nothing was published."""

    exit_code = 2
    code = "storage-full"
    http_status = 507
