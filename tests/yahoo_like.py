"""A stand-in for ``yfinance.download`` at the provider boundary, and as-traded bars to feed it.

``YahooLike`` answers the way Yahoo's daily history does (its documented shape: split-adjusted OHLC, ``Adj
Close``, ``Dividends``, ``Stock Splits``, a (field, ticker) column index) from a table of as-traded bars with
``dividend`` and ``split`` columns, so a test can move the clock and see only the new sessions asked for.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import numpy as np
import pandas as pd

from movedesk import calendars
from movedesk.providers.prices.update import Politeness

HK = "XHKG"


def hk_sessions(start: dt.date, n: int) -> list[dt.date]:
    return calendars.sessions(HK, start, start + dt.timedelta(days=2 * n + 30))[:n]


def as_traded(symbol: str, days: list[dt.date], seed: int, *, start: float = 20.0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    close = start * np.cumprod(1 + rng.normal(0, 0.012, len(days)))
    return pd.DataFrame(
        {
            "symbol": symbol,
            "session": days,
            "open": close * (1 + rng.normal(0, 0.003, len(days))),
            "high": close * 1.01,
            "low": close * 0.99,
            "close": close,
            "volume": rng.integers(1_000_000, 5_000_000, len(days)).astype(float),
            "dividend": 0.0,
            "split": 0.0,
        }
    )


def with_dividend(bars: pd.DataFrame, day: dt.date, fraction: float) -> pd.DataFrame:
    """An ex-dividend day: the price drops by the dividend, the total return is the day's other news (0)."""
    out = bars.copy()
    i = int(np.flatnonzero(out["session"] == day)[0])
    prev = float(out["close"].iloc[i - 1])
    dividend = round(prev * fraction, 2)
    out.loc[i, ["open", "high", "low", "close"]] = [prev - dividend, prev - dividend * 0.8, prev - dividend * 1.1,
                                                     prev - dividend]
    later = out.index > i
    step = (prev - dividend) / float(bars["close"].iloc[i])
    out.loc[later, ["open", "high", "low", "close"]] *= step
    out.loc[i, "dividend"] = dividend
    return out


class YahooLike:
    """``yfinance.download`` over a table of as-traded bars (with ``dividend`` and ``split`` columns)."""

    def __init__(self, truth: pd.DataFrame, fail: set[str] | None = None) -> None:
        self.truth = truth
        self.fail = fail or set()
        self.calls: list[tuple[tuple[str, ...], str, str]] = []

    def download(self, tickers: list[str], *, start: str, end: str, **kwargs: Any) -> pd.DataFrame:
        assert kwargs["auto_adjust"] is False and kwargs["actions"] is True
        self.calls.append((tuple(tickers), start, end))
        if set(tickers) & self.fail:
            raise ConnectionError("HTTP 503 from query2.finance.yahoo.com")
        parts = {}
        for ticker in tickers:
            rows = self.truth[self.truth["symbol"] == ticker].sort_values("session").reset_index(drop=True)
            split = np.where(rows["split"] > 0, rows["split"], 1.0)
            after = np.ones(len(rows))  # Yahoo adjusts for every split after the row, up to today
            after[:-1] = np.cumprod(split[::-1])[::-1][1:]
            close = rows["close"] / after
            dividend = rows["dividend"] / after
            prev = close.shift(1)
            mult = np.where(dividend > 0, 1 - dividend / prev, 1.0)
            later_mult = np.ones(len(rows))
            later_mult[:-1] = np.cumprod(mult[::-1])[::-1][1:]
            frame = pd.DataFrame(
                {
                    "Adj Close": close * later_mult,
                    "Close": close,
                    "Dividends": dividend,
                    "High": rows["high"] / after,
                    "Low": rows["low"] / after,
                    "Open": rows["open"] / after,
                    "Stock Splits": rows["split"],
                    "Volume": rows["volume"] * after,
                },
            )
            frame.index = pd.DatetimeIndex(pd.to_datetime(rows["session"]), name="Date")
            keep = (frame.index >= pd.Timestamp(start)) & (frame.index < pd.Timestamp(end))
            parts[ticker] = frame[keep]
        out = pd.concat(parts, axis=1).swaplevel(0, 1, axis=1).sort_index(axis=1)
        out.columns.names = ["Price", "Ticker"]
        return out


class NoWait(Politeness):
    def __init__(self) -> None:
        super().__init__(sleep=self.record, clock=lambda: 0.0)
        self.slept: list[float] = []

    def record(self, seconds: float) -> None:
        self.slept.append(seconds)


def after_close(day: dt.date, mic: str = HK) -> dt.datetime:
    return calendars.session_close(mic, day) + dt.timedelta(hours=1)
