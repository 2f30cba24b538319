"""The guarded HTTP fetcher, against a local server only (pytest-httpserver on 127.0.0.1)."""

from __future__ import annotations

import httpx
import pytest
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from movedesk.errors import FetchRefused, ProviderError
from movedesk.gather.fetch import Fetcher, MemoryValidatorCache, address_is_public, check_url

ROBOTS = "User-agent: *\nDisallow: /private\n"


class Sleeps:
    def __init__(self) -> None:
        self.calls: list[float] = []

    def __call__(self, seconds: float) -> None:
        self.calls.append(seconds)


@pytest.fixture
def server(httpserver: HTTPServer) -> HTTPServer:
    httpserver.expect_request("/robots.txt").respond_with_data(ROBOTS, content_type="text/plain")
    return httpserver


def _fetcher(**kw: object) -> Fetcher:
    options: dict[str, object] = {"allow_private": True, "min_interval": 0.0, "sleep": Sleeps()}
    options.update(kw)
    return Fetcher(**options)  # type: ignore[arg-type]


def test_plain_fetch_decodes_declared_charset(server: HTTPServer) -> None:
    body = "<html><body>中芯国际股价上涨</body></html>".encode("gbk")
    server.expect_request("/page").respond_with_data(body, content_type="text/html; charset=gbk")
    with _fetcher() as f:
        result = f.get(server.url_for("/page"))
    assert result.status == 200 and "中芯国际股价上涨" in result.text and result.encoding == "gb18030"


def test_wrong_declared_charset_is_corrected(server: HTTPServer) -> None:
    body = "<html><body>中芯国际股价上涨，投资者看好国产芯片</body></html>".encode("gbk")
    server.expect_request("/liar").respond_with_data(body, content_type="text/html; charset=utf-8")
    with _fetcher() as f:
        assert "投资者看好国产芯片" in f.get(server.url_for("/liar")).text


def test_loopback_refused_without_allow_private(server: HTTPServer) -> None:
    server.expect_request("/page").respond_with_data("hello")
    with _fetcher(allow_private=False) as f, pytest.raises(FetchRefused, match="private, loopback"):
        f.get(server.url_for("/page"))
    assert not [r for r, _ in server.log if r.path == "/page"]


def _forwarding_transport(server: HTTPServer) -> httpx.MockTransport:
    """Serves the made-up public host ``news.example`` from the local test server."""
    client = httpx.Client()

    def handler(request: httpx.Request) -> httpx.Response:
        url = request.url.copy_with(scheme="http", host=server.host, port=server.port)
        upstream = client.request(request.method, url, headers=request.headers)
        return httpx.Response(upstream.status_code, headers=upstream.headers, content=upstream.content)

    return httpx.MockTransport(handler)


def test_redirect_to_loopback_is_refused(server: HTTPServer) -> None:
    server.expect_request("/feed").respond_with_data(
        "", status=302, headers={"Location": f"http://127.0.0.1:{server.port}/secret"}
    )
    server.expect_request("/secret").respond_with_data("internal only")
    public = {"news.example": ["93.184.216.34"]}
    fetcher = _fetcher(
        allow_private=False, transport=_forwarding_transport(server), resolver=lambda host, port: public[host]
    )
    with fetcher, pytest.raises(FetchRefused, match=r"127\.0\.0\.1"):
        fetcher.get("http://news.example/feed")
    paths = [r.path for r, _ in server.log]
    assert "/feed" in paths and "/secret" not in paths


def test_redirect_followed_when_allowed(server: HTTPServer) -> None:
    server.expect_request("/old").respond_with_data("", status=301, headers={"Location": "/new"})
    server.expect_request("/new").respond_with_data("moved here", content_type="text/plain")
    with _fetcher() as f:
        result = f.get(server.url_for("/old"))
    assert result.text == "moved here" and result.final_url.endswith("/new")


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1/", "http://10.1.2.3/", "http://192.168.0.1/", "http://172.16.5.4/",
        "http://169.254.169.254/latest/meta-data/", "http://[::1]/", "http://[::ffff:127.0.0.1]/",
        "http://0.0.0.0/", "http://100.64.0.1/", "http://metadata.google.internal/", "file:///etc/passwd",
        "ftp://example.com/x",
    ],
)
def test_ssrf_guard_refuses(url: str) -> None:
    with pytest.raises(FetchRefused):
        check_url(url, resolver=lambda host, port: ["93.184.216.34"])


def test_guard_checks_resolved_addresses() -> None:
    with pytest.raises(FetchRefused, match=r"10\.0\.0\.7"):
        check_url("http://intranet.example/", resolver=lambda host, port: ["93.184.216.34", "10.0.0.7"])
    check_url("http://news.example/", resolver=lambda host, port: ["93.184.216.34"])  # public: fine
    assert address_is_public("8.8.8.8") and not address_is_public("fe80::1")


def test_robots_txt_is_respected(server: HTTPServer) -> None:
    server.expect_request("/private/page").respond_with_data("secret")
    with _fetcher() as f, pytest.raises(FetchRefused, match=r"robots\.txt"):
        f.get(server.url_for("/private/page"))
    assert not [r for r, _ in server.log if r.path == "/private/page"]


def test_robots_txt_5xx_disallows_everything(httpserver: HTTPServer) -> None:
    httpserver.expect_request("/robots.txt").respond_with_data("down", status=503)
    httpserver.expect_request("/page").respond_with_data("hello")
    with _fetcher(retries=0) as f, pytest.raises(FetchRefused, match=r"robots\.txt"):
        f.get(httpserver.url_for("/page"))


