"""Ingest end to end: bad inputs become reasons while the rest lands; idempotence; dedup; point in time."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from movedesk.gather.ingest import IngestOptions, ingest, ingest_news
from movedesk.gather.normalise import MAX_BODY_CHARS
from movedesk.store import DuckDBStore

ORIGINAL = (
    "Example Semiconductor shares jumped 6 percent on Monday after the chipmaker said orders from cloud "
    "computing customers had doubled in the past quarter and raised its revenue forecast for the full year. "
    "The company said demand for chips used in artificial intelligence servers was running well ahead of "
    "supply, and that it planned to add capacity at its plant in the south of the country next year. "
    "Analysts at two brokerages lifted their price targets, saying the outlook implied earnings growth of "
    "more than 30 percent. The stock has now gained about 40 percent since the start of the year, "
    "outpacing the broader technology index. Chief executive Jane Doe told investors on a call that the "
    "company was in talks with several large customers about long-term supply agreements, but declined to "
    "name them. Shares of rival chipmakers also rose, with the sector index up 2 percent by midday."
)
# the same story, a few words changed (a syndicated or lightly edited copy)
REWRITTEN = (
    ORIGINAL.replace("jumped 6 percent", "rose 6 percent")
    .replace("had doubled", "have doubled")
    .replace("by midday", "in afternoon trade")
    .replace("declined to", "would not")
)
# a different story about the same company on the same day
OTHER_STORY = (
    "Example Semiconductor said on Monday it would build a new research centre in the north of the country "
    "and hire 500 engineers over the next three years to work on packaging technology. The company did not "
    "say how much the project would cost, but local officials said the provincial government would provide "
    "land and tax incentives. The centre will focus on advanced packaging methods that let chipmakers stack "
    "several chips together, a field where demand has risen with the spread of artificial intelligence. "
    "Construction is expected to start in the spring, and the first laboratories should open in 2026. A "
    "union representing workers at the company's existing plants welcomed the announcement but said it "
    "wanted guarantees that jobs would not be moved from older sites."
)


def _md(path: Path, title: str, body: str, published: str, url: str | None = None, source: str = "Wire A") -> Path:
    head = f"---\ntitle: {title}\npublished: {published}\nsource: {source}\n" + (f"url: {url}\n" if url else "")
    path.write_text(head + "---\n" + body + "\n", encoding="utf-8")
    return path


def _rss(items: list[tuple[str, str, str | None, str | None]], encoding: str = "utf-8") -> str:
    parts = [f'<?xml version="1.0" encoding="{encoding}"?><rss version="2.0"><channel><title>Test Feed</title>']
    for title, body, link, date in items:
        parts.append("<item>")
        parts.append(f"<title>{title}</title><description>{body}</description>")
        if link:
            parts.append(f"<link>{link}</link>")
        if date:
            parts.append(f"<pubDate>{date}</pubDate>")
        parts.append("</item>")
    parts.append("</channel></rss>")
    return "".join(parts)


def test_bad_inputs_get_reasons_and_the_rest_lands(store: DuckDBStore, tmp_path: Path) -> None:
    good = tmp_path / "good.xml"
    good.write_text(
        _rss(
            [
                ("Story with everything", ORIGINAL, "https://a.example/1", "Mon, 23 Dec 2024 09:30:00 +0800"),
                ("Story with no link", OTHER_STORY, None, "Mon, 23 Dec 2024 10:30:00 +0800"),
                ("Story with no date", "A short undated market note about bonds.", "https://a.example/3", None),
            ]
        ),
        encoding="utf-8",
    )
    (tmp_path / "malformed.xml").write_text("<rss><channel><title>x</title><item><<<<</rss", encoding="utf-8")
    (tmp_path / "empty.md").write_bytes(b"")
    (tmp_path / "login.html").write_text(
        "<html><head><title>Sign in</title></head><body><form><input name=u></form></body></html>", encoding="utf-8"
    )
    big = "Big body paragraph about markets and chips.\n" * (50 * 1024 * 1024 // 44)
    _md(tmp_path / "big.md", "A 50 MB article", big, "2024-12-22T08:00:00Z")
    zh = "中芯国际股价周一上涨百分之五，投资者看好国产芯片需求，分析师上调目标价。"
    (tmp_path / "gbk-declared-utf8.xml").write_bytes(
        _rss([("中芯国际股价上涨", zh, "https://zh.example/1", "Mon, 23 Dec 2024 09:00:00 +0800")]).encode("gbk")
    )
    (tmp_path / "future.md").write_text("---\ntitle: From the future\npublished: 2999-01-01\n---\nText.\n")

    report = ingest_news(store, [tmp_path])

    reasons = dict(report.rejected)
    assert "malformed feed XML" in reasons[str(tmp_path / "malformed.xml")]
    assert "0 bytes" in reasons[str(tmp_path / "empty.md")]
    assert "no article text" in reasons[str(tmp_path / "login.html")]
    assert "future" in reasons[str(tmp_path / "future.md")]
    assert len(report.rejected) == 4
    titles = {a.title: a for a in store.articles()}
    assert set(titles) == {
        "Story with everything", "Story with no link", "Story with no date", "A 50 MB article", "中芯国际股价上涨"
    }
    assert report.new == 5
    assert len(titles["A 50 MB article"].body) <= MAX_BODY_CHARS
    assert titles["中芯国际股价上涨"].body == zh and titles["中芯国际股价上涨"].language == "zh-Hans"
    assert titles["Story with no link"].url is None
    undated = titles["Story with no date"]
    assert undated.published_inferred and undated.published == undated.first_seen


def test_reingesting_a_feed_reports_zero_new(store: DuckDBStore, tmp_path: Path) -> None:
    feed = tmp_path / "feed.xml"
    feed.write_text(
        _rss(
            [
                ("One", ORIGINAL, "https://a.example/1", "Mon, 23 Dec 2024 09:30:00 +0800"),
                ("Two", OTHER_STORY, "https://a.example/2", "Mon, 23 Dec 2024 10:30:00 +0800"),
                ("No link", "Undated text without a link.", None, None),
            ]
        ),
        encoding="utf-8",
    )
    first = ingest_news(store, [feed])
    again = ingest_news(store, [feed])
    assert (first.new, first.unchanged) == (3, 0)
    assert (again.new, again.duplicates, again.unchanged, again.rejected) == (0, 0, 3, [])
    assert store.count_articles() == 3


def test_rewritten_copy_clusters_with_the_original(store: DuckDBStore, tmp_path: Path) -> None:
    _md(tmp_path / "a.md", "Example Semiconductor jumps on orders", ORIGINAL, "2024-12-23T01:30:00Z", "https://a.example/1")
    _md(tmp_path / "b.md", "Example Semiconductor rises on orders", REWRITTEN, "2024-12-23T03:00:00Z",
        "https://b.example/x", source="Wire B")
    _md(tmp_path / "c.md", "Example Semiconductor to build research centre", OTHER_STORY, "2024-12-23T02:00:00Z",
        "https://a.example/2")
    report = ingest_news(store, [tmp_path])
    assert (report.new, report.duplicates) == (2, 1)
    stored = {a.url: a for a in store.articles()}
    assert set(stored) == {"https://a.example/1", "https://a.example/2"}
    original = stored["https://a.example/1"]
    (member,) = store.news_members(cluster_id=original.cluster_id)
    assert member["relation"] == "near" and member["url"] == "https://b.example/x" and member["similarity"] >= 0.8
    assert member["original_id"] == original.id
    # the two different stories about the same company on the same day stay apart
    assert stored["https://a.example/2"].cluster_id != original.cluster_id
    assert store.news_members(cluster_id=stored["https://a.example/2"].cluster_id) == []


def test_exact_copy_under_another_url_is_a_duplicate(store: DuckDBStore, tmp_path: Path) -> None:
    _md(tmp_path / "a.md", "Same story", ORIGINAL, "2024-12-23T01:30:00Z", "https://a.example/1")
    _md(tmp_path / "b.md", "SAME  story", ORIGINAL.replace(" ", "  "), "2024-12-24T01:30:00Z", "https://c.example/9")
    report = ingest_news(store, [tmp_path])
    assert (report.new, report.duplicates) == (1, 1)
    (original,) = store.articles()
    (member,) = store.news_members(cluster_id=original.cluster_id)
    assert member["relation"] == "exact" and member["url"] == "https://c.example/9"


def test_earliest_published_member_becomes_the_original(store: DuckDBStore, tmp_path: Path) -> None:
    late = _md(tmp_path / "late.md", "Later copy", REWRITTEN, "2024-12-23T05:00:00Z", "https://late.example/1")
    early = _md(tmp_path / "early.md", "Early original", ORIGINAL, "2024-12-23T01:00:00Z", "https://early.example/1")
    first = ingest_news(store, [late])
    second = ingest_news(store, [early])
    assert (first.new, second.new, second.duplicates) == (1, 1, 1)
    (article,) = store.articles()
    assert article.url == "https://early.example/1"
    (member,) = store.news_members(cluster_id=article.cluster_id)
    assert member["url"] == "https://late.example/1" and member["original_id"] == article.id
    assert ingest_news(store, [late, early]).new == 0  # both known now


def test_near_duplicates_far_apart_in_time_are_different_stories(store: DuckDBStore, tmp_path: Path) -> None:
    _md(tmp_path / "a.md", "Quarterly story", ORIGINAL, "2024-01-10T01:00:00Z", "https://a.example/q1")
    _md(tmp_path / "b.md", "Quarterly story again", REWRITTEN, "2024-04-10T01:00:00Z", "https://a.example/q2")
    report = ingest_news(store, [tmp_path])
    assert (report.new, report.duplicates) == (2, 0)


def test_point_in_time_reads(store: DuckDBStore, tmp_path: Path) -> None:
    _md(tmp_path / "a.md", "Before", ORIGINAL, "2024-12-20T08:00:00Z", "https://a.example/1")
    _md(tmp_path / "b.md", "After", OTHER_STORY, "2024-12-24T08:00:00Z", "https://a.example/2")
    ingest_news(store, [tmp_path])
    cutoff = dt.datetime(2024, 12, 23, tzinfo=dt.UTC)
    assert [a.title for a in store.articles(until=cutoff)] == ["Before"]
    assert [a.title for a in store.articles(since=cutoff)] == ["After"]


def test_feed_over_http_with_conditional_get(store: DuckDBStore, httpserver: HTTPServer) -> None:
    httpserver.expect_request("/robots.txt").respond_with_data("User-agent: *\nAllow: /\n")
    body = _rss([("Served story", ORIGINAL, "https://a.example/s", "Mon, 23 Dec 2024 09:30:00 +0800")])

    def feed(request: Request) -> Response:
        if request.headers.get("If-None-Match") == '"abc"':
            return Response(status=304)
        return Response(body, content_type="application/rss+xml", headers={"ETag": '"abc"'})

    httpserver.expect_request("/feed").respond_with_handler(feed)
    url = httpserver.url_for("/feed")
    refused = ingest(store, [url])
    assert refused.new == 0 and "refusing" in refused.rejected[0][1]
    first = ingest(store, [url], IngestOptions(allow_private=True))
    second = ingest(store, [url], IngestOptions(allow_private=True))
    assert first.new == 1 and second.new == 0 and second.unchanged == 0  # 304: nothing even parsed
    assert (first.not_modified, second.not_modified) == (0, 1)
    assert store.get_validators(url) == ('"abc"', None)


def test_pruned_index_reloads_older_originals_from_the_store(store: DuckDBStore, tmp_path: Path) -> None:
    # batch by batch: January, June (the January original leaves the in-memory index), then a January copy
    _md(tmp_path / "1.md", "January story", ORIGINAL, "2024-01-10T01:00:00Z", "https://a.example/jan")
    _md(tmp_path / "2.md", "June story", OTHER_STORY, "2024-06-10T01:00:00Z", "https://a.example/jun")
    _md(tmp_path / "3.md", "January copy", REWRITTEN, "2024-01-10T03:00:00Z", "https://b.example/jan")
    report = ingest(store, [tmp_path], IngestOptions(batch_size=1))
    assert (report.new, report.duplicates) == (2, 1)
    (january,) = store.articles(until=dt.datetime(2024, 2, 1, tzinfo=dt.UTC))
    (member,) = store.news_members(cluster_id=january.cluster_id)
    assert member["url"] == "https://b.example/jan"


def test_the_desk_links_new_articles_in_chunks_and_reports_progress(
    store_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Linking after an ingest reads the new articles a chunk at a time (memory stays flat) and says how far
    it is; the links are those of a one-chunk run."""
    import movedesk.desk as desk_module
    from movedesk.demo import demo_data
    from movedesk.desk import Desk

    monkeypatch.setattr(desk_module, "_LINK_CHUNK", 3)
    steps: list[tuple[int, int]] = []
    with Desk.open(store_url) as desk:
        report = desk.ingest_news([demo_data() / "news"], link_progress=lambda d, t: steps.append((d, t)))
        smic = {a.id for a in desk.store.articles(company="SMIC")}
    n = len(report.new_ids)
    assert n > 3 and steps[-1] == (n, n) and len(steps) == -(-n // 3)
    assert [d for d, _ in steps] == sorted(d for d, _ in steps)
    assert smic  # the SMIC news is linked
