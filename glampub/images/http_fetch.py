"""Polite and safe HTTP GETs of what an export names (images, IIIF documents).

Every request an import makes to a museum's server goes through
:class:`PoliteClient`:

- **polite**: at most :data:`CONNECTIONS_PER_HOST` connections to one host at
  once, requests to one host spaced by a configurable rate
  (``GLAMPUB_FETCH_RATE``, requests per second), a User-Agent naming glampub
  and the deployment's contact (``GLAMPUB_CONTACT``), and retries with
  backoff on 429 and 503 that honour ``Retry-After``;
- **safe**: http(s) only, redirects only to http(s), a byte cap (checked on
  ``Content-Length`` and while reading) and a time cap per wait and per
  download; the host name is resolved once, every address it resolves to is
  checked, and the connection is made to that checked address (so a second
  DNS answer cannot point it at the intranet: no DNS rebinding). Addresses
  that are not globally routable (private, loopback, link-local, reserved)
  are refused unless ``GLAMPUB_FETCH_ALLOW`` lists the host or a network
  holding the address (an intranet museum; the tests' 127.0.0.1);
- **conditional**: given the ETag and Last-Modified of an earlier answer, a
  request asks ``If-None-Match``/``If-Modified-Since`` and a 304 is an answer.

Failures are results with a message, never exceptions.
"""

from __future__ import annotations

import email.utils
import http.client
import ipaddress
import os
import socket
import ssl
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO
from urllib.parse import urljoin, urlsplit

from glampub.errors import UsageError
from glampub.resources import VERSION

#: Connections one host may have from this process at once.
CONNECTIONS_PER_HOST = 2
#: Requests per second to one host, unless GLAMPUB_FETCH_RATE says otherwise.
DEFAULT_RATE = 4.0
#: Tries of one request answered 429 or 503 (the first included).
ATTEMPTS = 4
#: The longest Retry-After honoured; a server asking for more is given up on.
MAX_RETRY_WAIT = 60.0
MAX_REDIRECTS = 5
_CHUNK = 1 << 16
_RETRY_STATUSES = (429, 503)
AnyNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network
AnyAddress = ipaddress.IPv4Address | ipaddress.IPv6Address


@dataclass(frozen=True)
class FetchPolicy:
    """How this deployment fetches: who it says it is, what it may reach, how fast."""

    contact: str | None = None
    allowed_hosts: frozenset[str] = frozenset()
    allowed_networks: tuple[AnyNetwork, ...] = ()
    rate: float = DEFAULT_RATE
    connections_per_host: int = CONNECTIONS_PER_HOST

    @property
    def user_agent(self) -> str:
        # Who to write to when the fetching bothers a server (robots etiquette).
        return f"glampub/{VERSION} ({self.contact})" if self.contact else f"glampub/{VERSION}"

    @classmethod
    def from_environment(cls, env: Mapping[str, str] | None = None) -> FetchPolicy:
        """The policy GLAMPUB_CONTACT, GLAMPUB_FETCH_ALLOW and GLAMPUB_FETCH_RATE set."""
        env = os.environ if env is None else env
        hosts, networks = parse_allow(env.get("GLAMPUB_FETCH_ALLOW") or "")
        rate_text = (env.get("GLAMPUB_FETCH_RATE") or "").strip()
        try:
            rate = float(rate_text) if rate_text else DEFAULT_RATE
        except ValueError:
            rate = -1.0
        if not rate > 0:
            raise UsageError(
                f"GLAMPUB_FETCH_RATE must be a number of requests per second above 0, "
                f"not {rate_text!r}"
            )
        contact = (env.get("GLAMPUB_CONTACT") or "").strip() or None
        return cls(contact, hosts, networks, rate)

    def allows(self, host: str, address: AnyAddress) -> bool:
        """May a connection to ``host`` go to ``address``?"""
        if address.version == 6 and address.ipv4_mapped is not None:
            address = address.ipv4_mapped
        if address.is_global and not address.is_multicast:
            return True
        if host.lower().rstrip(".") in self.allowed_hosts:
            return True
        return any(address in network for network in self.allowed_networks)


def parse_allow(text: str) -> tuple[frozenset[str], tuple[AnyNetwork, ...]]:
    """Host names and networks from a comma- or space-separated list."""
    hosts: set[str] = set()
    networks: list[AnyNetwork] = []
    for item in text.replace(",", " ").split():
        try:
            networks.append(ipaddress.ip_network(item, strict=False))
        except ValueError:
            hosts.add(item.lower().rstrip("."))
    return frozenset(hosts), tuple(networks)


