"""Run times of every market across 2027 from the exchange calendars (half-days run earlier, a declared
typhoon closure has no run, Shanghai's 2027 needs a listed-holidays file), catch-up of missed runs, and
the scheduler's loop driven by a fake clock (no waiting)."""

from __future__ import annotations

import datetime as dt
import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from zoneinfo import ZoneInfo

import pandas as pd
import pytest

from movedesk import calendars
from movedesk.errors import CalendarHorizon, DataValidationError, ProviderError
from movedesk.jobs.markets import market
from movedesk.jobs.schedule import ScheduledRun, Scheduler, due_runs, latest_due, next_run, run_times

YEAR = (dt.date(2027, 1, 1), dt.date(2027, 12, 31))
HKT, NEW_YORK, SHANGHAI = ZoneInfo("Asia/Hong_Kong"), ZoneInfo("America/New_York"), ZoneInfo("Asia/Shanghai")

#: Hong Kong's 2027 general holidays on weekdays, as the HKSAR government gazetted them (Labour Day and
#: Christmas Day fall on a Saturday that year and are not made up).
HK_HOLIDAYS_2027 = [
    "2027-01-01", "2027-02-08", "2027-02-09", "2027-03-26", "2027-03-29", "2027-04-05", "2027-05-13",
    "2027-06-09", "2027-07-01", "2027-09-16", "2027-10-01", "2027-10-08", "2027-12-27",
]
#: HKEX's half-days of 2027: the eves of Lunar New Year, Christmas and New Year (no afternoon session).
HK_HALF_DAYS_2027 = ["2027-02-05", "2027-12-24", "2027-12-31"]
#: NYSE's 2027 holidays (Juneteenth and Christmas fall on a Saturday: observed the Friday before).
NYSE_HOLIDAYS_2027 = [
    "2027-01-01", "2027-01-18", "2027-02-15", "2027-03-26", "2027-05-31", "2027-06-18", "2027-07-05",
    "2027-09-06", "2027-11-25", "2027-12-24",
]
#: A made-up mainland schedule for 2027, written as a desk would list it before exchange_calendars does (the
#: State Council publishes the real one late in 2026); weekday holidays only.
CN_LISTED_2027 = [
    "2027-01-01", "2027-02-05", "2027-02-08", "2027-02-09", "2027-02-10", "2027-02-11", "2027-04-05",
    "2027-05-03", "2027-05-04", "2027-05-05", "2027-06-09", "2027-09-15", "2027-10-01", "2027-10-04",
    "2027-10-05", "2027-10-06", "2027-10-07",
]


def _dates(items: list[str]) -> list[dt.date]:
    return [dt.date.fromisoformat(d) for d in items]


def _weekdays_less(holidays: list[str]) -> list[dt.date]:
    return [d.date() for d in pd.bdate_range(*YEAR) if d.date() not in set(_dates(holidays))]


@pytest.fixture(autouse=True)
def release_calendars() -> Iterator[None]:
    calendars.forget_listed_holidays()
    yield
    calendars.forget_listed_holidays()


def _local(run: ScheduledRun, tz: ZoneInfo) -> tuple[dt.date, str]:
    at = run.run_at.astimezone(tz)
    return at.date(), f"{at:%H:%M}"


def test_hong_kong_2027_a_run_each_session_and_earlier_on_half_days() -> None:
    runs = run_times(market("hk"), *YEAR)
    assert [r.session for r in runs] == _weekdays_less(HK_HOLIDAYS_2027)
    assert len(runs) == 248
    half = set(_dates(HK_HALF_DAYS_2027))
    assert {r.session for r in runs if r.early_close} == half
    for run in runs:  # the close is 16:00 (12:00 on a half-day), the run 45 minutes later, same day
        assert _local(run, HKT) == (run.session, "12:45" if run.session in half else "16:45")
        assert run.run_at - run.close == dt.timedelta(minutes=45)


