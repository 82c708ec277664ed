"""CSV column-mapping profiles (and LIDO profiles) staff pick or write in the browser.

The shipped profiles come from ``importers/profiles``; an institution's own
are TOML text in the database, checked by the importer's own profile loader
when saved, so a mistake is reported with its key before any import.
"""

from __future__ import annotations

import tempfile
from datetime import UTC, datetime
from importlib import resources
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from glampub.errors import NotFound, UsageError
from glampub.models import ColumnProfile, Institution, Upload
from importers.csv.profile import bundled_profiles, load_profile, parse_profile
from importers.lido.profile import is_lido_profile, load_lido_profile

NAME_MAX = 100


def shipped() -> list[str]:
    return bundled_profiles()


def shipped_text(name: str) -> str:
    if name not in bundled_profiles():
        raise NotFound(f"no shipped profile {name!r}")
    return (resources.files("importers") / "profiles" / f"{name}.toml").read_text("utf-8")


def own_profiles(session: Session, institution: Institution) -> list[ColumnProfile]:
    return list(
        session.scalars(
            select(ColumnProfile)
            .where(ColumnProfile.institution_id == institution.id)
            .order_by(ColumnProfile.name)
        )
    )


def get_profile(session: Session, institution: Institution, profile_id: int) -> ColumnProfile:
    profile = session.get(ColumnProfile, profile_id)
    if profile is None or profile.institution_id != institution.id:
        raise NotFound(f"no column profile {profile_id} for {institution.slug!r}")
    return profile


def check_profile(text: str, name: str = "the profile") -> None:
    """UsageError naming the profile and the key when the TOML is not a valid profile."""
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "profile.toml"
        path.write_text(text, "utf-8")
        try:
            if is_lido_profile(text):  # names a LIDO identifier: see docs/lido-format.md
                load_lido_profile(path)
            else:
                parse_profile(load_profile(path), name)
        except UsageError as exc:
            # The temporary file's name would mean nothing to the person who wrote it.
            raise UsageError(str(exc).replace(str(path), name)) from None


def save_profile(
    session: Session, institution: Institution, name: str, text: str, profile_id: int | None = None
) -> ColumnProfile:
    name = name.strip()
    if not name or len(name) > NAME_MAX:
        raise UsageError(f"give the profile a name of 1 to {NAME_MAX} characters")
    check_profile(text)
    if profile_id is not None:
        profile = get_profile(session, institution, profile_id)
    else:
        profile = session.scalar(
            select(ColumnProfile).where(
                ColumnProfile.institution_id == institution.id, ColumnProfile.name == name
            )
        ) or ColumnProfile(institution_id=institution.id)
        session.add(profile)
    profile.name = name
    profile.toml = text
    profile.updated_at = datetime.now(UTC)
    session.flush()
    return profile


def choice_is_valid(session: Session, institution: Institution, choice: str | None) -> bool:
    if not choice:
        return True
    if choice.startswith("profile:"):
        number = choice.removeprefix("profile:")
        if not number.isdigit():
            return False
        found = session.get(ColumnProfile, int(number))
        return found is not None and found.institution_id == institution.id
    return choice in bundled_profiles()


def profile_file(session: Session, upload: Upload, data_dir: Path) -> Path:
    """The upload's own profile, written beside it as the import reads files."""
    assert upload.profile is not None
    profile = get_profile(session, upload.institution, int(upload.profile.removeprefix("profile:")))
    # Checked again: one saved before a rule tightened (RE2 patterns) is named here,
    # not as a file in the data folder.
    check_profile(profile.toml, f"column profile {profile.name!r}")
    path = (data_dir / upload.export_path).parent / "profile.toml"
    path.write_text(profile.toml, "utf-8")
    return path
