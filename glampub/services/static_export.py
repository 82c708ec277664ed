"""``glampub export-static``: the published collection as plain files.

Every JSON document is written as a ``.json`` file whose ids are the file URLs
under the given base URL, images as level 0 tiles with their ``info.json``,
and object pages as HTML, so that any static web server or CDN serves the
read path. Re-running it rewrites only files whose bytes changed and removes
files of objects no longer published.
"""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote, urlsplit

from flask import Flask, current_app
from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from glampub import create_app
from glampub.db import get_db
from glampub.errors import UsageError
from glampub.iiif.collection import THUMBNAIL_SIZE as COLLECTION_THUMBNAIL
from glampub.iiif.manifest import THUMBNAIL_SIZE as MANIFEST_THUMBNAIL
from glampub.iiif.urls import IiifUrls, segment
from glampub.models import CollectionObject, Institution
from glampub.services import image_delivery
from glampub.services.discovery import changes_document, changes_page_document
from glampub.services.institutions import logo_image_id
from glampub.services.publishing import (
    has_canvas,
    institution_collection_document,
    manifest_document,
    record_document,
    top_collection_document,
)
from glampub.services.static_tiles import level0_files, level0_info

#: Lists what the last export wrote, so the next one can remove what is gone.
INVENTORY = ".glampub-export.json"
#: Image URLs manifests and collections refer to besides the tile grid.
NAMED_SIZES = (
    ("max", "jpg"),
    (MANIFEST_THUMBNAIL, "jpg"),
    (COLLECTION_THUMBNAIL, "jpg"),
    # The object page shows the image fitted into this box.
    ("!1200,1200", "jpg"),
)


@dataclass
class ExportReport:
    written: int = 0
    unchanged: int = 0
    removed: int = 0
    manifests: int = 0
    images: int = 0


class _Tree:
    """Writes files under the export folder, only when their bytes changed."""

    def __init__(self, root: Path, base_url: str, report: ExportReport) -> None:
        self.root = root.resolve()
        self.base_url = base_url
        self.base_path = urlsplit(base_url).path.rstrip("/")
        self.report = report
        self.files: set[str] = set()

    def path_for(self, url: str) -> Path:
        # A static server decodes the URL path once to find the file.
        path = unquote(urlsplit(url).path)
        if not path.startswith(self.base_path + "/"):
            raise ValueError(f"{url} is not under the export's base URL")
        target = (self.root / path[len(self.base_path) + 1 :]).resolve()
        if not target.is_relative_to(self.root):
            raise ValueError(f"{url} points outside the export folder")
        return target

    def write(self, url: str, data: bytes) -> None:
        target = self.path_for(url)
        self.files.add(str(target.relative_to(self.root)))
        if target.is_file() and target.stat().st_size == len(data) and target.read_bytes() == data:
            self.report.unchanged += 1
            return
        target.parent.mkdir(parents=True, exist_ok=True)
        partial = target.with_name(target.name + ".part")
        partial.write_bytes(data)
        os.replace(partial, target)
        self.report.written += 1

    def remove_stale(self) -> None:
        inventory = self.root / INVENTORY
        before = set(json.loads(inventory.read_text("utf-8"))) if inventory.is_file() else set()
        for stale in sorted(before - self.files):
            path = self.root / stale
            if path.is_file():
                path.unlink()
                self.report.removed += 1
        inventory.write_text(json.dumps(sorted(self.files), indent=0), "utf-8")


def export_static(
    app: Flask, outdir: Path, base_url: str, progress: Callable[[str], None] | None = None
) -> ExportReport:
    if not base_url.startswith(("http://", "https://")):
        raise UsageError(f"--base-url {base_url!r} must be an http(s) URL")
    if outdir.exists() and not outdir.is_dir():
        raise UsageError(f"{outdir} exists and is not a folder")
    outdir.mkdir(parents=True, exist_ok=True)
    urls = IiifUrls(base_url.rstrip("/"), static=True)
    report = ExportReport()
    tree = _Tree(outdir, urls.base, report)
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
    _copy_assets(app, tree)
    with app.app_context():
        session = get_db().session()
        top = top_collection_document(session, urls, app.config["COLLECTION_PAGE_SIZE"])
        tree.write(urls.collection(), top.body.encode())
        for institution in session.scalars(select(Institution).order_by(Institution.slug)):
            _export_institution(app, session, institution, urls, tree, data_dir, report, progress)
        _export_changes(session, urls, tree, app.config["DISCOVERY_PAGE_SIZE"])
    tree.remove_stale()
    app.extensions["glampub.db"].dispose()
    return report


def _copy_assets(app: Flask, tree: _Tree) -> None:
    """The pages' stylesheet and scripts, at the path the pages link to."""
    folder = Path(app.static_folder or "")
    for path in sorted(folder.rglob("*")):
        if path.is_file():
            relative = path.relative_to(folder).as_posix()
            tree.write(f"{tree.base_url}/static/{relative}", path.read_bytes())


def _export_institution(
    app: Flask,
    session: Session,
    institution: Institution,
    urls: IiifUrls,
    tree: _Tree,
    data_dir: Path,
    report: ExportReport,
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
    if logo:
        _export_image(session, logo, urls, tree, data_dir, named=(("max", "png"),))
    client = app.test_client()
    for obj in _published_objects(session, institution.id):
        if progress:
            progress(f"{institution.slug}/{obj.identifier}")
        _export_page(client, institution.slug, obj, urls, tree)
        record = record_document(session, institution.slug, obj.identifier, urls)
        tree.write(urls.record(institution.slug, obj.identifier), record.body.encode())
        if not has_canvas(obj):
            continue
        manifest = manifest_document(session, institution.slug, obj.identifier, urls)
        tree.write(urls.manifest(institution.slug, obj.identifier), manifest.body.encode())
        report.manifests += 1
        for image in obj.images:
            if image.width and image.file_path:
                _export_image(session, image.public_id, urls, tree, data_dir, named=NAMED_SIZES)
                report.images += 1


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
                CollectionObject.status == "published",
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
    tree: _Tree,
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


def _export_page(client, slug: str, obj: CollectionObject, urls: IiifUrls, tree: _Tree) -> None:  # type: ignore[no-untyped-def]
    live = f"/objects/{segment(slug)}/{segment(obj.identifier)}"
    # The base URL's path becomes the script root, so links to the pages'
    # assets carry the same prefix as the files.
    page = client.get(live, base_url=urls.base)
    if page.status_code == 200:
        tree.write(urls.object_page(slug, obj.identifier), page.data)
    source = client.get(f"{live}/source", base_url=urls.base)
    if source.status_code == 200:
        tree.write(urls.source_record(slug, obj.identifier), source.data)


def _export_changes(session: Session, urls: IiifUrls, tree: _Tree, page_size: int) -> None:
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