def test_new_york_2027_the_day_after_thanksgiving_runs_at_13_45_and_dst_moves_utc_only() -> None:
    runs = run_times(market("us"), *YEAR)
    assert [r.session for r in runs] == _weekdays_less(NYSE_HOLIDAYS_2027)
    assert len(runs) == 251
    early = [r for r in runs if r.early_close]
    assert [r.session for r in early] == [dt.date(2027, 11, 26)]
    assert _local(early[0], NEW_YORK) == (dt.date(2027, 11, 26), "13:45")
    by_day = {r.session: r for r in runs}
    winter, summer = by_day[dt.date(2027, 1, 4)], by_day[dt.date(2027, 7, 6)]
    assert _local(winter, NEW_YORK)[1] == _local(summer, NEW_YORK)[1] == "16:45"
    assert (f"{winter.run_at:%H:%M}", f"{summer.run_at:%H:%M}") == ("21:45", "20:45")  # EST, then EDT


def _closures(tmp_path: Path, rows: str) -> Path:
    path = tmp_path / "closures.csv"
    path.write_text("mic,date,kind,close_time,name\n" + rows, encoding="utf-8")
    return path


def test_a_declared_typhoon_closure_has_no_run_and_a_declared_early_close_runs_earlier(tmp_path: Path) -> None:
    path = _closures(tmp_path, "XHKG,2027-07-14,closed,,typhoon signal 8\n"
                               "XHKG,2027-09-20,early_close,14:15,black rainstorm in the afternoon\n")
    before = {r.session: r for r in run_times(market("hk"), *YEAR)}
    assert calendars.load_closures(path) == {"XHKG": 2}
    after = {r.session: r for r in run_times(market("hk"), *YEAR)}
    assert set(before) - set(after) == {dt.date(2027, 7, 14)} and len(after) == 247
    storm = after[dt.date(2027, 9, 20)]
    assert storm.early_close and _local(storm, HKT) == (dt.date(2027, 9, 20), "15:00")
    assert after[dt.date(2027, 7, 15)].run_at == before[dt.date(2027, 7, 15)].run_at  # the day after: as usual
    assert run_times(market("us"), *YEAR)[0].session == dt.date(2027, 1, 4)  # New York untouched
    key = calendars.listed_holidays_key()
    assert "2027-07-14" in key  # cached extractions are recomputed: the previous session moved
    assert calendars.load_closures(path) == {"XHKG": 2} and calendars.listed_holidays_key() == key  # again: same
    assert calendars.horizon("XHKG") == calendars.calendar("XHKG").last_session.date()  # horizon unchanged


@pytest.mark.parametrize(
    ("rows", "message"),
    [
        ("XHKG,2027-07-17,early_close,14:00,a Saturday\n", "not a XHKG session"),
        ("XHKG,2027-07-16,early_close,,no time\n", "needs its local close_time"),
        ("XHKG,2027-07-16,early_close,17:30,after the close\n", "must fall inside the session"),
        ("XHKG,2027-07-16,half,12:00,\n", "unknown kind 'half'"),
        ("XLON,2027-07-16,closed,,\n", "unknown exchange 'XLON'"),
        ("XSHG,2027-03-01,early_close,11:30,past the release\n", "past the XSHG calendar"),
    ],
)
def test_bad_closure_rows_are_refused_with_the_line(tmp_path: Path, rows: str, message: str) -> None:
    with pytest.raises(DataValidationError, match=message) as caught:
        calendars.load_closures(_closures(tmp_path, rows))
    assert "line 2" in str(caught.value)


def test_shanghai_2027_needs_the_years_holidays_listed_then_runs_each_session(tmp_path: Path) -> None:
    with pytest.raises(CalendarHorizon):
        run_times(market("cn"), *YEAR)
    listed = tmp_path / "holidays.csv"
    listed.write_text("mic,date,name\n" + "".join(f"XSHG,{d},test schedule\n" for d in CN_LISTED_2027[:-1])
                      + f"XSHE,{CN_LISTED_2027[-1]},a Shenzhen row applies to Shanghai too\n", encoding="utf-8")
    calendars.load_holidays(listed)
    runs = run_times(market("cn"), *YEAR)
    assert [r.session for r in runs] == _weekdays_less(CN_LISTED_2027)  # XSHG and XSHE: one run a session
    assert all(_local(r, SHANGHAI) == (r.session, "15:45") for r in runs)


