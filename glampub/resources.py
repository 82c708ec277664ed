"""The package's version and where its files lie (templates, static files,
sample collections, docs), in the repository or in an installed wheel.

A leaf module: anything may import it without importing the web application.
"""

from __future__ import annotations

from pathlib import Path

VERSION = "0.1.0"

PACKAGE_DIR = Path(__file__).resolve().parent


def resource_dir(name: str) -> Path:
    """A top-level folder of the repository (editable install) or of the wheel."""
    in_wheel = PACKAGE_DIR / name
    return in_wheel if in_wheel.is_dir() else PACKAGE_DIR.parent / name
