"""Store: migrations, idempotent upserts, point-in-time reads, refusing foreign or newer files."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from movedesk.errors import MissingColumn, StoreCorrupt, StoreTooNew
from movedesk.models import Article
from movedesk.store import SCHEMA_VERSION, open_store


def _bars() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "symbol": ["AAA", "AAA", "BBB"],
            "session": [dt.date(2024, 1, 2), dt.date(2024, 1, 3), dt.date(2024, 1, 2)],
            "open": [1.0, 1.1, 5.0],
            "high": [1.2, 1.3, 5.5],
            "low": [0.9, 1.0, 4.9],
            "close": [1.1, 1.2, 5.1],
            "volume": [100.0, 120.0, 50.0],
            "flags": [None, None, "zero_volume"],
        }
    )


def _article(i: int, hour: int) -> Article:
    t = dt.datetime(2024, 12, 23, hour, tzinfo=dt.UTC)
    return Article(id=f"a{i}", source="test", title=f"t{i}", body=f"body {i}", published=t, first_seen=t)


def test_new_store_has_current_schema(tmp_path: Path) -> None:
    with open_store(tmp_path / "s.duckdb") as s:
        assert s.schema_version() == SCHEMA_VERSION


def test_upsert_bars_is_idempotent(store) -> None:  # type: ignore[no-untyped-def]
    first = store.upsert_bars(_bars())
    again = store.upsert_bars(_bars())
    assert (first.new, first.updated) == (3, 0)
    assert (again.new, again.updated, again.unchanged) == (0, 0, 3)
    assert len(store.bars()) == 3
    changed = _bars()
    changed.loc[0, "close"] = 1.15
    report = store.upsert_bars(changed)
    assert (report.new, report.updated) == (0, 1)
    assert store.bars(["AAA"])["close"].tolist() == [1.15, 1.2]


def test_bad_bars_change_nothing(store) -> None:  # type: ignore[no-untyped-def]
    store.upsert_bars(_bars())
    with pytest.raises(MissingColumn, match="close"):
        store.upsert_bars(_bars().drop(columns=["close"]))
    assert len(store.bars()) == 3


def test_articles_point_in_time_and_no_duplicates(store) -> None:  # type: ignore[no-untyped-def]
    report = store.upsert_articles([_article(1, 1), _article(2, 5), _article(3, 9)])
    assert report.new == 3
    assert store.upsert_articles([_article(1, 1)]).new == 0
    assert store.count_articles() == 3
    cutoff = dt.datetime(2024, 12, 23, 5, tzinfo=dt.UTC)
    assert [a.id for a in store.articles(until=cutoff)] == ["a2", "a1"]
    store.link_companies([("a1", "X"), ("a3", "X")])
    assert [a.id for a in store.articles(company="X", until=cutoff)] == ["a1"]
    got = store.article("a2")
    assert got is not None and got.published == dt.datetime(2024, 12, 23, 5, tzinfo=dt.UTC)


def test_non_duckdb_file_is_refused_and_untouched(tmp_path: Path) -> None:
    path = tmp_path / "notes.duckdb"
    path.write_bytes(b"this is not a database, just some text\n" * 10)
    before = path.read_bytes()
    with pytest.raises(StoreCorrupt, match="not a DuckDB file"):
        open_store(path)
    assert path.read_bytes() == before


def test_foreign_duckdb_is_refused_and_untouched(tmp_path: Path) -> None:
    path = tmp_path / "other.duckdb"
    con = duckdb.connect(str(path))
    con.execute("CREATE TABLE customers (id INTEGER, name VARCHAR)")
    con.execute("INSERT INTO customers VALUES (1, 'x')")
    con.close()
    with pytest.raises(StoreCorrupt, match="not a movedesk store"):
        open_store(path)
    con = duckdb.connect(str(path))
    tables = [r[0] for r in con.execute("SELECT table_name FROM information_schema.tables").fetchall()]
    con.close()
    assert tables == ["customers"]


def test_newer_schema_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "future.duckdb"
    with open_store(path) as s:
        s.con.execute("UPDATE movedesk_meta SET value = '999' WHERE key = 'schema_version'")
    with pytest.raises(StoreTooNew, match="999"):
        open_store(path)


def test_a_store_locked_by_another_process_is_busy_not_corrupt(locked_store: Path) -> None:
    from movedesk.errors import StoreError

    with pytest.raises(StoreError) as err:
        open_store(locked_store)
    assert not isinstance(err.value, StoreCorrupt) and err.value.code == "W013" and "locked" in str(err.value)


def test_cached_bar_reads_match_the_database_and_see_new_writes(store) -> None:  # type: ignore[no-untyped-def]
    store.upsert_bars(_bars())
    first = store.bars(["BBB", "AAA"], dt.date(2024, 1, 3))
    assert first["symbol"].tolist() == ["AAA"] and first["close"].tolist() == [1.2]
    assert store.bars(["AAA", "NOPE"])["session"].tolist() == [dt.date(2024, 1, 2), dt.date(2024, 1, 3)]
    first.loc[0, "close"] = 99.0  # callers get their own frame, not the cache
    assert store.bars(["AAA"], dt.date(2024, 1, 3))["close"].tolist() == [1.2]
    changed = _bars()
    changed.loc[1, "close"] = 1.25
    store.upsert_bars(changed)
    assert store.bars(["AAA"], dt.date(2024, 1, 3))["close"].tolist() == [1.25]


def test_company_news_window_and_order(store) -> None:  # type: ignore[no-untyped-def]
    store.upsert_articles([_article(i, i) for i in range(1, 8)])
    store.link_companies([(f"a{i}", "X") for i in (1, 3, 4, 6)] + [("a2", "Y"), ("a4", "Y")])
    since = dt.datetime(2024, 12, 23, 3, tzinfo=dt.UTC)
    until = dt.datetime(2024, 12, 23, 6, tzinfo=dt.UTC)
    assert [a.id for a in store.articles(company="X", since=since, until=until)] == ["a6", "a4", "a3"]
    assert [a.id for a in store.articles(company="X", limit=2)] == ["a6", "a4"]
    assert store.articles(company="Z") == []
    assert store.articles(company="Y", since=until) == []


def test_extractions_batch_read(store) -> None:  # type: ignore[no-untyped-def]
    store.upsert_articles([_article(1, 1), _article(2, 2)])
    store.put_extraction("a1", "v1", {"n": 1})
    store.put_extraction("a2", "v2", {"n": 2})
    assert store.extractions(["a1", "a2", "a1", "nope"], "v1") == {"a1": {"n": 1}}
    assert store.extractions([], "v1") == {}


def test_last_closes_skip_flagged_bars_and_keep_the_newest(store) -> None:  # type: ignore[no-untyped-def]
    bars = _bars()
    extra = pd.DataFrame(
        {
            "symbol": ["AAA", "BBB", "BBB"],
            "session": [dt.date(2024, 1, 4), dt.date(2024, 1, 3), dt.date(2024, 1, 4)],
            "open": [1.0, 5.0, 5.0],
            "high": [1.0, 5.0, 5.0],
            "low": [1.0, 5.0, 5.0],
            "close": [1.3, 5.2, 5.3],
            "volume": [1.0, 1.0, 1.0],
            "flags": [None, None, None],
        }
    )
    store.upsert_bars(pd.concat([bars, extra], ignore_index=True))
    got = store.last_closes(["BBB", "AAA"], dt.date(2024, 1, 1), dt.date(2024, 1, 4))
    rows = list(got.itertuples(index=False, name=None))
    # AAA: the two newest; BBB: its 2024-01-02 bar is flagged, so only the two clean ones
    assert rows == [
        ("AAA", dt.date(2024, 1, 4), 1.3),
        ("AAA", dt.date(2024, 1, 3), 1.2),
        ("BBB", dt.date(2024, 1, 4), 5.3),
        ("BBB", dt.date(2024, 1, 3), 5.2),
    ]
    assert store.last_closes(["AAA"], dt.date(2024, 1, 1), dt.date(2024, 1, 2), n=2)["close"].tolist() == [1.1]
    assert store.last_closes([], dt.date(2024, 1, 1), dt.date(2024, 1, 2)).empty
