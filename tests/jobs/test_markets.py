"""Markets as data: the shipped file, its checks, and run.toml's per-market overrides."""

from __future__ import annotations

from pathlib import Path

import pytest

from movedesk.desk import Desk
from movedesk.errors import ConfigError, DataValidationError
from movedesk.jobs.daily import load_run_config
from movedesk.jobs.market_run import effective_market
from movedesk.jobs.markets import load_markets, market


def test_the_shipped_markets() -> None:
    markets = load_markets()
    assert sorted(markets) == ["cn", "hk", "us"]
    assert (markets["us"].exchanges, markets["us"].universe, markets["us"].provider) == (("XNYS",), "sp500", "yfinance")
    assert (markets["hk"].exchanges, markets["hk"].timezone) == (("XHKG",), "Asia/Hong_Kong")
    assert (markets["cn"].exchanges, markets["cn"].provider) == (("XSHG", "XSHE"), "akshare")
    desk = Desk.open(":memory:")  # what a market's run fetches: its universe's listings and benchmarks
    hk = desk.universe_symbols(markets["hk"].universe)
    assert "0700.HK" in hk and "^HSI" in hk and all(s.endswith(".HK") or s == "^HSI" for s in hk)
    us = desk.universe_symbols(markets["us"].universe)
    assert "AAPL" in us and not any(s.startswith("^") for s in us)  # the S&P proxy is computed, not fetched
    cn = desk.universe_symbols(markets["cn"].universe)
    assert "688981.SS" in cn and "000001.SZ" in cn and "0981.HK" not in cn
    with pytest.raises(ConfigError, match="unknown market 'jp'"):
        market("jp")


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ('[x]\nlabel = "X"\nexchanges = ["XLON"]\ntimezone = "UTC"\nuniverse = "sp500"\n'
         'delay_minutes = 5\nprovider = "yfinance"\n', "exchanges must be a list"),
        ('[x]\nlabel = "X"\nexchanges = ["XNYS"]\ntimezone = "Mars/Olympus"\nuniverse = "sp500"\n'
         'delay_minutes = 5\nprovider = "yfinance"\n', "unknown timezone"),
        ('[x]\nlabel = "X"\nexchanges = ["XNYS"]\ntimezone = "UTC"\nuniverse = "sp500"\n'
         'delay_minutes = -5\nprovider = "yfinance"\n', "delay_minutes must be an integer"),
        ('[x]\nlabel = "X"\nexchanges = ["XNYS"]\ntimezone = "UTC"\nuniverse = "sp500"\n'
         'delay_minutes = 5\nprovider = "yfinance"\ncolour = "red"\n', "unknown field 'colour'"),
        ('[x]\nlabel = "X"\n', "missing field"),
    ],
)
def test_a_bad_markets_file_is_refused_naming_the_market(tmp_path: Path, body: str, message: str) -> None:
    path = tmp_path / "markets.toml"
    path.write_text(body, encoding="utf-8")
    with pytest.raises(DataValidationError, match=message) as caught:
        load_markets(path)
    assert "market 'x'" in str(caught.value)


def test_run_toml_amends_a_market_and_refuses_what_it_cannot(tmp_path: Path) -> None:
    config = tmp_path / "run.toml"
    config.write_text('news = ["all/"]\n[markets.hk]\nprovider = "akshare"\ndelay_minutes = 90\n'
                      'news = ["hk/"]\ntop = 8\n', encoding="utf-8")
    cfg = load_run_config(config)
    hk, table = effective_market(market("hk"), cfg)
    assert (hk.provider, hk.delay_minutes, hk.universe) == ("akshare", 90, "hsi")
    assert table.news == [tmp_path / "hk/"] and table.top == 8
    assert effective_market(market("us"), cfg)[0] == market("us")  # the others as shipped
    for body, message in (('[markets.jp]\nprovider = "x"\n', "unknown market 'jp'"),
                          ('[markets.hk]\ntimezone = "UTC"\n', "cannot set 'timezone'"),
                          ('[markets.hk]\ndelay_minutes = "soon"\n', "delay_minutes must be an integer"),
                          ('[markets.hk]\ntop = 0\n', "markets.hk.top")):
        config.write_text(body, encoding="utf-8")
        with pytest.raises(ConfigError, match=message):
            load_run_config(config)
