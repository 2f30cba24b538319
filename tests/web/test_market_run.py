"""`movedesk run --market hk` on a store built from small fixture bars, with yfinance replaced at its
boundary (the library's ``download``) by recorded-style frames: no network.

The run fetches only the session the store lacks, publishes the Hong Kong edition (``edition-hk-D``) and
mails it; a rerun changes nothing (same edition, no second mail). A provider failing for one symbol leaves
the run partial (exit 5, the symbol named, its stored bars intact); failing for all, nothing is published
(exit 3, the runs log says failed, and the next run catches up).
"""

from __future__ import annotations

import datetime as dt
import functools
import json
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import numpy as np
import pandas as pd
import pytest
import time_machine

from movedesk import calendars
from movedesk.config import Settings
from movedesk.desk import Desk
from movedesk.gather.poll import PollReport, SourceOutcome
from movedesk.providers.prices import live, update

from .conftest import Inbox

HKT = ZoneInfo("Asia/Hong_Kong")
SESSION = dt.date(2027, 3, 3)  # a Wednesday; Hong Kong's calendar knows 2027
MOVER, NAME = "0700.HK", "Tencent"
UNIVERSE = ("0700.HK", "0005.HK", "0939.HK", "1299.HK", "0388.HK")
SYMBOLS = (*UNIVERSE, "^HSI")
EVENING = dt.datetime.combine(SESSION, dt.time(18, 0), HKT)  # after the 16:45 run time


def _fixture_bars() -> pd.DataFrame:
    """About 400 Hong Kong sessions up to SESSION for the universe and the Hang Seng; Tencent +12% that day."""
    axis = calendars.sessions("XHKG", SESSION - dt.timedelta(days=600), SESSION)
    rng = np.random.default_rng(18)
    frames = []
    for symbol in SYMBOLS:
        returns = rng.normal(0.0, 0.01, len(axis))
        if symbol == MOVER:
            returns[-1] = 0.12
        close = 80.0 * np.cumprod(1.0 + returns)
        frames.append(pd.DataFrame({
            "symbol": symbol, "session": axis, "open": close / (1.0 + returns), "high": close * 1.003,
            "low": np.minimum(close, close / (1.0 + returns)) * 0.997, "close": close,
            "volume": rng.integers(900_000, 1_100_000, len(axis)).astype(float),
        }))  # fmt: skip
    return pd.concat(frames, ignore_index=True)


class FakeYFinance:
    """``yfinance.download`` over the fixture bars, shaped as the library returns them: (field, ticker)
    columns, a ticker that failed as all-NaN columns, and an empty frame when every ticker failed."""

    def __init__(self, bars: pd.DataFrame, down: Sequence[str] = ()) -> None:
        self.bars = bars
        self.down = set(down)
        self.calls: list[tuple[tuple[str, ...], str, str]] = []
        self.polled: list[str | None] = []

    def download(self, tickers: Any, *, start: str, end: str, **_: Any) -> pd.DataFrame:
        tickers = [tickers] if isinstance(tickers, str) else list(tickers)
        self.calls.append((tuple(tickers), start, end))
        days = pd.to_datetime(self.bars["session"])
        part = self.bars[(days >= start) & (days < end) & self.bars["symbol"].isin(tickers)]
        if part.empty or set(tickers) <= self.down:
            return pd.DataFrame()
        wide = part.assign(Date=pd.to_datetime(part["session"])).pivot(
            index="Date", columns="symbol", values=["close", "high", "low", "open", "volume"]
        )
        wide.columns = pd.MultiIndex.from_tuples([(f.capitalize(), t) for f, t in wide.columns],
                                                 names=["Price", "Ticker"])
        for ticker in self.down & set(tickers):
            for f in ("Close", "High", "Low", "Open", "Volume"):
                wide[(f, ticker)] = np.nan
        return wide