@dataclass
class Answer:
    """What one GET brought: a body (in memory or in a file) or a 304, or why not."""

    url: str
    final_url: str = ""
    status: int = 0
    content_type: str = ""
    etag: str | None = None
    last_modified: str | None = None
    body: bytes | None = None
    path: Path | None = None
    #: The first bytes of the body, for telling what it is by its magic bytes.
    head: bytes = b""
    error: str | None = None
    attempts: int = 0

    @property
    def ok(self) -> bool:
        return self.error is None

    @property
    def not_modified(self) -> bool:
        return self.status == 304


class Refused(Exception):
    """A request glampub will not make (an address, a scheme, a size); the message says why."""


class _PinnedHTTPConnection(http.client.HTTPConnection):
    """Connects to an address checked beforehand, whatever DNS says now."""

    def __init__(self, host: str, port: int, address: str, timeout: float) -> None:
        super().__init__(host, port, timeout=timeout)
        self._address = address

    def connect(self) -> None:
        self.sock = socket.create_connection((self._address, self.port), self.timeout)
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)


class _PinnedHTTPSConnection(http.client.HTTPSConnection):
    """TLS to a checked address; the certificate is still checked for the host name."""

    def __init__(self, host: str, port: int, address: str, timeout: float) -> None:
        super().__init__(host, port, timeout=timeout, context=ssl.create_default_context())
        self._address = address

    def connect(self) -> None:
        raw = socket.create_connection((self._address, self.port), self.timeout)
        self.sock = self._context.wrap_socket(raw, server_hostname=self.host)  # type: ignore[attr-defined]


class _HostGate:
    """One host's connection slots and request spacing."""

    def __init__(self, slots: int, interval: float) -> None:
        self.slots = threading.BoundedSemaphore(slots)
        self.interval = interval
        self._lock = threading.Lock()
        self._next = 0.0
        self.open = 0
        self.peak = 0

    def wait_turn(self) -> None:
        """Sleep until this host may be sent the next request."""
        with self._lock:
            now = time.monotonic()
            start = max(now, self._next)
            self._next = start + self.interval
        if start > now:
            time.sleep(start - now)

    def delay(self, seconds: float) -> None:
        """The host asked for a pause (Retry-After): nobody sends before it ends."""
        with self._lock:
            self._next = max(self._next, time.monotonic() + seconds)


