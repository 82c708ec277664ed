"""The benchmarks still run (tiny sizes; their numbers are not asserted)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parents[1] / "bench"


@pytest.mark.parametrize("fmt", ["lido", "csv"])
def test_import_benchmark_runs(fmt: str) -> None:
    result = subprocess.run(
        [sys.executable, str(BENCH / "import_speed.py"), "--format", fmt, "--records", "300"],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr
    assert "created 300" in result.stdout
    assert "unchanged 300" in result.stdout
