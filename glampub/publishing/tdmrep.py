"""``/.well-known/tdmrep.json``: the TDM reservations as path rules.

The W3C TDM Reservation Protocol's site-wide file: a JSON array of rules,
each a ``location`` pattern with ``tdm-reservation`` (and ``tdm-policy``).
glampub lists one set of rules per reserved object (see
glampub.publishing.mining for which are): its page, everything under it (the
source record, the downloads), its IIIF documents, and the Image API service
and download of each of its images that may be in copyright. The same rules
serve the static export, whose paths have the same prefixes.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from glampub.iiif.urls import IiifUrls
from glampub.models import CollectionObject, Image, Institution
from glampub.publishing.documents import Document, cached_document, publication_stamp
from glampub.publishing.mining import POLICY, RESERVATION
from glampub.rights.mining import in_copyright_or_undetermined
from glampub.statuses import ObjectStatus


def tdmrep_rules(session: Session, urls: IiifUrls) -> list[dict[str, Any]]:
    """The path rules of every reserved object, its images' among them.

    ``urls.base`` is the site's path (``""`` at the root of its host). Each
    rule names a pattern as robots.txt writes them (``*`` any characters,
    ``$`` the end); identifiers are percent-encoded, so they hold neither.
    Only reservations are listed: a path no rule matches states nothing.
    """
    rules: list[dict[str, Any]] = []
    for slug, identifier, policy, image_ids in _reserved_objects(session):
        object_folder = urls.source_record(slug, identifier).removesuffix("/source")
        paths = [
            f"{object_folder}$",
            f"{object_folder}/*",
            f"{urls.object_base(slug, identifier)}/*",
        ]
        for image_id in image_ids:
            paths += [f"{urls.image_service(image_id)}/*", f"{urls.download(image_id, '')}*"]
        for path in paths:
            rule: dict[str, Any] = {"location": path, RESERVATION: 1}
            if policy:
                rule[POLICY] = policy
            rules.append(rule)
    return rules


def _reserved_objects(session: Session) -> Iterator[tuple[str, str, str | None, list[str]]]:
    """(slug, identifier, policy, reserved image ids) of each reserved object.

    Plain columns, not rows as objects: a collection of 100,000 objects is
    read in two queries and a few tens of megabytes at most."""
    objects = session.execute(
        select(
            CollectionObject.id,
            Institution.slug,
            CollectionObject.identifier,
            CollectionObject.rights_uri,
            Institution.tdm_policy,
        )
        .join(Institution)
        .where(
            CollectionObject.status == ObjectStatus.PUBLISHED,
            Institution.tdm_reservation.is_not(False),
        )
        .order_by(Institution.slug, CollectionObject.identifier)
    ).all()
    images: dict[int, list[tuple[str, str | None]]] = {}
    rows = session.execute(
        select(Image.object_id, Image.public_id, Image.rights_uri)
        .join(CollectionObject)
        .join(Institution)
        .where(
            CollectionObject.status == ObjectStatus.PUBLISHED,
            Institution.tdm_reservation.is_not(False),
            Image.file_path.is_not(None),
            Image.width.is_not(None),
            Image.height.is_not(None),
        )
        .order_by(Image.object_id, Image.position)
    )
    for object_id, public_id, rights_uri in rows:
        images.setdefault(object_id, []).append((public_id, rights_uri))
    for object_id, slug, identifier, rights_uri, policy in objects:
        own = images.get(object_id, [])
        reserved_images = [pid for pid, uri in own if in_copyright_or_undetermined(uri)]
        if reserved_images or in_copyright_or_undetermined(rights_uri):
            yield slug, identifier, policy, reserved_images


def tdmrep_document(session: Session, urls: IiifUrls) -> Document:
    """``/.well-known/tdmrep.json``, stored once per publication stamp: it moves
    with every change to an object or an institution's settings."""
    engine = session.get_bind()
    assert isinstance(engine, Engine)  # sessions are bound to the engine (glampub.db)
    stamp = publication_stamp(engine)
    return cached_document(
        session, "tdmrep", urls.base, ".".join(map(str, stamp)), lambda: tdmrep_rules(session, urls)
    )
