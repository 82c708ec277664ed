"""The closed vocabularies of state: where an object, an upload and an import run stand.

One source for each, as ``StrEnum`` types: the values stored in the database
and compared in SQL stay the plain strings they always were, and a misspelt
status is an AttributeError rather than a silent mismatch. A leaf module, so
the tables (glampub.models), the use cases and the web layer share it.
"""

from __future__ import annotations

from enum import StrEnum


class ObjectStatus(StrEnum):
    """Whether an object is public. A ``StrEnum``, so the stored values and SQL
    comparisons are the same plain strings as before it existed."""

    PUBLISHED = "published"
    WITHDRAWN = "withdrawn"


class UploadStatus(StrEnum):
    """Where an upload stands, from the file received to its objects published.

    A job moves it: ``uploaded`` -> ``previewing`` (a dry run queued or
    running) -> ``previewed`` -> ``publishing`` -> ``published``; either job
    may end in ``failed``. Stored and compared as the same plain strings.
    """

    UPLOADED = "uploaded"
    PREVIEWING = "previewing"
    PREVIEWED = "previewed"
    PUBLISHING = "publishing"
    PUBLISHED = "published"
    FAILED = "failed"


class RunStatus(StrEnum):
    """How an import run (and the job around it, and its progress file) stands."""

    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"


#: The statuses of an upload whose job is queued or running.
UPLOAD_RUNNING = frozenset({UploadStatus.PREVIEWING, UploadStatus.PUBLISHING})
