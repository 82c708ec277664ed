"""Past imports of an institution and the problems each one found."""

from __future__ import annotations

import json
from itertools import islice
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from glampub.errors import NotFound
from glampub.models import ImportRun, Institution, Upload

PROBLEMS_PER_PAGE = 100


def runs(session: Session, institution: Institution, limit: int = 100) -> list[ImportRun]:
    return list(
        session.scalars(
            select(ImportRun)
            .where(ImportRun.institution_id == institution.id)
            .order_by(ImportRun.id.desc())
            .limit(limit)
        )
    )


def get_run(session: Session, institution: Institution, run_id: int) -> ImportRun:
    run = session.get(ImportRun, run_id)
    if run is None or run.institution_id != institution.id:
        raise NotFound(f"no import run {run_id} for {institution.slug!r}")
    return run


def uploads(session: Session, institution: Institution, limit: int = 20) -> list[Upload]:
    return list(
        session.scalars(
            select(Upload)
            .where(Upload.institution_id == institution.id)
            .order_by(Upload.id.desc())
            .limit(limit)
        )
    )


def get_upload(session: Session, institution: Institution, upload_id: int) -> Upload:
    upload = session.get(Upload, upload_id)
    if upload is None or upload.institution_id != institution.id:
        raise NotFound(f"no upload {upload_id} for {institution.slug!r}")
    return upload


def problems(data_dir: Path, run: ImportRun, page: int) -> list[dict[str, Any]]:
    """One page of the run's problems, read from its file (every one is there),
    or from the row when the run wrote no file."""
    offset = (max(page, 1) - 1) * PROBLEMS_PER_PAGE
    if not run.problems_file:
        return list(run.problems or [])[offset : offset + PROBLEMS_PER_PAGE]
    path = Path(run.problems_file)
    path = path if path.is_absolute() else data_dir / path
    try:
        with path.open(encoding="utf-8") as lines:
            return [json.loads(line) for line in islice(lines, offset, offset + PROBLEMS_PER_PAGE)]
    except OSError:
        return list(run.problems or [])[offset : offset + PROBLEMS_PER_PAGE]


def problem_pages(run: ImportRun) -> int:
    return max(1, -(-(run.problems_total or 0) // PROBLEMS_PER_PAGE))
