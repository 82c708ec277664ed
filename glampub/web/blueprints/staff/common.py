"""What the staff views share: the institution of the URL, checked against the account."""

from __future__ import annotations

from pathlib import Path

from flask import Blueprint, current_app

from glampub.institutions.registry import get_institution
from glampub.models import Institution
from glampub.web.auth import require_institution
from glampub.web.blueprints.helpers import session

#: The staff pages' blueprint; its views live in the modules beside this one.
bp = Blueprint("staff", "glampub.web.blueprints.staff", url_prefix="/staff")


def institution_for(slug: str) -> Institution:
    """The institution named in the URL; 403 before anything is read for another's staff."""
    require_institution(slug)
    return get_institution(session(), slug)


def data_dir() -> Path:
    return Path(current_app.config["DATA_DIR"])
