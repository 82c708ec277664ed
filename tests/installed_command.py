"""The installed `glampub` script, run in a subprocess as a user runs it from a
shell: output not a terminal, only the environment given."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

GLAMPUB = Path(sys.executable).parent / "glampub"


def shell_env(data_dir: Path) -> dict[str, str]:
    """A plain shell's environment for a data folder (its SQLite database)."""
    return {"GLAMPUB_DATA_DIR": str(data_dir), "PATH": "/usr/bin:/bin"}


def run_installed(
    env: dict[str, str], *args: str, input: str | None = None
) -> subprocess.CompletedProcess[str]:
    """``glampub ARGS…`` with ``env`` and ``input`` on standard input; output captured."""
    return subprocess.run(
        [str(GLAMPUB), *args], input=input, capture_output=True, text=True, env=env, timeout=120
    )
