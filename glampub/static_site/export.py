"""``glampub export-static``: the published collection as a static web site.

Every JSON document is written as a ``.json`` file whose ids are the file URLs
under the given base URL, images as level 0 tiles with their ``info.json``,
and pages as HTML: a home page, a page per institution, a page per object
(with the viewer shipped from the installed copy) and a search that runs in
the browser over JSON indexes. The open datasets and their page
(glampub.static_site.datasets), ``robots.txt`` and
``/.well-known/tdmrep.json`` are at the paths the live site serves them at.
Every link and script of a page resolves inside the export, except declared
external sites (institution homepages, licences, other IIIF viewers). A
re-run renders only objects that changed since the last one (see
glampub.static_site.tree) and removes files of objects no longer published.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable, Iterator
from importlib.metadata import version as package_version
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import PIL
from flask import Flask, current_app
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from glampub.app import create_app
from glampub.db import get_db
from glampub.errors import UsageError
from glampub.iiif.collection import THUMBNAIL_SIZE as COLLECTION_THUMBNAIL
from glampub.iiif.manifest import THUMBNAIL_SIZE as MANIFEST_THUMBNAIL
from glampub.iiif.urls import IiifUrls
from glampub.images import delivery as image_delivery
from glampub.institutions.registry import logo_image_id
from glampub.institutions.settings import credit_template
from glampub.models import CollectionObject, Institution
from glampub.publishing.collections import (
    institution_collection_document,
    top_collection_document,
)
from glampub.publishing.discovery import changes_document, changes_page_document
from glampub.publishing.documents import has_canvas, manifest_document, record_document
from glampub.publishing.robots import ai_agents, robots_txt
from glampub.publishing.tdmrep import tdmrep_rules
from glampub.resources import PACKAGE_DIR
from glampub.static_site import pages as static_pages
from glampub.static_site.datasets import write_datasets
from glampub.static_site.tiles import level0_files, level0_info
from glampub.static_site.tree import (
    INVENTORY,
    ExportReport,
    ExportTree,
    fingerprint,
    version_of,
)
from glampub.statuses import ObjectStatus
from glampub.web import vendor

__all__ = ["INVENTORY", "ExportReport", "clear_export", "export_static"]

#: Image URLs manifests and pages refer to besides the tile grid.
NAMED_SIZES = (
    ("max", "jpg"),
    (MANIFEST_THUMBNAIL, "jpg"),  # also the cards of the home, institution and search pages
    (COLLECTION_THUMBNAIL, "jpg"),  # also the object page's row of thumbnails
    # The object page shows the image fitted into this box.
    ("!1200,1200", "jpg"),
)
#: Image fields a unit's files are made from (with the object's and the
#: institution's revisions, which cover rights, credit and titles).
IMAGE_FIELDS = ("public_id", "position", "file_path", "width", "height", "checksum")


def export_static(
    app: Flask, outdir: Path, base_url: str, progress: Callable[[str], None] | None = None
) -> ExportReport:
    if not base_url.startswith(("http://", "https://")):
        raise UsageError(f"--base-url {base_url!r} must be an http(s) URL")
    if outdir.exists() and not outdir.is_dir():
        raise UsageError(f"{outdir} exists and is not a folder")
    outdir.mkdir(parents=True, exist_ok=True)
    urls = IiifUrls(base_url.rstrip("/"), static=True)
    # The settings of the app asked for (the page-rendering app below has its own).
    robots = robots_txt(urls.base, ai_agents(app.config.get("ROBOTS_AI")), static=True)
    data_dir = Path(app.config["DATA_DIR"])
    # Pages are rendered by an app of their own that mints static ids.
    app = create_app(
        {
            "DATA_DIR": app.config["DATA_DIR"],
            "DATABASE_URL": app.config["DATABASE_URL"],
            "SECRET_KEY": app.config["SECRET_KEY"],
            "BASE_URL": urls.base,
            "STATIC_URLS": True,
        }
    )
    report = ExportReport()
    tree = ExportTree(outdir, urls.base, _code_fingerprint(app), report)
    report.viewer = static_pages.write_assets(app, tree, data_dir)
    client = app.test_client()
    with app.app_context():
        session = get_db().session()
        top = top_collection_document(session, urls, app.config["COLLECTION_PAGE_SIZE"])
        tree.write(urls.collection(), top.body.encode())
        institutions = list(session.scalars(select(Institution).order_by(Institution.slug)))
        for institution in institutions:
            _export_institution(app, client, session, institution, urls, tree, data_dir, progress)
        _export_changes(session, urls, tree, app.config["DISCOVERY_PAGE_SIZE"])
        _export_tdm_rules(session, urls, tree)
        write_datasets(app, urls, tree)
        tree.write(f"{urls.base}/robots.txt", robots.encode())
        static_pages.write_home(client, urls, tree)
        static_pages.write_search_page(app, institutions, urls, tree)
    tree.finish()
    app.extensions["glampub.db"].dispose()
    return report


def _export_tdm_rules(session: Session, urls: IiifUrls, tree: ExportTree) -> None:
    """``/.well-known/tdmrep.json`` at the export's root: a static server sends
    no TDM headers, so the path rules (and the pages' meta elements) carry the
    reservations. Locations are paths on the export's host, its base path first."""
    paths = IiifUrls(urlsplit(urls.base).path.rstrip("/"), static=True)
    rules = json.dumps(tdmrep_rules(session, paths), separators=(",", ":"))
    tree.write(f"{urls.base}/.well-known/tdmrep.json", rules.encode())


def _code_fingerprint(app: Flask) -> str:
    """What every file of the export is also made from besides the data: the
    code, templates and assets, the installed viewer, Pillow and the settings
    that shape images. A change to any of them renders every object again."""
    folders = [
        PACKAGE_DIR,
        Path(app.root_path, app.template_folder or ""),
        Path(app.static_folder or ""),
    ]
    viewer = vendor.installed_root(Path(app.config["DATA_DIR"]))
    if viewer is not None:
        folders.append(viewer)
    return fingerprint(
        PIL.__version__,
        package_version("iiif-prezi3"),
        str(app.config["IMAGE_MAX_AREA"]),
        folders=tuple(folders),
    )


def _export_institution(
    app: Flask,
    client: FlaskClient,
    session: Session,
    institution: Institution,
    urls: IiifUrls,
    tree: ExportTree,
    data_dir: Path,
    progress: Callable[[str], None] | None,
) -> None:
    page_size = app.config["COLLECTION_PAGE_SIZE"]
    collection = institution_collection_document(session, institution.slug, urls, page_size)
    tree.write(urls.collection(institution.slug), collection.body.encode())
    for item in json.loads(collection.body)["items"]:
        if item["type"] == "Collection":
            page = int(item["id"].rsplit("/", 1)[-1].removesuffix(".json"))
            doc = institution_collection_document(session, institution.slug, urls, page_size, page)
            tree.write(item["id"], doc.body.encode())
    logo = logo_image_id(institution)
    if logo and not tree.reuse(f"logo:{institution.slug}", _logo_version(institution)):
        with tree.unit(f"logo:{institution.slug}", _logo_version(institution)):
            _export_image(session, logo, urls, tree, data_dir, named=(("max", "png"),))
    static_pages.write_institution_page(client, institution.slug, urls, tree)
    template = credit_template(session, institution)
    entries = []
    for obj in _published_objects(session, institution.id):
        if progress:
            progress(f"{institution.slug}/{obj.identifier}")
        entries.append(static_pages.search_entry(obj, urls))
        _export_object(session, client, institution, obj, template, urls, tree, data_dir)
    static_pages.write_search_index(institution, entries, urls, tree)


def _logo_version(institution: Institution) -> str:
    return version_of([institution.revision, institution.logo_path])


def _export_object(
    session: Session,
    client: FlaskClient,
    institution: Institution,
    obj: CollectionObject,
    template: str | None,
    urls: IiifUrls,
    tree: ExportTree,
    data_dir: Path,
) -> None:
    """The object's pages, documents and images: rendered again only when
    what they are made from changed since the last export."""
    shown = [image for image in obj.images if image.width and image.file_path]
    if has_canvas(obj):
        tree.report.manifests += 1
        tree.report.images += len(shown)
    key = f"object:{obj.id}"
    version = _object_version(institution, obj, template)
    if tree.reuse(key, version):
        tree.report.objects_reused += 1
        return
    tree.report.objects_rendered += 1
    slug = institution.slug
    with tree.unit(key, version):
        static_pages.write_object_pages(client, slug, obj, urls, tree)
        record = record_document(session, slug, obj.identifier, urls)
        tree.write(urls.record(slug, obj.identifier), record.body.encode())
        if not has_canvas(obj):
            return
        manifest = manifest_document(session, slug, obj.identifier, urls)
        tree.write(urls.manifest(slug, obj.identifier), manifest.body.encode())
        for image in shown:
            _export_image(session, image.public_id, urls, tree, data_dir, named=NAMED_SIZES)


def _object_version(institution: Institution, obj: CollectionObject, template: str | None) -> str:
    images: list[Any] = [[getattr(i, field) for field in IMAGE_FIELDS] for i in obj.images]
    return version_of(
        [obj.identifier, obj.revision, institution.slug, institution.revision, template, images]
    )


def _published_objects(session: Session, institution_id: int) -> Iterator[CollectionObject]:
    """The institution's published objects, read 200 at a time by id.

    Pages by key rather than one streamed query: writing the documents commits
    the session, and a commit closes a PostgreSQL server-side cursor."""
    after = 0
    while True:
        batch = session.scalars(
            select(CollectionObject)
            .where(
                CollectionObject.institution_id == institution_id,
                CollectionObject.status == ObjectStatus.PUBLISHED,
                CollectionObject.id > after,
            )
            .order_by(CollectionObject.id)
            .limit(200)
            .options(selectinload(CollectionObject.images))
        ).all()
        if not batch:
            return
        yield from batch
        after = batch[-1].id


def _export_image(
    session: Session,
    image_id: str,
    urls: IiifUrls,
    tree: ExportTree,
    data_dir: Path,
    named: tuple[tuple[str, str], ...],
) -> None:
    served = image_delivery.find_image(session, image_id, data_dir, urls)
    max_area = current_app.config["IMAGE_MAX_AREA"]
    info = level0_info(image_delivery.info_document(served, urls, max_area))
    service = urls.image_service(image_id)
    tree.write(f"{service}/info.json", json.dumps(info, separators=(",", ":")).encode())
    for path, data in level0_files(served, info):
        tree.write(f"{service}/{path}", data)
    if served.download_name is not None:
        original = image_delivery.original(served, data_dir)
        assert original.path is not None
        extension = original.path.suffix.lstrip(".")
        tree.write(urls.download(image_id, extension), original.path.read_bytes())
    for size, fmt in named:
        rendered = image_delivery.render(
            served, "full", size, "0", "default", fmt, data_dir, max_area=max_area
        )
        data = rendered.data if rendered.path is None else rendered.path.read_bytes()
        tree.write(urls.image(image_id, size=size, fmt=fmt), data)


def _export_changes(session: Session, urls: IiifUrls, tree: ExportTree, page_size: int) -> None:
    stream = changes_document(session, urls, page_size)
    tree.write(urls.discovery(), stream.body.encode())
    last = int(json.loads(stream.body)["last"]["id"].rsplit("/", 1)[-1].removesuffix(".json"))
    for page in range(1, last + 1):
        doc = changes_page_document(session, urls, page_size, page)
        tree.write(urls.discovery(page), doc.body.encode())


def clear_export(outdir: Path) -> None:
    """Remove a previous export entirely (used by tests and --clean)."""
    if (outdir / INVENTORY).is_file():
        shutil.rmtree(outdir)
