"""Live price updates: as-traded prices with ex-dates, incremental fetches, failures that lose nothing.

The provider boundary is replaced by ``yahoo_like.YahooLike`` (Yahoo's documented response shape over a table
of as-traded bars), so a test can move the clock and see only the new sessions asked for.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

from movedesk import calendars
from movedesk.desk import Desk
from movedesk.detect.returns import back_adjusted
from movedesk.explain.verify import verify_claim
from movedesk.models import Claim
from movedesk.providers.prices.live import AkSharePriceProvider, YFinancePriceProvider
from movedesk.providers.prices.update import plan_requests
from yahoo_like import HK, NoWait, YahooLike, after_close, as_traded, hk_sessions, with_dividend

DAYS = hk_sessions(dt.date(2024, 1, 2), 320)


def test_yahoo_history_becomes_as_traded_with_ex_date_ratios() -> None:
    truth = with_dividend(as_traded("0981.HK", DAYS[:40], 1), DAYS[20], 0.04)
    split_day = DAYS[30]
    i = int(np.flatnonzero(truth["session"] == split_day)[0])
    truth.loc[i:, ["open", "high", "low", "close"]] /= 2  # a 2-for-1 split: as traded, the price halves
    truth.loc[i:, "volume"] *= 2
    truth.loc[i, "split"] = 2.0
    yahoo = YahooLike(truth)
    bars = YFinancePriceProvider(client=yahoo).load(
        {"symbols": ["0981.HK"], "start": DAYS[0], "end": DAYS[39]}
    ).set_index("session")
    assert np.allclose(bars["close"].to_numpy(), truth["close"].to_numpy())  # as traded, before the split too
    assert bars.loc[split_day, "adj_ratio"] == pytest.approx(2.0)
    assert bars.loc[split_day, "action"] == "split 2:1"
    dividend = float(truth.loc[truth["session"] == DAYS[20], "dividend"].iloc[0])
    assert bars.loc[DAYS[20], "action"] == f"dividend {dividend:.4g}"
    assert bars["adj_ratio"].notna().sum() == 2
    # the closes adjusted from the ratios are Yahoo's own adjusted closes
    raw = yahoo.download(["0981.HK"], start=str(DAYS[0]), end=str(DAYS[39] + dt.timedelta(days=1)),
                         auto_adjust=False, actions=True)
    adjusted = back_adjusted(bars["close"].to_numpy(), bars["adj_ratio"].to_numpy())
    assert np.allclose(adjusted, raw[("Adj Close", "0981.HK")].to_numpy(), rtol=1e-9)


def test_update_asks_only_for_the_sessions_the_store_lacks(tmp_path: Path, store_url: str) -> None:
    truth = pd.concat([as_traded("0981.HK", DAYS, 2), as_traded("1347.HK", DAYS, 3)], ignore_index=True)
    yahoo = YahooLike(truth)
    provider = YFinancePriceProvider(client=yahoo)
    with Desk.open(store_url) as desk:
        first = desk.update_prices(provider, ["0981.HK", "1347.HK"], since=DAYS[0], now=after_close(DAYS[300]),
                                   politeness=NoWait())
        assert first.ok and first.report.new == 2 * 301 and len(yahoo.calls) == 1
        # before the next close nothing is asked; after it, only from the last stored session on
        same = desk.update_prices(provider, ["0981.HK", "1347.HK"], now=after_close(DAYS[300]), politeness=NoWait())
        assert same.skipped == ["0981.HK", "1347.HK"] and len(yahoo.calls) == 1 and same.report.new == 0
        during = desk.update_prices(provider, ["0981.HK"], now=calendars.session_close(HK, DAYS[301]) -
                                    dt.timedelta(hours=2), politeness=NoWait())
        assert during.skipped == ["0981.HK"] and len(yahoo.calls) == 1  # today's bar is not final yet
        second = desk.update_prices(provider, ["0981.HK", "1347.HK"], now=after_close(DAYS[303]),
                                    politeness=NoWait())
        assert yahoo.calls[-1] == (("0981.HK", "1347.HK"), DAYS[300].isoformat(), str(DAYS[303] + dt.timedelta(1)))
        assert second.report.new == 2 * 3 and second.report.updated == 0
        assert second.fetched["1347.HK"] == (DAYS[301], DAYS[303])
        stored = desk.bars(["0981.HK"])
    assert list(stored["session"]) == DAYS[:304]


def test_a_provider_failing_mid_run_loses_nothing_and_names_the_missing(tmp_path: Path, store_url: str) -> None:
    truth = pd.concat([as_traded(s, DAYS, k) for k, s in enumerate(["0981.HK", "1347.HK", "0700.HK"])],
                      ignore_index=True)

    class OneAtATime(YFinancePriceProvider):
        batch_size = 1

    with Desk.open(store_url) as desk:
        desk.update_prices(OneAtATime(client=YahooLike(truth)), ["0981.HK", "1347.HK", "0700.HK"], since=DAYS[0],
                           now=after_close(DAYS[200]), politeness=NoWait())
        before = desk.bars(["1347.HK"])
        polite = NoWait()
        flaky = YahooLike(truth, fail={"1347.HK"})
        update = desk.update_prices(OneAtATime(client=flaky), ["0981.HK", "1347.HK", "0700.HK"],
                                    now=after_close(DAYS[210]), politeness=polite)
        after = desk.bars(["1347.HK"])
        landed = desk.bars(["0981.HK", "0700.HK"])
    assert set(update.failed) == {"1347.HK"} and "HTTP 503" in update.failed["1347.HK"]
    assert not update.ok and set(update.fetched) == {"0981.HK", "0700.HK"}
    assert polite.slept.count(2.0) == 1 and 4.0 in polite.slept and 8.0 in polite.slept  # back-off, 3 retries
    assert [c[0] for c in flaky.calls].count(("1347.HK",)) == 4
    pd.testing.assert_frame_equal(before, after)
    assert landed.groupby("symbol")["session"].max().eq(DAYS[210]).all()


def test_ex_dividend_claim_verifies_on_raw_and_the_abnormal_return_uses_adjusted(
    tmp_path: Path, store_url: str
) -> None:
    ex = DAYS[300]
    stock = with_dividend(as_traded("0981.HK", DAYS, 5), ex, 0.06)
    index = as_traded("^HSI", DAYS, 6, start=17000.0)
    provider = YFinancePriceProvider(client=YahooLike(pd.concat([stock, index], ignore_index=True)))
    with Desk.open(store_url) as desk:
        desk.update_prices(provider, ["0981.HK", "^HSI"], since=DAYS[0], now=after_close(DAYS[305]),
                           politeness=NoWait())
        move = desk.move("0981.HK", ex)
        company = desk.company("0981.HK")
        raw_only = desk.bars(["0981.HK", "^HSI"]).drop(columns=["adj_ratio", "action"])
    prev = float(stock["close"].iloc[299])
    raw_pct = (float(stock["close"].iloc[300]) / prev - 1) * 100
    assert move.close_pct == pytest.approx(raw_pct) and raw_pct < -5.5  # the day's change as traded
    assert "ex_date" in move.flags
    assert move.z is not None and abs(move.z) < 2.0  # the dividend is not an abnormal move
    # the same bars without the ratio would make the ex-date a large abnormal drop
    with Desk.open(tmp_path / "raw.duckdb") as plain:
        plain.store.upsert_bars(raw_only)
        naive = plain.move("0981.HK", ex)
    assert naive.z is not None and naive.z < -3.0
    claim = Claim(article_id="a", start=0, end=10, text=f"fell {abs(raw_pct):.1f}%", direction="down",
                  value=round(abs(raw_pct), 1), qualifier="close", listing="0981.HK", session=ex)
    check = verify_claim(claim, company, lambda s, d: move, default_session=ex, published=after_close(ex),
                         published_inferred=False, close_time=calendars.session_close, tolerance=0.15)
    assert check.verdict in ("true", "roughly true")


def test_akshare_ex_rights_ratio_from_the_back_adjusted_series() -> None:
    days = DAYS[:6]
    raw = pd.DataFrame({"日期": [d.isoformat() for d in days], "开盘": [10.0, 10.1, 10.2, 9.8, 9.9, 10.0],
                        "收盘": [10.1, 10.2, 10.3, 9.9, 10.0, 10.1], "最高": [10.2] * 3 + [10.0] * 3,
                        "最低": [9.9] * 3 + [9.7] * 3, "成交量": [1000.0] * 6})
    factor = np.array([3.0, 3.0, 3.0, 3.0 * 10.3 / 9.9 * 0.995, 0, 0])  # a 0.5 dividend on day 4, say
    factor[4:] = factor[3]
    hfq = raw.assign(收盘=raw["收盘"] * factor)

    class Recorded:
        def stock_hk_hist(self, **kwargs: Any) -> pd.DataFrame:
            assert kwargs["symbol"] == "00981"
            return hfq if kwargs["adjust"] == "hfq" else raw

    bars = AkSharePriceProvider(client=Recorded()).load(
        {"symbols": "0981.HK", "start": days[0], "end": days[-1]}
    ).set_index("session")
    assert bars["adj_ratio"].notna().sum() == 1
    assert bars.loc[days[3], "adj_ratio"] == pytest.approx(10.3 / 9.9 * 0.995)
    assert bars.loc[days[3], "action"].startswith("ex-rights x1.03")
    assert bars.loc[days[3], "close"] == 9.9  # as traded


def test_plan_groups_ranges_and_backfills() -> None:
    d = DAYS
    queries, skipped = plan_requests(
        ["A", "B", "C", "D"], {"A": d[10], "B": d[10], "C": d[12]}, {s: d[12] for s in "ABCD"},
        since=None, batch_size=1,
    )
    assert skipped == ["C"]
    assert [(q.symbols, q.start) for q in queries] == [
        (("D",), d[12] - dt.timedelta(days=800)), (("A",), d[10]), (("B",), d[10])
    ]
    backfill, skipped = plan_requests(["C"], {"C": d[12]}, {"C": d[12]}, since=d[0], batch_size=50)
    assert not skipped and backfill[0].start == d[0]


def test_benchmark_indices_are_asked_for_by_each_providers_own_code() -> None:
    days = DAYS[:3]
    frame = pd.DataFrame({"日期": [d.isoformat() for d in days], "开盘": [3300.0, 3310.0, 3320.0],
                          "收盘": [3305.0, 3315.0, 3325.0], "最高": [3310.0, 3320.0, 3330.0],
                          "最低": [3290.0, 3300.0, 3310.0], "成交量": [1e8, 1e8, 1e8]})
    asked: list[dict[str, Any]] = []

    class Eastmoney:
        def index_zh_a_hist(self, **kwargs: Any) -> pd.DataFrame:
            asked.append(kwargs)
            return frame

    bars = AkSharePriceProvider(client=Eastmoney()).load({"symbols": "^SZCOMP", "start": days[0], "end": days[-1]})
    assert asked[0]["symbol"] == "399001" and "adjust" not in asked[0]  # SZSE Component, not Composite
    assert list(bars["symbol"].unique()) == ["^SZCOMP"] and bars["close"].tolist() == [3305.0, 3315.0, 3325.0]
    assert bars["adj_ratio"].isna().all()

    truth = as_traded("000001.SS", days, 9, start=3300.0)
    yahoo = YahooLike(truth)
    bars = YFinancePriceProvider(client=yahoo).load({"symbols": ["^SSEC"], "start": days[0], "end": days[-1]})
    assert yahoo.calls[0][0] == ("000001.SS",) and set(bars["symbol"]) == {"^SSEC"}
