"""Optional live price providers: ``yfinance`` and ``akshare`` (install ``movedesk[live]``).

The libraries are imported lazily, on the first fetch, so movedesk works without them. Each provider
takes an injectable ``client`` (the module, or any object with the same functions) so tests replay
recorded responses and never touch the network.

``yfinance`` symbols are Yahoo's (``AAPL``, ``0981.HK``, ``688981.SS``); prices are auto-adjusted.
``akshare`` serves A-shares (``688981.SS`` → ``stock_zh_a_hist("688981")``, unadjusted, volume in lots)
and HK stocks (``0981.HK`` → ``stock_hk_hist("00981")``); its columns are Chinese and are mapped by name
(the order is 开盘, 收盘, 最高, 最低 — open, close, high, low — a column-order trap).
"""

from __future__ import annotations

import datetime as dt
import importlib
import logging
from dataclasses import dataclass
from typing import Any

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
    """Daily bars from Yahoo Finance through ``yfinance.download`` (auto-adjusted)."""

    name = "yfinance"
    module = "yfinance"

    def fetch(self, query: Any) -> pd.DataFrame:
        q = PriceQuery.coerce(query)
        try:
            raw = self.client.download(
                list(q.symbols),
                start=q.start.isoformat(),
                end=(q.end + dt.timedelta(days=1)).isoformat(),  # yfinance's end is exclusive
                auto_adjust=True,
                actions=False,
                progress=False,
                group_by="column",
                threads=False,
            )
        except Exception as exc:  # the library raises many kinds; report one
            raise ProviderError(f"yfinance download of {', '.join(q.symbols)} failed: {exc}") from exc
        if raw is None or len(raw) == 0:
            raise ProviderError(f"yfinance returned no rows for {', '.join(q.symbols)} {q.start}..{q.end}")
        if not isinstance(raw.columns, pd.MultiIndex) and len(q.symbols) == 1:
            raw = pd.concat({q.symbols[0]: raw}, axis=1).swaplevel(0, 1, axis=1)
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
            part = part.rename(columns=lambda c: str(c).lower()).dropna(how="all")
            part = part.rename_axis("session").reset_index()
            part["symbol"] = str(ticker)
            frames.append(part)
        long = pd.concat(frames, ignore_index=True)
        long = long[long["close"].notna()].sort_values(["symbol", "session"])
        return to_bars(long.reset_index(drop=True), raw.columns)


class AkSharePriceProvider(_LiveProvider):
    """Unadjusted daily bars from akshare (Eastmoney): A-shares and HK stocks."""

    name = "akshare"
    module = "akshare"

    def fetch(self, query: Any) -> dict[str, pd.DataFrame]:
        q = PriceQuery.coerce(query)
        start, end = q.start.strftime("%Y%m%d"), q.end.strftime("%Y%m%d")
        out = {}
        for symbol in q.symbols:
            code, _, suffix = symbol.partition(".")
            try:
                if suffix in ("SS", "SZ", "BJ", "SH"):
                    raw = self.client.stock_zh_a_hist(
                        symbol=code, period="daily", start_date=start, end_date=end, adjust=""
                    )
                elif suffix == "HK":
                    raw = self.client.stock_hk_hist(
                        symbol=code.zfill(5), period="daily", start_date=start, end_date=end, adjust=""
                    )
                else:
                    raise ProviderError(f"akshare serves A-shares and HK stocks, not {symbol!r}")
            except ProviderError:
                raise
            except Exception as exc:
                raise ProviderError(f"akshare fetch of {symbol} failed: {exc}") from exc
            out[symbol] = raw
        return out

    def normalise(self, raw: dict[str, pd.DataFrame]) -> pd.DataFrame:
        frames = []
        for symbol, frame in raw.items():
            renamed = frame.rename(columns=AKSHARE_COLUMNS)
            frames.append(to_bars(renamed.assign(symbol=symbol), frame.columns))
        if not frames:
            raise ProviderError("akshare returned nothing")
        return pd.concat(frames, ignore_index=True).sort_values(["symbol", "session"]).reset_index(drop=True)
