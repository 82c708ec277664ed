"""Browser libraries glampub serves itself, installed from the npm registry.

The zoomable viewer (OpenSeadragon) must work with no internet access, and is
never copied into the repository: ``glampub demo`` and ``glampub serve``
install the pinned version into the data folder on first run with the
ordinary ``npm`` client (``glampub install-viewer`` does it on its own).
Without it, object pages still show the image, just not zoomable.
"""

from __future__ import annotations

import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

from glampub.errors import GlampubError


@dataclass(frozen=True)
class NpmAsset:
    package: str
    version: str
    #: The folder inside the package that is served.
    root: str
    #: A file that must be there once installed.
    entry: str

    def folder(self, data_dir: Path) -> Path:
        return data_dir / "vendor" / f"{self.package}-{self.version}"

    def served_root(self, data_dir: Path) -> Path:
        return self.folder(data_dir) / "node_modules" / self.package / self.root


OPENSEADRAGON = NpmAsset("openseadragon", "6.1.1", "build/openseadragon", "openseadragon.min.js")
ASSETS = {"openseadragon": OPENSEADRAGON}


class AssetUnavailable(GlampubError):
    """The npm client is missing or the registry could not be reached."""


def installed_root(data_dir: Path, asset: NpmAsset = OPENSEADRAGON) -> Path | None:
    root = asset.served_root(data_dir)
    return root if (root / asset.entry).is_file() else None


def install(data_dir: Path, asset: NpmAsset = OPENSEADRAGON, npm: str | None = None) -> Path:
    """Install the pinned package with npm (scripts off) unless it is there."""
    found = installed_root(data_dir, asset)
    if found is not None:
        return found
    npm = npm or shutil.which("npm")
    if npm is None:
        raise AssetUnavailable(
            f"the zoomable viewer needs {asset.package} {asset.version} from the npm registry, "
            "and no `npm` command was found: install Node.js (which brings npm) and run "
            "`glampub install-viewer`. Until then object pages show still images."
        )
    folder = asset.folder(data_dir)
    folder.mkdir(parents=True, exist_ok=True)
    command = [
        npm,
        "install",
        "--prefix",
        str(folder),
        "--no-save",
        "--no-audit",
        "--no-fund",
        "--ignore-scripts",
        f"{asset.package}@{asset.version}",
    ]
    try:
        result = subprocess.run(command, capture_output=True, text=True, timeout=300, check=False)
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise AssetUnavailable(f"npm could not install {asset.package}: {exc}") from None
    found = installed_root(data_dir, asset)
    if result.returncode != 0 or found is None:
        detail = (result.stderr or result.stdout).strip().splitlines()[-3:]
        raise AssetUnavailable(
            f"npm could not install {asset.package} {asset.version} (is the npm registry "
            f"reachable?): {' '.join(detail)}. Object pages show still images until "
            "`glampub install-viewer` succeeds."
        )
    return found
