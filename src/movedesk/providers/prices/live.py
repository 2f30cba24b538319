"""Optional live price providers: ``yfinance`` and ``akshare`` (install ``movedesk[live]``).

The libraries are imported lazily, on the first fetch, so movedesk works without them. Each provider
takes an injectable ``client`` (the module, or any object with the same functions) so tests replay
recorded responses and never touch the network.

Both keep prices **as traded** and mark ex-dates with ``adj_ratio`` (the multiplier that turns the raw
close-to-close return into the adjusted one) and ``action``: claims are checked against the prices that
traded, abnormal returns use the adjusted series (``movedesk.detect.returns.back_adjusted``).

``yfinance`` symbols are Yahoo's (``AAPL``, ``0981.HK``, ``688981.SS``). ``download(auto_adjust=False,
actions=True)`` gives Yahoo's split-adjusted OHLC, ``Adj Close``, ``Dividends`` and ``Stock Splits``; the
prices before a split inside the fetched range are scaled back to as traded, and the ex-date ratio follows
Yahoo's adjustment (prior prices × (1 − dividend / previous close), ÷ split).
``akshare`` serves A-shares (``688981.SS`` → ``stock_zh_a_hist("688981")``, volume in lots) and HK stocks
(``0981.HK`` → ``stock_hk_hist("00981")``), fetched twice: unadjusted (``adjust=""``) and back-adjusted
(``adjust="hfq"``); the step of the ratio between the two on a session is its ex-rights ratio. The columns are
Chinese and are mapped by name (the order is 开盘, 收盘, 最高, 最低 — open, close, high, low — a column-order trap).
"""

from __future__ import annotations

import csv
import datetime as dt
import functools
import importlib
import logging
from dataclasses import dataclass
from importlib import resources
from typing import Any

import numpy as np
import pandas as pd

from movedesk.errors import DataValidationError, ProviderError
from movedesk.providers.prices.files import COLUMNS, to_bars
from movedesk.providers.prices.validate import ValidationReport, validate_bars

log = logging.getLogger(__name__)

AKSHARE_COLUMNS = {
    "日期": "session",
    "开盘": "open",
    "收盘": "close",
    "最高": "high",
    "最低": "low",
    "成交量": "volume",
}


@dataclass(frozen=True)
class PriceQuery:
    """Symbols and an inclusive date range."""

    symbols: tuple[str, ...]
    start: dt.date
    end: dt.date

    @classmethod
    def coerce(cls, query: Any) -> PriceQuery:
        if isinstance(query, PriceQuery):
            return query
        if isinstance(query, dict):
            symbols = query["symbols"]
            return cls(
                tuple([symbols] if isinstance(symbols, str) else symbols),
                pd.Timestamp(query["start"]).date(),
                pd.Timestamp(query["end"]).date(),
            )
        raise DataValidationError(f"a live price query needs symbols, start and end, not {query!r}")


@functools.cache
def index_codes() -> dict[str, dict[str, str]]:
    """movedesk index symbol → {provider: the provider's own code} (data/registry/index_codes.csv)."""
    path = resources.files("movedesk") / "data" / "registry" / "index_codes.csv"
    lines = [ln for ln in path.read_text(encoding="utf-8").splitlines() if ln and not ln.startswith("#")]
    return {row["symbol"]: {k: v for k, v in row.items() if k != "symbol" and v} for row in csv.DictReader(lines)}


def _import(module: str) -> Any:
    try:
        return importlib.import_module(module)
    except ImportError as exc:
        raise ProviderError(
            f"the {module} provider needs the {module} package",
            hint="pip install 'movedesk[live]'",
        ) from exc


class _LiveProvider:
    name = "live"
    module = ""
    #: symbols per request, and the least time between two requests (seconds): the providers' rate limits
    batch_size = 1
    min_interval = 1.0

    def __init__(self, client: Any | None = None) -> None:
        self._client = client
        self.report = ValidationReport()

    @property
    def client(self) -> Any:
        if self._client is None:
            self._client = _import(self.module)
        return self._client

    def validate(self, bars: pd.DataFrame) -> pd.DataFrame:
        out, self.report = validate_bars(bars)
        return out[list(COLUMNS)]

    def normalise(self, raw: Any) -> pd.DataFrame:
        raise NotImplementedError

    def fetch(self, query: Any) -> Any:
        raise NotImplementedError

    def load(self, query: Any) -> pd.DataFrame:
        return self.validate(self.normalise(self.fetch(query)))


