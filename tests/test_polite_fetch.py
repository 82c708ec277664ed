"""Fetching images by URL is polite (2 connections a host, a rate, a User-Agent with a
contact, Retry-After) and safe (private addresses refused after DNS, the address
pinned, redirects checked, size and time capped). Through ``glampub import
--fetch-images`` against a local server, and the client itself where a test
needs a name to resolve to a chosen address."""

from __future__ import annotations

import json
import socket
from pathlib import Path

import pytest
from click.testing import CliRunner

from glampub.cli import main
from glampub.images import fetch as image_fetch
from glampub.images.http_fetch import FetchPolicy, PoliteClient
from glampub.resources import VERSION
from tests.image_server import ImageServer, image_server, jpeg_bytes

HEADER = "identifier,title,rights,images\n"


def _import(runner: CliRunner, tmp_path: Path, urls: list[str], *options: str) -> dict:
    export = tmp_path / "web.csv"
    rows = "".join(f"{n},Object {n},CC0,{url}\n" for n, url in enumerate(urls, 1))
    export.write_text(HEADER + rows, "utf-8")
    runner.invoke(main, ["institution", "add", "t", "--name", "T"])
    result = runner.invoke(
        main, ["import", str(export), "--institution", "t", "--json", "--fetch-images", *options]
    )
    report = json.loads(result.stdout)
    # Every record is in (0), whatever images the harvest that follows could not
    # fetch: those are warnings, each named (the contract's exit codes).
    assert result.exit_code == 0, result.output
    return report


def _problems(report: dict) -> dict[str, str]:
    return {p["record"]: p["message"] for p in report["problems"]}


def _images(server: ImageServer, count: int) -> list[str]:
    for n in range(count):
        server.answers[f"/{n}.jpg"] = (200, "image/jpeg", jpeg_bytes(20 + n, 10))
    return [server.url(f"/{n}.jpg") for n in range(count)]


def test_never_more_than_two_connections_to_a_host_and_a_user_agent_with_the_contact(
    runner, tmp_path, monkeypatch
) -> None:
    monkeypatch.setenv("GLAMPUB_CONTACT", "mailto:web@museum.example")
    monkeypatch.setenv("GLAMPUB_FETCH_RATE", "1000")
    with image_server() as server:
        urls = _images(server, 12)
        for n in range(12):
            server.delays[f"/{n}.jpg"] = 0.15  # slow enough for the 8 workers to pile up
        report = _import(runner, tmp_path, urls)
    assert (report["created"], report["problems"]) == (12, [])
    assert server.peak == 2
    agents = {headers["User-Agent"] for headers in server.request_headers}
    assert agents == {f"glampub/{VERSION} (mailto:web@museum.example)"}


def test_requests_to_a_host_are_spaced_by_the_configured_rate(runner, tmp_path, monkeypatch):
    monkeypatch.setenv("GLAMPUB_FETCH_RATE", "10")
    with image_server() as server:
        report = _import(runner, tmp_path, _images(server, 8))
    assert report["created"] == 8
    starts = sorted(at for _, at in server.times)
    gaps = [later - earlier for earlier, later in zip(starts, starts[1:], strict=False)]
    # 10 a second, whatever the 8 workers would do. The client spaces its requests
    # 0.1 s apart; the server stamps them when it reads them, and on a loaded machine
    # one may be read a few hundredths late and the next on time: the whole run's
    # length holds the rate, each gap only shows no two requests went together.
    assert min(gaps) >= 0.05
    assert starts[-1] - starts[0] >= 0.65


def test_429_and_503_are_retried_after_their_retry_after(runner, tmp_path) -> None:
    with image_server() as server:
        urls = _images(server, 2)
        server.first["/0.jpg"] = [(429, {"Retry-After": "1"})]
        server.first["/1.jpg"] = [(503, {}), (503, {})]  # no Retry-After: backoff 1 s, 2 s
        report = _import(runner, tmp_path, urls)
    assert (report["created"], report["problems"]) == (2, [])
    tries = [at for path, at in server.times if path == "/0.jpg"]
    assert len(tries) == 2 and tries[1] - tries[0] >= 0.95
    assert [path for path, _ in server.times].count("/1.jpg") == 3


def test_a_server_asking_to_wait_too_long_is_given_up_on(runner, tmp_path) -> None:
    with image_server() as server:
        urls = _images(server, 1)
        server.first["/0.jpg"] = [(429, {"Retry-After": "3600"})]
        report = _import(runner, tmp_path, urls)
    assert "asked to wait 3600 s" in _problems(report)["1"]


def test_loopback_is_refused_unless_allowed_and_nothing_is_asked(runner, tmp_path) -> None:
    with image_server(allowed=False) as server:
        report = _import(runner, tmp_path, _images(server, 1))
        assert server.requests == []
    message = _problems(report)["1"]
    assert "127.0.0.1, a private, loopback or link-local address" in message
    assert "GLAMPUB_FETCH_ALLOW" in message


