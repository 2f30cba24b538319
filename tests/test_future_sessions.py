"""Sessions after the calendars' old hard-coded end: the daily job on synthetic 2027 bars and news on every
exchange, and the upgrade message for a date past what the installed exchange_calendars knows."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import time_machine

from movedesk import calendars
from movedesk.cli.main import main
from movedesk.errors import CalendarHorizon, ConfigError, DataValidationError, NotATradingSession

DAYS = (dt.date(2027, 1, 4), dt.date(2027, 12, 31))
#: One company per exchange with listings in the registry (BJSE and XNAS share the XSHG and XNYS calendars
#: and have no listing of their own), with the name its synthetic story uses and its benchmark.
MOVERS = {
    "XNYS": ("AAPL", "Apple Inc.", "^SP500EW"),
    "XHKG": ("0700.HK", "Tencent", "^HSI"),
    "XSHG": ("600519.SS", "贵州茅台", "^SSEC"),
    "XSHE": ("000001.SZ", "平安银行", "^SZCOMP"),
}
#: Other S&P members, so that the S&P equal-weight proxy movedesk builds is not Apple alone.
US_PEERS = ("MSFT", "JNJ", "XOM", "JPM", "PG", "KO", "PFE", "MRK", "WMT", "CVX", "INTC", "CSCO")
STORIES = {
    "XNYS": "Shares of {name} jumped 12% on {weekday} after the company agreed a large supply contract.",
    "XHKG": "Shares of {name} jumped 12% in Hong Kong on {weekday} after the company announced a buyback.",
    "XSHG": "{name}股价{weekday}大涨12%，公司宣布大额回购计划。",
    "XSHE": "{name}股价{weekday}大涨12%，公司宣布大额回购计划。",
}
_WEEKDAY_ZH = "一二三四五六日"


def _known(mic: str, day: dt.date) -> bool:
    return day <= calendars.horizon(mic)


def _axis(mic: str, day: dt.date) -> list[dt.date]:
    """About 400 sessions up to ``day``: the calendar's where it knows them, else weekdays (synthetic)."""
    start = day - dt.timedelta(days=600)
    if _known(mic, day):
        return calendars.sessions(mic, start, day)
    return [d.date() for d in pd.bdate_range(start, day)]


def _bars(day: dt.date) -> pd.DataFrame:
    rng = np.random.default_rng(day.toordinal())
    frames = []
    series: list[tuple[str, str, float]] = []
    for mic, (symbol, _, bench) in MOVERS.items():
        series += [(symbol, mic, 0.12), (bench, mic, 0.0)]
    series += [(peer, "XNYS", 0.0) for peer in US_PEERS]
    for symbol, mic, jump in series:
        axis = _axis(mic, day)
        returns = rng.normal(0.0, 0.01, len(axis))
        returns[-1] = jump if jump else returns[-1]
        close = 50.0 * np.cumprod(1.0 + returns)
        frames.append(pd.DataFrame({
            "symbol": symbol, "session": axis, "open": close / (1.0 + returns), "high": close * 1.002,
            "low": np.minimum(close, close / (1.0 + returns)) * 0.998, "close": close,
            "volume": rng.integers(800_000, 1_200_000, len(axis)),
        }))
    return pd.concat(frames, ignore_index=True)


def _news(folder: Path, day: dt.date) -> None:
    """One story per mover, written for this test, published two hours before its exchange's close."""
    folder.mkdir()
    for mic, (symbol, name, _) in MOVERS.items():
        weekday = f"星期{_WEEKDAY_ZH[day.weekday()]}" if mic in ("XSHG", "XSHE") else f"{day:%A}"
        tz = calendars.timezone(mic)
        published = dt.datetime.combine(day, dt.time(13, 0), tz).astimezone(dt.UTC)
        body = STORIES[mic].format(name=name, weekday=weekday)
        (folder / f"{symbol}.md").write_text(
            f"---\ntitle: {body.split('，')[0].split(' after')[0]}\npublished: {published:%Y-%m-%dT%H:%M:%SZ}\n"
            f"source: movedesk test wire\nurl: https://test.movedesk.invalid/{day}/{symbol}\n"
            f"language: {'zh' if mic in ('XSHG', 'XSHE') else 'en'}\n---\n{body}\n",
            encoding="utf-8",
        )


