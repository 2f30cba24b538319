"""File price providers: long and wide formats, column maps, and validation that flags, not drops."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from movedesk.errors import ConfigError, DataValidationError, MissingColumn, ProviderError
from movedesk.providers.base import PRICE_GROUP, load_provider, provider_names
from movedesk.providers.prices.files import (
    CsvPriceProvider,
    WidePriceProvider,
    load_price_file,
    load_price_file_with_report,
    parse_column_map,
)
from movedesk.providers.prices.validate import validate_bars


def _write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


GOOD = """symbol,date,open,high,low,close,volume
AAA,2024-12-02,10,11,9.5,10.5,1000
AAA,2024-12-03,10.5,10.8,10.1,10.2,1200
BBB,2024-12-02,20,21,19,20.5,500
"""


def test_long_csv_loads_and_reads_columns_by_name(tmp_path: Path) -> None:
    # same data, columns in a trap order (close before open): read by name, not position
    shuffled = "date,close,high,low,open,volume,symbol\n2024-12-02,10.5,11,9.5,10,1000,AAA\n"
    bars = load_price_file(_write(tmp_path, "p.csv", shuffled))
    row = bars.iloc[0]
    assert (row["open"], row["high"], row["low"], row["close"]) == (10, 11, 9.5, 10.5)
    assert list(bars.columns) == ["symbol", "session", "open", "high", "low", "close", "volume", "flags", "adj_ratio",
                                  "action"]


def test_one_symbol_file_takes_its_name_and_column_map(tmp_path: Path) -> None:
    text = "Date,Close,High,Low,Open,Vol\n2024-12-20,28.3,29.8,26.35,26.85,336228865\n"
    bars = CsvPriceProvider({"Vol": "volume"}).load(_write(tmp_path, "0981.HK.csv", text))
    assert bars.iloc[0]["symbol"] == "0981.HK"
    assert bars.iloc[0]["open"] == 26.85 and bars.iloc[0]["volume"] == 336228865
    assert parse_column_map(["Date=session", " Vol = volume"]) == {"Date": "session", "Vol": "volume"}
    with pytest.raises(ConfigError, match="--column"):
        parse_column_map(["nonsense"])


@pytest.mark.parametrize("missing", ["close", "date"])
def test_missing_required_column_is_named(tmp_path: Path, missing: str) -> None:
    header = [c for c in ("symbol", "date", "open", "close") if c != missing]
    text = ",".join(header) + "\n" + ",".join("1" for _ in header) + "\n"
    expected = "session" if missing == "date" else missing
    with pytest.raises(MissingColumn, match=f"no '{expected}' column") as info:
        load_price_file(_write(tmp_path, "bad.csv", text))
    assert info.value.code == "W031"


def test_missing_and_empty_files(tmp_path: Path) -> None:
    with pytest.raises(ProviderError):
        load_price_file(tmp_path / "nope.csv")
    with pytest.raises(DataValidationError, match="empty"):
        load_price_file(_write(tmp_path, "e.csv", ""))
    with pytest.raises(DataValidationError, match="unknown price file type"):
        load_price_file(_write(tmp_path, "x.xlsx", "a"))


def test_validation_flags_bad_bars_and_keeps_them(tmp_path: Path) -> None:
    text = """symbol,date,open,high,low,close,volume
