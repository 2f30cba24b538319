"""News sources: RSS/Atom feeds, web pages, bulk files and front-matter text, and their dispatch."""

from __future__ import annotations

import datetime as dt
import json
from importlib.metadata import entry_points
from pathlib import Path

import pandas as pd
import pytest

from movedesk.errors import DataValidationError, MissingColumn
from movedesk.gather.documents import Document
from movedesk.gather.normalise import BuildOptions, Rejection
from movedesk.models import Article
from movedesk.providers.news import kind_for, source_class
from movedesk.providers.news.bulk import BulkSource, resolve_columns
from movedesk.providers.news.feeds import FeedSource, looks_like_feed
from movedesk.providers.news.frontmatter import FrontMatterSource
from movedesk.providers.news.web import WebPageSource, page_metadata

BODY = (
    "Shares of Example Semiconductor rose 6% on Monday after the company said orders from cloud customers "
    "had doubled, and analysts raised their price targets. The chipmaker also lifted its outlook for the "
    "year, citing demand for artificial intelligence servers and a recovery in smartphone sales."
)

RSS = f"""<?xml version="1.0" encoding="utf-8"?>
<rss version="2.0"><channel><title>Example Wire</title>
<item><title>Example Semiconductor jumps on orders</title><link>https://news.example/a1?utm_source=rss</link>
<pubDate>Mon, 23 Dec 2024 09:30:00 +0800</pubDate><author>Ann Writer</author>
<description>&lt;p&gt;{BODY}&lt;/p&gt;&lt;script&gt;evil()&lt;/script&gt;</description></item>
<item><title>Item with no link</title><description>A short note about markets.</description>
<pubDate>Mon, 23 Dec 2024 10:00:00 +0800</pubDate></item>
<item><title>Item with no date</title><link>https://news.example/nodate</link><description>Undated.</description></item>
<item><title>Item from the future</title><link>https://news.example/future</link>
<pubDate>Mon, 23 Dec 2999 10:00:00 +0000</pubDate></item>
<item><title></title><description></description></item>
</channel></rss>"""

ATOM = f"""<feed xmlns="http://www.w3.org/2005/Atom"><title>Atom Desk</title>
<entry><title>Atom story</title><link href="https://atom.example/s1"/><updated>2024-12-23T09:30:00+08:00</updated>
<content type="html">&lt;p&gt;{BODY}&lt;/p&gt;</content><author><name>Bo Reporter</name></author></entry></feed>"""


def _items(source: FeedSource | WebPageSource, text: str, ref: str = "feed.xml") -> list[Article | Rejection]:
    return list(source.items(Document(ref, text)))


def test_rss_items_become_articles_and_rejections() -> None:
    items = _items(FeedSource(), RSS)
    articles = [x for x in items if isinstance(x, Article)]
    rejections = [x for x in items if isinstance(x, Rejection)]
    first = articles[0]
    assert first.url == "https://news.example/a1"  # tracking parameter dropped
    assert first.published == dt.datetime(2024, 12, 23, 1, 30, tzinfo=dt.UTC)
    assert first.source == "Example Wire" and first.authors == ("Ann Writer",)
    assert "evil" not in first.body and first.body.startswith("Shares of Example Semiconductor")
    no_link = next(a for a in articles if a.title == "Item with no link")
    assert no_link.url is None and len(no_link.id) == 20
    no_date = next(a for a in articles if a.title == "Item with no date")
    assert no_date.published_inferred and no_date.published == no_date.first_seen
    reasons = [r.reason for r in rejections]
    assert any("future" in r for r in reasons) and any("no title and no text" in r for r in reasons)
    assert [r.ref for r in rejections] == ["feed.xml#item4", "feed.xml#item5"]


def test_atom_entry() -> None:
    (article,) = _items(FeedSource(), ATOM)
    assert isinstance(article, Article)
    assert article.source == "Atom Desk" and article.authors == ("Bo Reporter",)
    assert article.published == dt.datetime(2024, 12, 23, 1, 30, tzinfo=dt.UTC)


