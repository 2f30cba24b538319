"""The market-wide scan finds known large moves and says when the whole market moved."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest

from movedesk.desk import Desk
from movedesk.detect.returns import build_panel, simple_returns
from movedesk.detect.scan import SP500_PROXY, equal_weight_index, equal_weight_returns, scan_bars
from movedesk.errors import NotATradingSession, UnknownCompany


@pytest.mark.parametrize(
    ("day", "expected"),
    [("2006-10-20", {"GOOG", "GOOGL"}), ("2008-01-23", {"AAPL"})],
)
def test_scan_finds_known_moves_among_the_top(us_2006_2008: pd.DataFrame, day: str, expected: set[str]) -> None:
    session = pd.Timestamp(day).date()
    result = scan_bars(us_2006_2008, session, mic="XNYS", benchmark=SP500_PROXY, min_z=2.0)
    top = result.moves.head(10)
    assert expected <= set(top["symbol"]), top[["symbol", "ret_pct", "z"]]
    assert list(top["rank"]) == list(range(1, len(top) + 1))
    assert (top["z"].abs().diff().dropna() <= 0).all()  # ranked by |z|
    assert (result.moves["z"].abs() >= 2.0).all() and (result.moves["p"] < 0.06).all()
    row = top[top["symbol"] == sorted(expected)[0]].iloc[0]
    # the scan's return is the raw close-to-close change of the bars
    bars = us_2006_2008[us_2006_2008["symbol"] == row["symbol"]].sort_values("session")
    closes = bars.set_index(pd.to_datetime(bars["session"]).dt.date)["close"]
    prev = closes[closes.index < session].iloc[-1]
    assert row["ret_pct"] == pytest.approx((closes[session] / prev - 1) * 100, abs=1e-9)
    assert len(result.market) == 1


def test_market_day_verdict(us_2006_2008: pd.DataFrame) -> None:
    # 2008-01-23: the market rallied from its intraday low after the Fed's emergency cut the day before
    up_day = scan_bars(us_2006_2008, dt.date(2008, 1, 23), mic="XNYS", benchmark=SP500_PROXY)
    verdict = up_day.market.iloc[0]
    assert verdict["market_day"] and verdict["bench_z"] > 2 and "whole market rose" in verdict["verdict"]
    assert up_day.moves["market_day"].all()
    quiet = scan_bars(us_2006_2008, dt.date(2006, 10, 20), mic="XNYS", benchmark=SP500_PROXY)
    assert not quiet.market.iloc[0]["market_day"] and "no market-wide move" in quiet.market.iloc[0]["verdict"]


def test_range_scan_and_errors(us_2006_2008: pd.DataFrame) -> None:
    result = scan_bars(us_2006_2008, dt.date(2008, 1, 22), dt.date(2008, 1, 25), mic="XNYS", min_z=3.0)
    assert sorted(result.market["session"].astype(str)) == ["2008-01-22", "2008-01-23", "2008-01-24", "2008-01-25"]
    assert result.moves["session"].nunique() >= 3
    with pytest.raises(NotATradingSession):
        scan_bars(us_2006_2008, dt.date(2008, 1, 21), mic="XNYS")  # Martin Luther King Jr. Day


def test_equal_weight_index_levels_reproduce_the_mean_return(us_2006_2008: pd.DataFrame) -> None:
    sample = us_2006_2008[us_2006_2008["symbol"].isin(["AAPL", "MSFT", "KO", "JPM", "XOM"] * 1)]
    index = equal_weight_index(sample, "^TEST", min_members=3)
    panel = build_panel(sample, ohlv=False)
    mean = equal_weight_returns(simple_returns(panel.close), 3)
    level = index["close"].to_numpy()
    assert level[0] == 100.0
    np.testing.assert_allclose(level[1:] / level[:-1] - 1, mean[1:], atol=1e-12)


def test_desk_scan_on_a_store(smic_desk: Desk) -> None:
    result = smic_desk.scan(dt.date(2024, 12, 20), universe="688981.SS,0981.HK,1347.HK", min_z=2.0)
    assert "688981.SS" in set(result.moves["symbol"])
    assert set(result.market["benchmark"]) == {"^STAR50", "^HSI"}
    with pytest.raises(UnknownCompany):
        smic_desk.scan(dt.date(2024, 12, 20), universe="sp500")
    with pytest.raises(NotATradingSession):
        smic_desk.scan(dt.date(2024, 12, 25), universe="0981.HK")
    # the placeholder half-day is listed as a gap-like state, not scanned as a move
    half = smic_desk.scan(dt.date(2024, 12, 24), universe="0981.HK", min_z=0.0)
    assert "0981.HK" not in set(half.moves["symbol"])
    assert set(half.gaps["state"]) == {"untrusted_bar"}


def test_ingesting_sp500_members_builds_the_proxy(tmp_path, us_sample: pd.DataFrame) -> None:  # type: ignore[no-untyped-def]
    sample = us_sample[(us_sample["session"] >= dt.date(2006, 1, 1)) & (us_sample["session"] <= dt.date(2008, 2, 1))]
    path = tmp_path / "sample.parquet"
    sample.rename(columns={"session": "date", "flags": "flag"}).to_parquet(path)
    with Desk.open(tmp_path / "us.duckdb") as desk:
        desk.ingest_price_files([path])
        proxy = desk.store.bars([SP500_PROXY])
        assert len(proxy) == sample["session"].nunique()
        move = desk.move("AAPL", dt.date(2008, 1, 23))
        assert move.benchmark == SP500_PROXY and move.ar is not None and move.z is not None and move.z < -3
        # the stored proxy's return is the panel's equal-weight mean return that day
        panel = build_panel(sample, ohlv=False)
        mean = equal_weight_returns(simple_returns(panel.close))
        t = panel.position(dt.date(2008, 1, 23))
        assert move.benchmark_pct == pytest.approx(mean[t] * 100, abs=1e-9)
        result = desk.scan(dt.date(2008, 1, 23), universe="sp500", min_z=2.0)
        assert "AAPL" in set(result.moves["symbol"].astype(str))


def test_named_universes() -> None:
    from movedesk.detect.universe import index_members, resolve_universe
    from movedesk.registry import default_registry

    members = index_members()
    assert len(members["sp500"]) == 503 and "AAPL" in members["sp500"]
    assert len(members["hsi"]) == 83 and "0700.HK" in members["hsi"] and "0981.HK" in members["hsi"]
    reg = default_registry()
    available = {"0700.HK", "0981.HK", "688981.SS", "AAPL", "MRO"}
    assert {x.symbol for x in resolve_universe(reg, "hsi", available)} == {"0700.HK", "0981.HK"}
    assert {x.symbol for x in resolve_universe(reg, "sp500", available)} == {"AAPL"}  # MRO left in Nov 2024
    assert {x.symbol for x in resolve_universe(reg, "us", available)} == {"AAPL", "MRO"}
    assert {x.symbol for x in resolve_universe(reg, "star", available)} == {"688981.SS"}
    assert {x.symbol for x in resolve_universe(reg, "SMIC, AAPL", available)} == {"688981.SS", "0981.HK", "AAPL"}
    with pytest.raises(UnknownCompany):
        resolve_universe(reg, "no such thing", available)


def test_market_adjusted_scan_and_unknown_model(us_2006_2008: pd.DataFrame) -> None:
    from movedesk.errors import DataValidationError

    day = dt.date(2008, 1, 23)
    result = scan_bars(us_2006_2008, day, mic="XNYS", benchmark=SP500_PROXY, model="market-adjusted")
    top = result.moves.head(10)
    assert "AAPL" in set(top["symbol"].astype(str))
    aapl = top[top["symbol"] == "AAPL"].iloc[0]
    assert aapl["ar_pct"] == pytest.approx(aapl["ret_pct"] - aapl["bench_pct"], abs=1e-9)
    assert aapl["beta"] == 1.0 and aapl["alpha"] == 0.0
    with pytest.raises(DataValidationError, match="unknown abnormal-return model"):
        scan_bars(us_2006_2008, day, mic="XNYS", model="capm")  # type: ignore[arg-type]