def test_a_redirect_to_another_private_address_or_a_file_is_refused(runner, tmp_path) -> None:
    with image_server() as server:
        port = server.base.rsplit(":", 1)[1]
        server.answers["/to-intranet.jpg"] = (302, "text/plain", b"")
        server.headers["/to-intranet.jpg"] = {"Location": f"http://10.0.0.7:{port}/a.jpg"}
        server.answers["/to-loopback.jpg"] = (302, "text/plain", b"")
        server.headers["/to-loopback.jpg"] = {"Location": f"http://127.0.0.2:{port}/a.jpg"}
        server.answers["/to-file.jpg"] = (302, "text/plain", b"")
        server.headers["/to-file.jpg"] = {"Location": "file:///etc/passwd"}
        paths = ["/to-intranet.jpg", "/to-loopback.jpg", "/to-file.jpg"]
        report = _import(runner, tmp_path, [server.url(p) for p in paths])
        assert "/a.jpg" not in server.requests
    problems = _problems(report)
    assert "10.0.0.7, a private" in problems["1"]
    assert "127.0.0.2, a private" in problems["2"]
    assert "redirected to a non-web address (file:///etc/passwd)" in problems["3"]


def test_a_large_body_is_cut_off_at_the_cap(runner, tmp_path, monkeypatch) -> None:
    monkeypatch.setattr(image_fetch, "MAX_FETCH_BYTES", 5 * 1024 * 1024)
    with image_server() as server:
        server.streams["/huge.jpg"] = 100 * 1024 * 1024  # no Content-Length to refuse it by
        report = _import(runner, tmp_path, [server.url("/huge.jpg")])
    assert "over the limit of 5,242,880 bytes" in _problems(report)["1"]


def test_a_slow_answer_times_out(runner, tmp_path, monkeypatch) -> None:
    monkeypatch.setattr(image_fetch, "TIMEOUT_SECONDS", 0.3)
    with image_server() as server:
        urls = _images(server, 1)
        server.delays["/0.jpg"] = 1.5
        report = _import(runner, tmp_path, urls)
    assert "no answer within 0.3 seconds" in _problems(report)["1"]


def test_reimporting_asks_conditionally_and_a_304_keeps_the_stored_image(runner, tmp_path):
    with image_server() as server:
        urls = _images(server, 2)
        server.headers["/0.jpg"] = {"ETag": '"v1"'}
        server.headers["/1.jpg"] = {"Last-Modified": "Sun, 06 Dec 2026 10:00:00 GMT"}
        first = _import(runner, tmp_path, urls)
        again = _import(runner, tmp_path, urls)
    assert (first["created"], again["unchanged"], again["problems"]) == (2, 2, [])
    second = server.request_headers[2:]
    assert {h.get("If-None-Match") for h in second} == {'"v1"', None}
    assert {h.get("If-Modified-Since") for h in second} == {"Sun, 06 Dec 2026 10:00:00 GMT", None}
    assert [status for _, status in server.statuses[2:]] == [304, 304]


def test_the_resolved_address_is_pinned_and_checked(monkeypatch) -> None:
    """A name is resolved once per request and the connection goes to the address
    checked; a name that resolves to a private address is refused before connecting."""
    with image_server(allowed=False) as server:
        server.answers["/a.jpg"] = (200, "image/jpeg", jpeg_bytes())
        port = int(server.base.rsplit(":", 1)[1])
        answers = {"museum.test": ["127.0.0.1", "203.0.113.9"], "evil.test": ["10.1.2.3"]}
        asked: list[str] = []
        real = socket.getaddrinfo

        def resolve(host, port_, *args, **kwargs):
            if host not in answers:  # the pinned address itself, when connecting
                return real(host, port_, *args, **kwargs)
            asked.append(host)
            # Rebinding: the second answer for museum.test would be another address.
            address = answers[host].pop(0) if len(answers[host]) > 1 else answers[host][0]
            return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (address, port_))]

        monkeypatch.setattr(socket, "getaddrinfo", resolve)
        client = PoliteClient(FetchPolicy(allowed_hosts=frozenset({"museum.test"})), timeout=5)
        answer = client.get(f"http://museum.test:{port}/a.jpg", max_bytes=10**6)
        assert answer.ok and answer.body == jpeg_bytes()
        assert server.request_headers[0]["Host"] == f"museum.test:{port}"
        refused = client.get(f"http://evil.test:{port}/a.jpg", max_bytes=10**6)
        assert "evil.test is at 10.1.2.3, a private" in (refused.error or "")
        assert asked == ["museum.test", "evil.test"] and len(server.requests) == 1


@pytest.mark.parametrize(
    ("allow", "host", "address", "allowed"),
    [
        ("", "example.org", "93.184.216.34", True),
        ("", "x", "169.254.169.254", False),
        ("", "x", "::1", False),
        ("", "x", "::ffff:10.0.0.1", False),
        ("", "x", "100.64.0.1", False),
        ("10.20.0.0/16", "x", "10.20.3.4", True),
        ("10.20.0.0/16", "x", "10.21.3.4", False),
        ("images.intranet", "images.intranet", "10.0.0.5", True),
    ],
)
def test_which_addresses_the_policy_allows(allow, host, address, allowed) -> None:
    import ipaddress

    policy = FetchPolicy.from_environment({"GLAMPUB_FETCH_ALLOW": allow})
    assert policy.allows(host, ipaddress.ip_address(address)) is allowed


def test_a_wrong_rate_is_refused_with_its_name() -> None:
    from glampub.errors import UsageError

    with pytest.raises(UsageError, match="GLAMPUB_FETCH_RATE"):
        FetchPolicy.from_environment({"GLAMPUB_FETCH_RATE": "fast"})