def test_malformed_xml_recovers_what_it_can_with_a_warning() -> None:
    broken = RSS.split("<item><title>Item with no date")[0] + "<item><title>Cut off"
    source = FeedSource()
    articles = [x for x in _items(source, broken) if isinstance(x, Article)]
    assert [a.title for a in articles][:2] == ["Example Semiconductor jumps on orders", "Item with no link"]
    assert source.warnings and "malformed feed XML" in source.warnings[0][1]


def test_unreadable_xml_is_a_clear_error() -> None:
    with pytest.raises(DataValidationError, match="malformed feed XML"):
        _items(FeedSource(), "<rss><channel><<<<")
    with pytest.raises(DataValidationError, match="not an RSS or Atom feed"):
        _items(FeedSource(), "<html><body>hello</body></html>")


def test_feed_sniffing() -> None:
    assert looks_like_feed(RSS) and looks_like_feed(ATOM) and looks_like_feed("x", "application/rss+xml")
    assert not looks_like_feed("<!doctype html><html></html>", "text/html")


PAGE = f"""<!doctype html><html><head><title>Example Semiconductor jumps | Example News</title>
<meta property="og:title" content="Example Semiconductor jumps on cloud orders">
<meta property="article:published_time" content="2024-12-23T09:30:00+08:00">
<meta name="author" content="Ann Writer"><meta property="og:site_name" content="Example News">
</head><body><nav><a href="/">Home</a> <a href="/markets">Markets</a></nav>
<article><h1>Example Semiconductor jumps on cloud orders</h1><p>{BODY}</p>
<p>The company's chief executive told the Financial Times that capacity was sold out for next year.</p>
</article><footer>Copyright Example News</footer></body></html>"""


def test_web_page_main_text_and_metadata() -> None:
    (article,) = _items(WebPageSource(), PAGE, "https://news.example/page")
    assert isinstance(article, Article)
    assert article.title == "Example Semiconductor jumps on cloud orders"
    assert article.published == dt.datetime(2024, 12, 23, 1, 30, tzinfo=dt.UTC) and not article.published_inferred
    assert article.source == "Example News" and article.authors == ("Ann Writer",)
    assert "Home" not in article.body and "Copyright" not in article.body
    assert article.relays == ("Financial Times",)


def test_web_page_metadata_fallbacks() -> None:
    html = (
        '<html><head><title>Plain title</title><script type="application/ld+json">'
        '{"@type": "NewsArticle", "datePublished": "2024-12-20T08:05:00Z"}</script></head>'
        f"<body><div><p>{BODY}</p></div></body></html>"
    )
    meta = page_metadata(html)
    assert meta["title"] == "Plain title" and meta["published"] == "2024-12-20T08:05:00Z"
    assert page_metadata('<html><body><time datetime="2024-01-02T03:04:05Z">x</time></body></html>') == {
        "published": "2024-01-02T03:04:05Z"
    }


def test_html_page_with_no_article_is_rejected() -> None:
    login = (
        "<html><head><title>Sign in</title></head>"
        "<body><form><input name=user><button>Go</button></form></body></html>"
    )
    (item,) = _items(WebPageSource(), login, "https://news.example/login")
    assert isinstance(item, Rejection) and "no article text" in item.reason


def test_bulk_column_resolution() -> None:
    assert resolve_columns(["Headline", "Text", "Date", "Link"]) == {
        "title": "Headline", "body": "Text", "published": "Date", "url": "Link"
    }
    assert resolve_columns(["h", "b"], {"h": "title", "b": "body"}) == {"title": "h", "body": "b"}
    with pytest.raises(MissingColumn):
        resolve_columns(["foo", "bar"])
    with pytest.raises(MissingColumn):
        resolve_columns(["title"], {"nope": "body"})
    with pytest.raises(DataValidationError, match="unknown field"):
        resolve_columns(["title", "x"], {"x": "colour"})


