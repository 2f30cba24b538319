"""Every store Protocol behaves the same on DuckDB and on PostgreSQL (the ``store`` fixture runs each test on
both): idempotent upserts, point-in-time reads, the crash-safe send log, one-time tokens, the runs log,
sources whose removal sticks, and the job lock."""

from __future__ import annotations

import datetime as dt
import threading
from typing import Any

import pandas as pd
import pytest

from movedesk.errors import StoreBusy
from movedesk.models import Article
from movedesk.store import SCHEMA_VERSION, open_store

T0 = dt.datetime(2024, 12, 23, 8, tzinfo=dt.UTC)


def _article(i: int, hours: int, **kw: Any) -> Article:
    t = T0 + dt.timedelta(hours=hours)
    return Article(id=f"a{i}", source="wire", title=f"Title {i}", body=f"Body {i}", published=t, first_seen=t, **kw)


def test_schema_is_current(store: Any) -> None:
    assert store.schema_version() == SCHEMA_VERSION


def test_articles_round_trip_and_point_in_time(store: Any) -> None:
    given = _article(1, 0, authors=("A. Writer",), tickers=("0981.HK",), relays=("Relay",), url="https://x/1")
    report = store.upsert_articles([given, _article(2, 5), _article(2, 5), _article(3, 10)])
    assert (report.new, report.unchanged) == (3, 1)
    assert store.upsert_articles([given]).new == 0
    assert store.article("a1") == given
    assert [a.id for a in store.articles_by_id(["a3", "zz", "a1", "a3"])] == ["a3", "a1"]
    assert store.articles_by_id([]) == []
    assert store.link_companies([("a1", "SMIC"), ("a2", "SMIC"), ("a3", "SMIC"), ("a3", "SMIC")]) == 3
    cutoff = T0 + dt.timedelta(hours=5)
    assert [a.id for a in store.articles(company="SMIC", until=cutoff)] == ["a2", "a1"]
    assert [a.id for a in store.articles(until=cutoff, since=T0 + dt.timedelta(hours=1))] == ["a2"]
    assert [a.id for a in store.articles(limit=1)] == ["a3"]
    assert store.count_articles() == 3


def test_news_batches_fingerprints_members_and_validators(store: Any) -> None:
    a1, a2 = _article(1, 0), _article(2, 1)
    member = {"member_id": "m1", "cluster_id": "a1", "original_id": "a1", "relation": "near", "similarity": 0.93,
              "source": "copy", "url": None, "title": "Title 1 (copy)", "published": T0 + dt.timedelta(hours=2),
              "first_seen": T0 + dt.timedelta(hours=2)}  # fmt: skip
    new = store.write_news_batch([a1, a2], [("a1", "h1", a1.published), ("a2", "h2", a2.published)], [member],
                                 clusters={"a2": "a1"})  # fmt: skip
    assert new == 2
    assert store.write_news_batch([a1], [], []) == 0  # idempotent by id
    assert store.known_news_ids(["a1", "m1", "zz"]) == {"a1", "m1"}
    assert store.originals_by_hash(["h2", "nope"]) == {"h2": ("a2", a2.published, "a1")}
    assert [m["member_id"] for m in store.news_members(cluster_id="a1")] == ["m1"]
    assert store.news_counts() == {"articles": 2, "members": 1, "clusters": 1, "near_clusters": 1}
    # an earlier-published copy demotes the stored original: it leaves the articles, the cluster follows
    store.write_news_batch([], [], [], demoted=["a2"], reassign=[("a1", "a0")])
    assert store.article("a2") is None and store.news_members(member_id="m1")[0]["original_id"] == "a0"
    assert store.get_validators("https://feed") is None
    store.put_validators("https://feed", '"e1"', None)
    store.put_validators("https://feed", '"e2"', "Mon, 23 Dec 2024 08:00:00 GMT")
    assert store.get_validators("https://feed") == ('"e2"', "Mon, 23 Dec 2024 08:00:00 GMT")


