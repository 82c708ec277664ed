"""The project as installed: security floors, the README as the front door, module purity."""

from __future__ import annotations

import ast
import re
from importlib.metadata import entry_points, version
from pathlib import Path

import click
import pytest

from glampub.cli import main
from glampub.config import ENVIRONMENT_VARIABLES

REPO = Path(__file__).resolve().parents[1]
README = (REPO / "README.md").read_text("utf-8")


def _version_tuple(text: str) -> tuple[int, ...]:
    return tuple(int(part) for part in re.findall(r"\d+", text)[:3])


def test_pillow_carries_the_jpeg_decoder_fix() -> None:
    assert _version_tuple(version("pillow")) >= (13, 0, 0)


def test_lxml_carries_the_iterparse_entity_fix() -> None:
    assert _version_tuple(version("lxml")) >= (6, 1, 3)


def test_iiif_prezi3_is_installed_beside_the_newer_pillow() -> None:
    assert _version_tuple(version("iiif-prezi3")) >= (3, 1, 1)


def test_both_importers_are_registered_through_the_entry_point_group() -> None:
    names = {ep.name for ep in entry_points(group="glampub.importers")}
    assert {"csv", "lido"} <= names


def _command_paths(group: click.Group, prefix: str = "glampub") -> list[str]:
    paths = []
    for name, command in group.commands.items():
        path = f"{prefix} {name}"
        if isinstance(command, click.Group):
            paths.extend(_command_paths(command, path))
        else:
            paths.append(path)
    return paths


@pytest.mark.parametrize("command", _command_paths(main))
def test_every_command_is_in_the_readme(command: str) -> None:
    assert command in README


@pytest.mark.parametrize("variable", ENVIRONMENT_VARIABLES)
def test_every_setting_is_in_the_readme(variable: str) -> None:
    assert f"`{variable}`" in README


def test_readme_gives_the_two_setup_commands() -> None:
    assert "pip install uv && uv run glampub demo" in README
    assert "uv run --extra test pytest" in README
    assert "uv run --extra test pytest" in (REPO / ".ci" / "run").read_text("utf-8")


PURE_PACKAGES = ["glampub/rights", "glampub/iiif", "importers"]
FORBIDDEN = {"flask", "sqlalchemy", "requests", "urllib.request", "http.client", "glampub.db"}


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text("utf-8"))
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module)
    return found


@pytest.mark.parametrize(
    "module",
    sorted(str(p.relative_to(REPO)) for pkg in PURE_PACKAGES for p in (REPO / pkg).rglob("*.py")),
)
def test_pure_modules_touch_no_web_framework_database_or_network(module: str) -> None:
    imported = _imports(REPO / module)
    bad = {
        name for name in imported if any(name == f or name.startswith(f + ".") for f in FORBIDDEN)
    }
    assert not bad, f"{module} imports {sorted(bad)}"
