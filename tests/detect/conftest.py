"""Fixtures for the detect tests: real bars from ../shared (read once per session) and a store."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest

from movedesk.desk import Desk


def _read(path: Path, symbols: list[str] | None = None) -> pd.DataFrame:
    filters = [("symbol", "in", symbols)] if symbols else None
    frame = pd.read_parquet(path, filters=filters)
    frame = frame.rename(columns={"date": "session", "flag": "flags"})
    frame["session"] = pd.to_datetime(frame["session"]).dt.date
    return frame


@pytest.fixture(scope="session")
def prices_dir(shared_dir: Path) -> Path:
    return shared_dir / "data" / "prices"


@pytest.fixture(scope="session")
def smic_raw(prices_dir: Path) -> pd.DataFrame:
    """smic.parquet as shipped (the golden values are computed from this, not from movedesk)."""
    return _read(prices_dir / "smic.parquet")


US_SAMPLE = [
    "AAPL", "MSFT", "GOOG", "GOOGL", "JPM", "XOM", "TSLA", "NVDA", "KO", "MS", "AIG", "C", "BAC", "WMT",
    "PG", "JNJ", "PFE", "MRK", "CVX", "INTC", "CSCO", "ORCL", "IBM", "HD", "MCD", "DIS", "BA", "CAT", "MMM",
    "GE", "F", "GM", "T", "VZ", "AMZN", "META", "NFLX", "ADBE", "CRM", "AMD", "QCOM", "TXN", "GS", "WFC",
    "AXP", "USB", "PNC", "MO", "PM", "PEP",
]  # fmt: skip


@pytest.fixture(scope="session")
def us_sample(prices_dir: Path) -> pd.DataFrame:
    """50 S&P tickers over the whole 2000-2024 panel, as long bars."""
    frame = pd.read_parquet(prices_dir / "us_sp500.parquet", filters=[("symbol", "in", US_SAMPLE)])
    return frame.rename(columns={"date": "session", "flag": "flags"})


@pytest.fixture(scope="session")
def us_2006_2008(prices_dir: Path) -> pd.DataFrame:
    """Every S&P ticker from 2005 to early 2008 (enough history for the 2006-10-20 and 2008-01-23 scans)."""
    import datetime as dt

    frame = pd.read_parquet(
        prices_dir / "us_sp500.parquet",
        filters=[("date", ">=", dt.date(2005, 1, 1)), ("date", "<=", dt.date(2008, 2, 29))],
    )
    return frame.rename(columns={"date": "session", "flag": "flags"})


@pytest.fixture(scope="session")
def smic_desk(tmp_path_factory: pytest.TempPathFactory, prices_dir: Path) -> Iterator[Desk]:
    """A store with SMIC (A+H), the CN indices, ^HSI and Hua Hong, ingested through the providers."""
    folder = tmp_path_factory.mktemp("smic")
    hk = _read(prices_dir / "hk.parquet", ["^HSI", "1347.HK"])
    hk_path = folder / "hk_subset.parquet"
    hk.to_parquet(hk_path)
    desk = Desk.open(folder / "smic.duckdb")
    desk.ingest_price_files([prices_dir / "smic.parquet", prices_dir / "cn_indices.parquet", hk_path])
    yield desk
    desk.close()
