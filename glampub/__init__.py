"""glampub: open-culture collection publishing for galleries, libraries, archives and museums.

The package itself loads nothing of the web: ``create_app`` (the Flask factory,
``gunicorn 'glampub:create_app()'``) lives in ``glampub.app`` and is looked up
only when asked for, so the pure packages stay free of Flask.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from glampub.app import create_app as create_app

from glampub.resources import PACKAGE_DIR, VERSION, resource_dir

__version__ = VERSION
__all__ = ["PACKAGE_DIR", "__version__", "create_app", "resource_dir"]


def __getattr__(name: str) -> Any:
    # PEP 562: ``from glampub import create_app`` imports the web layer only then.
    if name == "create_app":
        from glampub.app import create_app

        return create_app
    raise AttributeError(f"module 'glampub' has no attribute {name!r}")