def _at(day: str, hhmm: str, tz: ZoneInfo) -> dt.datetime:
    return dt.datetime.combine(dt.date.fromisoformat(day), dt.time.fromisoformat(hhmm), tz).astimezone(dt.UTC)


def test_due_runs_catch_up_a_missed_day_oldest_first_within_the_window() -> None:
    hk = market("hk")
    done = {r.session for r in run_times(hk, dt.date(2027, 2, 1), dt.date(2027, 3, 1))}  # ran up to Monday
    now = _at("2027-03-03", "18:00", HKT)  # Tuesday's run was missed; Wednesday's is due since 16:45
    due = due_runs(hk, now, done)
    assert [r.session for r in due] == [dt.date(2027, 3, 2), dt.date(2027, 3, 3)]
    assert due_runs(hk, now, done | {dt.date(2027, 3, 2), dt.date(2027, 3, 3)}) == []
    # the catch-up window bounds how far back: a week by default (five sessions), 12 hours here
    assert [r.session for r in due_runs(hk, now, set())] == [dt.date(2027, 2, d) for d in (25, 26)] + [
        dt.date(2027, 3, d) for d in (1, 2, 3)]
    assert [r.session for r in due_runs(hk, now, set(), catchup=dt.timedelta(hours=12))] == [dt.date(2027, 3, 3)]
    early = _at("2027-03-03", "16:44", HKT)  # a minute before Wednesday's run time: not due yet
    assert [r.session for r in due_runs(hk, early, done)] == [dt.date(2027, 3, 2)]
    assert next_run(hk, early).session == dt.date(2027, 3, 3)
    assert latest_due(hk, early).session == dt.date(2027, 3, 2)
    # over Lunar New Year (Feb 8-9 closed, Feb 5 a half-day) the next run after Friday's is Wednesday's
    assert next_run(hk, _at("2027-02-05", "13:00", HKT)).session == dt.date(2027, 2, 10)


def test_past_the_calendar_the_schedule_says_so_instead_of_going_quiet() -> None:
    cn = market("cn")
    last = calendars.horizon("XSHG")
    with pytest.raises(CalendarHorizon):
        due_runs(cn, _at((last + dt.timedelta(days=5)).isoformat(), "18:00", SHANGHAI), done=set())
    with pytest.raises(CalendarHorizon, match="no cn run is known"):
        next_run(cn, _at(last.isoformat(), "18:00", SHANGHAI))


class FakeClock:
    def __init__(self, start: dt.datetime) -> None:
        self.now = start
        self.naps: list[float] = []

    def __call__(self) -> dt.datetime:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.naps.append(seconds)
        self.now += dt.timedelta(seconds=seconds)


def test_the_loop_sleeps_to_each_run_time_retries_a_failure_and_stops() -> None:
    """Christmas week 2027 for Hong Kong and New York: every run starts exactly at its run time (the
    fake clock jumps to it), a failed run is tried again 15 minutes later, and stop() ends the loop."""
    clock = FakeClock(_at("2027-12-22", "23:00", NEW_YORK))
    done = {m: {r.session for r in run_times(market(m), dt.date(2027, 12, 1), dt.date(2027, 12, 22))}
            for m in ("hk", "us")}  # every run before is done
    ran: list[tuple[str, dt.date, dt.datetime]] = []
    failures = {("us", dt.date(2027, 12, 23))}

    def run(scheduled: ScheduledRun) -> str:
        ran.append((scheduled.market, scheduled.session, clock.now))
        key = (scheduled.market, scheduled.session)
        if key in failures:
            failures.discard(key)
            raise ProviderError("yfinance is down")
        done[scheduled.market].add(scheduled.session)
        return "ok"

    def sleep(seconds: float) -> None:
        clock.sleep(seconds)
        if clock.now >= _at("2027-12-28", "00:00", NEW_YORK):
            scheduler.stop()

    scheduler = Scheduler(
        markets=[market("hk"), market("us")], run=run, done=lambda m, since: done[m], now=clock, sleep=sleep,
        max_nap=dt.timedelta(hours=6),
    )
    outcomes = scheduler.loop()
    assert [(m, str(d), f"{at.astimezone(HKT if m == 'hk' else NEW_YORK):%m-%d %H:%M}") for m, d, at in ran] == [
        ("hk", "2027-12-23", "12-23 16:45"),
        ("us", "2027-12-23", "12-23 16:45"),
        ("us", "2027-12-23", "12-23 17:00"),  # retried after 15 minutes
        ("hk", "2027-12-24", "12-24 12:45"),  # Christmas Eve: half-day in Hong Kong, a holiday in New York
        # Hong Kong is closed Monday 27 December (the first weekday after Christmas)
        ("us", "2027-12-27", "12-27 16:45"),
    ]
    assert [status for _, status in outcomes] == ["ok", "failed", "ok", "ok", "ok"]
    assert max(clock.naps) <= 6 * 3600 and scheduler.stopped