def _run(db: Path, *args: str, capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    try:
        main(["--db", str(db), *args])
        code = 0
    except SystemExit as exc:
        code = int(exc.code or 0)
    out, err = capsys.readouterr()
    return code, out, err


#: Holidays a desk lists itself for a year the release does not know yet. Test input, not the exchanges'
#: schedule: one day, away from the sessions under test.
LISTED = "mic,date,name\nXSHG,2027-05-03,test holiday (not the real schedule)\n"


@pytest.fixture
def no_listed_holidays() -> Iterator[None]:
    calendars.forget_listed_holidays()
    yield
    calendars.forget_listed_holidays()


@pytest.mark.slow
@pytest.mark.usefixtures("no_listed_holidays")
@pytest.mark.parametrize("listed", [False, True], ids=["release", "listed-holidays"])
@pytest.mark.parametrize("day", DAYS, ids=str)
def test_daily_run_on_2027_sessions(
    day: dt.date, listed: bool, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """With the release's calendars, every exchange that knows the date gets its brief and the others say
    to upgrade; with the year's holidays listed (MOVEDESK_HOLIDAYS), every exchange gets its brief."""
    if listed:
        holidays = tmp_path / "holidays.csv"
        holidays.write_text(LISTED, encoding="utf-8")
        monkeypatch.setenv("MOVEDESK_HOLIDAYS", str(holidays))
        calendars.load_holidays(holidays)  # what Desk.open does; the synthetic bars follow these sessions
        assert all(_known(mic, day) for mic in calendars.SUPPORTED)
    for mic in calendars.SUPPORTED:  # every supported exchange either knows the date or says to upgrade
        if _known(mic, day):
            assert calendars.is_session(mic, day), f"{day} should be a session on {mic}"
        else:
            with pytest.raises(CalendarHorizon, match="upgrade exchange_calendars"):
                calendars.is_session(mic, day)
    prices = tmp_path / "bars.parquet"
    _bars(day).to_parquet(prices)
    _news(tmp_path / "news", day)
    db = tmp_path / "store.duckdb"
    # the job runs that evening: ingest refuses news published in the future, so the clock is moved there
    with time_machine.travel(dt.datetime.combine(day, dt.time(23, 30), dt.UTC), tick=True):
        code, out, err = _run(db, "run", "--date", day.isoformat(), "--prices", str(prices), "--news",
                              str(tmp_path / "news"), "--top", "10", "--no-send", "--json", capsys=capsys)
    report = json.loads(out)
    assert code == 0, (err, report.get("rejected"))
    assert report["edition"] == f"edition-{day}"
    briefs = set(report["briefs"])
    for mic, (symbol, _, _) in MOVERS.items():
        from movedesk.registry import default_registry

        slug = f"{default_registry().lookup(symbol).id}-{day}"
        if _known(mic, day):
            assert slug in briefs, f"no brief for the {mic} mover {symbol}: {sorted(briefs)}"
        else:  # that market's calendar ends earlier: no brief, and asking for it says why
            assert slug not in briefs
            code, _, err = _run(db, "move", symbol, "--date", day.isoformat(), capsys=capsys)
            assert code == 1 and "[W044]" in err and "upgrade exchange_calendars" in err
    assert any(_known(mic, day) for mic in MOVERS)  # XNYS and XHKG at least are known for years ahead


def test_listed_holidays_extend_a_calendar_and_load_once(tmp_path: Path) -> None:
    calendars.forget_listed_holidays()
    try:
        release_end = calendars.horizon("XSHG")
        year = release_end.year + 1
        path = tmp_path / "holidays.csv"
        path.write_text(f"mic,date,name\nXSHE,{year}-01-01,test\nXSHG,{year}-10-01,test\n", encoding="utf-8")
        assert calendars.load_holidays(path) == {"XSHG": 2}
        assert calendars.horizon("XSHG") == calendars.horizon("BJSE") == dt.date(year, 12, 31)
        assert not calendars.is_session("XSHE", dt.date(year, 10, 1))  # listed: closed
        assert not calendars.is_session("XSHG", dt.date(year, 1, 1))  # a Shenzhen row applies to Shanghai too
        weekday = next(d for d in (dt.date(year, 10, 4) + dt.timedelta(days=i) for i in range(7)) if d.weekday() < 5)
        assert calendars.is_session("XSHG", weekday)
        assert not calendars.is_session("XSHG", dt.date(2024, 10, 1))  # the release's holidays stay
        key = calendars.listed_holidays_key()
        calendars.load_holidays(path)  # again: nothing changes
        assert calendars.listed_holidays_key() == key
        bad = tmp_path / "bad.csv"
        bad.write_text("mic,date\nXLON,2027-01-01\n", encoding="utf-8")
        with pytest.raises(DataValidationError, match="line 2: unknown exchange 'XLON'"):
            calendars.load_holidays(bad)
        bad.write_text("mic,date\nXSHG,first of May\n", encoding="utf-8")
        with pytest.raises(DataValidationError, match="not a date"):
            calendars.load_holidays(bad)
        with pytest.raises(ConfigError, match="cannot read"):
            calendars.load_holidays(tmp_path / "missing.csv")
    finally:
        calendars.forget_listed_holidays()
    assert calendars.horizon("XSHG") == release_end


def test_date_past_the_horizon_says_to_upgrade() -> None:
    for mic in calendars.SUPPORTED:
        last = calendars.horizon(mic)
        assert last >= dt.date.today() or mic in ("XSHG", "XSHE", "BJSE")  # only precomputed lists may lag
        past = last + dt.timedelta(days=1)
        with pytest.raises(CalendarHorizon) as info:
            calendars.require_session(mic, past)
        assert isinstance(info.value, NotATradingSession)  # callers that catch "not a session" still do
        text = str(info.value)
        assert text.startswith("[W044]") and str(last) in text and "pip install -U exchange_calendars" in text
        with pytest.raises(CalendarHorizon):
            calendars.session_index(mic, last - dt.timedelta(days=30), past)
        assert calendars.sessions(mic, last - dt.timedelta(days=10), last)  # up to the horizon is fine


def test_calendars_cover_what_the_library_knows() -> None:
    import exchange_calendars as xcals

    for mic, name in (("XSHG", "XSHG"), ("XHKG", "XHKG"), ("XNYS", "XNYS")):
        cls = type(xcals.get_calendar(name))
        cal = calendars.calendar(mic)
        if cls.bound_max() is not None:  # holidays precomputed or computed to a year: all of it
            assert cal.last_session == cal.date_to_session(cls.bound_max(), direction="previous")
        else:  # rule-based: years beyond today
            assert calendars.horizon(mic) > dt.date.today() + dt.timedelta(days=365 * 5)
        if cls.bound_min() is not None:
            assert cal.first_session == cal.date_to_session(cls.bound_min(), direction="next")
    assert calendars.horizon("XSHE") == calendars.horizon("XSHG") == calendars.horizon("BJSE")
    assert calendars.is_session("XNYS", dt.date(2006, 10, 20))  # the Reuters years stay covered
    with pytest.raises(CalendarHorizon):
        calendars.is_session("XSHG", calendars.horizon("XSHG") + dt.timedelta(days=7))


def test_no_year_is_written_into_the_calendars_module() -> None:
    import re

    source = Path(calendars.__file__).read_text(encoding="utf-8")
    assert not re.search(r"\b(19|20)\d\d\b", source), "calendars.py must take its horizons from the library"
