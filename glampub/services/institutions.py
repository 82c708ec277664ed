"""Publishing institutions: create, find, describe."""

from __future__ import annotations

import re
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from glampub.errors import NotFound, UsageError
from glampub.images import ingest
from glampub.models import Institution

SLUG_PATTERN = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,62}[a-z0-9])?$")
LOGO_PREFIX = "logo-"


def get_institution(session: Session, slug: str) -> Institution:
    institution = session.scalar(select(Institution).where(Institution.slug == slug))
    if institution is None:
        raise NotFound(
            f"no institution {slug!r}; create it with "
            f'`glampub institution add {slug} --name "Its name"`'
        )
    return institution


def add_institution(
    session: Session,
    slug: str,
    name: str,
    data_dir: Path,
    *,
    homepage: str | None = None,
    logo: Path | None = None,
) -> tuple[Institution, bool]:
    """Create the institution, or update it when the slug exists; returns (it, created)."""
    if not SLUG_PATTERN.match(slug):
        raise UsageError(
            f"{slug!r} is not a valid institution slug: use lower-case letters, digits "
            "and hyphens, e.g. 'kestrel-museum'"
        )
    if homepage and not homepage.startswith(("http://", "https://")):
        raise UsageError(f"homepage {homepage!r} must be an http(s) URL")
    institution = session.scalar(select(Institution).where(Institution.slug == slug))
    created = institution is None
    if institution is None:
        institution = Institution(slug=slug, name=name)
        session.add(institution)
    institution.name = name
    institution.homepage = homepage
    if logo is not None:
        if not logo.is_file():
            raise UsageError(f"logo file {logo} does not exist")
        with logo.open("rb") as handle:
            stored = ingest(handle, data_dir / "logos")
        institution.logo_path = str(Path("logos") / stored.relative_path)
        institution.logo_width = stored.width
        institution.logo_height = stored.height
    session.flush()
    return institution, created


def logo_image_id(institution: Institution) -> str | None:
    return f"{LOGO_PREFIX}{institution.slug}" if institution.logo_path else None
