"""The viewer's first-run install: from npm into the data folder, or a clear message."""

from __future__ import annotations

from pathlib import Path

import pytest

from glampub.web.vendor import OPENSEADRAGON, AssetUnavailable, install, installed_root
from tests.databases import subprocess_env
from tests.installed_command import GLAMPUB, run_installed


def test_a_failing_npm_is_reported_and_nothing_is_served(tmp_path: Path) -> None:
    with pytest.raises(AssetUnavailable) as caught:
        install(tmp_path, npm="/bin/false")
    assert str(caught.value).startswith("npm could not install openseadragon 6.1.1")
    assert "`glampub install-viewer` succeeds" in str(caught.value)
    assert installed_root(tmp_path) is None


def test_without_npm_the_command_says_what_to_do(tmp_path: Path) -> None:
    env = {**subprocess_env(tmp_path / "data"), "PATH": str(GLAMPUB.parent)}
    result = run_installed(env, "install-viewer")
    assert result.returncode == 2
    assert (
        "Warning: the zoomable viewer needs openseadragon 6.1.1 from the npm registry, and no "
        "`npm` command was found: install Node.js (which brings npm) and run "
        "`glampub install-viewer`. Until then object pages show still images."
    ) in result.stderr


def test_an_installed_viewer_is_found_where_it_is_served_from(tmp_path: Path) -> None:
    root = OPENSEADRAGON.served_root(tmp_path)
    root.mkdir(parents=True)
    (root / "openseadragon.min.js").write_text("/* OpenSeadragon */")
    assert installed_root(tmp_path) == root
    # Installed already: npm is not run again (a missing npm would otherwise fail).
    assert install(tmp_path, npm="/nonexistent/npm") == root
