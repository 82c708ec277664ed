"""The HTML side of the static export: the pages, the assets they load, the
viewer, the icon, and the client-side search that stands in for ``/search``.

Pages are rendered by the same views as the live site, by an app configured
with ``STATIC_URLS`` (its templates then link to the export's files only:
no staff sign-in, the static search, downloads as the exported originals).
The base URL's path is the script root, so asset links carry the same prefix
as the files.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from flask import Flask, render_template
from flask.testing import FlaskClient

from glampub.credit import creator_names, first_value
from glampub.errors import GlampubError
from glampub.favicon import favicon_ico
from glampub.iiif.urls import IiifUrls, segment
from glampub.models import CollectionObject, Institution
from glampub.publishing.object_values import object_info
from glampub.static_site.tree import ExportTree
from glampub.web import vendor
from importers.object_types import language_map

#: The card image size the home, institution and search pages show.
CARD_SIZE = "!400,400"
#: Where the export ships the viewer: the path the live site serves it at, so
#: the object template's links work unchanged.
VIEWER_PATH = "vendor/openseadragon"


class PageFailed(GlampubError):
    """A page the export needs did not render."""


def _get(client: FlaskClient, path: str, base: str) -> bytes:
    response = client.get(path, base_url=base)
    if response.status_code != 200:
        raise PageFailed(f"{path} answered {response.status_code} while exporting")
    return response.data


def write_assets(app: Flask, tree: ExportTree, data_dir: Path) -> bool:
    """The stylesheet, scripts and icons, and the installed viewer; True when
    the viewer is there to ship (object pages show still images without it)."""
    folder = Path(app.static_folder or "")
    for path in sorted(folder.rglob("*")):
        if path.is_file():
            relative = path.relative_to(folder).as_posix()
            tree.write(f"{tree.base_url}/static/{relative}", path.read_bytes())
    # Browsers ask for /favicon.ico: right when the export is a site's root,
    # and at the link every page carries otherwise.
    tree.write(f"{tree.base_url}/favicon.ico", favicon_ico())
    viewer = vendor.installed_root(data_dir)
    if viewer is None:
        return False
    for path in sorted(viewer.rglob("*")):
        if path.is_file():
            relative = path.relative_to(viewer).as_posix()
            tree.write(f"{tree.base_url}/{VIEWER_PATH}/{relative}", path.read_bytes())
    return True


def write_home(client: FlaskClient, urls: IiifUrls, tree: ExportTree) -> None:
    tree.write(urls.home(), _get(client, "/", urls.base))


def write_institution_page(
    client: FlaskClient, slug: str, urls: IiifUrls, tree: ExportTree
) -> None:
    page = _get(client, f"/institutions/{segment(slug)}", urls.base)
    tree.write(urls.institution_page(slug), page)


def write_object_pages(
    client: FlaskClient, slug: str, obj: CollectionObject, urls: IiifUrls, tree: ExportTree
) -> None:
    live = f"/objects/{segment(slug)}/{segment(obj.identifier)}"
    tree.write(urls.object_page(slug, obj.identifier), _get(client, live, urls.base))
    source = _get(client, f"{live}/source", urls.base)
    tree.write(urls.source_record(slug, obj.identifier), source)


def search_entry(obj: CollectionObject, urls: IiifUrls) -> dict[str, Any]:
    """One object in the client-side search index: what a result card shows,
    and the words it is found by."""
    slug = obj.institution.slug
    info = object_info(obj)
    first = next((image for image in obj.images if image.width), None)
    return {
        "id": urls.object_page(slug, obj.identifier),
        "title": first_value(obj.title) or obj.identifier,
        "creators": creator_names(info),
        "date": obj.date_display or "",
        "identifier": obj.identifier,
        "type": first_value(language_map(obj.object_type)),
        "reuse": obj.rights_reuse,
        "thumbnail": urls.image(first.public_id, size=CARD_SIZE) if first else None,
    }


def write_search_index(
    institution: Institution, entries: list[dict[str, Any]], urls: IiifUrls, tree: ExportTree
) -> None:
    index = {
        "institution": {"slug": institution.slug, "name": institution.name},
        "objects": entries,
    }
    body = json.dumps(index, ensure_ascii=False, separators=(",", ":"))
    tree.write(urls.search_index(institution.slug), body.encode("utf-8"))


def write_search_page(
    app: Flask, institutions: Iterable[Institution], urls: IiifUrls, tree: ExportTree
) -> None:
    """The page that searches the indexes in the browser (static/search.js)."""
    indexes = {
        inst.slug: {"name": inst.name, "url": urls.search_index(inst.slug)} for inst in institutions
    }
    with app.test_request_context("/search", base_url=urls.base):
        html = render_template("static_search.html", indexes=json.dumps(indexes))
    tree.write(urls.search(), html.encode("utf-8"))
