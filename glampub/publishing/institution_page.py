"""What an institution's public page shows: its name and logo, how many of its
objects may be reused how freely, how to credit them, and what it published last.

The page is also the IIIF provider's homepage of an institution that has no
website of its own, so it must exist for every institution, published or not.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from glampub.credit import reference_text
from glampub.iiif.urls import IiifUrls
from glampub.institutions.registry import get_institution, logo_image_id
from glampub.institutions.settings import credit_template
from glampub.languages import DEFAULT_LANGUAGE
from glampub.models import CollectionObject, Institution
from glampub.publishing.object_values import object_info
from glampub.statuses import ObjectStatus

#: Reuse classes in the order the page lists them, freest first.
REUSE_ORDER = ("free", "conditions", "permission")


@dataclass(frozen=True)
class InstitutionOverview:
    institution: Institution
    logo_image_id: str | None
    #: Published objects per reuse class, every class present (0 when none).
    by_reuse: dict[str, int]
    recent: list[CollectionObject]
    #: The institution's own credit line template, when it has one.
    credit_template: str | None
    #: The credit of its most recent object, as the object page offers it.
    example_credit: str | None

    @property
    def total(self) -> int:
        return sum(self.by_reuse.values())


def institution_overview(
    session: Session,
    slug: str,
    urls: IiifUrls,
    recent_limit: int = 12,
    language: str = DEFAULT_LANGUAGE,
) -> InstitutionOverview:
    """The page's content, its example credit in ``language``; NotFound when
    there is no such institution."""
    institution = get_institution(session, slug)
    published = (
        CollectionObject.institution_id == institution.id,
        CollectionObject.status == ObjectStatus.PUBLISHED,
    )
    counts = dict(
        session.execute(
            select(CollectionObject.rights_reuse, func.count())
            .where(*published)
            .group_by(CollectionObject.rights_reuse)
        ).all()
    )
    recent = list(
        session.scalars(
            select(CollectionObject)
            .where(*published)
            .order_by(CollectionObject.updated_at.desc(), CollectionObject.id.desc())
            .limit(recent_limit)
            .options(
                selectinload(CollectionObject.images), selectinload(CollectionObject.institution)
            )
        )
    )
    template = credit_template(session, institution)
    example = None
    if recent:
        first = recent[0]
        page = urls.object_page(slug, first.identifier)
        example = reference_text(object_info(first), page, template, language)
    return InstitutionOverview(
        institution=institution,
        logo_image_id=logo_image_id(institution),
        by_reuse={reuse: counts.get(reuse, 0) for reuse in REUSE_ORDER},
        recent=recent,
        credit_template=template,
        example_credit=example,
    )
