"""glampub: open-culture collection publishing for galleries, libraries, archives and museums.

The package itself loads nothing of the web: ``create_app`` (the Flask factory,
``gunicorn 'glampub:create_app()'``) lives in ``glampub.app`` and is looked up
only when asked for, so the pure packages stay free of Flask.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from glampub.app import create_app as create_app

__version__ = "0.1.0"

PACKAGE_DIR = Path(__file__).resolve().parent


def resource_dir(name: str) -> Path:
    """A top-level folder of the repository (editable install) or of the wheel."""
    in_wheel = PACKAGE_DIR / name
    return in_wheel if in_wheel.is_dir() else PACKAGE_DIR.parent / name


def __getattr__(name: str) -> Any:
    # PEP 562: ``from glampub import create_app`` imports the web layer only then.
    if name == "create_app":
        from glampub.app import create_app

        return create_app
    raise AttributeError(f"module 'glampub' has no attribute {name!r}")
