"""The ``glampub`` command (the entry point ``glampub.cli:main``).

commands (the command's own commands, assembled onto ``main``), base (the
``main`` group, the database with or without the app, domain errors turned
into messages and exit codes), db, rights, accounts (the command groups),
report (how a rights decision is printed; an import report prints itself, in
glampub.importing.report), progress (the import progress bar).

``main`` is looked up lazily (PEP 562): the command modules import
glampub.cli.base, and loading the package must not load all the commands.
"""

from __future__ import annotations

from typing import Any

__all__ = ["main"]


def __getattr__(name: str) -> Any:
    if name == "main":
        # Importing commands registers every command on main, then hands it over.
        from glampub.cli.commands import main

        return main
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
