"""What every ``glampub`` command module shares: the ``main`` click group, the
output consoles, the app context and the one place where domain errors become
messages and exit codes. The command modules (glampub.cli.db, .rights,
.accounts) import this one and never glampub.cli.commands, which only assembles
their groups onto ``main``: no circle between them.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import wraps
from typing import Any

import click
from flask import Flask
from rich.console import Console, ConsoleDimensions

from glampub.app import create_app
from glampub.errors import GlampubError

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
    app = create_app()
    with app.app_context():
        yield app


@click.group()
@click.version_option(package_name="glampub")
def main() -> None:
    """glampub: publish a museum's collection export as IIIF, with its rights mapped."""
