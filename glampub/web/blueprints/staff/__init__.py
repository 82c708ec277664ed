"""Staff pages: sign-in, uploads with a dry-run preview, import history, the
rights review queue, objects, institution settings and column profiles.

Every page under ``/staff/<institution>/`` checks that the signed-in account
belongs to that institution (or is an admin) before it reads anything.
"""

from __future__ import annotations

from flask_babel import gettext

from glampub.languages import N_
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
    from glampub.rights.official import official_label
    from glampub.web.language import current_language

    def licence_label(uri: str) -> str:
        """The statement's official label in the page's language, else English."""
        term = lookup(uri)
        if term is None:
            return uri
        language = current_language()
        # English keeps glampub's own short labels ("CC BY 4.0").
        translated = official_label(term.uri, language) if language != "en" else None
        return translated or term.label

    return {"licence_label": licence_label, "status_label": status_label}


#: The states of objects, uploads and import runs (glampub.statuses), as staff read them.
STATUS_LABELS = {
    "published": N_("published"),
    "withdrawn": N_("withdrawn"),
    "uploaded": N_("uploaded"),
    "previewing": N_("previewing"),
    "previewed": N_("previewed"),
    "publishing": N_("publishing"),
    "failed": N_("failed"),
    "running": N_("running"),
    "done": N_("done"),
}


def status_label(status: str) -> str:
    """A state in the page's language (the stored value where none is known)."""
    return gettext(STATUS_LABELS[status]) if status in STATUS_LABELS else status
