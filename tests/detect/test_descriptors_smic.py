"""Golden tests on the real SMIC bars: every expected value is computed here from the raw file."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from movedesk.desk import Desk
from movedesk.detect.descriptors import ah_premium, describe, limit_band
from movedesk.models import Listing

FRI, MON = dt.date(2024, 12, 20), dt.date(2024, 12, 23)


def _closes(raw: pd.DataFrame, symbol: str) -> pd.Series:
    rows = raw[raw["symbol"] == symbol].set_index("session").sort_index()
    return rows["close"]


def _row(raw: pd.DataFrame, symbol: str, day: dt.date) -> pd.Series:
    rows = raw[(raw["symbol"] == symbol) & (raw["session"] == day)]
    assert len(rows) == 1
    return rows.iloc[0]


def pct(a: float, b: float) -> float:
    return (a / b - 1) * 100


def test_688981_limit_friday(smic_desk: Desk, smic_raw: pd.DataFrame) -> None:
    closes = _closes(smic_raw, "688981.SS")
    fri, thu = closes[FRI], closes[dt.date(2024, 12, 19)]
    assert fri == 94.28  # the published close
    move = smic_desk.move("688981.SS", FRI)
    assert move.close == fri
    assert move.prev_session == dt.date(2024, 12, 19)
    assert move.close_pct == pytest.approx(pct(fri, thu), abs=1e-12)
    assert round(move.close_pct, 2) == 10.35
    bar = _row(smic_raw, "688981.SS", FRI)
    assert move.high_pct == pytest.approx(pct(bar["high"], thu), abs=1e-12)
    assert move.gap_pct == pytest.approx(pct(bar["open"], thu), abs=1e-12)
    # STAR board: ±20% band, the +15.6% intraday high did not reach it
    assert move.limit_pct == 20.0 and move.limit_hit is None
    up, _ = limit_band(thu, 20.0)
    assert up == round(thu * 1.2, 2)
    assert move.limit_distance_pct == pytest.approx((up - fri) / thu * 100, abs=1e-9)
    vol = smic_raw[smic_raw["symbol"] == "688981.SS"].set_index("session").sort_index()["volume"]
    prior = vol[vol.index < FRI].tail(20)
    assert move.volume_ratio == pytest.approx(vol[FRI] / prior.mean(), rel=1e-12)


def test_688981_monday_descriptors(smic_desk: Desk, smic_raw: pd.DataFrame) -> None:
    closes = _closes(smic_raw, "688981.SS")
    seq = closes[closes.index <= MON]
    mon, fri = seq.iloc[-1], seq.iloc[-2]
    move = smic_desk.move("688981.SS", MON)
    bar = _row(smic_raw, "688981.SS", MON)
    assert move.close_pct == pytest.approx(pct(mon, fri), abs=1e-12)
    assert round(move.close_pct, 2) == 0.95
    assert move.high_pct == pytest.approx(pct(bar["high"], fri), abs=1e-12)  # "as much as +5.2%"
    assert move.low_pct == pytest.approx(pct(bar["low"], fri), abs=1e-12)
    assert move.gap_pct == pytest.approx(pct(bar["open"], fri), abs=1e-12)
    assert move.prev_pct == pytest.approx(pct(fri, seq.iloc[-3]), abs=1e-12)
    for n in (2, 3, 4, 5, 10, 20):
        assert move.cum_pct[n] == pytest.approx(pct(mon, seq.iloc[-1 - n]), abs=1e-12)
    rets = seq.pct_change().dropna()
    expected_streak = 0
    for r in rets[::-1]:
        if r > 0:
            expected_streak += 1
        else:
            break
    assert move.streak == expected_streak
    assert move.benchmark == "^STAR50"
    star = _closes(smic_desk.store.bars(["^STAR50"]), "^STAR50")
    assert move.benchmark_pct == pytest.approx(pct(star[MON], star[FRI]), abs=1e-9)
    assert round(move.benchmark_pct, 2) == -1.25
    assert move.ar is not None and move.z is not None and 0 <= (move.p or 0) <= 1


def test_0981_four_session_cumulative_and_half_days(smic_desk: Desk, smic_raw: pd.DataFrame) -> None:
    closes = _closes(smic_raw, "0981.HK")
    seq = closes[closes.index <= MON]
    move = smic_desk.move("0981.HK", MON)
    assert move.cum_pct[4] == pytest.approx(pct(seq.iloc[-1], seq.iloc[-5]), abs=1e-9)
    assert seq.index[-5] == dt.date(2024, 12, 17)
    assert round(move.cum_pct[4], 2) == 15.25
    assert move.streak == 4  # 12-18, 12-19, 12-20, 12-23 all up
    # the half-days are placeholder bars: reported, never used as prices
    for half in (dt.date(2024, 12, 24), dt.date(2024, 12, 31)):
        bar = _row(smic_raw, "0981.HK", half)
        assert "yf_placeholder_bar" in str(bar["flags"])
        placeholder = smic_desk.move("0981.HK", half)
        assert placeholder.close_pct is None and "untrusted_bar" in placeholder.flags
    # the next session compares with the last real close and says so
    after = smic_desk.move("0981.HK", dt.date(2024, 12, 27))
    assert after.prev_session == MON
    assert after.close_pct == pytest.approx(pct(closes[dt.date(2024, 12, 27)], closes[MON]), abs=1e-9)
    assert "prev_bar_untrusted" in after.flags and "ar_spans_sessions" in after.flags
    hsi = _closes(smic_desk.store.bars(["^HSI"]), "^HSI")
    # the AR spans 12-24 and 12-27: the benchmark's return over the same two sessions
    assert after.benchmark_pct == pytest.approx(pct(hsi[dt.date(2024, 12, 27)], hsi[MON]), abs=1e-9)
    assert after.ar is not None and after.z is not None
    jan2 = smic_desk.move("0981.HK", dt.date(2025, 1, 2))
    assert jan2.prev_session == dt.date(2024, 12, 30)


def test_missing_bar_on_a_session_is_a_gap_not_a_fill(smic_raw: pd.DataFrame) -> None:
    listing = Listing(symbol="688981.SS", mic="XSHG", currency="CNY", board="STAR", limit_rule="pct20")
    bars = smic_raw[smic_raw["symbol"] == "688981.SS"]
    holed = bars[bars["session"] != FRI]
    from movedesk.errors import InsufficientData

    with pytest.raises(InsufficientData, match="suspension or a data gap"):
        describe(holed, listing, FRI)
    move = describe(holed, listing, MON)
    assert "gap_before" in move.flags
    assert move.prev_session == dt.date(2024, 12, 19)
    assert 2 not in move.cum_pct or move.cum_pct[2] == pytest.approx(pct(95.18, 85.44))
    assert 1 not in move.cum_pct


def test_limit_up_and_ipo_rules() -> None:
    listing = Listing(symbol="600000.SS", mic="XSHG", currency="CNY", board="Main", limit_rule="pct10")
    days = [dt.date(2024, 12, d) for d in (16, 17, 18, 19, 20)]
    closes = [10.0, 10.0, 10.0, 10.0, 11.0]
    bars = pd.DataFrame(
        {"symbol": listing.symbol, "session": days, "open": closes, "high": closes, "low": closes,
         "close": closes, "volume": 100.0, "flags": None}
    )  # fmt: skip
    move = describe(bars, listing, days[-1])
    assert move.limit_hit == "up" and move.limit_distance_pct == 0.0
    st = listing.model_copy(update={"limit_rule": "pct5"})
    st_move = describe(bars, st, days[-1])  # +10% under a ±5% rule: an ex-date or a stale ST status
    assert st_move.limit_hit is None and "beyond_limit_band" in st_move.flags
    down = bars.assign(close=[10.0, 10.0, 10.0, 10.0, 9.0], low=[10.0, 10.0, 10.0, 10.0, 9.0])
    assert describe(down, listing, days[-1]).limit_hit == "down"
    touched = bars.assign(close=[10.0, 10.0, 10.0, 10.0, 10.5], high=[10.0, 10.0, 10.0, 10.0, 11.0])
    touch = describe(touched, listing, days[-1])
    assert touch.limit_hit is None and "limit_up_touched" in touch.flags
    assert touch.limit_distance_pct == pytest.approx(5.0)
    star = Listing(symbol="688000.SS", mic="XSHG", currency="CNY", board="STAR", limit_rule="pct20")
    ipo = bars.assign(symbol=star.symbol, flags=["ipo_day", None, None, None, None])
    assert "ipo_no_limit" in describe(ipo, star, days[-1]).flags
    chinext = Listing(symbol="300001.SZ", mic="XSHE", currency="CNY", board="ChiNext", limit_rule="pct20")
    old = bars.assign(symbol=chinext.symbol, session=[dt.date(2019, 12, d) for d in (16, 17, 18, 19, 20)])
    assert describe(old, chinext, dt.date(2019, 12, 20)).limit_pct == 10.0  # before the 2020-08-24 reform


def test_ah_premium_with_fx(smic_raw: pd.DataFrame) -> None:
    a = Listing(symbol="688981.SS", mic="XSHG", currency="CNY", board="STAR", limit_rule="pct20")
    h = Listing(symbol="0981.HK", mic="XHKG", currency="HKD", board="Main")
    fx = pd.DataFrame({"session": [dt.date(2024, 12, 18)], "close": [0.9378]})
    move = describe(smic_raw, a, MON, fx=fx, peer=smic_raw, peer_listing=h)
    a_close = _closes(smic_raw, "688981.SS")[MON]
    h_close = _closes(smic_raw, "0981.HK")[MON]
    expected = (a_close / (h_close * 0.9378) - 1) * 100
    assert move.ah_premium_pct == pytest.approx(expected, rel=1e-12)
    assert move.ah_premium_pct == pytest.approx(ah_premium(a_close, h_close, 0.9378))
    h_move = describe(smic_raw, h, MON, fx=fx, peer=smic_raw, peer_listing=a)
    assert h_move.ah_premium_pct == pytest.approx(expected, rel=1e-12)
    # no H bar on a Shanghai-only session → no premium, said so
    sh_only = describe(smic_raw, a, dt.date(2024, 12, 24), fx=fx, peer=smic_raw, peer_listing=h)
    assert sh_only.ah_premium_pct is None and "ah_premium_unavailable" in sh_only.flags


def test_desk_move_with_premium(smic_desk: Desk, smic_raw: pd.DataFrame) -> None:
    plain = smic_desk.move_with_premium("688981.SS", MON, fx_symbol="NO-FX")
    assert plain.ah_premium_pct is None and plain == smic_desk.move("688981.SS", MON)
    fx = pd.DataFrame(
        {"symbol": "TEST-HKDCNY", "session": [dt.date(2024, 12, 20), MON], "close": [0.9375, 0.9380]}
    )
    smic_desk.store.upsert_bars(fx)
    move = smic_desk.move_with_premium("688981.SS", MON, fx_symbol="TEST-HKDCNY")
    a, h = _closes(smic_raw, "688981.SS")[MON], _closes(smic_raw, "0981.HK")[MON]
    assert move.ah_premium_pct == pytest.approx((a / (h * 0.9380) - 1) * 100, rel=1e-12)
    assert move.close_pct == plain.close_pct and move.z == plain.z


def test_price_limits_come_from_the_data_file() -> None:
    """ChiNext's ±20% rule applies from the 2020-08-24 reform (±10% before), as price_limits.csv says."""
    import datetime as dt

    from movedesk.detect.descriptors import ipo_free_sessions, limit_pct_for

    chinext = Listing(symbol="300750.SZ", mic="XSHE", currency="CNY", board="ChiNext", limit_rule="pct20")
    assert limit_pct_for(chinext, dt.date(2020, 8, 21)) == 10.0
    assert limit_pct_for(chinext, dt.date(2020, 8, 24)) == 20.0
    st = Listing(symbol="300001.SZ", mic="XSHE", currency="CNY", board="ChiNext", limit_rule="pct5")
    assert limit_pct_for(st, dt.date(2019, 1, 2)) == 5.0
    us = Listing(symbol="AAPL", mic="XNYS", currency="USD", board="", limit_rule="none")
    assert limit_pct_for(us, dt.date(2024, 1, 2)) is None
    assert ipo_free_sessions()["STAR"] == 5 and ipo_free_sessions()["Main"] == 1