def test_conditional_get_uses_etag_and_last_modified(server: HTTPServer) -> None:
    seen: list[dict[str, str]] = []

    def handler(request: Request) -> Response:
        seen.append(dict(request.headers))
        if request.headers.get("If-None-Match") == '"v1"':
            return Response(status=304)
        return Response("<rss/>", headers={"ETag": '"v1"', "Last-Modified": "Mon, 23 Dec 2024 08:00:00 GMT"})

    server.expect_request("/feed.xml").respond_with_handler(handler)
    cache = MemoryValidatorCache()
    with _fetcher(cache=cache) as f:
        first = f.get(server.url_for("/feed.xml"))
        second = f.get(server.url_for("/feed.xml"))
    assert first.status == 200 and not first.not_modified
    assert second.status == 304 and second.not_modified and second.content == b""
    assert seen[1]["If-None-Match"] == '"v1"'
    assert seen[1]["If-Modified-Since"] == "Mon, 23 Dec 2024 08:00:00 GMT"


def test_retries_with_backoff_then_succeeds(server: HTTPServer) -> None:
    calls = {"n": 0}

    def flaky(request: Request) -> Response:
        calls["n"] += 1
        return Response("busy", status=503) if calls["n"] <= 2 else Response("ok")

    server.expect_request("/flaky").respond_with_handler(flaky)
    sleeps = Sleeps()
    with _fetcher(retries=3, backoff=0.5, sleep=sleeps) as f:
        assert f.get(server.url_for("/flaky")).text == "ok"
    assert sleeps.calls == [0.5, 1.0]


def test_retries_give_up_with_a_clear_error(server: HTTPServer) -> None:
    server.expect_request("/down").respond_with_data("no", status=500)
    with _fetcher(retries=1) as f, pytest.raises(ProviderError, match="HTTP 500"):
        f.get(server.url_for("/down"))


def test_retry_after_is_honoured(server: HTTPServer) -> None:
    calls = {"n": 0}

    def limited(request: Request) -> Response:
        calls["n"] += 1
        return Response("slow down", status=429, headers={"Retry-After": "7"}) if calls["n"] == 1 else Response("ok")

    server.expect_request("/limited").respond_with_handler(limited)
    sleeps = Sleeps()
    with _fetcher(sleep=sleeps) as f:
        assert f.get(server.url_for("/limited")).text == "ok"
    assert sleeps.calls == [7.0]


def test_per_host_rate_limit(server: HTTPServer) -> None:
    server.expect_request("/a").respond_with_data("a")
    clock = {"t": 100.0}
    sleeps = Sleeps()

    def sleep(seconds: float) -> None:
        sleeps(seconds)
        clock["t"] += seconds

    with _fetcher(min_interval=2.0, sleep=sleep, clock=lambda: clock["t"]) as f:
        f.get(server.url_for("/a"))  # robots.txt, then /a: one wait between them
        f.get(server.url_for("/a"))
    assert sleeps.calls == [2.0, 2.0]


def test_a_50_mb_body_is_capped(server: HTTPServer) -> None:
    server.expect_request("/huge").respond_with_data(b"x" * (50 * 1024 * 1024), content_type="text/html")
    with _fetcher() as f, pytest.raises(FetchRefused, match="cap"):
        f.get(server.url_for("/huge"))
    with _fetcher(max_bytes=1024) as f, pytest.raises(FetchRefused, match="cap of 1,024"):
        f.get(server.url_for("/huge"))


def test_streamed_body_without_length_is_capped(server: HTTPServer) -> None:
    def chunks(request: Request) -> Response:
        return Response((b"y" * 4096 for _ in range(100)), content_type="text/plain")

    server.expect_request("/stream").respond_with_handler(chunks)
    with _fetcher(max_bytes=10_000) as f, pytest.raises(FetchRefused, match="passes the cap"):
        f.get(server.url_for("/stream"))


def test_timeout_is_a_clear_error(server: HTTPServer) -> None:
    import time

    def slow(request: Request) -> Response:
        time.sleep(1.5)
        return Response("late")

    server.expect_request("/slow").respond_with_handler(slow)
    with _fetcher(timeout=0.3, retries=0) as f, pytest.raises(ProviderError, match="Timeout"):
        f.get(server.url_for("/slow"))


class Rebinding:
    """A resolver that answers a public address first and the local server's address afterwards."""

    def __init__(self, first: str, then: str) -> None:
        self.answers = [first, then]
        self.calls: list[str] = []

    def __call__(self, host: str, port: int) -> list[str]:
        self.calls.append(host)
        return [self.answers[min(len(self.calls) - 1, 1)]]


def test_dns_rebinding_between_check_and_connect_is_refused(server: HTTPServer) -> None:
    server.expect_request("/page").respond_with_data("inside")
    resolver = Rebinding("93.184.216.34", "127.0.0.1")
    url = f"http://rebind.example:{server.port}/page"
    with (
        _fetcher(allow_private=False, respect_robots=False, resolver=resolver, retries=0) as f,
        pytest.raises(FetchRefused, match=r"now resolves to 127\.0\.0\.1"),
    ):
        f.get(url)
    assert resolver.calls == ["rebind.example", "rebind.example"]  # the guard, then the connection
    assert len(server.log) == 0  # nothing reached the local server


def test_the_connection_goes_to_the_address_that_was_checked(server: HTTPServer) -> None:
    server.expect_request("/page").respond_with_data("pinned")
    # a name nobody can resolve: only the fetcher's resolver knows it, so the socket must use its answer
    resolver = Rebinding("127.0.0.1", "127.0.0.1")
    with _fetcher(respect_robots=False, resolver=resolver) as f:
        got = f.get(f"http://only-our-resolver.invalid:{server.port}/page")
    assert got.text == "pinned" and resolver.calls == ["only-our-resolver.invalid"]
