"""Staff pages: sign-in, uploads with a dry-run preview, import history, the
rights review queue, objects, institution settings and column profiles.

Every page under ``/staff/<institution>/`` checks that the signed-in account
belongs to that institution (or is an admin) before it reads anything.
"""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("staff", __name__, url_prefix="/staff")

from glampub.blueprints.staff import (  # noqa: E402,F401  (views register on bp)
    auth_views,
    import_views,
    manage_views,
)


@bp.context_processor
def staff_names() -> dict[str, object]:
    from glampub.rights import lookup

    def licence_label(uri: str) -> str:
        term = lookup(uri)
        return term.label if term else uri

    return {"licence_label": licence_label}
