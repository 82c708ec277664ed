"""What the staff views share: the institution of the URL, checked against the account."""

from __future__ import annotations

from pathlib import Path

from flask import current_app

from glampub.auth import require_institution
from glampub.blueprints.helpers import session
from glampub.models import Institution
from glampub.services.institutions import get_institution


def institution_for(slug: str) -> Institution:
    """The institution named in the URL; 403 before anything is read for another's staff."""
    require_institution(slug)
    return get_institution(session(), slug)


def data_dir() -> Path:
    return Path(current_app.config["DATA_DIR"])