AAA,2024-12-03,10,9,11,10,100
AAA,2024-12-02,10,11,9,12,100
AAA,2024-12-04,0,10,9,9.5,100
AAA,2024-12-05,9.5,10,9,9.6,0
AAA,2024-12-06,4.8,4.9,4.7,4.8,100
AAA,2024-12-06,4.8,4.9,4.7,4.8,100
"""
    bars, report = load_price_file_with_report(_write(tmp_path, "bad.csv", text))
    assert list(bars["session"].astype(str)) == ["2024-12-02", "2024-12-03", "2024-12-04", "2024-12-05", "2024-12-06"]
    flags = dict(zip(bars["session"].astype(str), bars["flags"], strict=True))
    assert "close_outside_range" in flags["2024-12-02"]
    assert "high_lt_low" in flags["2024-12-03"]
    assert "nonpositive_price" in flags["2024-12-04"]
    assert "zero_volume_session" in flags["2024-12-05"]
    assert "possible_split" in flags["2024-12-06"] and "duplicate_date" in flags["2024-12-06"]
    counts = report.counts()
    assert counts["unsorted_dates"] == 1 and counts["duplicate_date"] == 1
    assert set(report.to_frame()["code"]) >= {"high_lt_low", "possible_split", "zero_volume_session"}


def test_strict_refuses_unsorted_and_duplicated_dates(tmp_path: Path) -> None:
    unsorted = "symbol,date,close\nAAA,2024-12-03,1\nAAA,2024-12-02,1\n"
    with pytest.raises(DataValidationError, match="not sorted"):
        load_price_file(_write(tmp_path, "u.csv", unsorted), strict=True)
    dup = "symbol,date,close\nAAA,2024-12-02,1\nAAA,2024-12-02,1\n"
    with pytest.raises(DataValidationError, match="not sorted or not unique"):
        load_price_file(_write(tmp_path, "d.csv", dup), strict=True)


def test_hk_half_day_zero_volume_is_not_flagged_as_a_full_session() -> None:
    frame = pd.DataFrame(
        {
            "symbol": ["0981.HK", "0981.HK"],
            "session": pd.to_datetime(["2024-12-23", "2024-12-24"]).date,
            "open": [28.8, 29.1],
            "high": [29.8, 29.1],
            "low": [28.55, 29.1],
            "close": [29.1, 29.1],
            "volume": [193685027.0, 0.0],
            "flags": [None, "zero_volume_flat;yf_placeholder_bar"],
        }
    )
    out, report = validate_bars(frame)
    assert "zero_volume_session" not in report.counts()
    assert out["flags"].iloc[1] == "zero_volume_flat;yf_placeholder_bar"


def test_wide_file(tmp_path: Path) -> None:
    text = "Date,SMIC A,0981.HK,ignored\n2024-12-19,85.44,26.15,1\n2024-12-20,94.28,28.3,2\n2024-12-23,95.18,,3\n"
    provider = WidePriceProvider({"SMIC A": "688981.SS", "ignored": "-"})
    bars = provider.load(_write(tmp_path, "wide.csv", text))
    assert sorted(set(bars["symbol"])) == ["0981.HK", "688981.SS"]
    a = bars[bars["symbol"] == "688981.SS"]
    assert list(a["close"]) == [85.44, 94.28, 95.18]
    assert len(bars[bars["symbol"] == "0981.HK"]) == 2  # the empty cell is not a bar
    with pytest.raises(MissingColumn, match="date column"):
        WidePriceProvider().load(_write(tmp_path, "nodate.csv", "x,y\n1,2\n"))


def test_file_providers_are_entry_points() -> None:
    names = provider_names(PRICE_GROUP)
    assert {"csv", "parquet", "wide", "yfinance", "akshare"} <= set(names)
    assert load_provider(PRICE_GROUP, "csv").name == "csv"


def test_real_smic_file_flags_source_problems(shared_dir: Path) -> None:
    bars, report = load_price_file_with_report(shared_dir / "data" / "prices" / "smic.parquet")
    assert len(bars) == 6618  # nothing dropped
    hk = bars[bars["symbol"] == "0981.HK"].set_index("session")
    day = pd.Timestamp("2009-07-21").date()
    assert "high_lt_low" in hk.loc[day, "flags"]
    # the half-day placeholders keep the source's codes and are not called zero-volume full sessions
    for half in ("2024-12-24", "2024-12-31"):
        flags = hk.loc[pd.Timestamp(half).date(), "flags"]
        assert "yf_placeholder_bar" in flags and "zero_volume_session" not in flags
    assert report.counts()["zero_volume_session"] > 0
