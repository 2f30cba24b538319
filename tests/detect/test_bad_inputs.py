"""Bad inputs give clear movedesk errors, each with its code."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandas as pd
import pytest

from movedesk.desk import Desk
from movedesk.detect.descriptors import describe
from movedesk.errors import (
    DataValidationError,
    InsufficientData,
    MissingColumn,
    NoCalendar,
    NotATradingSession,
    UnknownCompany,
)
from movedesk.models import Listing
from movedesk.providers.prices.files import load_price_file

LISTING = Listing(symbol="AAA", mic="XNYS", currency="USD")
DAYS = [dt.date(2024, 12, 2), dt.date(2024, 12, 3), dt.date(2024, 12, 4)]


def _bars(**overrides: object) -> pd.DataFrame:
    data: dict[str, object] = {"symbol": "AAA", "session": DAYS, "close": [10.0, 10.5, 11.0]}
    data.update(overrides)
    return pd.DataFrame(data)


def test_missing_columns() -> None:
    with pytest.raises(MissingColumn, match="'close'") as info:
        describe(_bars().drop(columns="close"), LISTING, DAYS[-1])
    assert info.value.code == "W031"
    with pytest.raises(MissingColumn, match="'session'"):
        describe(_bars().drop(columns="session"), LISTING, DAYS[-1])


def test_unsorted_and_duplicated_dates(tmp_path: Path) -> None:
    path = tmp_path / "u.csv"
    path.write_text("symbol,date,close\nAAA,2024-12-03,1\nAAA,2024-12-02,1\n")
    with pytest.raises(DataValidationError, match="not sorted") as info:
        load_price_file(path, strict=True)
    assert info.value.code == "W030"
    # descriptors accept any order but refuse duplicated sessions
    shuffled = _bars().iloc[::-1]
    assert describe(shuffled, LISTING, DAYS[-1]).close_pct == pytest.approx(11 / 10.5 * 100 - 100)
    dup = pd.concat([_bars(), _bars().tail(1)])
    with pytest.raises(DataValidationError, match="duplicated"):
        describe(dup, LISTING, DAYS[-1])


def test_unknown_symbol(tmp_path: Path) -> None:
    with Desk.open(tmp_path / "s.duckdb") as desk:
        with pytest.raises(UnknownCompany) as info:
            desk.move("NOSUCH.XX", DAYS[-1])
        assert info.value.code == "W040"
        with pytest.raises(InsufficientData, match="ingest"):
            desk.move("AAPL", DAYS[-1])  # known, but no bars in the store
        with pytest.raises(UnknownCompany):
            desk.scan(DAYS[-1], universe="sp500")


def test_date_that_is_not_a_session() -> None:
    with pytest.raises(NotATradingSession, match="not a trading session") as info:
        describe(_bars(), LISTING, dt.date(2024, 11, 28))  # Thanksgiving
    assert info.value.code == "W041" and "2024-11-27" in str(info.value)


def test_exchange_with_no_calendar() -> None:
    with pytest.raises(NoCalendar, match="XLON") as info:
        describe(_bars(), Listing(symbol="AAA", mic="XLON", currency="GBP"), DAYS[-1])
    assert info.value.code == "W042"
