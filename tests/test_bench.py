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
    assert "SQLite alone storing what it stored" in result.stdout
    assert "unchanged 300" in result.stdout


def test_cli_start_benchmark_runs() -> None:
    result = subprocess.run(
        [sys.executable, str(BENCH / "cli_start.py"), "--runs", "1"],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr
    assert "glampub import (3 records, unchanged), median of 1: wall " in result.stdout
    assert "flask loaded: no" in result.stdout


WRK_OUTPUT = """Running 5s test @ http://127.0.0.1:41234
  2 threads and 16 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency     3.10ms    2.01ms  40.12ms   90.12%
    Req/Sec     2.60k   300.00     3.20k    70.00%
  25960 requests in 5.00s, 170.31MB read
  Socket errors: connect 0, read 2, write 0, timeout 1
  Non-2xx or 3xx responses: 3
Requests/sec:   5190.55
Transfer/sec:     34.06MB
STATUS {"200": 25957, "503": 3}
LATENCY 2900.000000 10900.000000
"""


def test_wrk_output_is_read_into_numbers() -> None:
    from bench._servers import _parse_wrk

    result = _parse_wrk(WRK_OUTPUT)
    assert result.requests_per_s == 5190.55
    assert (result.requests, result.bad_responses, result.socket_errors) == (25960, 3, 3)
    assert (result.p50_ms, result.p99_ms) == (2.9, 10.9)
    assert result.status_counts == {200: 25957, 503: 3}


def test_the_tile_benchmark_asks_only_for_what_info_json_promises() -> None:
    from bench.tiles_vs_iipimage import HEIGHT, WIDTH, arbitrary, grid
    from glampub.iiif.image_api import parse_request
    from glampub.iiif.image_info import info_json

    info = info_json("http://x/iiif/image/3/big", WIDTH, HEIGHT)
    tails = grid(info)
    assert len(tails) == 129  # 12 x 8 tiles at full size, and the levels above
    for tail in tails + arbitrary(seed=1, count=500):
        region, size, rotation, rest = tail.split("/")
        quality, fmt = rest.split(".")
        request = parse_request(region, size, rotation, quality, fmt, width=WIDTH, height=HEIGHT)
        assert not request.is_upscaled


def test_dataset_export_benchmark_runs() -> None:
    result = subprocess.run(
        [sys.executable, str(BENCH / "dataset_export.py"), "--records", "300"],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr
    assert "export-dataset: 30 records" in result.stdout
    assert "export-dataset: 300 records" in result.stdout and "peak RSS" in result.stdout


def test_harvest_benchmark_runs() -> None:
    result = subprocess.run(
        [sys.executable, str(BENCH / "harvest_speed.py"), "--images", "12", "--size", "200x150"],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr
    assert "12 of 12 fetched" in result.stdout
    assert "max concurrent connections per host seen by the server: " in result.stdout
    assert "(limit 2: held)" in result.stdout
    assert "answers {304: 12}" in result.stdout


def test_the_server_gets_the_last_cores_and_the_import_keeps_at_least_one(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from bench import _cores

    monkeypatch.setattr(_cores.os, "sched_getaffinity", lambda pid: {0, 1, 2, 3})
    assert _cores.split_cores(1) == ({0, 1, 2}, {3})
    assert _cores.split_cores(3) == ({0}, {1, 2, 3})
    for impossible in (0, 4, 5):
        with pytest.raises(_cores.CannotPin, match="cores for the server"):
            _cores.split_cores(impossible)
