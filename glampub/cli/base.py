"""What every ``glampub`` command module shares: the ``main`` click group, the
output consoles, the database (with or without the web app) and the one place
where domain errors become messages and exit codes. The command modules
(glampub.cli.db, .rights, .accounts) import this one and never
glampub.cli.commands, which only assembles their groups onto ``main``: no
circle between them.

Nothing here loads Flask: a command that needs only the database (``glampub
import``) opens it with :func:`database_context`, and only the commands that
serve or render pages build the app (:func:`app_context`).
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import wraps
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click
from rich.console import Console, ConsoleDimensions

from glampub import config as glampub_config
from glampub.db import Database
from glampub.errors import GlampubError

if TYPE_CHECKING:
    from flask import Flask

#: The width of output that is not a terminal: wide enough for any line.
UNBOUNDED_WIDTH = 1_000_000


class CliConsole(Console):
    """Rich's console, which never cuts a line when its output is not a terminal.

    Piped or redirected, rich takes 80 columns (or the width of whichever
    other stream is a terminal) and wraps table cells to fit, which broke
    identifiers and URLs across lines for grep and scripts. Off a terminal
    the width is unbounded, so a table is exactly as wide as its content.
    """

    @property
    def size(self) -> ConsoleDimensions:
        size = super().size
        return size if self.is_terminal else ConsoleDimensions(UNBOUNDED_WIDTH, size.height)


out = CliConsole(markup=False, highlight=False, soft_wrap=True)
err = CliConsole(stderr=True, markup=False, highlight=False, soft_wrap=True)


def domain_errors(func: Callable[..., Any]) -> Callable[..., Any]:
    """GlampubError -> 'Error: …' on stderr and the error's exit code; no traceback."""

    @wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except GlampubError as exc:
            err.print(f"Error: {exc}")
            sys.exit(exc.exit_code)

    return wrapper


@contextmanager
def app_context() -> Iterator[Flask]:
    """The web app, for the commands that need it (its database through ``get_db()``)."""
    from glampub.app import create_app

    app = create_app()
    with app.app_context():
        yield app


@dataclass(frozen=True)
class Workspace:
    """What a command that needs only the database works with."""

    database: Database
    #: The configuration the web app would have (glampub.config.build_config).
    config: dict[str, Any]

    @property
    def data_dir(self) -> Path:
        return Path(self.config["DATA_DIR"])


def configured_database() -> Workspace:
    """The configured database (GLAMPUB_DATABASE_URL, else the data folder's SQLite
    file), connected but not yet brought to this glampub's schema."""
    # Looked up on the module when called, as create_app does (tests swap it).
    config = glampub_config.build_config(glampub_config.instance_path())
    database = Database()
    database.connect(config["DATABASE_URL"])
    return Workspace(database, config)


@contextmanager
def database_context() -> Iterator[Workspace]:
    """The database as ``create_app`` prepares it, without the app.

    The same configuration (environment, data folder, its SQLite file) and the
    same preparation (every migration, then the search index: Database.prepare),
    so a command fails or succeeds as it did inside the app, without loading
    Flask and the web layer it never uses. Closed when the command ends.
    """
    workspace = configured_database()
    try:
        workspace.database.prepare()
        yield workspace
    finally:
        workspace.database.dispose()


@click.group()
@click.version_option(package_name="glampub")
def main() -> None:
    """glampub: publish a museum's collection export as IIIF, with its rights mapped."""