def test_a_late_start_catches_up_the_missed_runs_first_then_waits() -> None:
    clock = FakeClock(_at("2027-03-04", "09:00", HKT))  # the desk was down Tuesday and Wednesday
    done = {r.session for r in run_times(market("hk"), dt.date(2027, 2, 1), dt.date(2027, 3, 1))}
    ran: list[tuple[dt.date, dt.datetime]] = []

    def run(scheduled: ScheduledRun) -> str:
        ran.append((scheduled.session, clock.now))
        done.add(scheduled.session)
        return "partial" if scheduled.session == dt.date(2027, 3, 2) else "ok"

    scheduler = Scheduler(markets=[market("hk")], run=run, done=lambda m, since: done, now=clock, sleep=clock.sleep)
    outcomes = scheduler.run_due()  # what `schedule --once` does
    assert [(r.session, s) for r, s in outcomes] == [(dt.date(2027, 3, 2), "partial"), (dt.date(2027, 3, 3), "ok")]
    assert scheduler.run_due() == []  # nothing owed twice
    assert scheduler.seconds_to_next() == pytest.approx(15 * 60)  # wakes at least every max_nap
    clock.now = _at("2027-03-04", "16:40", HKT)
    assert scheduler.seconds_to_next() == pytest.approx(5 * 60)  # Thursday's run at 16:45


def _cli(*args: str, db: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "movedesk", "--db", str(db), *args], capture_output=True, text=True, timeout=120,
        env={**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)},
    )


def test_schedule_show_lists_the_years_run_times(tmp_path: Path) -> None:
    done = _cli("schedule", "--show", "--market", "hk", "--from", "2027-01-01", "--to", "2027-12-31", "--json",
                db=tmp_path / "s.duckdb")
    assert done.returncode == 0, done.stderr
    rows = json.loads(done.stdout)["runs"]
    assert len(rows) == 248 and {r["market"] for r in rows} == {"hk"}
    christmas_eve = next(r for r in rows if r["session"] == "2027-12-24")
    assert christmas_eve["run_at"] == "2027-12-24T12:45:00+08:00" and christmas_eve["early_close"]
    past = _cli("schedule", "--show", "--market", "cn", "--from", "2027-01-01", "--to", "2027-12-31",
                db=tmp_path / "s.duckdb")
    assert past.returncode == 1 and "W044" in past.stderr


def test_schedule_stops_cleanly_on_sigterm(tmp_path: Path) -> None:
    """The real loop, no catch-up window (nothing to run): it sleeps until the next run and a SIGTERM ends
    it at once with status 0."""
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path), "MOVEDESK_CATCHUP_DAYS": "0"}
    proc = subprocess.Popen(
        [sys.executable, "-m", "movedesk", "--db", str(tmp_path / "s.duckdb"), "schedule", "--market", "hk"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env,
    )
    try:
        deadline = time.monotonic() + 60
        seen = ""
        assert proc.stderr is not None
        while "next check in" not in seen and time.monotonic() < deadline:
            seen += proc.stderr.readline()
        assert "next check in" in seen, seen
        proc.send_signal(signal.SIGTERM)
        out, err = proc.communicate(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 0, err
    assert "SIGTERM" in err and "nothing due" in out
