"""HTTP fetching for news: polite, bounded and refusing to reach inside the network.

``Fetcher.get(url)`` does, in order, for the URL and again for every redirect hop:

1. **SSRF guard** — only http(s); the host is resolved and *every* address must be global: loopback,
   private, link-local (incl. the 169.254.169.254 metadata service), carrier-grade NAT, multicast and
   reserved ranges are refused with :class:`~movedesk.errors.FetchRefused` unless ``allow_private``.
2. **robots.txt** — fetched once per host (through the same guard) and obeyed; per RFC 9309 a 4xx
   robots.txt allows everything and a 5xx or an unreachable one disallows everything.
3. **Per-host rate limit** — at least ``min_interval`` seconds between two requests to one host, or the
   host's own interval from ``host_intervals`` (a host that allows 10 requests a second: 0.1).
4. **Conditional GET** — ``If-None-Match`` / ``If-Modified-Since`` from a validator cache (the store's,
   or an in-memory dict); a 304 comes back as ``not_modified``.
5. **Retries** — connection errors, timeouts, 429 and 5xx are retried with exponential backoff
   (``Retry-After`` honoured, capped).
6. **Size cap** — the body is streamed and the fetch refused once it passes ``max_bytes``.
7. **Charset** — see :mod:`movedesk.gather.charset` (UTF-8, GB2312/GBK/GB18030, Big5, wrong declarations).

DNS rebinding: the connection itself goes through :class:`GuardedBackend`, which resolves the host with
the same resolver, checks every address again and connects to a checked address (TLS still verifies the
host name). A name that answers a public address to the guard and a private one at connect time is
refused, not followed. A custom ``transport`` (tests) bypasses this layer.
"""

from __future__ import annotations

import ipaddress
import logging
import socket
import time
import urllib.robotparser
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Protocol
from urllib.parse import urljoin, urlsplit

import httpcore
import httpx

from movedesk import __version__
from movedesk.errors import FetchRefused, ProviderError
from movedesk.gather.charset import charset_from_content_type, decode

log = logging.getLogger(__name__)

USER_AGENT = f"movedesk/{__version__} (+news desk; respects robots.txt)"
MAX_BYTES = 20 * 1024 * 1024
_REDIRECTS = (301, 302, 303, 307, 308)
_RETRY_STATUS = (429, 500, 502, 503, 504)
_METADATA_HOSTS = {"metadata", "metadata.google.internal", "instance-data", "instance-data.ec2.internal"}

Resolver = Callable[[str, int], list[str]]


class ValidatorCache(Protocol):
    """Where ETag / Last-Modified of fetched URLs are kept between runs."""

    def get_validators(self, url: str) -> tuple[str | None, str | None] | None: ...

    def put_validators(self, url: str, etag: str | None, last_modified: str | None) -> None: ...


@dataclass
class MemoryValidatorCache:
    entries: dict[str, tuple[str | None, str | None]] = field(default_factory=dict)

    def get_validators(self, url: str) -> tuple[str | None, str | None] | None:
        return self.entries.get(url)

    def put_validators(self, url: str, etag: str | None, last_modified: str | None) -> None:
        self.entries[url] = (etag, last_modified)


@dataclass
class FetchResult:
    url: str
    final_url: str
    status: int
    content: bytes = b""
    content_type: str = ""
    encoding: str = ""
    text: str = ""
    not_modified: bool = False
    headers: dict[str, str] = field(default_factory=dict)


def system_resolver(host: str, port: int) -> list[str]:
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except socket.gaierror as exc:
        raise ProviderError(f"cannot resolve host {host!r}: {exc.strerror or exc}") from exc
    return sorted({str(info[4][0]) for info in infos})


def address_is_public(address: str) -> bool:
    """True for a globally routable unicast address (IPv4-mapped IPv6 judged as its IPv4)."""
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return bool(ip.is_global) and not ip.is_multicast and not ip.is_reserved


