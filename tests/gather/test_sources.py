"""News sources as data and polling them, against a loopback server serving the feeds in tests/gather/feeds/
(written for these tests: English and Chinese wires, EDGAR Atom with 8-K items, an HKEXnews list)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import pytest
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from movedesk.cli.main import main
from movedesk.config import Settings
from movedesk.desk import Desk
from movedesk.errors import ConfigError, DataValidationError, UnknownProvider
from movedesk.gather.fetch import Fetcher
from movedesk.gather.filings import categories_of, eight_k_items, items_in
from movedesk.gather.poll import host_intervals
from movedesk.gather.sources import read_sources, shipped_sources

FEEDS = Path(__file__).parent / "feeds"
CONTACT = "Desk Tests tests@movedesk.test"
#: the categories of eval-protocols/move-reasons.md
REASONS = {
    "earnings", "guidance", "mna", "analyst", "regulation_legal", "product", "management", "capital",
    "macro_market", "other",
}  # fmt: skip
TYPES = {".xml": "application/xml", ".json": "application/json"}


def _serve(server: HTTPServer, path: str, fixture: str, etag: str = '"v1"') -> None:
    """Serve a fixture with an ETag; answer 304 to a request that presents it."""
    body = (FEEDS / fixture).read_bytes()

    def handler(request: Request) -> Response:
        if request.headers.get("If-None-Match") == etag:
            return Response(status=304)
        return Response(body, content_type=TYPES[Path(fixture).suffix], headers={"ETag": etag})

    server.expect_request(path).respond_with_handler(handler)


@pytest.fixture
def server(httpserver: HTTPServer) -> HTTPServer:
    httpserver.expect_request("/robots.txt").respond_with_data("User-agent: *\nAllow: /\n", content_type="text/plain")
    _serve(httpserver, "/wire_en.xml", "wire_en.xml")
    _serve(httpserver, "/wire_zh.xml", "wire_zh.xml")
    _serve(httpserver, "/edgar/company", "edgar_company.xml")
    _serve(httpserver, "/edgar/latest", "edgar_latest.xml")
    _serve(httpserver, "/hkexnews.json", "hkexnews.json")
    return httpserver


def _desk(db: str, contact: str = CONTACT) -> Desk:
    settings = Settings(db=db, allow_private=True, contact=contact)
    return Desk.open(settings.db, settings)


@pytest.fixture
def desk(store_url: str) -> Iterator[Desk]:
    with _desk(store_url) as d:
        yield d


def _add_test_sources(desk: Desk, server: HTTPServer) -> list[str]:
    fast = {"rate_per_second": 200}  # the loopback host asks for a quick pace: no 1 s waits in tests
    desk.add_source("t-wire-en", server.url_for("/wire_en.xml"), markets="us;hk", **fast)
    desk.add_source("t-wire-zh", server.url_for("/wire_zh.xml"), language="zh", timezone="Asia/Shanghai",
                    markets="cn;hk", **fast)  # fmt: skip
    desk.add_source("t-edgar-company", server.url_for("/edgar/company") + "?action=getcompany&CIK={cik}&type=8-K",
                    kind="edgar", timezone="America/New_York", markets="us", targets="AAPL", **fast)  # fmt: skip
    desk.add_source("t-edgar-latest", server.url_for("/edgar/latest"), kind="edgar", markets="us", **fast)
    desk.add_source("t-hkexnews", server.url_for("/hkexnews.json"), kind="hkexnews", timezone="Asia/Hong_Kong",
                    markets="hk", **fast)  # fmt: skip
    return ["t-wire-en", "t-wire-zh", "t-edgar-company", "t-edgar-latest", "t-hkexnews"]


# -- the shipped list ---------------------------------------------------------------------------------------
def test_the_shipped_list_covers_three_markets_two_languages_and_primary_sources() -> None:
    sources = shipped_sources()
    assert len(sources) >= 15
    assert {s.language for s in sources} >= {"en", "zh"}
    assert {m for s in sources for m in s.markets} == {"us", "hk", "cn"}
    assert {s.kind for s in sources} == {"feed", "edgar", "hkexnews", "cninfo"}
    company = next(s for s in sources if s.name == "sec-edgar-8k-company")
    assert "{cik}" in company.url and "type=8-K" in company.url and company.targets == ("universe:sp500",)
    assert all(s.rate_per_second == 10 for s in sources if s.host == "www.sec.gov")
    assert all(s.licence and s.verified and s.timezone for s in sources)
    assert not any(s.enabled for s in sources if not s.pollable)  # CNINFO needs a POST: listed, disabled


def test_a_bad_row_in_a_source_list_names_its_line() -> None:
    text = (
        "# comment\nname,kind,url,language,timezone,interval_minutes,markets,rate_per_second,targets,enabled,"
        "licence,verified\nok,feed,https://a.example/rss,en,UTC,30,us,,,true,x,y\n"
        "bad,gopher,https://b.example/,en,UTC,30,us,,,true,x,y\n"
    )
    with pytest.raises(DataValidationError, match=r"line 4: .*kind 'gopher'"):
        read_sources(text, "mine.csv")


def test_8k_items_map_to_the_move_reason_categories() -> None:
    assert items_in("items 5.02 and 9.01") == ["5.02", "9.01"]
    assert items_in("Item 2.02: Results of Operations and Financial Condition\nItem 9.01: Exhibits") == ["2.02", "9.01"]
    assert items_in("Items 1.01, 2.03 and 9.01") == ["1.01", "2.03", "9.01"]
    assert categories_of(["5.02", "9.01"]) == ["management"]
    assert categories_of(["2.02"]) == ["earnings"]
    assert categories_of(["1.01"]) == ["product"]
    assert categories_of(["2.01"]) == ["mna"]
    assert categories_of(["8.01"]) == ["other"]
    assert categories_of(["1.03"]) == ["capital"]
    assert categories_of(["7.01", "9.01"]) == []
    assert {i.category for i in eight_k_items().values()} - {None} <= REASONS


# -- polling -------------------------------------------------------------------------------------------------
def test_poll_stores_articles_then_304_then_skips_by_interval(desk: Desk, server: HTTPServer) -> None:
    names = _add_test_sources(desk, server)
    first = desk.poll_sources(names)
    assert [o.status for o in first.outcomes] == ["fetched"] * 5, [o.detail for o in first.outcomes]
    by_name = {o.name: o for o in first.outcomes}
    # 2 + 2 wire items; 2 of Apple's three filings are 8-Ks; Microsoft's 8-K (the unknown CIK is left out); 2 HKEX
    assert [by_name[n].new for n in names] == [2, 2, 2, 1, 2]
    assert first.new == 9 and first.status == "ok"

    zh = [a for a in desk.articles() if a.source == "测试财经快讯"]
    assert len(zh) == 2 and all(a.language.startswith("zh") for a in zh)

    since, until = dt.datetime(2024, 1, 1, tzinfo=dt.UTC), dt.datetime(2025, 1, 1, tzinfo=dt.UTC)
    apple = desk.company_news("AAPL", since, until)
    filings = [a for a in apple if a.source == "SEC EDGAR"]
    assert len(filings) == 2
    events = desk.article_events([a.id for a in filings])
    assert sorted(sorted(c for c in {e.category for e in events[a.id]} if c) for a in filings) == [
        ["earnings"], ["management"],
    ]  # fmt: skip
    results = next(a for a in filings if "2.02" in a.title)
    assert results.published == dt.datetime(2024, 10, 31, 20, 30, 41, tzinfo=dt.UTC)
    assert [(e.code, e.category) for e in events[results.id]] == [("2.02", "earnings"), ("9.01", None)]
    msft = [a for a in desk.company_news("MSFT", since, until) if a.source == "SEC EDGAR"]
    assert [(e.code, e.category) for e in desk.article_events([msft[0].id])[msft[0].id]] == [
        ("1.01", "product"), ("2.03", "capital"),
    ]  # fmt: skip
    smic = desk.company_news("SMIC", since, until)
    assert any(a.source == "HKEXnews" and a.published == dt.datetime(2024, 12, 23, 11, 5, tzinfo=dt.UTC) for a in smic)

    agents = {req.headers.get("User-Agent") for req, _ in server.log}
    assert agents == {f"movedesk/{__import__('movedesk').__version__} {CONTACT}"}

    stored = desk.store.count_articles()
    second = desk.poll_sources(names, force=True)
    assert [o.status for o in second.outcomes] == ["not_modified"] * 5 and second.new == 0
    assert desk.store.count_articles() == stored
    conditional = [req for req, resp in server.log if resp.status_code == 304]
    assert len(conditional) == 5 and all(req.headers.get("If-None-Match") == '"v1"' for req in conditional)

    requests_before = len(server.log)
    third = desk.poll_sources(names)
    assert [o.status for o in third.outcomes] == ["skipped"] * 5
    assert all("interval" in o.detail for o in third.outcomes)
    assert len(server.log) == requests_before  # nothing fetched


def test_a_source_that_is_down_fails_clearly_and_loses_nothing(desk: Desk, server: HTTPServer) -> None:
    desk.add_source("t-wire-en", server.url_for("/wire_en.xml"), rate_per_second=200)
    desk.add_source("t-wire-zh", server.url_for("/wire_zh.xml"), language="zh", rate_per_second=200)
    desk.poll_sources(["t-wire-en"])
    stored = desk.store.count_articles()
    before = desk.source_polls()["t-wire-en"]
    url = server.url_for("/wire_en.xml")
    assert desk.store.get_validators(url) == ('"v1"', None)

    server.clear()
    server.expect_request("/robots.txt").respond_with_data("", status=404)
    server.expect_request("/wire_en.xml").respond_with_data("down for maintenance", status=503)
    _serve(server, "/wire_zh.xml", "wire_zh.xml")
    fetcher = Fetcher(allow_private=True, cache=desk.store, min_interval=0.0, sleep=lambda s: None)
    report = desk.poll_sources(["t-wire-en", "t-wire-zh"], force=True, fetcher=fetcher)
    down, up = report.outcomes
    assert down.status == "failed" and "503" in down.errors[0] and "503" in down.detail
    assert up.status == "fetched" and up.new == 2
    assert report.status == "partial"
    assert desk.store.count_articles() == stored + 2  # the down source's articles are all still there
    assert desk.store.get_validators(url) == ('"v1"', None)
    after = desk.source_polls()["t-wire-en"]
    assert after["status"] == "failed" and "503" in after["error"]
    assert after["succeeded_at"] == before["succeeded_at"] and after["newest_item"] == before["newest_item"]


def test_sources_added_and_removed_persist_across_reopen(store_url: str) -> None:
    with _desk(store_url) as desk:
        shipped = {s.name for s in desk.sources()}
        assert "caixin-all" in shipped
        desk.remove_source("caixin-all")
        desk.add_source("my-wire", "https://wire.example/rss.xml", markets="hk", interval_minutes=15)
        with pytest.raises(ConfigError, match="already has a source"):
            desk.add_source("my-wire", "https://wire.example/other.xml")
        with pytest.raises(UnknownProvider, match="no news source 'nope'"):
            desk.remove_source("nope")
    with _desk(store_url) as desk:
        names = {s.name for s in desk.sources()}
        assert names == (shipped - {"caixin-all"}) | {"my-wire"}  # the removal of a shipped source sticks
        mine = next(s for s in desk.sources() if s.name == "my-wire")
        assert (mine.origin, mine.markets, mine.interval_minutes) == ("user", ("hk",), 15)
        assert "caixin-all" in {s.name for s in desk.sources(include_removed=True)}
        desk.add_source("caixin-all", "https://www.caixin.com/rss/all.xml", language="zh")  # a user may bring it back
        assert "caixin-all" in {s.name for s in desk.sources()}


def test_sec_sources_are_refused_without_a_contact(tmp_path: Path, server: HTTPServer, monkeypatch) -> None:
    for contact in ("", "just a name"):
        with _desk(str(tmp_path / "desk.duckdb"), contact=contact) as desk:
            desk.add_source("t-edgar", server.url_for("/edgar/latest"), kind="edgar", replace=True)
            with pytest.raises(ConfigError, match="MOVEDESK_CONTACT") as err:
                desk.poll_sources(["t-edgar"])
            assert "Jane Doe jane@example.com" in err.value.hint
    assert not server.log  # refused before anything was fetched
    monkeypatch.delenv("MOVEDESK_CONTACT", raising=False)
    with pytest.raises(SystemExit) as exit_:
        main(["--db", str(tmp_path / "desk.duckdb"), "sources", "poll", "t-edgar"])
    assert exit_.value.code == 2


def test_each_host_is_paced_as_the_source_list_asks(server: HTTPServer) -> None:
    waits: list[float] = []
    fetcher = Fetcher(allow_private=True, min_interval=1.0, host_intervals={"localhost": 0.1},
                      sleep=waits.append, clock=lambda: 100.0)  # fmt: skip
    with fetcher:
        fetcher.get(server.url_for("/wire_en.xml"))
        fetcher.get(server.url_for("/wire_zh.xml"))
    assert waits == [0.1, 0.1]  # robots.txt, then each feed: 0.1 s apart, not the default 1 s
    assert host_intervals(shipped_sources())["www.sec.gov"] == pytest.approx(0.1)


def test_check_reports_reachable_parseable_and_freshness_without_storing(desk: Desk, server: HTTPServer) -> None:
    server.expect_request("/gone.xml").respond_with_data("not here", status=404)
    desk.add_source("t-wire-en", server.url_for("/wire_en.xml"), rate_per_second=200)
    desk.add_source("t-gone", server.url_for("/gone.xml"), rate_per_second=200)
    desk.add_source("t-edgar-company", server.url_for("/edgar/company") + "?CIK={cik}", kind="edgar",
                    targets="AAPL", rate_per_second=200)  # fmt: skip
    good = desk.check_source("t-wire-en")
    assert (good.reachable, good.parseable, good.items) == (True, True, 2)
    assert good.newest == dt.datetime(2024, 11, 7, 10, 30, tzinfo=dt.UTC) and good.age is not None
    gone = desk.check_source("t-gone")
    assert not gone.reachable and "404" in (gone.error or "")
    filings = desk.check_source("t-edgar-company")
    assert filings.url.endswith("?CIK=0000320193") and filings.items == 2
    assert desk.store.count_articles() == 0


def test_cli_sources_list_add_remove_check(tmp_path: Path, server: HTTPServer, capsys, monkeypatch) -> None:
    import json

    monkeypatch.setenv("MOVEDESK_ALLOW_PRIVATE", "true")
    db = ["--db", str(tmp_path / "cli.duckdb")]
    main([*db, "sources", "add", "t-wire-zh", server.url_for("/wire_zh.xml"), "--language", "zh", "--rate", "200",
          "--markets", "cn"])  # fmt: skip
    main([*db, "sources", "remove", "caixin-all"])
    capsys.readouterr()
    main([*db, "sources", "list", "--json"])
    listed = {s["name"]: s for s in json.loads(capsys.readouterr().out)["sources"]}
    assert "caixin-all" not in listed and listed["t-wire-zh"]["markets"] == ["cn"]
    main([*db, "sources", "check", "t-wire-zh", "--json"])
    checked = json.loads(capsys.readouterr().out)
    assert checked["status"] == "ok" and checked["checks"][0]["items"] == 2
    with pytest.raises(SystemExit) as exit_:
        main([*db, "sources", "remove", "caixin-all"])
    assert exit_.value.code == 2
