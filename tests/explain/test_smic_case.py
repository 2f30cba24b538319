"""The reference case: SMIC on 2024-12-23 from the shared prices and the shared article alone."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandas as pd
import pytest

from movedesk.desk import Desk
from movedesk.explain.explain import explain
from movedesk.models import Explanation
from movedesk.publish.writer import build_brief

MON = dt.date(2024, 12, 23)


@pytest.fixture(scope="module")
def case(
    shared_dir: Path, tmp_path_factory: pytest.TempPathFactory, module_store_url: str
) -> tuple[Explanation, pd.DataFrame, str]:
    tmp = tmp_path_factory.mktemp("smic")
    prices = shared_dir / "data/prices"
    idx = pd.read_parquet(prices / "cn_indices.parquet")
    idx[idx.symbol.isin(["^SSEC", "^STAR50"])].to_parquet(tmp / "cn.parquet")
    pd.read_parquet(prices / "hk.parquet", filters=[("symbol", "==", "^HSI")]).to_parquet(tmp / "hsi.parquet")
    with Desk.open(module_store_url) as desk:  # once on DuckDB, once on PostgreSQL
        desk.ingest_prices([prices / "smic.parquet", tmp / "cn.parquet", tmp / "hsi.parquet"])
        report = desk.ingest_news([shared_dir / "cases/smic-2024-12-23/article.md"])
        assert report.new == 1
        expl = explain(desk, "SMIC", MON)
        markdown = build_brief(desk, expl)[0].markdown
    raw = pd.read_parquet(prices / "smic.parquet")
    return expl, raw, markdown


def _bar(raw: pd.DataFrame, symbol: str, day: str) -> pd.Series:
    rows = raw[(raw.symbol == symbol) & (raw.date.astype(str) == day)]
    return rows.iloc[0]


def test_descriptors_of_both_listings_from_bars(case: tuple[Explanation, pd.DataFrame, str]) -> None:
    expl, raw, _ = case
    moves = {m.symbol: m for m in expl.moves}
    a_fri, a_mon, a_thu = (_bar(raw, "688981.SS", d) for d in ("2024-12-20", "2024-12-23", "2024-12-19"))
    a = moves["688981.SS"]
    assert a.close_pct == pytest.approx((a_mon.close / a_fri.close - 1) * 100, abs=1e-9)
    assert a.high_pct == pytest.approx((a_mon.high / a_fri.close - 1) * 100, abs=1e-9)
    assert a.prev_pct == pytest.approx((a_fri.close / a_thu.close - 1) * 100, abs=1e-9)
    assert a.limit_pct == 20 and a.limit_hit is None
    h = moves["0981.HK"]
    h_mon, h_base = _bar(raw, "0981.HK", "2024-12-23"), _bar(raw, "0981.HK", "2024-12-17")
    assert h.cum_pct[4] == pytest.approx((h_mon.close / h_base.close - 1) * 100, abs=1e-9)
    bench = {b.symbol for b in expl.benchmark_moves}
    assert {"^STAR50", "^HSI"} <= bench


def test_drivers_analysts_and_provenance(case: tuple[Explanation, pd.DataFrame, str]) -> None:
    expl, _, markdown = case
    assert expl.verdict == "stock-specific"
    top = [d.theme for d in expl.drivers[:2]]
    assert set(top) == {"ai_demand", "chip_localization"}
    assert all(d.evidence and d.evidence[0].article_id == expl.articles[0].article_id for d in expl.drivers)
    ledger = {(v.firm, v.analyst, v.stance) for v in expl.analysts}
    assert ("DBS", None, "positive") in ledger
    assert ("Daiwa", "Rick Hsu", "cautious") in ledger
    assert expl.articles[0].relays == ("The Wall Street Journal",)
    assert "as reported by The Wall Street Journal" in markdown


def test_every_stated_number_is_checked(case: tuple[Explanation, pd.DataFrame, str]) -> None:
    expl, _, _ = case
    got = {(v.listing, v.claim.value, v.claim.sessions): v.verdict for v in expl.verifications}
    assert got[("688981.SS", 5.2, 1)] == "true"
    assert got[("688981.SS", 2.7, 1)] == "consistent with intraday"
    assert got[("688981.SS", 10.0, 1)] == "true"
    assert got[("0981.HK", 3.7, 1)] == "consistent with intraday"
    assert got[("0981.HK", 16.0, 4)] == "consistent with intraday"
    notes = " ".join(v.note for v in expl.verifications)
    assert "closed at +0.95%" in notes and "closed at +15.25%" in notes and "publish time unknown" in notes
    metric = [v for v in expl.verifications if v.claim.claim_type == "metric"]
    assert metric and metric[0].verdict == "unverifiable" and metric[0].claim.value == 33
