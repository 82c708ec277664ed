"""The rights an import gives its records that state none.

``glampub import --default-rights URI``, or the profile's ``default_rights``
key (``[profile]`` table), for any format whose profile has one. It is a
known rights URI, recorded on the import run with who gave it, and applied
only where a record states no rights at all (see
:func:`glampub.rights.map_rights`): never where a record has a statement of
its own.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from glampub.errors import UsageError
from glampub.rights import lookup
from importers.base import Profile


@dataclass(frozen=True)
class DefaultRights:
    #: The canonical rights URI.
    uri: str
    #: Who gave it: the person running the import, or the profile it came from.
    by: str
    #: Where it came from: "--default-rights" or "profile NAME".
    source: str

    def to_dict(self, at: datetime | None) -> dict[str, str | None]:
        return {
            "uri": self.uri,
            "by": self.by,
            "source": self.source,
            "at": at.isoformat(timespec="seconds") if at else None,
        }


def default_rights(
    given: str | None, profile: Profile | None, operator: str | None
) -> DefaultRights | None:
    """The import's default rights: ``given`` (the option) before the profile's key."""
    source = "--default-rights"
    if given is None and profile is not None:
        head = profile.settings.get("profile", {})
        given = head.get("default_rights") if isinstance(head, dict) else None
        source = f"profile {profile.name!r}"
    if given is None:
        return None
    if not isinstance(given, str) or not given.strip():
        raise UsageError(f"{source}: default_rights must be a rights URI")
    term = lookup(given)
    if term is None:
        raise UsageError(
            f"{source}: {given!r} is not a rights URI glampub knows; give a Creative Commons, "
            "CC0, Public Domain Mark or RightsStatements.org URI (e.g. "
            "http://rightsstatements.org/vocab/InC/1.0/)"
        )
    return DefaultRights(term.uri, operator or source, source)
