"""Live providers replay recorded responses (fixtures in the libraries' own shapes); no network."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from movedesk.errors import DataValidationError, ProviderError
from movedesk.providers.prices.live import AkSharePriceProvider, PriceQuery, YFinancePriceProvider

FIXTURES = Path(__file__).parent / "fixtures"


class RecordedYFinance:
    def __init__(self) -> None:
        self.calls: list[tuple[Any, dict[str, Any]]] = []

    def download(self, tickers: Any, **kwargs: Any) -> pd.DataFrame:
        self.calls.append((tickers, kwargs))
        path = FIXTURES / "yfinance_download_AAPL_MSFT_2024-12-02_2024-12-06.csv"
        frame = pd.read_csv(path, header=[0, 1], index_col=0)
        frame.index = pd.to_datetime(frame.index)
        return frame


class RecordedAkShare:
    def stock_zh_a_hist(self, **kwargs: Any) -> pd.DataFrame:
        assert kwargs["symbol"] == "688981" and kwargs["adjust"] in ("", "hfq")
        path = FIXTURES / "akshare_stock_zh_a_hist_688981_20241216_20241224.json"
        return pd.DataFrame(json.loads(path.read_text(encoding="utf-8")))

    def stock_hk_hist(self, **kwargs: Any) -> pd.DataFrame:
        raise RuntimeError("HTTP 502")


def test_yfinance_recorded_download() -> None:
    client = RecordedYFinance()
    provider = YFinancePriceProvider(client=client)
    bars = provider.load({"symbols": ["AAPL", "MSFT"], "start": "2024-12-02", "end": "2024-12-06"})
    assert client.calls[0][1]["end"] == "2024-12-07"  # inclusive end → yfinance's exclusive end
    assert client.calls[0][1]["auto_adjust"] is False and client.calls[0][1]["actions"] is True
    aapl = bars[bars["symbol"] == "AAPL"].set_index("session")
    assert len(aapl) == 5 and len(bars) == 10
    last = aapl.loc[dt.date(2024, 12, 6)]
    assert round(last["close"], 2) == 242.84 and round(last["open"], 2) == 242.91
    assert last["high"] >= last["close"] >= last["low"]


def test_akshare_recorded_a_share_maps_chinese_columns_by_name() -> None:
    provider = AkSharePriceProvider(client=RecordedAkShare())
    bars = provider.load(PriceQuery(("688981.SS",), dt.date(2024, 12, 16), dt.date(2024, 12, 24)))
    day = bars.set_index("session").loc[dt.date(2024, 12, 20)]
    # 开盘/收盘/最高/最低 = open/close/high/low (not the positional order open/high/low/close)
    assert (day["open"], day["high"], day["low"], day["close"]) == (85.07, 98.8, 85.07, 94.28)
    assert day["volume"] == 1767703


def test_live_errors_are_provider_errors() -> None:
    provider = AkSharePriceProvider(client=RecordedAkShare())
    with pytest.raises(ProviderError, match="HTTP 502"):
        provider.load({"symbols": "0981.HK", "start": "2024-12-16", "end": "2024-12-24"})
    with pytest.raises(ProviderError, match="not 'AAPL'"):
        provider.load({"symbols": "AAPL", "start": "2024-12-16", "end": "2024-12-24"})
    with pytest.raises(DataValidationError):
        PriceQuery.coerce("AAPL")


def test_missing_library_says_how_to_install(monkeypatch: pytest.MonkeyPatch) -> None:
    import importlib

    real = importlib.import_module

    def fake(name: str, *args: Any) -> Any:
        if name == "yfinance":
            raise ImportError("No module named 'yfinance'")
        return real(name, *args)

    monkeypatch.setattr(importlib, "import_module", fake)
    with pytest.raises(ProviderError, match="needs the yfinance package") as info:
        YFinancePriceProvider().fetch({"symbols": ["AAPL"], "start": "2024-12-02", "end": "2024-12-06"})
    assert "movedesk[live]" in str(info.value)


def test_yfinance_single_ticker_flat_columns() -> None:
    class OneTicker(RecordedYFinance):
        def download(self, tickers: Any, **kwargs: Any) -> pd.DataFrame:
            frame = super().download(tickers, **kwargs)
            return frame.xs("MSFT", axis=1, level="Ticker")  # yfinance's shape for one ticker

    bars = YFinancePriceProvider(client=OneTicker()).load(
        {"symbols": "MSFT", "start": "2024-12-02", "end": "2024-12-06"}
    )
    assert set(bars["symbol"]) == {"MSFT"} and len(bars) == 5
    assert round(bars.iloc[-1]["close"], 2) == 443.57


@pytest.fixture
def recorded_yfinance_plugin(monkeypatch: pytest.MonkeyPatch) -> None:
    """The registered ``yfinance`` provider, built with the recorded client (the plugin door is real)."""
    from movedesk import plugins

    real = plugins._entry_points

    class EP:
        name = "yfinance"

        def load(self) -> Any:
            return lambda: YFinancePriceProvider(client=RecordedYFinance())

    def patched(group: str) -> dict[str, Any]:
        found = dict(real(group))
        return {**found, "yfinance": EP()} if group == plugins.PRICE_PROVIDERS else found

    monkeypatch.setattr(plugins, "_entry_points", patched)


@pytest.mark.usefixtures("recorded_yfinance_plugin")
def test_desk_ingests_from_a_provider_by_name_idempotently(tmp_path: Path) -> None:
    from movedesk.desk import Desk

    query = {"symbols": ["AAPL", "MSFT"], "start": "2024-12-02", "end": "2024-12-06"}
    with Desk.open(tmp_path / "s.duckdb") as desk:
        first = desk.ingest_from("yfinance", query)
        again = desk.ingest_from("yfinance", query)
        stored = desk.bars(["AAPL"], dt.date(2024, 12, 2), dt.date(2024, 12, 6))
    assert first.new == 10 and again.new == 0 and again.unchanged == 10
    assert round(stored.set_index("session").loc[dt.date(2024, 12, 6), "close"], 2) == 242.84


@pytest.mark.usefixtures("recorded_yfinance_plugin")
def test_cli_ingest_prices_with_a_provider(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from movedesk.cli.main import main

    db = str(tmp_path / "s.duckdb")
    main(["--db", db, "ingest", "prices", "--provider", "yfinance", "--symbols", "AAPL,MSFT", "--since",
          "2024-12-02", "--until", "2024-12-06", "--json"])  # returns: exit status 0
    assert json.loads(capsys.readouterr().out)["new"] == 10
    # again: the store has every session up to --until, so nothing is asked
    main(["--db", db, "ingest", "prices", "--provider", "yfinance", "--symbols", "AAPL,MSFT", "--until",
          "2024-12-06", "--json"])
    again = json.loads(capsys.readouterr().out)
    assert again["status"] == "ok" and again["requests"] == 0 and again["skipped"] == 2
    with pytest.raises(SystemExit) as bad:
        main(["--db", db, "ingest", "prices", "--provider", "yfinance"])
    assert bad.value.code == 2 and "--symbols or --universe" in capsys.readouterr().err
    with pytest.raises(SystemExit) as unknown:
        main(["--db", db, "ingest", "prices", "--provider", "nosuch", "--symbols", "AAPL", "--since", "2024-12-02"])
    assert unknown.value.code == 2 and "nosuch" in capsys.readouterr().err  # a wrong name: usage
