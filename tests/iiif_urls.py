"""Following the site's own IIIF links in tests: a URL the site printed, as the
test client asks for it, and every manifest below a collection."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask.testing import FlaskClient

from tests.conftest import BASE_URL


def local_path(url: str) -> str:
    """The path and query of ``url``, which must be one of this site's (BASE_URL)."""
    assert url.startswith(BASE_URL), url
    parts = urlsplit(url)
    return parts.path + (f"?{parts.query}" if parts.query else "")


def walk_manifests(client: FlaskClient, collection_url: str) -> list[str]:
    """The ids of every manifest in the collection and the collections it lists."""
    response = client.get(local_path(collection_url))
    assert response.status_code == 200
    manifests = []
    for item in response.get_json()["items"]:
        if item["type"] == "Manifest":
            manifests.append(item["id"])
        else:
            manifests.extend(walk_manifests(client, item["id"]))
    return manifests