@dataclass
class PoliteClient:
    """GETs under a :class:`FetchPolicy`, shared by every thread of one import."""

    policy: FetchPolicy = field(default_factory=FetchPolicy.from_environment)
    timeout: float = 30.0
    #: A whole download may take this many timeouts.
    download_timeouts: int = 10
    _gates: dict[str, _HostGate] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def gate(self, host: str) -> _HostGate:
        with self._lock:
            gate = self._gates.get(host)
            if gate is None:
                gate = _HostGate(self.policy.connections_per_host, 1.0 / self.policy.rate)
                self._gates[host] = gate
            return gate

    def peak_connections(self) -> dict[str, int]:
        """The most connections each host had open at once, for benchmarks and tests."""
        with self._lock:
            return {host: gate.peak for host, gate in self._gates.items()}

    def get(
        self,
        url: str,
        *,
        max_bytes: int,
        dest: Path | None = None,
        etag: str | None = None,
        last_modified: str | None = None,
        accept: str = "*/*",
    ) -> Answer:
        """GET ``url`` (following safe redirects); the body goes to ``dest`` or memory."""
        answer = Answer(url)
        current = url
        try:
            for _ in range(MAX_REDIRECTS + 1):
                location = self._get_once(
                    current, answer, max_bytes, dest, etag, last_modified, accept
                )
                if location is None:
                    return answer
                current = urljoin(current, location)
            raise Refused(f"more than {MAX_REDIRECTS} redirects")
        except Refused as exc:
            answer.error = str(exc)
        except TimeoutError:
            answer.error = f"no answer within {self.timeout:g} seconds"
        except (http.client.HTTPException, OSError, ValueError) as exc:
            answer.error = f"cannot connect ({exc or type(exc).__name__})"
        if dest is not None:
            dest.unlink(missing_ok=True)
        answer.body, answer.path = None, None
        return answer

    def _get_once(
        self,
        url: str,
        answer: Answer,
        max_bytes: int,
        dest: Path | None,
        etag: str | None,
        last_modified: str | None,
        accept: str,
    ) -> str | None:
        """One address, retried on 429/503; the redirect's Location, or None when done."""
        parts = urlsplit(url)
        scheme = parts.scheme.lower()
        if scheme not in ("http", "https") or not parts.hostname:
            raise Refused(f"only http and https addresses are fetched, not {url}")
        host = parts.hostname
        port = parts.port or (443 if scheme == "https" else 80)
        address = self._resolve(host, port)
        target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        headers = {"User-Agent": self.policy.user_agent, "Accept": accept}
        if etag:
            headers["If-None-Match"] = etag
        if last_modified:
            headers["If-Modified-Since"] = last_modified
        gate = self.gate(host.lower())
        backoff = 1.0
        for attempt in range(1, ATTEMPTS + 1):
            answer.attempts += 1
            gate.wait_turn()
            with gate.slots:
                with self._lock:
                    gate.open += 1
                    gate.peak = max(gate.peak, gate.open)
                try:
                    kind = _PinnedHTTPSConnection if scheme == "https" else _PinnedHTTPConnection
                    connection = kind(host, port, address, self.timeout)
                    try:
                        connection.request("GET", target, headers=headers)
                        response = connection.getresponse()
                        status = response.status
                        if status in (301, 302, 303, 307, 308):
                            location = response.getheader("Location")
                            if not location:
                                raise Refused(f"the server redirected without a Location ({url})")
                            following = urljoin(url, location)
                            if urlsplit(following).scheme.lower() not in ("http", "https"):
                                raise Refused(f"redirected to a non-web address ({following})")
                            return following
                        if status in _RETRY_STATUSES and attempt < ATTEMPTS:
                            wait = _retry_after(response.getheader("Retry-After"), backoff)
                            if wait > MAX_RETRY_WAIT:
                                raise Refused(
                                    f"the server answered HTTP {status} and asked to wait "
                                    f"{wait:g} s, longer than {MAX_RETRY_WAIT:g} s"
                                )
                        else:
                            self._read(url, response, answer, max_bytes, dest)
                            return None
                    finally:
                        connection.close()
                finally:
                    with self._lock:
                        gate.open -= 1
            gate.delay(wait)
            backoff *= 2
        raise AssertionError("unreachable: the last attempt always reads")  # pragma: no cover

    def _resolve(self, host: str, port: int) -> str:
        """The address to connect to, once every address the name has is allowed."""
        try:
            infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
        except socket.gaierror as exc:
            raise Refused(f"cannot resolve {host} ({exc.strerror or exc})") from exc
        addresses = list(dict.fromkeys(info[4][0] for info in infos))
        if not addresses:
            raise Refused(f"cannot resolve {host}")
        for text in addresses:
            address = ipaddress.ip_address(text.split("%", 1)[0])
            if not self.policy.allows(host, address):
                raise Refused(
                    f"{host} is at {address}, a private, loopback or link-local address; "
                    "glampub fetches from there only when GLAMPUB_FETCH_ALLOW lists it"
                )
        return addresses[0]

    def _read(
        self,
        url: str,
        response: http.client.HTTPResponse,
        answer: Answer,
        max_bytes: int,
        dest: Path | None,
    ) -> None:
        answer.final_url = url
        answer.status = response.status
        answer.content_type = (response.getheader("Content-Type") or "").split(";")[0].strip()
        answer.etag = response.getheader("ETag")
        answer.last_modified = response.getheader("Last-Modified")
        if response.status == 304:
            return
        if response.status != 200:
            raise Refused(f"the server answered HTTP {response.status} {response.reason}")
        declared = response.getheader("Content-Length")
        if declared and declared.isdigit() and int(declared) > max_bytes:
            raise Refused(_too_large(int(declared), max_bytes))
        deadline = time.monotonic() + self.timeout * self.download_timeouts
        if dest is not None:
            with dest.open("wb") as out:
                self._stream(response, out, answer, max_bytes, deadline)
            answer.path = dest
        else:
            chunks: list[bytes] = []
            self._stream(response, chunks, answer, max_bytes, deadline)
            answer.body = b"".join(chunks)

    def _stream(
        self,
        response: http.client.HTTPResponse,
        out: BinaryIO | list[bytes],
        answer: Answer,
        max_bytes: int,
        deadline: float,
    ) -> None:
        total = 0
        while chunk := response.read(_CHUNK):
            total += len(chunk)
            if total > max_bytes:
                raise Refused(_too_large(total, max_bytes, streamed=True))
            if time.monotonic() > deadline:
                raise Refused(
                    f"the download took longer than {self.timeout * self.download_timeouts:g} s"
                )
            if len(answer.head) < 64:
                answer.head = (answer.head + chunk)[:64]
            if isinstance(out, list):
                out.append(chunk)
            else:
                out.write(chunk)


def _retry_after(value: str | None, backoff: float) -> float:
    """Seconds a Retry-After asks for (a number or an HTTP date); else the backoff."""
    if not value:
        return backoff
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return backoff
    return max(0.0, when.timestamp() - time.time())


def _too_large(size: int, limit: int, *, streamed: bool = False) -> str:
    size_text = f"more than {size:,}" if streamed else f"{size:,}"
    return f"the answer is {size_text} bytes, over the limit of {limit:,} bytes"
