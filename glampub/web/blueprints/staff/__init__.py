"""Staff pages: sign-in, uploads with a dry-run preview, import history, the
rights review queue, objects, institution settings and column profiles.

Every page under ``/staff/<institution>/`` checks that the signed-in account
belongs to that institution (or is an admin) before it reads anything.
"""

from __future__ import annotations

from glampub.web.blueprints.staff import (  # noqa: F401  (importing the views registers them)
    auth_views,
    import_views,
    manage_views,
)
from glampub.web.blueprints.staff.common import bp

__all__ = ["bp"]


@bp.context_processor
def staff_names() -> dict[str, object]:
    from glampub.rights import lookup

    def licence_label(uri: str) -> str:
        term = lookup(uri)
        return term.label if term else uri

    return {"licence_label": licence_label}
