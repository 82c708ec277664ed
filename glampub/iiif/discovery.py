"""IIIF Change Discovery 1.0: an ordered stream of Create, Update and Delete
activities, oldest first, in pages, so a harvester can catch up from where it
stopped. Pure: the service layer hands in the activities of one page."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from glampub.iiif.urls import IiifUrls

CONTEXT = "http://iiif.io/api/discovery/1/context.json"


@dataclass(frozen=True)
class Activity:
    kind: str  # Create, Update or Delete
    manifest_id: str
    end_time: datetime


def _iso(moment: datetime) -> str:
    if moment.tzinfo is None:  # SQLite hands back naive UTC datetimes
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _page_ref(urls: IiifUrls, page: int) -> dict[str, str]:
    return {"id": urls.discovery(page), "type": "OrderedCollectionPage"}


def page_count(total: int, page_size: int) -> int:
    return max(1, -(-total // page_size))


def changes_collection(total: int, page_size: int, urls: IiifUrls) -> dict[str, Any]:
    return {
        "@context": CONTEXT,
        "id": urls.discovery(),
        "type": "OrderedCollection",
        "totalItems": total,
        "first": _page_ref(urls, 1),
        "last": _page_ref(urls, page_count(total, page_size)),
    }


def changes_page(
    page: int, pages: int, page_size: int, activities: Sequence[Activity], urls: IiifUrls
) -> dict[str, Any]:
    document: dict[str, Any] = {
        "@context": CONTEXT,
        "id": urls.discovery(page),
        "type": "OrderedCollectionPage",
        "startIndex": (page - 1) * page_size,
        "partOf": {"id": urls.discovery(), "type": "OrderedCollection"},
    }
    if page > 1:
        document["prev"] = _page_ref(urls, page - 1)
    if page < pages:
        document["next"] = _page_ref(urls, page + 1)
    document["orderedItems"] = [
        {
            "type": activity.kind,
            "object": {"id": activity.manifest_id, "type": "Manifest"},
            "endTime": _iso(activity.end_time),
        }
        for activity in activities
    ]
    return document