class YFinancePriceProvider(_LiveProvider):
    """Daily bars from Yahoo Finance through ``yfinance.download``: as traded, with ex-dates marked."""

    name = "yfinance"
    module = "yfinance"
    batch_size = 50
    min_interval = 1.0

    def fetch(self, query: Any) -> pd.DataFrame:
        q = PriceQuery.coerce(query)
        # Yahoo names mainland indices by code (^SSEC is 000001.SS): ask by Yahoo's name, answer by ours
        theirs = {s: index_codes().get(s, {}).get("yahoo", s) for s in q.symbols}
        try:
            raw = self.client.download(
                [theirs[s] for s in q.symbols],
                start=q.start.isoformat(),
                end=(q.end + dt.timedelta(days=1)).isoformat(),  # yfinance's end is exclusive
                auto_adjust=False,
                actions=True,
                progress=False,
                group_by="column",
                threads=False,
            )
        except Exception as exc:  # the library raises many kinds; report one
            raise ProviderError(f"yfinance download of {', '.join(q.symbols)} failed: {exc}") from exc
        if raw is None or len(raw) == 0:
            raise ProviderError(f"yfinance returned no rows for {', '.join(q.symbols)} {q.start}..{q.end}")
        if not isinstance(raw.columns, pd.MultiIndex) and len(q.symbols) == 1:
            raw = pd.concat({theirs[q.symbols[0]]: raw}, axis=1).swaplevel(0, 1, axis=1)
        ours = {v: k for k, v in theirs.items() if v != k}
        if ours and isinstance(raw.columns, pd.MultiIndex):
            raw = raw.rename(columns=lambda c: ours.get(str(c), c))
        return raw

    def normalise(self, raw: pd.DataFrame) -> pd.DataFrame:
        if not isinstance(raw.columns, pd.MultiIndex):
            raise DataValidationError("yfinance response has no (field, ticker) columns")
        fields = {str(x).lower() for x in raw.columns.get_level_values(0)}
        level = 0 if "close" in fields else 1  # group_by="ticker" puts the field second
        frames = []
        tickers = raw.columns.get_level_values(1 - level).unique()
        for ticker in tickers:
            part = pd.DataFrame(raw.xs(ticker, axis=1, level=1 - level))
            part = part.rename(columns=lambda c: str(c).lower().replace(" ", "_")).dropna(how="all")
            part = part.rename_axis("session").reset_index()
            part = part[part["close"].notna()].sort_values("session").reset_index(drop=True)
            if part.empty:  # a ticker yfinance failed for in a batch comes back as all-NaN columns
                continue
            part["symbol"] = str(ticker)
            frames.append(_yahoo_as_traded(part))
        if not frames:
            raise ProviderError(f"yfinance returned no prices for {', '.join(map(str, tickers))}")
        long = pd.concat(frames, ignore_index=True).sort_values(["symbol", "session"])
        return to_bars(long.reset_index(drop=True), raw.columns)


def _yahoo_as_traded(part: pd.DataFrame) -> pd.DataFrame:
    """One ticker's yfinance rows (sorted) → prices as traded, ``adj_ratio`` and ``action`` on ex-dates."""
    n = len(part)
    split_col = pd.to_numeric(part.get("stock_splits", pd.Series(0.0, index=part.index)), errors="coerce")
    splits = split_col.fillna(0.0).to_numpy(dtype=float)
    split = np.where(splits > 0, splits, 1.0)
    dividends = pd.to_numeric(part.get("dividends", pd.Series(0.0, index=part.index)), errors="coerce")
    dividend = dividends.fillna(0.0).to_numpy(dtype=float)
    # Yahoo divides every price before a split by its ratio: undo that for the splits inside the range
    later = np.ones(n)
    if n > 1:
        later[:-1] = np.cumprod(split[::-1])[::-1][1:]
    close = part["close"].to_numpy(dtype=float)
    out = part.copy()
    for col in ("open", "high", "low", "close"):
        if col in out.columns:
            out[col] = out[col].to_numpy(dtype=float) * later
    if "volume" in out.columns:
        out["volume"] = out["volume"].to_numpy(dtype=float) / later
    prev = np.concatenate([[np.nan], close[:-1]])
    with np.errstate(invalid="ignore", divide="ignore"):
        div_ratio = np.where(dividend > 0, prev / (prev - dividend), 1.0)
    ratio = split * np.where(np.isfinite(div_ratio) & (div_ratio > 0), div_ratio, 1.0)
    ratio[0] = split[0]  # the first row has no previous close in this response
    actions: list[str | None] = []
    for i in range(n):
        parts = []
        if dividend[i] > 0:
            parts.append(f"dividend {dividend[i] * later[i]:.4g}")
        if split[i] != 1.0:
            parts.append(f"split {split[i]:g}:1")
        actions.append("; ".join(parts) or None)
    out["adj_ratio"] = np.where(np.abs(ratio - 1.0) > 1e-12, ratio, np.nan)
    out["action"] = actions
    return out.drop(columns=[c for c in ("adj_close", "dividends", "stock_splits") if c in out.columns])