def test_bars_reads_by_symbol_and_range(store: Any) -> None:
    days = pd.bdate_range("2024-12-02", periods=6).date
    frame = pd.DataFrame({"symbol": ["X"] * 6, "session": days, "close": [10.0, 11, 12, 13, 14, 15]})
    frame["adj_ratio"] = [None, None, 0.98, None, None, None]
    frame["action"] = [None, None, "dividend 0.2", None, None, None]
    assert store.upsert_bars(frame).new == 6
    got = store.bars(["X", "Y"], start=days[1], end=days[3])
    assert got["session"].tolist() == list(days[1:4]) and got["close"].dtype == float
    assert [a if isinstance(a, str) else None for a in got["action"]] == [None, "dividend 0.2", None]
    assert got["flags"].isna().all()
    assert store.last_sessions(["X", "Y"]) == {"X": days[-1]}
    assert store.symbols() == ["X"]
    assert store.bars([]).empty


def test_derived_results_are_replaced_not_duplicated(store: Any) -> None:
    store.put_extraction("a1", "p1", {"claims": [1]})
    store.put_extraction("a1", "p1", {"claims": [2]})
    assert store.extraction("a1", "p1") == {"claims": [2]} and store.extraction("a1", "p0") is None
    day = dt.date(2024, 12, 23)
    store.put_brief("SMIC-2024-12-23", "SMIC", day, {"v": 1})
    store.put_brief("SMIC-2024-12-23", "SMIC", day, {"v": 2})
    assert store.briefs() == [{"v": 2}] and store.brief("SMIC-2024-12-23") == {"v": 2}
    store.put_edition("edition-2024-12-20", day - dt.timedelta(days=3), {"n": 0})
    store.put_edition("edition-2024-12-23", day, {"n": 1, "when": day})
    assert store.edition() == {"n": 1, "when": "2024-12-23"}
    assert [e["slug"] for e in store.editions(limit=5)] == ["edition-2024-12-23", "edition-2024-12-20"]
    assert store.editions()[0]["created"].tzinfo is not None


def test_send_log_never_downgrades_a_sent_mail(store: Any) -> None:
    store.add_subscribers([("s1", "A@x.org ", "active", "daily"), ("s2", "b@x.org", "active", "both")])
    assert store.add_subscribers([("s3", "a@x.org", "active", "daily")]) == 0  # that e-mail is known
    store.log_sends([("m", "s1", "sent", 1, "<1@x>", None), ("m", "s2", "failed", 1, "<2@x>", "timeout")])
    store.log_sends([("m", "s1", "failed", 2, "<1@x>", "late"), ("m", "s2", "sent", 2, "<2@x>", None)])
    assert store.sent_to("m") == {"s1", "s2"}
    log = {r["subscriber_id"]: r for r in store.send_log("m")}
    assert (log["s1"]["status"], log["s1"]["attempts"], log["s1"]["error"]) == ("sent", 2, None)


def test_subscribers_watchlists_and_one_time_tokens(store: Any) -> None:
    sid = store.upsert_subscriber(subscriber_id="s1", email="Reader@Example.org", frequency="instant")
    assert store.upsert_subscriber(subscriber_id="s9", email="reader@example.org", frequency="daily") == sid
    store.set_subscriber(sid, status="active", watchlist=["SMIC", "AAPL", "SMIC"])
    assert store.watchlist(sid) == ["AAPL", "SMIC"]
    assert store.watched_companies() == {"AAPL", "SMIC"}
    assert [s["id"] for s in store.subscribers(watching="SMIC", frequencies=["instant"])] == ["s1"]
    assert store.subscriber(email=" READER@example.org")["confirmed"] is not None
    store.put_token("j1", sid, "unsubscribe")
    assert not store.use_token("j1", sid, "confirm")
    assert store.use_token("j1", sid, "unsubscribe")
    assert not store.use_token("j1", sid, "unsubscribe")  # one time only
    store.set_subscriber(sid, status="unsubscribed")
    assert store.count_subscribers() == 0 and store.count_subscribers(status=None) == 1


