"""What the staff views share: the institution of the URL, checked against the account."""

from __future__ import annotations

from pathlib import Path

from flask import Blueprint, current_app

from glampub.auth import require_institution
from glampub.blueprints.helpers import session
from glampub.models import Institution
from glampub.services.institutions import get_institution

#: The staff pages' blueprint; its views live in the modules beside this one.
bp = Blueprint("staff", "glampub.blueprints.staff", url_prefix="/staff")


def institution_for(slug: str) -> Institution:
    """The institution named in the URL; 403 before anything is read for another's staff."""
    require_institution(slug)
    return get_institution(session(), slug)


def data_dir() -> Path:
    return Path(current_app.config["DATA_DIR"])
