"""The open datasets in the static export, at the paths the live site serves
them at: ``datasets/all/`` (the whole site), ``datasets/institutions/<slug>/``
(each institution) and the page listing them, ``datasets/index.html``.

The packages are those of ``/datasets/`` (glampub.open_data), written with
the export's URLs (its object pages, documents and image files) and dated by
their data (glampub.open_data.source.data_dates), not by the export: a
re-export of unchanged data gives the same bytes, so the tree writes nothing.
They are one unit of the export (glampub.static_site.tree), versioned by the
publication stamp: while nothing published changed, a re-run reads no object
for them at all.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

from flask import Flask, render_template
from sqlalchemy.orm import Session

from glampub.iiif.urls import IiifUrls
from glampub.open_data.builds import (
    FOLDER,
    INSTITUTIONS,
    SITE,
    Build,
    package_entries,
    served_packages,
)
from glampub.open_data.export import write_packages
from glampub.open_data.source import data_dates, institutions
from glampub.publishing.documents import publication_stamp
from glampub.static_site.tree import ExportTree, version_of

#: The unit the datasets and their page are recorded as in the inventory.
UNIT = "datasets"


def write_datasets(app: Flask, urls: IiifUrls, tree: ExportTree) -> None:
    """Every package and the listing page, unless the last export wrote them
    from the data as published now."""
    engine = app.extensions["glampub.db"].engine
    stamp = publication_stamp(engine)
    version = version_of(["datasets", list(stamp)])
    if tree.reuse(UNIT, version):
        return
    # A session of their own: reading the objects page by page clears it
    # (glampub.open_data.source), which must not detach the export's.
    with (
        tree.unit(UNIT, version),
        Session(engine) as session,
        tempfile.TemporaryDirectory(prefix="glampub-datasets-") as tmp,
    ):
        work = Path(tmp)
        site = work / SITE
        site.mkdir()
        folders = {}
        for institution in institutions(session):
            folders[institution.slug] = work / INSTITUTIONS / institution.slug
            folders[institution.slug].mkdir(parents=True)
        written = write_packages(session, urls, site, folders, created=data_dates(session))
        packages = served_packages(package_entries(written))
        for package in packages:
            for item in package.files:
                data = (work / package.path / item.name).read_bytes()
                tree.write(f"{urls.base}/{FOLDER}/{package.path}/{item.name}", data)
        # The page states the date of the data, as each descriptor does.
        listing = Build(
            folder=work,
            id="static",
            stamp=stamp,
            base=urls.base,
            built_at=packages[0].created,
            packages=packages,
        )
        with app.test_request_context(f"/{FOLDER}/", base_url=urls.base):
            html = render_template("datasets.html", build=listing, stale=False, base=urls.base)
        tree.write(urls.datasets_page(), html.encode("utf-8"))