def test_runs_log_counts_attempts(store: Any) -> None:
    day = dt.date(2025, 6, 4)
    assert store.start_run("hk", day, T0) == 1
    store.finish_run("hk", day, T0, "failed", {"error": "provider down"})
    assert store.start_run("hk", day, T0) == 2
    store.finish_run("hk", day, T0, "ok", {"edition": "edition-hk-2025-06-04"})
    (run,) = store.runs("hk")
    assert (run["session"], run["status"], run["attempts"], run["detail"]) == (
        day, "ok", 2, {"edition": "edition-hk-2025-06-04"})  # fmt: skip
    assert store.done_sessions("hk", day) == {day} and store.done_sessions("us", day) == set()


def test_removed_sources_stay_removed(store: Any) -> None:
    row = {"name": "wire", "kind": "rss", "url": "https://x/rss", "language": "en", "timezone": "UTC",
           "interval_minutes": 15, "markets": ["us"], "rate_per_second": None, "targets": [], "enabled": True,
           "licence": "terms", "verified": "no", "origin": "shipped"}  # fmt: skip
    assert store.seed_sources([row]) == 1 and store.seed_sources([row]) == 0
    assert store.remove_source_row("wire") and not store.remove_source_row("wire")
    assert store.seed_sources([row]) == 0 and store.source_rows() == []
    store.put_source(row)
    assert [r["markets"] for r in store.source_rows()] == [["us"]]
    store.record_poll("wire", attempted_at=T0, status="ok", new_articles=2, newest_item=T0)
    store.record_poll("wire", attempted_at=T0 + dt.timedelta(hours=1), status="failed", error="503")
    poll = store.source_polls()["wire"]
    assert (poll["status"], poll["succeeded_at"], poll["newest_item"]) == ("failed", T0, T0)
    store.put_article_events([{"article_id": "a1", "scheme": "sec-8k", "code": "2.02", "label": "Results"}] * 2)
    assert store.article_events(["a1"])["a1"][0]["code"] == "2.02"


def test_a_failed_transaction_leaves_nothing(store: Any) -> None:
    with pytest.raises(RuntimeError), store.transaction():
        store.put_extraction("a1", "p", {"x": 1})
        raise RuntimeError("boom")
    assert store.extraction("a1", "p") is None


def test_job_lock_is_exclusive_across_processes(store_url: str) -> None:
    """Two daily jobs never run at once: a second store (another process's view) is refused while the first
    holds the lock, and gets it once it is released."""
    if store_url.endswith(".duckdb"):
        open_store(store_url).close()
    first = open_store(store_url)
    try:
        with first.job_lock("run-hk"):
            box: list[BaseException | None] = []

            def other() -> None:  # a thread with its own store: its own connection or file handle
                try:
                    with open_store(store_url, read_only=True) as second, second.job_lock("run-hk"):
                        box.append(None)
                except BaseException as exc:  # handed to the test
                    box.append(exc)

            if store_url.endswith(".duckdb"):
                other_store: Any = first  # one DuckDB file, one process: the lock is the file's flock
                with pytest.raises(StoreBusy, match="run-hk"), other_store.job_lock("run-hk"):
                    pass
            else:
                thread = threading.Thread(target=other)
                thread.start()
                thread.join()
                assert isinstance(box[0], StoreBusy)
            with first.job_lock("run-us"):  # another job is not blocked
                pass
        with first.job_lock("run-hk"):
            pass
    finally:
        first.close()


def test_bulk_extraction_writes_replace_and_read_back(store: Any) -> None:
    store.put_extraction("a1", "old", {"v": 0})
    store.put_extractions([("a1", {"v": 1}), ("a2", {"v": 2}), ("a2", {"v": 3})], "p1")
    assert store.extractions(["a1", "a2", "a3"], "p1") == {"a1": {"v": 1}, "a2": {"v": 3}}
    assert store.extraction("a1", "old") is None  # one row an article: the newer pipeline replaced it
    store.put_extractions([], "p1")
