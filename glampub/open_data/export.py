"""Writing datasets: ``glampub export-dataset`` and every build of the served ones.

One pass over the published objects (glampub.open_data.source) feeds every
package being written: the whole site's and, when asked, each institution's,
so a build of the site reads each object once.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from sqlalchemy.orm import Session

from glampub.iiif.urls import IiifUrls
from glampub.institutions.registry import get_institution
from glampub.models import Institution
from glampub.open_data.package import PackageInfo, PackageWriter, Publisher, WrittenPackage
from glampub.open_data.rows import dataset_record
from glampub.open_data.source import institutions, published_objects

#: The whole site's package: its name, and the stem of its data files.
SITE_NAME = "all-institutions"


def publisher(institution: Institution, urls: IiifUrls) -> Publisher:
    return Publisher(
        slug=institution.slug,
        name=institution.name,
        homepage=institution.homepage or urls.institution_page(institution.slug),
        metadata_licence=institution.metadata_licence,
    )


def institution_info(institution: Institution, urls: IiifUrls) -> PackageInfo:
    return PackageInfo(
        name=institution.slug,
        title=f"{institution.name}: published collection objects",
        stem=institution.slug,
        homepage=urls.institution_page(institution.slug),
        publishers=(publisher(institution, urls),),
    )


def site_info(publishers: list[Institution], urls: IiifUrls) -> PackageInfo:
    return PackageInfo(
        name=SITE_NAME,
        title="Published collection objects of every institution on this site",
        stem=SITE_NAME,
        homepage=urls.home(),
        publishers=tuple(publisher(i, urls) for i in publishers),
    )


@dataclass
class _Target:
    folder: Path
    info: PackageInfo
    writer: PackageWriter | None = None


def write_packages(
    session: Session,
    urls: IiifUrls,
    site_folder: Path | None,
    institution_folders: dict[str, Path],
    only: Institution | None = None,
    created: Mapping[str | None, datetime] | None = None,
) -> list[WrittenPackage]:
    """The site's package into ``site_folder`` (when given) and each institution's
    into its folder of ``institution_folders`` (by slug), in one pass.

    ``only`` reads that institution's objects alone (an export of one package).
    ``created`` gives a package's date by slug (None: the site's); a package
    not in it is dated now. The folders must exist. On any error every file opened is closed and the
    error raised: the caller discards the folders (they are temporary).
    """
    everyone = institutions(session)
    known = {i.slug: i for i in everyone}
    targets: dict[str | None, _Target] = {}
    if site_folder is not None:
        targets[None] = _Target(site_folder, site_info(everyone, urls))
    for slug, folder in institution_folders.items():
        targets[slug] = _Target(folder, institution_info(known[slug], urls))
    try:
        for target in targets.values():
            target.writer = PackageWriter(target.folder, target.info)
        site = targets.get(None)
        for obj in published_objects(session, only.id if only is not None else None):
            record = dataset_record(obj, urls)
            if site is not None:
                assert site.writer is not None
                site.writer.add(record)
            own = targets.get(obj.institution.slug) if institution_folders else None
            if own is not None:
                assert own.writer is not None
                own.writer.add(record)
        dates = created or {}
        return [
            t.writer.finish(dates.get(key)) for key, t in targets.items() if t.writer is not None
        ]
    except BaseException:
        for target in targets.values():
            if target.writer is not None:
                target.writer.discard()
        raise


def export_dataset(
    session: Session, urls: IiifUrls, outdir: Path, slug: str | None = None
) -> WrittenPackage:
    """``glampub export-dataset [SLUG] OUTDIR``: one package (an institution's, or the
    whole site's) written beside OUTDIR first, then moved in file by file, so a
    reader of OUTDIR never finds a half-written file."""
    institution = get_institution(session, slug) if slug is not None else None
    outdir.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix=".export-dataset-", dir=outdir))
    try:
        if institution is not None:
            (written,) = write_packages(
                session, urls, None, {institution.slug: work}, only=institution
            )
        else:
            (written,) = write_packages(session, urls, work, {})
        for item in written.files:
            os.replace(work / item.name, outdir / item.name)
        return written
    finally:
        shutil.rmtree(work, ignore_errors=True)