@pytest.fixture
def hk_desk(settings_for: Callable[[int], Settings], monkeypatch: pytest.MonkeyPatch,
            tmp_path: Path) -> Iterator[tuple[Settings, Path, Callable[[Sequence[str]], FakeYFinance]]]:
    """A store with the fixture bars up to the session before SESSION and two readers; run.toml for a
    five-stock Hong Kong universe with the day's story; yfinance replaced by ``use(down)``'s fake, no
    back-off waits, and the desk's news sources replaced by a poll that records its market."""
    monkeypatch.setattr(update, "Politeness", functools.partial(update.Politeness, sleep=lambda seconds: None))
    polled: list[str | None] = []

    def poll_sources(self: Desk, names: Any = None, *, market: str | None = None, **_: Any) -> PollReport:
        polled.append(market)
        return PollReport(outcomes=[SourceOutcome("hkex-news", "fetched"), SourceOutcome("rthk", "failed", "HTTP 503")])

    monkeypatch.setattr(Desk, "poll_sources", poll_sources)
    settings = settings_for(8000)
    for key in ("secret_key", "smtp_host", "smtp_port", "mail_from", "base_url"):
        monkeypatch.setenv(f"MOVEDESK_{key.upper()}", str(getattr(settings, key)))
    bars = _fixture_bars()
    before = tmp_path / "bars.csv"
    bars[pd.to_datetime(bars["session"]).dt.date < SESSION].to_csv(before, index=False)
    with Desk.open(settings.db, settings) as desk:
        desk.ingest_prices([before])
        desk.store.add_subscribers([("daily-1", "daily@example.com", "active", "daily"),
                                    ("daily-2", "other@example.com", "active", "both")])
    news = tmp_path / "news"
    news.mkdir()
    published = dt.datetime.combine(SESSION, dt.time(14, 30), HKT).astimezone(dt.UTC)
    (news / "tencent.md").write_text(
        f"---\ntitle: {NAME} jumps 12% on buyback\npublished: {published:%Y-%m-%dT%H:%M:%SZ}\n"
        f"source: movedesk test wire\nurl: https://test.movedesk.invalid/{SESSION}/tencent\nlanguage: en\n---\n"
        f"Shares of {NAME} jumped 12% in Hong Kong on Wednesday after the company announced a large buyback.\n",
        encoding="utf-8",
    )
    config = tmp_path / "run.toml"
    config.write_text(f'top = 3\n[markets.hk]\nuniverse = "{",".join(UNIVERSE)}"\nnews = ["news"]\n',
                      encoding="utf-8")

    def use(down: Sequence[str] = ()) -> FakeYFinance:
        fake = FakeYFinance(bars, down)
        fake.polled = polled
        monkeypatch.setattr(live, "_import", lambda module: fake)
        return fake

    yield settings, config, use


def _run(db: str, *args: str, capsys: pytest.CaptureFixture[str]) -> tuple[int, dict[str, Any], str]:
    from movedesk.cli.main import main

    with time_machine.travel(EVENING, tick=True):
        try:
            main(["--db", db, *args, "--json"])
            code = 0
        except SystemExit as exc:
            code = int(exc.code or 0)
    out, err = capsys.readouterr()
    return code, (json.loads(out) if out.strip() else {}), err


def test_run_market_hk_publishes_the_hong_kong_edition_and_a_rerun_changes_nothing(
    hk_desk: tuple[Settings, Path, Callable[[Sequence[str]], FakeYFinance]], smtp: Inbox,
    capsys: pytest.CaptureFixture[str],
) -> None:
    settings, config, use = hk_desk
    fake = use(())
    code, first, err = _run(settings.db, "run", "--market", "hk", "--config", str(config), capsys=capsys)
    assert code == 0, err
    # no --date: the latest session whose run time has passed at 18:00 in Hong Kong
    assert (first["market"], first["session"], first["status"]) == ("hk", SESSION.isoformat(), "ok")
    assert first["edition"] == f"edition-hk-{SESSION}"
    assert first["briefs"][0] == f"{MOVER}-{SESSION}"  # the company id of Tencent is its symbol
    assert first["symbols"] == len(SYMBOLS) and first["fetched"] == len(SYMBOLS) and first["missing"] == []
    assert first["prices_new"] == len(SYMBOLS) and first["news_new"] == 1  # one new session per symbol
    # the desk's Hong Kong sources were polled; one that failed is named, and does not make the run partial
    assert fake.polled == ["hk"] and first["sources_failed"] == [{"source": "rthk", "reason": "HTTP 503"}]
    assert {call[1] for call in fake.calls} == {"2027-03-02"}  # from the newest stored session (Tuesday) on
    sent = {d["mailing"]: (d["sent"], d["already_sent"]) for d in first["deliveries"]}
    assert sent[f"edition-hk-{SESSION}"] == (2, 0)
    mails = smtp.wait_for(2)
    assert all(str(m["Subject"]).startswith("movedesk — Hong Kong movers, Wednesday 03 March 2027") for m in mails)

    fake.calls.clear()
    code, second, err = _run(settings.db, "run", "--market", "hk", "--date", SESSION.isoformat(),
                             "--config", str(config), capsys=capsys)
    assert code == 0, err
    assert second["attempt"] == 2 and second["prices_new"] == 0 and second["news_new"] == 0
    assert second["skipped"] == len(SYMBOLS) and fake.calls == []  # up to date: nothing asked
    assert (second["edition"], second["briefs"]) == (first["edition"], first["briefs"])
    again = {d["mailing"]: (d["sent"], d["already_sent"]) for d in second["deliveries"]}
    assert again[f"edition-hk-{SESSION}"] == (0, 2)
    assert len(smtp.messages) == 2
    with Desk.open(settings.db, settings) as desk:
        edition = desk.edition(f"edition-hk-{SESSION}")
        assert edition is not None and edition["scope"] == "hk" and edition["scope_label"] == "Hong Kong"
        assert [r["status"] for r in desk.store.runs("hk")] == ["ok"]


