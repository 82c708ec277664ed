"""The demo: our own sample collections, imported idempotently.

Images are made by ``sample_collections/make_images.py`` (deterministic, so a
second run finds every image unchanged) into the data folder, never into the
package.
"""

from __future__ import annotations

import importlib.util
import sys
import tomllib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType

from glampub.db import Database
from glampub.errors import UsageError
from glampub.importing.report import ImportReport
from glampub.importing.run import ImportOptions, run_import
from glampub.institutions.registry import add_institution
from glampub.resources import resource_dir

EXPORT_NAMES = ("objects.csv", "objects.xml")


@dataclass(frozen=True)
class SampleCollection:
    folder: Path
    slug: str
    name: str
    homepage: str | None
    logo: str | None
    export: Path


def sample_collections(root: Path | None = None) -> Iterator[SampleCollection]:
    root = root or resource_dir("sample_collections")
    if not root.is_dir():
        raise UsageError(f"no sample collections at {root}")
    for folder in sorted(p for p in root.iterdir() if (p / "institution.toml").is_file()):
        meta = tomllib.loads((folder / "institution.toml").read_text("utf-8"))
        export = next((folder / n for n in EXPORT_NAMES if (folder / n).is_file()), None)
        if export is None:
            raise UsageError(f"{folder}: no objects.csv or objects.xml")
        yield SampleCollection(
            folder=folder,
            slug=meta.get("slug", folder.name),
            name=meta["name"],
            homepage=meta.get("homepage"),
            logo=meta.get("logo"),
            export=export,
        )


def _image_maker(root: Path) -> ModuleType:
    script = root / "make_images.py"
    spec = importlib.util.spec_from_file_location("glampub_sample_images", script)
    if spec is None or spec.loader is None:
        raise UsageError(f"cannot load {script}")
    module = importlib.util.module_from_spec(spec)
    # Registered before running: its dataclasses look their module up by name.
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def load_demo(database: Database, data_dir: Path, root: Path | None = None) -> list[ImportReport]:
    """Create the sample institutions and import their exports; safe to run again."""
    root = root or resource_dir("sample_collections")
    maker = _image_maker(root)
    reports = []
    for sample in sample_collections(root):
        images = data_dir / "sample-images" / sample.slug
        maker.make_images(sample.folder, images)
        with database.transaction() as session:
            add_institution(
                session,
                sample.slug,
                sample.name,
                data_dir,
                homepage=sample.homepage,
                logo=images / sample.logo if sample.logo else None,
            )
        options = ImportOptions(institution=sample.slug, path=sample.export, images=images)
        reports.append(run_import(database, data_dir, options))
    return reports
