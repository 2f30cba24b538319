"""The fast bulk path (column-wise builder for Parquet, the provider's fast row builder for the other bulk
files, and the batch LSH matcher BandIndex) gives exactly the per-row path's results.

Compared on real rows of the shared Reuters archive and on small hand-written files: the same Articles
(every field), the same rejections, and after a whole ingest the same stored articles, fingerprints and
duplicate / cluster records.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq
import pytest

from movedesk.config import is_server_url
from movedesk.gather.ingest import IngestOptions, IngestReport, ingest
from movedesk.gather.normalise import BuildOptions, Rejection
from movedesk.models import Article
from movedesk.providers.news.bulk import BulkSource
from movedesk.store import open_store

SEEN = dt.datetime(2026, 1, 2, 3, 4, 5, tzinfo=dt.UTC)
STORY = (
    "Example Semiconductor shares jumped 6 percent on Monday after the chipmaker said orders from cloud "
    "computing customers had doubled in the past quarter and raised its revenue forecast for the full year. "
    "The company said demand for chips used in artificial intelligence servers was running well ahead of "
    "supply, and that it planned to add capacity at its plant in the south of the country next year. "
    "Analysts at two brokerages lifted their price targets, saying the outlook implied strong growth."
)
OTHER = (
    "Example Semiconductor said on Monday it would build a new research centre in the north of the country "
    "and hire 500 engineers over the next three years to work on packaging technology, officials said. "
    "Construction is expected to start in the spring, and the first laboratories should open next year."
)


def _utc(*args: int) -> dt.datetime:
    return dt.datetime(*args, tzinfo=dt.UTC)


def _hand_written(path: Path) -> Path:
    """Rows exercising every branch: copies, rewrites, relays, odd spacing, bad dates, no URL, no text."""
    rows: list[dict[str, Any]] = [
        {"title": "Chipmaker raises outlook", "body": STORY, "url": "https://wire.example/a/1",
         "published": _utc(2024, 5, 6, 9), "source": "Wire A", "author": "Jane Roe and John Doe",
         "tickers": ["EXS", None, "EXS.N"]},
        # the same story, a few words changed, earlier: it becomes the original
        {"title": "Chipmaker raises its outlook", "body": STORY.replace("jumped", "rose").replace("strong", "solid"),
         "url": "https://other.example/b/2", "published": _utc(2024, 5, 6, 8), "source": "Wire B",
         "author": None, "tickers": None},
        # an exact copy under a third URL, later
        {"title": "Chipmaker raises outlook", "body": STORY, "url": "HTTPS://Third.Example/c/3?utm_source=x",
         "published": _utc(2024, 5, 6, 11), "source": "Wire C", "author": "", "tickers": []},
        # an exact copy of the earliest one, later
        {"title": "Chipmaker raises its outlook", "body": STORY.replace("jumped", "rose").replace("strong", "solid"),
         "url": "https://fourth.example/d/10", "published": _utc(2024, 5, 6, 12), "source": "Wire D",
         "author": None, "tickers": None},
        # a different story, same company, same day
        {"title": "New research centre", "body": OTHER, "url": "https://wire.example/a/4",
         "published": _utc(2024, 5, 6, 10), "source": "Wire A", "author": None, "tickers": ["EXS"]},
        # relays (and its own outlet, which is never a relay), spacing and entities to clean
        {"title": "  Orders   up &amp; rising ",
         "body": "Orders rose, as reported by the Wall Street Journal.\r\n\r\n\r\n"
         "The CFO  told  Reuters that  demand was strong.\tA spokesman  told\u00a0the FT the same.",
         "url": "https://wire.example/a/5", "published": _utc(2023, 1, 2), "source": "Reuters", "author": "X",
         "tickers": ["EXS"]},
        # an alias glued to other letters is not a relay ("APPLE" holds "AP"), a CJK relay is
        {"title": "据华尔街日报报道，中芯国际股价上涨。",
         "body": "中芯国际股价周一上涨，这是连续第三个交易日走高。APPLE",
         "url": "https://news.example.cn/x/6", "published": _utc(2024, 12, 23, 2), "source": None, "author": None,
         "tickers": None},
        # no URL: the id is the text hash (through build_article)
        {"title": "No link here", "body": "A short item with no link at all, about nothing in particular.",
         "url": None, "published": _utc(2022, 3, 4), "source": "Wire D", "author": None, "tickers": None},
        # rejections: before 1990, in the future, no title and no text
        {"title": "Too old", "body": "An item from long ago.", "url": "https://wire.example/a/7",
         "published": _utc(1985, 1, 1), "source": "Wire A", "author": None, "tickers": None},
        {"title": "Too new", "body": "An item from the future.", "url": "https://wire.example/a/8",
         "published": _utc(2999, 1, 1), "source": "Wire A", "author": None, "tickers": None},
        {"title": "", "body": "  ", "url": "https://wire.example/a/9", "published": _utc(2020, 1, 1),
         "source": "Wire A", "author": None, "tickers": None},
        # no title: the first line of the body becomes it
        {"title": None, "body": "First line as title\nand the rest of the body follows here.",
         "url": "ftp-less-url", "published": None, "source": "Wire E", "author": None, "tickers": None},
        # the same URL twice (a re-sent row)
        {"title": "Chipmaker raises outlook", "body": STORY, "url": "https://wire.example/a/1",
         "published": _utc(2024, 5, 6, 9), "source": "Wire A", "author": None, "tickers": None},
    ]
    schema = pa.schema(
        [("title", pa.string()), ("body", pa.string()), ("url", pa.string()),
         ("published", pa.timestamp("ms", tz="UTC")), ("source", pa.string()), ("author", pa.string()),
         ("tickers", pa.list_(pa.string()))]
    )
    pq.write_table(pa.Table.from_pylist(rows, schema=schema), path)
    return path


def _reuters_sample(shared_dir: Path, path: Path, rows: int = 3_000) -> Path:
    table = pq.read_table(shared_dir / "data" / "news" / "reuters_2006_2013.parquet")
    # a stretch with dense days (near-duplicates within the window) plus a stretch from later on
    pq.write_table(pa.concat_tables([table.slice(20_000, rows - 500), table.slice(60_000, 500)]), path)
    return path


def _items(path: Path, *, fast: bool) -> list[Article | Rejection]:
    return list(BulkSource(options=BuildOptions(first_seen=SEEN), fast=fast, batch_rows=700).items(path))


def _assert_same_items(path: Path) -> list[Article | Rejection]:
    fast, slow = _items(path, fast=True), _items(path, fast=False)
    assert len(fast) == len(slow)
    for a, b in zip(fast, slow, strict=True):
        assert type(a) is type(b)
        if isinstance(a, Article) and isinstance(b, Article):
            assert a.model_dump() == b.model_dump()
        else:
            assert a == b
    return fast


def _stored(db: Path | str) -> dict[str, Any]:
    """Every stored row of the news tables (the SQL runs on DuckDB and PostgreSQL alike)."""
    store = open_store(db)
    try:
        if is_server_url(db):
            import psycopg

            conn: Any = psycopg.connect(str(db), autocommit=True)
            conn.execute("SET TimeZone = 'UTC'")
        else:
            conn = store.con  # type: ignore[attr-defined]

        def rows(sql: str) -> list[tuple[Any, ...]]:
            return [tuple(r) for r in conn.execute(sql).fetchall()]

        return {
            # an inferred publish time is the run's first-seen time, which differs from run to run
            "articles": rows(
                "SELECT id, source, url, title, body, language, authors, "
                "CASE WHEN published_inferred THEN NULL ELSE published END, published_inferred, relays, "
                "cluster_id, tickers FROM articles ORDER BY id"
            ),
            "fingerprints": rows("SELECT article_id, text_hash FROM article_fingerprints ORDER BY article_id"),
            "members": rows(
                "SELECT member_id, cluster_id, original_id, relation, similarity, source, url, title, published "
                "FROM news_members ORDER BY member_id"
            ),
            "counts": store.news_counts(),
        }
    finally:
        store.close()


def _ingest(db: Path | str, path: Path, *, fast: bool, batch_size: int = 500) -> IngestReport:
    store = open_store(db)
    try:
        return ingest(store, [path], IngestOptions(fast=fast, batch_size=batch_size))
    finally:
        store.close()


def _timeless(rejected: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """Reasons without the clock reading ("in the future (now …)"): the two runs may straddle a minute."""
    return [(ref, re.sub(r" \(now [^)]*\)", "", reason)) for ref, reason in rejected]


def _assert_same_ingest(tmp_path: Path, path: Path) -> dict[str, Any]:
    fast = _ingest(tmp_path / "fast.duckdb", path, fast=True)
    slow = _ingest(tmp_path / "slow.duckdb", path, fast=False)
    assert (fast.new, fast.duplicates, fast.unchanged, _timeless(fast.rejected)) == (
        slow.new, slow.duplicates, slow.unchanged, _timeless(slow.rejected)
    )
    assert fast.new_ids == slow.new_ids
    stored = _stored(tmp_path / "fast.duckdb")
    assert stored == _stored(tmp_path / "slow.duckdb")
    # idempotent: the same file again adds nothing on the fast path
    again = _ingest(tmp_path / "fast.duckdb", path, fast=True)
    assert (again.new, again.duplicates) == (0, 0)
    assert _stored(tmp_path / "fast.duckdb") == stored
    return stored


def test_hand_written_rows_build_and_dedup_the_same(tmp_path: Path) -> None:
    path = _hand_written(tmp_path / "hand.parquet")
    items = _assert_same_items(path)
    articles = [x for x in items if isinstance(x, Article)]
    rejected = [x for x in items if isinstance(x, Rejection)]
    assert len(rejected) == 3  # too old, in the future, no text
    by_url: dict[str | None, Article] = {}
    for a in articles:
        by_url.setdefault(a.url, a)
    relayed = by_url["https://wire.example/a/5"]
    assert relayed.relays == ("The Wall Street Journal", "Financial Times")  # not its own Reuters
    assert relayed.title == "Orders up & rising"
    assert by_url["https://news.example.cn/x/6"].relays == ("The Wall Street Journal",)
    assert by_url["https://wire.example/a/1"].tickers == ("EXS", "EXS.N")

    stored = _assert_same_ingest(tmp_path, path)
    members = {m[6]: m for m in stored["members"]}
    # the later exact copy and the later rewrite are members of the earliest copy's cluster
    original = next(a for a in stored["articles"] if a[2] == "https://other.example/b/2")
    assert members["https://third.example/c/3"][2] == original[0]
    assert members["https://wire.example/a/1"][2] == original[0]
    assert members["https://fourth.example/d/10"][3] == "exact"
    assert {m[3] for m in stored["members"]} == {"exact", "near"}
    assert not any(a[2] == "https://wire.example/a/4" for a in stored["members"])


@pytest.mark.slow
def test_reuters_sample_builds_and_dedups_the_same(shared_dir: Path, tmp_path: Path) -> None:
    path = _reuters_sample(shared_dir, tmp_path / "reuters.parquet")
    items = _assert_same_items(path)
    assert sum(isinstance(x, Article) for x in items) > 2_500
    stored = _assert_same_ingest(tmp_path, path)
    assert stored["counts"]["near_clusters"] > 0  # the sample does exercise near-duplicate clustering
    assert stored["counts"]["members"] > 0


def test_csv_and_jsonl_rows_build_the_same(tmp_path: Path) -> None:
    table = pq.read_table(_hand_written(tmp_path / "hand.parquet"))
    rows = table.to_pylist()
    for row in rows:  # times as text, as CSV and JSON files carry them
        row["published"] = row["published"].isoformat() if row["published"] else None
        row["tickers"] = ",".join(x for x in row["tickers"] or () if x)
    pacsv.write_csv(pa.Table.from_pylist(rows), tmp_path / "hand.csv")
    (tmp_path / "hand.jsonl").write_text("\n".join(json.dumps(r) for r in rows), encoding="utf-8")
    for name in ("hand.csv", "hand.jsonl"):
        items = _assert_same_items(tmp_path / name)
        assert sum(isinstance(x, Article) for x in items) == 10


def test_fingerprints_in_chunks_equal_one_pass(monkeypatch: pytest.MonkeyPatch) -> None:
    from movedesk.gather import dedup

    texts = [
        dedup.prepare(f"Item {i}", (STORY if i % 3 else OTHER) + f" Number {i} of the day.") for i in range(40)
    ]
    texts[7], texts[23], texts[31] = b"two words", b"", dedup.prepare("\u4e2d\u82af", "\u56fd\u9645", cjk=True)
    whole = dedup.fingerprints(texts)
    monkeypatch.setattr(dedup, "CHUNK_BYTES", 600)  # a few texts per chunk
    chunked = dedup.fingerprints(texts)
    assert chunked.exact == whole.exact
    assert (chunked.signatures == whole.signatures).all()
    # texts with words get real signatures; the empty one matches nothing
    assert not (whole.signatures[23] != dedup._EMPTY).any()
    assert (whole.signatures[7] != dedup._EMPTY).all()


def test_band_index_finds_what_datasketch_finds() -> None:
    from movedesk.gather import dedup

    texts = [dedup.prepare("t", STORY), dedup.prepare("t", STORY.replace("jumped", "rose")), dedup.prepare("t", OTHER)]
    prints = dedup.fingerprints(texts)
    when = _utc(2024, 5, 6)
    results = []
    for index in (dedup.NearDupIndex(0.8), dedup.BandIndex(0.8)):
        bands = prints.band_keys(index.hashranges)
        index.add("a", when, prints.signatures[0], "a", bands[0])
        found = [index.best_match(when, prints.signatures[i], bands[i]) for i in (1, 2)]
        index.remove("a")
        found.append(index.best_match(when, prints.signatures[1], bands[1]))
        results.append(found)
    assert results[0] == results[1]
    assert results[0][0] is not None and results[0][0][0] == "a"  # the rewrite is found
    assert results[0][1] is None and results[0][2] is None  # the other story is not; removed is gone


@pytest.mark.slow
def test_reuters_sample_stores_the_same_on_postgresql(shared_dir: Path, tmp_path: Path, pg_url: str) -> None:
    """The bulk path on PostgreSQL (COPY of each Arrow batch) stores exactly what it stores in DuckDB, and a
    second ingest of the same file adds nothing."""
    path = _reuters_sample(shared_dir, tmp_path / "reuters.parquet")
    on_duckdb = _ingest(tmp_path / "fast.duckdb", path, fast=True)
    on_postgres = _ingest(pg_url, path, fast=True)
    assert (on_postgres.new, on_postgres.duplicates, on_postgres.new_ids) == (
        on_duckdb.new, on_duckdb.duplicates, on_duckdb.new_ids)  # fmt: skip
    stored = _stored(pg_url)
    assert stored == _stored(tmp_path / "fast.duckdb")
    assert stored["counts"]["near_clusters"] > 0
    again = _ingest(pg_url, path, fast=True)
    assert (again.new, again.duplicates) == (0, 0) and _stored(pg_url) == stored


@pytest.mark.slow
def test_forgetting_old_ids_and_hashes_stores_the_same(
    shared_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A long run forgets the ids and text hashes older than the near-duplicate window (memory stays flat)
    and asks the store instead: what it stores is exactly what a run that remembers everything stores."""
    from movedesk.gather.ingest import Ingestor

    path = _reuters_sample(shared_dir, tmp_path / "reuters.parquet")
    remembers = _ingest(tmp_path / "all.duckdb", path, fast=True)
    monkeypatch.setattr(Ingestor, "FORGET_MIN", 200)
    forgets = _ingest(tmp_path / "forget.duckdb", path, fast=True)
    assert (forgets.new, forgets.duplicates, forgets.unchanged, forgets.new_ids) == (
        remembers.new, remembers.duplicates, remembers.unchanged, remembers.new_ids)  # fmt: skip
    assert _stored(tmp_path / "forget.duckdb") == _stored(tmp_path / "all.duckdb")
    again = _ingest(tmp_path / "forget.duckdb", path, fast=True)  # the whole file again: all known
    assert (again.new, again.duplicates) == (0, 0)