def test_bulk_jsonl_with_column_map_and_bad_lines(tmp_path: Path) -> None:
    path = tmp_path / "news.jsonl"
    rows = [
        {"headline": "First story", "story": BODY, "when": "2024-12-23 09:30", "link": "https://b.example/1"},
        {"headline": "Second story", "story": "Short text.", "when": "2024-12-23 10:30"},
    ]
    path.write_text(json.dumps(rows[0]) + "\n{not json\n" + json.dumps(rows[1]) + "\n[1, 2]\n", encoding="utf-8")
    source = BulkSource(
        BuildOptions(default_tz="Asia/Shanghai"), column_map={"headline": "title", "story": "body", "when": "published"}
    )
    items = list(source.items(source.fetch(path)))
    articles = [x for x in items if isinstance(x, Article)]
    assert [a.title for a in articles] == ["First story", "Second story"]
    assert articles[0].published == dt.datetime(2024, 12, 23, 1, 30, tzinfo=dt.UTC)
    assert [x.reason.split(":")[0] for x in items if isinstance(x, Rejection)] == ["line 2", "line 4"]


def test_bulk_csv_and_parquet(tmp_path: Path) -> None:
    frame = pd.DataFrame(
        {
            "title": ["CSV one", "CSV two", "Too old"],
            "body": [BODY, BODY.replace("Monday", "Tuesday"), "x"],
            "published": ["2024-12-23T01:30:00Z", "2024-12-24T01:30:00Z", "1985-01-01T00:00:00Z"],
            "tickers": ["EXS.O,EXS.HK", "", None],
        }
    )
    frame.to_csv(tmp_path / "news.csv", index=False)
    frame.to_parquet(tmp_path / "news.parquet")
    for name in ("news.csv", "news.parquet"):
        source = BulkSource()
        items = list(source.items(source.fetch(tmp_path / name)))
        articles = [x for x in items if isinstance(x, Article)]
        assert [a.title for a in articles] == ["CSV one", "CSV two"], name
        assert articles[0].tickers == ("EXS.O", "EXS.HK")
        (rejection,) = [x for x in items if isinstance(x, Rejection)]
        assert rejection.ref.endswith(":3") and "before 1990" in rejection.reason


def test_bulk_files_with_a_body_and_no_title_column(tmp_path: Path) -> None:
    frame = pd.DataFrame(
        {"text": ["Exsample Corp agreed to buy a rival.\nThe deal closes in March."], "date": ["2024-12-23T01:30:00Z"]}
    )
    frame.to_csv(tmp_path / "news.csv", index=False)
    frame.to_json(tmp_path / "news.jsonl", orient="records", lines=True)
    frame.to_parquet(tmp_path / "news.parquet")
    for name in ("news.csv", "news.jsonl", "news.parquet"):
        source = BulkSource()
        (article,) = list(source.items(source.fetch(tmp_path / name)))
        assert isinstance(article, Article), name
        # the first line of the text becomes the title
        assert (article.title, article.body) == ("Exsample Corp agreed to buy a rival.", "The deal closes in March.")


@pytest.mark.shared
def test_reuters_parquet_loads_directly(shared_dir: Path, tmp_path: Path) -> None:
    import pyarrow.parquet as pq

    path = tmp_path / "reuters.parquet"
    pq.write_table(pq.read_table(shared_dir / "data/news/reuters_2006_2013.parquet").slice(0, 300), path)
    source = BulkSource()
    items = list(source.items(source.fetch(path)))
    articles = [x for x in items if isinstance(x, Article)]
    assert len(articles) == 300 and not [x for x in items if isinstance(x, Rejection)]
    first = articles[0]
    assert first.source == "Reuters" and first.url and first.url.startswith("http://www.reuters.com/article/")
    assert first.published.tzinfo is not None and first.language == "en"
    assert any(a.tickers for a in articles) and any(a.authors for a in articles)
    assert all("Reuters" not in a.relays for a in articles)  # a Reuters story does not relay itself


