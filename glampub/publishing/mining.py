"""The W3C TDM Reservation Protocol (TDMRep) signals glampub publishes.

An object that may still be in copyright (glampub.rights.mining: In
Copyright, not evaluated, undetermined, not decided yet), of an institution
whose reservation is on (``institution.tdm_reservation``, the default),
carries ``tdm-reservation: 1``, and ``tdm-policy: <URL>`` when the
institution gives a policy:

- as HTTP headers on everything that serves its content: its page, its
  source record and download, its manifest and record JSON
  (:func:`object_headers`), and on each of its images' Image API answers
  and downloads (:func:`image_headers`, by the image's own rights);
- as ``<meta>`` elements on its page (:func:`mining_note` feeds the template);
- as path rules in ``/.well-known/tdmrep.json`` (glampub.publishing.tdmrep).

Open and public-domain objects carry nothing, not even
``tdm-reservation: 0``: the reservation is a rightsholder's opt-out, and
glampub states none where the rights grant reuse or there is no copyright.

The object counts as reserved when its own rights or the rights of any image
it serves may be in copyright: its page and manifest show those images.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from glampub.models import CollectionObject, Image, Institution
from glampub.rights.mining import Condition, in_copyright_or_undetermined, mining_terms

Headers = tuple[tuple[str, str], ...]
RESERVATION = "tdm-reservation"
POLICY = "tdm-policy"


def reserves(institution: Institution) -> bool:
    """Whether the institution publishes reservations (on unless switched off)."""
    return institution.tdm_reservation is not False


def reservation_headers(institution: Institution, rights_uris: Iterable[str | None]) -> Headers:
    """The TDMRep headers for content under these rights: none unless one may be
    in copyright and the institution reserves."""
    if not reserves(institution) or not any(map(in_copyright_or_undetermined, rights_uris)):
        return ()
    if institution.tdm_policy:
        return ((RESERVATION, "1"), (POLICY, institution.tdm_policy))
    return ((RESERVATION, "1"),)


def _served(image: Image) -> bool:
    return bool(image.file_path and image.width and image.height)


def object_headers(obj: CollectionObject) -> Headers:
    """For the object's page, source record, manifest and record JSON."""
    rights = [obj.rights_uri, *(i.rights_uri for i in obj.images if _served(i))]
    return reservation_headers(obj.institution, rights)


def image_headers(image: Image) -> Headers:
    """For one image's info.json, renders and download, by its own rights."""
    return reservation_headers(image.object.institution, [image.rights_uri])


# -- the object page's line ----------------------------------------------------


@dataclass(frozen=True)
class MiningNote:
    """What the object page says about mining and AI training, and its meta elements.

    ``kind``: "reserved" (a reservation is published), "in-copyright" (the
    institution publishes none), "free" (PDM, CC0), "licence" (a Creative
    Commons licence, with its ``conditions``) or "no-copyright" (a No
    Copyright statement or No Known Copyright: its own conditions apply).
    """

    kind: str
    conditions: tuple[Condition, ...] = ()
    policy: str | None = None
    headers: Headers = ()

    @property
    def reserved(self) -> bool:
        return bool(self.headers)


def mining_note(obj: CollectionObject) -> MiningNote:
    """The sentence beside the rights badge: what the badge's rights say."""
    headers = object_headers(obj)
    terms = mining_terms(obj.rights_uri)
    if terms.kind == "in-copyright":
        kind = "reserved" if reserves(obj.institution) else "in-copyright"
    else:
        kind = terms.kind
    policy = obj.institution.tdm_policy if headers else None
    return MiningNote(kind, terms.conditions, policy, headers)
