"""What the HTTP benchmarks share: free ports, servers started and always
stopped, wrk runs read into numbers, worker memory.

Every server listens on 127.0.0.1 on a port the kernel picked, and every
process started here is stopped by its own id when the benchmark ends.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]

#: One configuration for every Python server compared here (the issue asks
#: for the same gunicorn configuration on both sides of a ratio).
GUNICORN_WORKERS = 2
GUNICORN_THREADS = 4


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def need(*commands: str, packages: str = "") -> None:
    """Install missing Debian packages (the benchmark's own tools), or say how."""
    missing = [c for c in commands if shutil.which(c) is None and not Path(c).exists()]
    if not missing:
        return
    if os.geteuid() == 0 and shutil.which("apt-get"):
        print(f"installing {packages} (for {', '.join(missing)}) ...", flush=True)
        env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
        subprocess.run(["apt-get", "update", "-qq"], check=True, env=env)
        subprocess.run(
            ["apt-get", "install", "-y", "-qq", "--no-install-recommends", *packages.split()],
            check=True,
            env=env,
        )
        return
    sys.exit(f"this benchmark needs {', '.join(missing)}: apt-get install {packages}")


def wait_for(url: str, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while True:
        try:
            with urllib.request.urlopen(url, timeout=2):
                return
        except urllib.error.HTTPError:
            return  # it answers: that is all we wait for
        except OSError:
            if time.monotonic() > deadline:
                raise RuntimeError(f"{url} did not answer within {timeout:.0f} s") from None
            time.sleep(0.1)


@contextmanager
def process(
    args: Sequence[str], *, env: dict[str, str] | None = None, cwd: Path | None = None
) -> Iterator[subprocess.Popen[bytes]]:
    """A child process in its own process group, ended (and waited for) on exit."""
    with tempfile.TemporaryFile() as log:
        proc = subprocess.Popen(
            list(args),
            env={**os.environ, **(env or {})},
            cwd=cwd,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        try:
            yield proc
        finally:
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGTERM)
                try:
                    proc.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    os.killpg(proc.pid, signal.SIGKILL)
                    proc.wait()
            if proc.returncode not in (0, -signal.SIGTERM):
                log.seek(0)
                tail = log.read()[-2000:].decode("utf-8", "replace")
                print(f"{args[0]} exited with {proc.returncode}:\n{tail}", file=sys.stderr)


@dataclass(frozen=True)
class Server:
    base_url: str
    pid: int


@contextmanager
def gunicorn(app: str, env: dict[str, str], *, pythonpath: Path = REPO) -> Iterator[Server]:
    """``gunicorn APP`` with the benchmarks' one configuration."""
    port = free_port()
    args = [
        sys.executable,
        "-m",
        "gunicorn",
        "--worker-class",
        "gthread",
        "--workers",
        str(GUNICORN_WORKERS),
        "--threads",
        str(GUNICORN_THREADS),
        "--bind",
        f"127.0.0.1:{port}",
        "--pythonpath",
        str(pythonpath),
        "--log-level",
        "warning",
        app,
    ]
    with process(args, env=env) as proc:
        base = f"http://127.0.0.1:{port}"
        wait_for(f"{base}/healthz")
        yield Server(base, proc.pid)


@contextmanager
def nginx(server_block: str, http_extra: str = "", port: int | None = None) -> Iterator[str]:
    """nginx in the foreground with one server block (and ``http_extra``, e.g.
    an upstream, beside it), on ``port`` or a free one; yields its base URL."""
    need("nginx", packages="nginx-light")
    port = port or free_port()
    with tempfile.TemporaryDirectory(prefix="bench-nginx-") as tmp:
        conf = Path(tmp) / "nginx.conf"
        conf.write_text(
            f"""
daemon off;
worker_processes {GUNICORN_WORKERS};
pid {tmp}/nginx.pid;
error_log {tmp}/error.log warn;
events {{ worker_connections 1024; }}
http {{
    access_log off;
    types {{ application/json json; image/jpeg jpg; text/html html; }}
    client_body_temp_path {tmp}/body;
    fastcgi_temp_path {tmp}/fastcgi;
    proxy_temp_path {tmp}/proxy;
    uwsgi_temp_path {tmp}/uwsgi;
    scgi_temp_path {tmp}/scgi;
    {http_extra}
    server {{
        listen 127.0.0.1:{port};
        {server_block}
    }}
}}
""",
            "utf-8",
        )
        nginx_bin = shutil.which("nginx") or "/usr/sbin/nginx"
        with process([nginx_bin, "-c", str(conf), "-p", tmp]):
            base = f"http://127.0.0.1:{port}"
            wait_for(f"{base}/")
            yield base


@dataclass(frozen=True)
class WrkResult:
    requests_per_s: float
    p50_ms: float
    p99_ms: float
    requests: int
    bad_responses: int
    socket_errors: int
    status_counts: dict[int, int]

    def line(self, label: str) -> str:
        statuses = ", ".join(f"{k}: {v}" for k, v in sorted(self.status_counts.items()))
        return (
            f"{label:<46} {self.requests_per_s:9,.0f} req/s   p50 {self.p50_ms:6.2f} ms"
            f"   p99 {self.p99_ms:6.2f} ms   [{statuses}]"
            + (f"  socket errors {self.socket_errors}" if self.socket_errors else "")
        )


_LUA = """
local paths = {PATHS}
local etags = {ETAGS}
local i = 0
counts = {}
request = function()
  i = i % #paths + 1
  local headers = {}
  if etags[i] then headers["If-None-Match"] = etags[i] end
  {EXTRA}
  return wrk.format("GET", paths[i], headers)
end
response = function(status, headers, body)
  counts[status] = (counts[status] or 0) + 1
end
function setup(thread) table.insert(threads, thread) end
threads = {}
done = function(summary, latency, requests)
  local merged = {}
  for _, t in ipairs(threads) do
    local c = t:get("counts")
    for k, v in pairs(c) do merged[k] = (merged[k] or 0) + v end
  end
  local parts = {}
  for k, v in pairs(merged) do table.insert(parts, string.format('"%d": %d', k, v)) end
  io.write("STATUS {" .. table.concat(parts, ", ") .. "}\\n")
  io.write(string.format("LATENCY %f %f\\n", latency:percentile(50), latency:percentile(99)))
end
"""


def _lua_list(values: Sequence[str | None]) -> str:
    return "{" + ", ".join("nil" if v is None else json.dumps(v) for v in values) + "}"


def wrk(
    base_url: str,
    paths: Sequence[str],
    *,
    etags: Sequence[str | None] | None = None,
    seconds: int = 5,
    connections: int = 16,
    threads: int = 2,
    gzip: bool = False,
) -> WrkResult:
    """Run wrk against ``paths`` in turn (each with its ETag when given)."""
    need("wrk", packages="wrk")
    extra = 'headers["Accept-Encoding"] = "gzip"' if gzip else ""
    script = (
        _LUA.replace("{PATHS}", _lua_list(paths))
        .replace("{ETAGS}", _lua_list(etags or [None] * len(paths)))
        .replace("{EXTRA}", extra)
    )
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as handle:
        handle.write(script)
    try:
        result = subprocess.run(
            [
                "wrk",
                f"-t{threads}",
                f"-c{connections}",
                f"-d{seconds}s",
                "--timeout",
                "10s",
                "-s",
                handle.name,
                base_url,
            ],
            capture_output=True,
            text=True,
            check=True,
            timeout=seconds + 60,
        )
    finally:
        os.unlink(handle.name)
    return _parse_wrk(result.stdout)


def _parse_wrk(out: str) -> WrkResult:
    rate = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))  # type: ignore[union-attr]
    total = int(re.search(r"(\d+) requests in", out).group(1))  # type: ignore[union-attr]
    bad = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    errors = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out)
    p50, p99 = (float(v) / 1000 for v in re.search(r"LATENCY (\S+) (\S+)", out).groups())  # type: ignore[union-attr]
    statuses = json.loads(re.search(r"STATUS (\{.*\})", out).group(1))  # type: ignore[union-attr]
    return WrkResult(
        requests_per_s=rate,
        p50_ms=p50,
        p99_ms=p99,
        requests=total,
        bad_responses=int(bad.group(1)) if bad else 0,
        socket_errors=sum(int(v) for v in errors.groups()) if errors else 0,
        status_counts={int(k): v for k, v in statuses.items()},
    )


def children_rss_mb(parent_pid: int, field: str = "VmRSS") -> list[float]:
    """Resident memory of each direct child (gunicorn's workers), in MB:
    now (``VmRSS``) or at its peak (``VmHWM``)."""
    sizes = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            ppid = int(stat.rsplit(")", 1)[1].split()[1])
            if ppid != parent_pid:
                continue
            status = (entry / "status").read_text()
        except (OSError, IndexError, ValueError):
            continue  # the process ended while we looked
        match = re.search(rf"{field}:\s+(\d+) kB", status)
        if match:
            sizes.append(int(match.group(1)) / 1024)
    return sizes


def ratio(ours: float, yardstick: float) -> str:
    return f"{ours / yardstick:.2f}x" if yardstick else "n/a"
