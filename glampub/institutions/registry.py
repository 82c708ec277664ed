"""Publishing institutions: create, find, describe."""

from __future__ import annotations

import difflib
import re
import shlex
import unicodedata
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from glampub.errors import NotFound, UsageError
from glampub.images.files import ingest
from glampub.models import Institution

SLUG_PATTERN = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,62}[a-z0-9])?$")
LOGO_PREFIX = "logo-"
#: The licences an institution may give its metadata where a record states
#: none, by the name the CLI and the settings page use. "none" (not stated) is
#: the default: glampub then publishes no metadata licence at all.
METADATA_LICENCES: dict[str, str | None] = {
    "none": None,
    "cc0": "http://creativecommons.org/publicdomain/zero/1.0/",
    "cc-by": "http://creativecommons.org/licenses/by/4.0/",
}


def get_institution(session: Session, slug: str) -> Institution:
    institution = session.scalar(select(Institution).where(Institution.slug == slug))
    if institution is None:
        raise _no_such_institution(session, slug)
    return institution


def list_institutions(
    session: Session, *, by_slug: bool = False, only_id: int | None = None
) -> list[Institution]:
    """Every institution (or only the one with ``only_id``), by name or by slug."""
    stmt = select(Institution).order_by(Institution.slug if by_slug else Institution.name)
    if only_id is not None:
        stmt = stmt.where(Institution.id == only_id)
    return list(session.scalars(stmt))


def slug_for(text: str) -> str:
    """The slug a name would have: "Musée d'Orsay" -> "musee-d-orsay"."""
    folded = unicodedata.normalize("NFKD", text)
    ascii_text = "".join(c for c in folded if not unicodedata.combining(c)).casefold()
    return re.sub(r"[^a-z0-9]+", "-", ascii_text).strip("-")[:64].strip("-")


def _shell_word(text: str) -> str:
    """``text`` as one word for a POSIX shell, in double quotes when it needs them."""
    if shlex.quote(text) == text:
        return text
    return '"' + re.sub(r'(["\\$`])', r"\\\1", text) + '"'


def _no_such_institution(session: Session, slug: str) -> NotFound:
    """Not found, with the slug that was probably meant, or a command that would work.

    People type the institution's name where its slug goes ("My Museum" for
    my-museum): the advice must be an existing slug or a valid command.
    """
    known = list(session.scalars(select(Institution.slug).order_by(Institution.slug)))
    wanted = slug_for(slug)
    close = [wanted] if wanted in known else difflib.get_close_matches(wanted, known, n=1)
    if close:
        return NotFound(f"no institution {slug!r}; did you mean {close[0]}?")
    if SLUG_PATTERN.match(slug):
        add_slug, name = slug, "Its name"
    else:
        add_slug, name = wanted or "my-museum", slug
    command = f"glampub institution add {add_slug} --name {_shell_word(name)}"
    return NotFound(
        f"no institution {slug!r}; create it with `{command}`",
        web=f"no institution {slug!r}",
    )


def add_institution(
    session: Session,
    slug: str,
    name: str,
    data_dir: Path,
    *,
    homepage: str | None = None,
    logo: Path | None = None,
    metadata_licence: str | None = None,
) -> tuple[Institution, bool]:
    """Create the institution, or update it when the slug exists; returns (it, created).

    ``metadata_licence`` is a key of :data:`METADATA_LICENCES`; None leaves it
    as it is (not stated, for a new institution).
    """
    if metadata_licence is not None:
        metadata_uri = metadata_licence_uri(metadata_licence)
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
    if metadata_licence is not None:
        institution.metadata_licence = metadata_uri
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


def metadata_licence_uri(choice: str) -> str | None:
    """The URI of a metadata licence choice ("cc0", "cc-by", "none")."""
    if choice not in METADATA_LICENCES:
        raise UsageError(f"metadata licence {choice!r} is none of {', '.join(METADATA_LICENCES)}")
    return METADATA_LICENCES[choice]


def metadata_licence_choice(institution: Institution) -> str:
    """The choice an institution's stored metadata licence is."""
    for choice, uri in METADATA_LICENCES.items():
        if uri == institution.metadata_licence:
            return choice
    return "none"


def logo_image_id(institution: Institution) -> str | None:
    return f"{LOGO_PREFIX}{institution.slug}" if institution.logo_path else None
