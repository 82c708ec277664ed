"""The project as installed: security floors, the README as the front door, module purity."""

from __future__ import annotations

import re
import shutil
import subprocess
import zipfile
from importlib.metadata import entry_points, version
from pathlib import Path

import click
import pytest

from glampub.cli import main
from glampub.config import ENVIRONMENT_VARIABLES
from glampub.languages import DEFAULT_LANGUAGE, SHIPPED_LANGUAGES
from tests.databases import ON_POSTGRESQL

REPO = Path(__file__).resolve().parents[1]
README = (REPO / "README.md").read_text("utf-8")
TRANSLATED = [lang for lang in SHIPPED_LANGUAGES if lang != DEFAULT_LANGUAGE]


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


@pytest.mark.skipif(shutil.which("uv") is None, reason="uv builds and installs the wheel")
@pytest.mark.skipif(
    ON_POSTGRESQL,
    reason="the installed app opens its own SQLite file (its venv has no PostgreSQL driver): "
    "the PostgreSQL run would repeat the SQLite run",
)
def test_a_non_editable_install_serves_pages(tmp_path: Path) -> None:
    """The wheel carries templates, static files, sample collections, CSV
    profiles, the official rights labels, the compiled translations and the
    staff guide in every language, so an installed glampub works away from the
    repository, in every language."""
    subprocess.run(
        ["uv", "build", "--wheel", "-q", "-o", str(tmp_path / "dist"), str(REPO)],
        check=True,
        timeout=300,
    )
    (wheel,) = (tmp_path / "dist").glob("glampub-*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    for expected in (
        "glampub/templates/object.html",
        "glampub/static/glampub.css",
        "glampub/sample_collections/make_images.py",
        "importers/profiles/default.toml",
        "glampub/rights/data/official_labels.tsv",
        *(f"glampub/translations/{lang}/LC_MESSAGES/messages.mo" for lang in TRANSLATED),
        "glampub/docs/collection-managers.md",
        *(f"glampub/docs/collection-managers.{lang}.md" for lang in TRANSLATED),
    ):
        assert expected in names
    # Sample images are drawn on first use (the glampub/images package is code).
    assert not [n for n in names if n.startswith("glampub/sample_collections/") and "/images/" in n]
    venv = tmp_path / "venv"
    subprocess.run(["uv", "venv", "-q", str(venv)], check=True, timeout=120)
    overrides = tmp_path / "overrides.txt"
    overrides.write_text("pillow>=13.0.0\n")
    subprocess.run(
        ["uv", "pip", "install", "-q", "--python", str(venv / "bin" / "python"), str(wheel)]
        + ["--override", str(overrides)],
        check=True,
        timeout=600,
    )
    data_dir = str(tmp_path / "data")
    script = (
        "from glampub import create_app\n"
        f"app = create_app({{'DATA_DIR': {data_dir!r}, 'TESTING': True}})\n"
        "page = app.test_client().get('/')\n"
        "assert page.status_code == 200, page.status_code\n"
        "german = app.test_client().get('/', headers={'Accept-Language': 'de'})\n"
        "assert 'Offene Sammlungen' in german.get_data(as_text=True)\n"
        "from glampub.resources import resource_dir\n"
        "from glampub.web.blueprints.staff.manage_views import guide_file\n"
        "guide = resource_dir('docs') / guide_file('de')\n"
        "assert 'site-packages' in str(guide) and 'Sie' in guide.read_text('utf-8'), guide\n"
        "print(app.template_folder)\n"
        "from glampub.rights import map_rights\n"
        "uri = map_rights('Naamsvermelding-GelijkDelen 4.0 Internationaal').uri\n"
        "assert uri == 'http://creativecommons.org/licenses/by-sa/4.0/', uri\n"
    )
    result = subprocess.run(
        [str(venv / "bin" / "python"), "-c", script],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert "site-packages" in result.stdout
