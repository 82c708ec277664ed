"""The image columns of a URL reference: what it is (its class) and how far it got (its state).

A URL that no file of the ``--images`` folder or ZIP stands in for becomes
one image row, or one per canvas of a IIIF manifest:

- a remote IIIF Image API service: no file, its size from info.json, the
  service (and the validators of what was fetched) in ``remote``;
- a plain image URL: the downloaded file, stored like a local one;
- not looked at yet (no ``--fetch-images``): state ``pending``;
- failed, or not an image: state ``failed`` and the reason, kept as a link.

What an earlier import learnt is kept when nothing new is known (the flag
is off, or the server answered 304).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from glampub.errors import Problem
from glampub.images.fetch import Fetched
from glampub.images.reference_class import ReferenceClass, classify_reference
from importers.base import SourceImage, SourceRecord
from importers.problem_codes import ProblemCode

PENDING = "pending"
FAILED = "failed"
#: Ingests a downloaded file for the reference's n-th row (0 for the first):
#: its file columns, or None, and the problem met.
Ingest = Callable[[Path, int], tuple[dict[str, Any] | None, Problem | None]]


@dataclass(frozen=True)
class StoredReference:
    """An image row an earlier import wrote for a URL reference of an object."""

    columns: dict[str, Any]
    #: For a downloaded image: is its file still in the data folder?
    file_present: bool

    @property
    def usable(self) -> bool:
        return self.file_present or self.columns.get("file_path") is None


def validators(stored: list[StoredReference]) -> tuple[str | None, str | None] | None:
    """The ETag and Last-Modified to ask a conditional GET with, when the stored copy holds."""
    if not stored or not all(s.usable for s in stored):
        return None
    remote = stored[0].columns.get("remote") or {}
    if stored[0].columns.get("state") == FAILED:
        return None  # nothing to keep: ask afresh
    etag, modified = remote.get("etag"), remote.get("last_modified")
    return (etag, modified) if etag or modified else None


def url_columns(
    record: SourceRecord,
    image: SourceImage,
    fetched: Mapping[str, Fetched] | None,
    stored: list[StoredReference],
    ingest: Ingest,
) -> tuple[list[dict[str, Any]], list[Problem]]:
    """The columns (file, size, class, state) of each row a URL reference gives."""
    url = image.reference
    kept = [dict(s.columns) for s in stored] if stored and all(s.usable for s in stored) else []
    if fetched is None:
        # A reference still waiting to be fetched is reported on every import, so
        # that a re-import reports what the first one did.
        if kept and not any(row.get("state") == PENDING for row in kept):
            return kept, []
        # Classified only when nothing is stored: every URL of an export passes here.
        return kept or [_state(classify_reference(url, image.mime_type), PENDING)], [
            _problem(
                record,
                ProblemCode.REMOTE_IMAGE,
                f"image {url} is a URL and no file of that name is in the --images folder "
                "or ZIP; glampub keeps the link without a canvas (--fetch-images fetches it)",
            )
        ]
    result = fetched.get(url)
    if result is None or result.error is not None:
        reason = result.error if result is not None else "it was not fetched"
        kind = result.kind if result is not None else ReferenceClass.URL
        if kind is ReferenceClass.LINK:
            problem = _problem(
                record,
                ProblemCode.NOT_AN_IMAGE,
                f"image {url} is not an image: {reason}; it is kept as a link",
            )
        else:
            problem = _problem(
                record,
                ProblemCode.IMAGE_FETCH_FAILED,
                f"image {url} could not be fetched: {reason}; the link is kept without a canvas",
            )
        return [_state(kind, FAILED, reason)], [problem]
    if result.not_modified and kept:
        return kept, []
    remote_validators = {
        key: value
        for key, value in (
            ("etag", result.validators.etag),
            ("last_modified", result.validators.last_modified),
        )
        if value
    }
    if result.services:
        rows = []
        problems: list[Problem] = []
        for number, (service, thumbnail) in enumerate(
            zip(result.services, result.thumbnails, strict=True)
        ):
            # glampub's own thumbnail: the file its Image API serves, and all
            # that is shown of a thumbnail-only image (glampub.images.policy).
            columns, problem = ingest(thumbnail, number) if thumbnail else (None, None)
            if problem is not None:
                problems.append(problem)
            if columns is None:
                reason = problem.message if problem is not None else "no thumbnail"
                rows.append(_state(result.kind, FAILED, reason))
                continue
            columns.update(
                reference_class=result.kind.value,
                state=None,
                state_reason=None,
                remote={"service": service.to_json(), **remote_validators},
            )
            rows.append(columns)
        return rows, problems
    columns, problem = ingest(result.path, 0) if result.path else (None, None)
    problems = [problem] if problem is not None else []
    if columns is None:
        reason = problem.message if problem is not None else "it is not a readable image"
        return [_state(ReferenceClass.IMAGE_URL, FAILED, reason)], problems
    columns.update(
        reference_class=ReferenceClass.IMAGE_URL.value,
        state=None,
        state_reason=None,
        remote=remote_validators or None,
    )
    return [columns], problems


def _state(kind: ReferenceClass, state: str, reason: str | None = None) -> dict[str, Any]:
    return {"reference_class": kind.value, "state": state, "state_reason": reason, "remote": None}


def _problem(record: SourceRecord, code: ProblemCode, message: str) -> Problem:
    return Problem(record.identifier, record.line, code, message, "warning")
