"""Institution settings staff change in the browser: name, homepage, logo,
credit line template, courtesy statement, copyright term, metadata licence,
the text-and-data-mining reservation with its policy URL, and the default language."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from sqlalchemy import select
from sqlalchemy.orm import Session

from glampub.credit import check_template
from glampub.errors import UsageError
from glampub.images.files import ingest
from glampub.institutions.registry import metadata_licence_uri
from glampub.languages import DEFAULT_LANGUAGE, SHIPPED_LANGUAGES
from glampub.models import CreditTemplate, Institution
from glampub.rights_review.queue import remap_institution


@dataclass(frozen=True)
class Settings:
    name: str
    homepage: str | None
    credit_template: str | None
    courtesy_statement: bool
    copyright_term_years: int
    #: A key of METADATA_LICENCES; None leaves the metadata licence as it is.
    metadata_licence: str | None = None
    #: Publish the TDM reservation on objects that may be in copyright
    #: (glampub.publishing.mining); None leaves it as it is.
    tdm_reservation: bool | None = None
    #: The TDM policy URL ("" removes it); None leaves it as it is.
    tdm_policy: str | None = None
    #: One of glampub.languages.SHIPPED_LANGUAGES; None leaves it as it is.
    default_language: str | None = None


def default_language(session: Session, slug: str) -> str | None:
    """The default interface language of the institution ``slug`` (None: none
    set, or no such institution)."""
    return session.scalar(select(Institution.default_language).where(Institution.slug == slug))


def credit_template(session: Session, institution: Institution) -> str | None:
    row = session.get(CreditTemplate, institution.id)
    return row.template if row else None


def update_settings(
    session: Session,
    institution: Institution,
    settings: Settings,
    data_dir: Path,
    logo: BinaryIO | None = None,
) -> int:
    """Apply the settings; returns how many objects' rights changed (a new term)."""
    name = settings.name.strip()
    if not name:
        raise UsageError("the institution needs a name")
    homepage = (settings.homepage or "").strip() or None
    if homepage and not homepage.startswith(("http://", "https://")):
        raise UsageError(f"homepage {homepage!r} must be an http(s) URL")
    if not 1 <= settings.copyright_term_years <= 150:
        raise UsageError("the copyright term is a number of years between 1 and 150")
    tdm_policy = None if settings.tdm_policy is None else settings.tdm_policy.strip() or None
    if tdm_policy and not _is_policy_url(tdm_policy):
        raise UsageError(
            f"TDM policy {tdm_policy!r} must be an http(s) URL in ASCII characters, without spaces"
        )
    template = (settings.credit_template or "").strip() or None
    if template:
        check_template(template)
    institution.name = name
    institution.homepage = homepage
    institution.courtesy_statement = settings.courtesy_statement
    if settings.metadata_licence is not None:
        # Published where a record states none; changing it changes the
        # institution's revision, so cached documents are rebuilt.
        institution.metadata_licence = metadata_licence_uri(settings.metadata_licence)
    if settings.default_language is not None:
        if settings.default_language not in SHIPPED_LANGUAGES:
            shipped = ", ".join(SHIPPED_LANGUAGES)
            raise UsageError(
                f"the default language must be one of {shipped}, not {settings.default_language!r}"
            )
        # English is the fallback anyway: stored as none.
        institution.default_language = (
            None if settings.default_language == DEFAULT_LANGUAGE else settings.default_language
        )
    if settings.tdm_reservation is not None:
        institution.tdm_reservation = settings.tdm_reservation
    if settings.tdm_policy is not None:
        institution.tdm_policy = tdm_policy
    if logo is not None:
        stored = ingest(logo, data_dir / "logos")
        institution.logo_path = str(Path("logos") / stored.relative_path)
        institution.logo_width = stored.width
        institution.logo_height = stored.height
    row = session.get(CreditTemplate, institution.id)
    if template != (row.template if row else None):
        if template is None:
            session.delete(row)
        elif row is None:
            session.add(CreditTemplate(institution_id=institution.id, template=template))
        else:
            row.template = template
        # The credit is on every page, manifest and image file: cached ones are
        # rebuilt when the institution's revision changes.
        institution.revision = (institution.revision or 1) + 1
        session.flush()
        session.expire(institution, ["credit_template_row"])
    changed = 0
    if settings.copyright_term_years != institution.copyright_term_years:
        institution.copyright_term_years = settings.copyright_term_years
        changed = remap_institution(session, institution)
    session.flush()
    return changed


def _is_policy_url(value: str) -> bool:
    """An http(s) URL that can be sent as a header value as it is."""
    return (
        value.startswith(("http://", "https://"))
        and len(value) <= 1000
        and value.isprintable()
        and not any(c.isspace() for c in value)
        and value.isascii()
    )