def check_url(url: str, *, allow_private: bool = False, resolver: Resolver = system_resolver) -> None:
    """Raise FetchRefused unless ``url`` is http(s) and its host resolves only to public addresses."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https"):
        raise FetchRefused(f"refusing {url!r}: only http and https URLs are fetched")
    host = (parts.hostname or "").rstrip(".").lower()
    if not host:
        raise FetchRefused(f"refusing {url!r}: no host")
    if allow_private:
        return
    if host in _METADATA_HOSTS:
        raise FetchRefused(f"refusing {url!r}: {host} is a cloud metadata service")
    try:
        addresses = [str(ipaddress.ip_address(host))]
    except ValueError:
        addresses = resolver(host, parts.port or (443 if parts.scheme == "https" else 80))
    if not addresses:
        raise ProviderError(f"cannot resolve host {host!r}")
    for address in addresses:
        if not address_is_public(address):
            raise FetchRefused(
                f"refusing {url!r}: {host} resolves to {address}, a private, loopback, link-local or "
                "reserved address"
            )


class GuardedBackend(httpcore.NetworkBackend):
    """httpcore's network layer with the SSRF guard at connect time: the host is resolved here, every
    address checked, and the socket opened to a checked address, so what was checked is what is reached."""

    def __init__(self, *, allow_private: bool = False, resolver: Resolver = system_resolver) -> None:
        self.allow_private = allow_private
        self.resolver = resolver
        self._inner = httpcore.SyncBackend()

    def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[httpcore.SOCKET_OPTION] | None = None,
    ) -> httpcore.NetworkStream:
        try:
            addresses = [str(ipaddress.ip_address(host))]
        except ValueError:
            addresses = self.resolver(host, port)
        if not addresses:
            raise ProviderError(f"cannot resolve host {host!r}")
        if not self.allow_private:
            for address in addresses:
                if not address_is_public(address):
                    raise FetchRefused(
                        f"refusing to connect to {host}: it now resolves to {address}, a private, loopback, "
                        "link-local or reserved address (DNS rebinding?)"
                    )
        error: httpcore.ConnectError | None = None
        for address in addresses:
            try:
                return self._inner.connect_tcp(
                    address, port, timeout=timeout, local_address=local_address, socket_options=socket_options
                )
            except httpcore.ConnectError as exc:
                error = exc
        raise error or httpcore.ConnectError(f"cannot connect to {host}")

    def connect_unix_socket(
        self, path: str, timeout: float | None = None, socket_options: Iterable[httpcore.SOCKET_OPTION] | None = None
    ) -> httpcore.NetworkStream:
        raise FetchRefused(f"refusing to connect to the unix socket {path!r}")

    def sleep(self, seconds: float) -> None:
        self._inner.sleep(seconds)


class _GuardedTransport(httpx.HTTPTransport):
    """httpx's transport over a connection pool that uses :class:`GuardedBackend`."""

    def __init__(self, backend: GuardedBackend) -> None:
        super().__init__(trust_env=False)
        self._pool = httpcore.ConnectionPool(ssl_context=httpx.create_ssl_context(), network_backend=backend)