def test_front_matter_source(tmp_path: Path) -> None:
    path = tmp_path / "story.md"
    path.write_text(
        "---\ntitle: Front matter story\npublished: 2024-12-23\nsource: Example Wire\nlanguage: zh\n---\n"
        "中芯国际股价周一上涨，据华尔街日报报道，投资者看好国产芯片需求。\n",
        encoding="utf-8",
    )
    source = FrontMatterSource()
    (article,) = list(source.items(source.fetch(path)))
    assert isinstance(article, Article)
    assert article.language == "zh-Hans" and article.published_inferred
    assert article.relays == ("The Wall Street Journal",)


def test_dispatch_and_entry_points() -> None:
    assert kind_for("a/b.xml") == "feed" and kind_for("x.HTML") == "web" and kind_for("n.parquet") == "bulk"
    assert kind_for("n.md") == "frontmatter" and kind_for("n.bin") is None
    assert source_class("feed") is FeedSource and source_class("bulk") is BulkSource
    names = {ep.name for ep in entry_points(group="movedesk.news_sources")}
    assert {"feed", "web", "bulk", "frontmatter"} <= names


def test_bulk_workers_give_the_same_rows_in_order(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import movedesk.providers.news.bulk as bulk

    monkeypatch.setattr(bulk, "PARALLEL_BYTES", 0)
    frame = pd.DataFrame(
        {
            "title": [f"Story {i}" for i in range(60)],
            "body": [BODY.replace("6%", f"{i}%") for i in range(60)],
            "published": [f"2024-12-{1 + i % 28:02d}T01:30:00Z" for i in range(59)] + ["1970-01-01T00:00:00Z"],
        }
    )
    frame.to_parquet(tmp_path / "n.parquet")
    serial = list(BulkSource(batch_rows=7).items(tmp_path / "n.parquet"))
    parallel = list(BulkSource(batch_rows=7, workers=2).items(tmp_path / "n.parquet"))
    assert [getattr(x, "title", None) for x in serial] == [getattr(x, "title", None) for x in parallel]
    assert isinstance(parallel[-1], Rejection) and parallel[-1].ref.endswith(":60")
    assert [x.id for x in parallel if isinstance(x, Article)] == [x.id for x in serial if isinstance(x, Article)]


def test_bulk_relays_with_batch_prefilter(tmp_path: Path) -> None:
    frame = pd.DataFrame(
        {
            "title": ["Relayed", "Plain", "Own outlet"],
            "body": [BODY + " The deal was first reported by the Wall Street Journal.", BODY,
                     BODY + " The chief executive told Bloomberg in an interview."],
            "published": ["2024-12-23T01:30:00Z"] * 3,
            "source": ["Bloomberg"] * 3,
        }
    )
    frame.to_parquet(tmp_path / "r.parquet")
    source = BulkSource()
    relays = {a.title: a.relays for a in source.items(tmp_path / "r.parquet") if isinstance(a, Article)}
    assert relays == {"Relayed": ("The Wall Street Journal",), "Plain": (), "Own outlet": ()}


def test_bulk_json_array(tmp_path: Path) -> None:
    path = tmp_path / "news.json"
    path.write_text(
        json.dumps({"articles": [{"title": "JSON one", "text": BODY, "date": "2024-12-23T01:30:00Z"}, "oops"]}),
        encoding="utf-8",
    )
    source = BulkSource()
    items = list(source.items(source.fetch(path)))
    assert isinstance(items[0], Article) and items[0].title == "JSON one"
    assert isinstance(items[1], Rejection) and "not a JSON object" in items[1].reason
    (tmp_path / "bad.json").write_text("{nope", encoding="utf-8")
    with pytest.raises(DataValidationError, match="not valid JSON"):
        list(source.items(source.fetch(tmp_path / "bad.json")))
