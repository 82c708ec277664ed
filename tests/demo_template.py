"""The sample collections, imported once per test session and copied into each
data folder that wants a site holding them.

Importing the samples (``load_demo``: their images made, every record mapped
and stored, the images' derivatives written) costs about 3 s of CPU, more on
PostgreSQL, and several module fixtures each need a site of their own, which
they then change (an object withdrawn, a setting turned on, a static export
written). A copy of a data folder where that was done once, with a copy of
its database, is the same site: glampub stores the paths of images and logos
relative to the data folder. On SQLite the database is a file in the folder;
on PostgreSQL the copy is a clone (``CREATE DATABASE ... TEMPLATE``), see
:meth:`tests.databases.PostgresDatabases.clone`.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from glampub import create_app
from glampub.importing.demo import load_demo
from tests import databases


class DemoTemplate:
    def __init__(self, folder: Path, base_url: str) -> None:
        self.data_dir = folder / "data"
        app = create_app({"DATA_DIR": str(self.data_dir), "TESTING": True, "BASE_URL": base_url})
        database = app.extensions["glampub.db"]
        load_demo(database, self.data_dir)
        # No connection may stay open: on PostgreSQL a database with sessions
        # cannot be the template of a clone.
        database.dispose()

    def copy_to(self, data_dir: Path) -> Path:
        """``data_dir`` (made, or added to) holding the samples and their database."""
        shutil.copytree(self.data_dir, data_dir, dirs_exist_ok=True)
        databases.copy_database(self.data_dir, data_dir)
        return data_dir