class Fetcher:
    """One polite HTTP client for a run; close it (or use ``with``) when done."""

    def __init__(
        self,
        *,
        allow_private: bool = False,
        timeout: float = 15.0,
        retries: int = 2,
        backoff: float = 0.5,
        min_interval: float = 1.0,
        host_intervals: Mapping[str, float] | None = None,
        max_bytes: int = MAX_BYTES,
        max_redirects: int = 5,
        respect_robots: bool = True,
        user_agent: str = USER_AGENT,
        cache: ValidatorCache | None = None,
        transport: httpx.BaseTransport | None = None,
        resolver: Resolver = system_resolver,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.allow_private = allow_private
        self.retries = retries
        self.backoff = backoff
        self.min_interval = min_interval
        self.host_intervals = {h.lower(): v for h, v in (host_intervals or {}).items()}
        self.max_bytes = max_bytes
        self.max_redirects = max_redirects
        self.respect_robots = respect_robots
        self.user_agent = user_agent
        self.cache = cache if cache is not None else MemoryValidatorCache()
        self.resolver = resolver
        self.sleep = sleep
        self.clock = clock
        self._last: dict[str, float] = {}
        self._robots: dict[str, urllib.robotparser.RobotFileParser | bool] = {}
        self.client = httpx.Client(
            timeout=httpx.Timeout(timeout, connect=min(timeout, 10.0)),
            follow_redirects=False,
            headers={"User-Agent": user_agent, "Accept-Encoding": "gzip, deflate"},
            transport=transport or _GuardedTransport(GuardedBackend(allow_private=allow_private, resolver=resolver)),
            trust_env=False,
        )

    def close(self) -> None:
        self.client.close()

    def __enter__(self) -> Fetcher:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- public ----------------------------------------------------------------------------------------
    def get(self, url: str, *, conditional: bool = True) -> FetchResult:
        """Fetch ``url`` following redirects, each hop guarded; see the module docstring."""
        headers: dict[str, str] = {}
        if conditional:
            validators = self.cache.get_validators(url)
            if validators:
                etag, modified = validators
                if etag:
                    headers["If-None-Match"] = etag
                if modified:
                    headers["If-Modified-Since"] = modified
        current = url
        for _hop in range(self.max_redirects + 1):
            self._guard(current)
            status, resp_headers, content = self._request(current, headers)
            if status in _REDIRECTS and "location" in resp_headers:
                current = urljoin(current, resp_headers["location"])
                headers = {}  # validators belong to the first URL only
                continue
            if status == 304:
                return FetchResult(url, current, status, not_modified=True, headers=resp_headers)
            if status >= 400:
                raise ProviderError(f"{current} answered HTTP {status}")
            content_type = resp_headers.get("content-type", "")
            text, encoding = decode(content, charset_from_content_type(content_type))
            if conditional and (resp_headers.get("etag") or resp_headers.get("last-modified")):
                self.cache.put_validators(url, resp_headers.get("etag"), resp_headers.get("last-modified"))
            return FetchResult(url, current, status, content, content_type, encoding, text, headers=resp_headers)
        raise FetchRefused(f"refusing {url!r}: more than {self.max_redirects} redirects")

    # -- steps -----------------------------------------------------------------------------------------
    def _guard(self, url: str) -> None:
        check_url(url, allow_private=self.allow_private, resolver=self.resolver)
        if self.respect_robots and not self._robots_allow(url):
            raise FetchRefused(f"refusing {url!r}: disallowed by {_origin(url)}/robots.txt")

    def _robots_allow(self, url: str) -> bool:
        origin = _origin(url)
        if origin not in self._robots:
            self._robots[origin] = self._load_robots(origin)
        rules = self._robots[origin]
        if isinstance(rules, bool):
            return rules
        return rules.can_fetch(self.user_agent, url)

    def _load_robots(self, origin: str) -> urllib.robotparser.RobotFileParser | bool:
        robots_url = origin + "/robots.txt"
        try:
            for _hop in range(self.max_redirects + 1):
                status, headers, content = self._request(robots_url, {})
                if status in _REDIRECTS and "location" in headers:
                    robots_url = urljoin(robots_url, headers["location"])
                    check_url(robots_url, allow_private=self.allow_private, resolver=self.resolver)
                    continue
                break
        except FetchRefused:
            raise
        except ProviderError as exc:
            log.warning("robots.txt of %s unreachable (%s): not fetching from it", origin, exc)
            return False
        if 400 <= status < 500:
            return True
        if status >= 300:
            log.warning("robots.txt of %s answered HTTP %s: not fetching from it", origin, status)
            return False
        parser = urllib.robotparser.RobotFileParser(robots_url)
        parser.parse(decode(content)[0].splitlines())
        return parser

    def _wait_turn(self, url: str) -> None:
        parts = urlsplit(url)
        host = parts.netloc.lower()
        last = self._last.get(host)
        if last is not None:
            interval = self.host_intervals.get((parts.hostname or "").lower(), self.min_interval)
            wait = interval - (self.clock() - last)
            if wait > 0:
                self.sleep(wait)
        self._last[host] = self.clock()

    def _request(self, url: str, headers: dict[str, str]) -> tuple[int, dict[str, str], bytes]:
        """One GET with retries; returns (status, lower-cased headers, body ≤ max_bytes)."""
        attempt = 0
        while True:
            self._wait_turn(url)
            try:
                with self.client.stream("GET", url, headers=headers) as resp:
                    status = resp.status_code
                    resp_headers = {k.lower(): v for k, v in resp.headers.items()}
                    if status in _RETRY_STATUS and attempt < self.retries:
                        delay = _retry_after(resp_headers.get("retry-after")) or self.backoff * 2**attempt
                        attempt += 1
                        log.info("%s answered %s; retry %d in %.1fs", url, status, attempt, delay)
                        self.sleep(min(delay, 60.0))
                        continue
                    content = b"" if status in _REDIRECTS or status == 304 else self._read_capped(url, resp)
                    return status, resp_headers, content
            except httpx.TransportError as exc:
                if attempt >= self.retries:
                    raise ProviderError(f"cannot fetch {url}: {type(exc).__name__}: {exc}") from exc
                delay = self.backoff * 2**attempt
                attempt += 1
                log.info("%s failed (%s); retry %d in %.1fs", url, exc, attempt, delay)
                self.sleep(delay)

    def _read_capped(self, url: str, resp: httpx.Response) -> bytes:
        declared = resp.headers.get("content-length")
        if declared and declared.isdigit() and int(declared) > self.max_bytes:
            raise FetchRefused(f"refusing {url}: {int(declared):,} bytes is over the cap of {self.max_bytes:,}")
        chunks: list[bytes] = []
        size = 0
        for chunk in resp.iter_bytes():
            size += len(chunk)
            if size > self.max_bytes:
                raise FetchRefused(f"refusing {url}: body passes the cap of {self.max_bytes:,} bytes")
            chunks.append(chunk)
        return b"".join(chunks)


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


def _retry_after(value: str | None) -> float | None:
    if value and value.strip().isdigit():
        return float(value.strip())
    return None
