"""The layers of the code hold: the pure packages load nothing of the web, the
database or the network, by any path, and no module imports itself round a
circle (docs/architecture.md draws the layers)."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from tests.conftest import REPO

PURE_PACKAGES = ["glampub.rights", "glampub.iiif", "importers"]

# Modules a pure package must not bring into the interpreter, however indirectly:
# the web framework, the database layer and its models, the use-case layers and
# network clients.
FORBIDDEN = (
    "flask",
    "werkzeug",
    "sqlalchemy",
    "alembic",
    "requests",
    "httpx",
    "urllib.request",
    "http.client",
    "glampub.app",
    "glampub.db",
    "glampub.models",
    "glampub.services",
    "glampub.blueprints",
    "glampub.web",
    "glampub.web_errors",
    "glampub.auth",
    "glampub.security",
    *sorted(f"glampub.{path.stem}" for path in (REPO / "glampub").glob("cli*.py")),
)

# Imports the package and every module under it, then names what got loaded.
_LOADED = """
import importlib, json, pkgutil, sys
package = importlib.import_module(sys.argv[1])
for found in pkgutil.walk_packages(package.__path__, package.__name__ + "."):
    importlib.import_module(found.name)
print(json.dumps(sorted(sys.modules)))
"""


def forbidden_in(loaded: list[str]) -> list[str]:
    """The loaded modules that belong to a forbidden package (or are one)."""
    return [
        name
        for name in loaded
        if any(name == bad or name.startswith(bad + ".") for bad in FORBIDDEN)
    ]


def modules_loaded_by(package: str) -> list[str]:
    """Everything a fresh interpreter holds after importing all of ``package``."""
    done = subprocess.run(
        [sys.executable, "-c", _LOADED, package],
        cwd=REPO,
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    )
    loaded: list[str] = json.loads(done.stdout)
    return loaded


@pytest.mark.parametrize("package", PURE_PACKAGES)
def test_a_pure_package_loads_no_web_database_or_use_case_module(package: str) -> None:
    loaded = modules_loaded_by(package)
    assert package in loaded
    assert forbidden_in(loaded) == [], f"importing {package} loads {forbidden_in(loaded)}"


def test_the_check_sees_a_forbidden_module_loaded_on_the_way() -> None:
    # What importing glampub.rights loaded when glampub/__init__.py imported
    # Flask: the rights modules never named Flask, yet the check must fail.
    through_the_package = ["flask", "flask.app", "glampub", "glampub.rights", "werkzeug"]
    assert forbidden_in(through_the_package) == ["flask", "flask.app", "werkzeug"]
    assert forbidden_in(["glampub.cli_db", "glampub.models", "glampub.rights"]) == [
        "glampub.cli_db",
        "glampub.models",
    ]
    assert forbidden_in(["glampub.credit", "glampub.errors", "urllib.parse"]) == []