class AkSharePriceProvider(_LiveProvider):
    """Daily bars from akshare (Eastmoney), A-shares and HK stocks: unadjusted, with ex-rights ratios from
    the back-adjusted series."""

    name = "akshare"
    module = "akshare"
    batch_size = 1
    min_interval = 1.0

    def fetch(self, query: Any) -> dict[str, tuple[pd.DataFrame, pd.DataFrame]]:
        q = PriceQuery.coerce(query)
        start, end = q.start.strftime("%Y%m%d"), q.end.strftime("%Y%m%d")
        out = {}
        for symbol in q.symbols:
            code, _, suffix = symbol.partition(".")
            index_code = index_codes().get(symbol, {}).get("akshare")
            if index_code:  # an index: Eastmoney's index history, no adjustment to ask for
                try:
                    plain = self.client.index_zh_a_hist(
                        symbol=index_code, period="daily", start_date=start, end_date=end
                    )
                except Exception as exc:
                    raise ProviderError(f"akshare fetch of {symbol} ({index_code}) failed: {exc}") from exc
                out[symbol] = (plain, pd.DataFrame())
                continue
            if suffix in ("SS", "SZ", "BJ", "SH"):
                call, code_arg = self.client.stock_zh_a_hist, code
            elif suffix == "HK":
                call, code_arg = self.client.stock_hk_hist, code.zfill(5)
            else:
                raise ProviderError(
                    f"akshare serves A-shares, HK stocks and the indices of index_codes.csv, not {symbol!r}"
                )
            try:
                raw = call(symbol=code_arg, period="daily", start_date=start, end_date=end, adjust="")
                hfq = call(symbol=code_arg, period="daily", start_date=start, end_date=end, adjust="hfq")
            except Exception as exc:
                raise ProviderError(f"akshare fetch of {symbol} failed: {exc}") from exc
            out[symbol] = (raw, hfq)
        return out

    def normalise(self, raw: dict[str, tuple[pd.DataFrame, pd.DataFrame]]) -> pd.DataFrame:
        frames = []
        for symbol, (plain, adjusted) in raw.items():
            renamed = plain.rename(columns=AKSHARE_COLUMNS)
            bars = to_bars(renamed.assign(symbol=symbol), plain.columns).sort_values("session").reset_index(drop=True)
            frames.append(_with_akshare_ratio(bars, adjusted.rename(columns=AKSHARE_COLUMNS)))
        if not frames:
            raise ProviderError("akshare returned nothing")
        return pd.concat(frames, ignore_index=True).sort_values(["symbol", "session"]).reset_index(drop=True)


def _with_akshare_ratio(bars: pd.DataFrame, hfq: pd.DataFrame) -> pd.DataFrame:
    """adj_ratio on the sessions where the back-adjusted factor (hfq close / raw close) steps."""
    if hfq.empty or "close" not in hfq.columns or "session" not in hfq.columns:
        return bars
    factor_close = pd.Series(
        pd.to_numeric(hfq["close"], errors="coerce").to_numpy(dtype=float),
        index=pd.to_datetime(hfq["session"]).dt.date,
    )
    factor_close = factor_close[~factor_close.index.duplicated()]
    aligned = factor_close.reindex(bars["session"]).to_numpy(dtype=float)
    with np.errstate(invalid="ignore", divide="ignore"):
        factor = aligned / bars["close"].to_numpy(dtype=float)
        step = factor[1:] / factor[:-1]
    ratio = np.full(len(bars), np.nan)
    # Eastmoney's hfq prices are rounded to the cent: a step under 0.05% is rounding, not an action
    changed = np.isfinite(step) & (np.abs(step - 1.0) > 5e-4)
    ratio[1:][changed] = step[changed]
    out = bars.copy()
    out["adj_ratio"] = ratio
    out["action"] = [f"ex-rights x{r:.4f}" if np.isfinite(r) else None for r in ratio]
    return out