def test_a_symbol_the_provider_fails_for_leaves_the_run_partial_and_loses_nothing(
    hk_desk: tuple[Settings, Path, Callable[[Sequence[str]], FakeYFinance]], smtp: Inbox,
    capsys: pytest.CaptureFixture[str],
) -> None:
    settings, config, use = hk_desk
    with Desk.open(settings.db, settings) as desk:
        stored = desk.bars(["0005.HK"])
    use(["0005.HK"])
    code, report, err = _run(settings.db, "run", "--market", "hk", "--config", str(config), capsys=capsys)
    assert code == 5, err
    assert report["status"] == "partial" and [m["symbol"] for m in report["missing"]] == ["0005.HK"]
    assert report["edition"] == f"edition-hk-{SESSION}" and report["briefs"][0] == f"{MOVER}-{SESSION}"
    with Desk.open(settings.db, settings) as desk:
        pd.testing.assert_frame_equal(desk.bars(["0005.HK"]), stored)  # what was stored is all there
        assert desk.store.runs("hk")[0]["detail"]["missing"].keys() == {"0005.HK"}
    use(())  # the provider is back: the rerun fetches the missing session and mails nobody twice
    code, rerun, err = _run(settings.db, "run", "--market", "hk", "--config", str(config), capsys=capsys)
    assert code == 0 and rerun["fetched"] == 1 and rerun["missing"] == [], err
    assert {d["mailing"]: d["sent"] for d in rerun["deliveries"]}[f"edition-hk-{SESSION}"] == 0


def test_a_provider_down_for_every_symbol_publishes_nothing_and_the_schedule_catches_up(
    hk_desk: tuple[Settings, Path, Callable[[Sequence[str]], FakeYFinance]], smtp: Inbox,
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch,
) -> None:
    settings, config, use = hk_desk
    use(SYMBOLS)
    code, _, err = _run(settings.db, "run", "--market", "hk", "--config", str(config), capsys=capsys)
    assert code == 3 and "[W020]" in err and "nothing was published" in err
    with Desk.open(settings.db, settings) as desk:
        assert desk.edition(f"edition-hk-{SESSION}") is None
        assert [r["status"] for r in desk.store.runs("hk")] == ["failed"]
    use(())
    monkeypatch.setenv("MOVEDESK_CATCHUP_DAYS", "1")  # the days before SESSION have no bars to run on
    code, once, err = _run(settings.db, "schedule", "--once", "--market", "hk", "--config", str(config),
                           capsys=capsys)
    assert code == 0, err
    assert [(r["market"], r["session"], r["status"]) for r in once["runs"]] == [("hk", SESSION.isoformat(), "ok")]
    code, again, err = _run(settings.db, "schedule", "--once", "--market", "hk", "--config", str(config),
                            capsys=capsys)
    assert code == 0 and again["runs"] == [], err
    assert len(smtp.wait_for(2)) == 2
