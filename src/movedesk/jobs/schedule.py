"""When each market's daily job runs: the session's close from the exchange calendar (half-days and
declared early closes close earlier; closed days have no run) plus the market's delay, and the loop of
``movedesk schedule`` that sleeps until the next run, catching up the runs it missed first.

The clock and the sleep are injected, so tests drive a year of runs without waiting.

>>> import datetime as dt
>>> from movedesk.jobs.markets import market
>>> runs = run_times(market("hk"), dt.date(2027, 12, 23), dt.date(2027, 12, 24))  # Christmas Eve: a half-day
>>> [(r.session.isoformat(), f"{r.local_run_at:%H:%M}") for r in runs]
[('2027-12-23', '16:45'), ('2027-12-24', '12:45')]
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass, field
from typing import Any
from zoneinfo import ZoneInfo

from movedesk import calendars
from movedesk.errors import CalendarHorizon, InsufficientData, MovedeskError, StoreBusy
from movedesk.jobs.markets import Market

log = logging.getLogger(__name__)

#: How far ahead ``next_run`` looks: longer than any closure (Golden Week, Lunar New Year).
LOOKAHEAD = dt.timedelta(days=31)


@dataclass(frozen=True)
class ScheduledRun:
    """One market session's run: ``close`` is the session's close (UTC; the latest among the market's
    exchanges), ``run_at`` is when its job starts (UTC), ``early_close`` marks a half-day."""

    market: str
    session: dt.date
    close: dt.datetime
    run_at: dt.datetime
    early_close: bool
    timezone: str

    @property
    def local_close(self) -> dt.datetime:
        return self.close.astimezone(ZoneInfo(self.timezone))

    @property
    def local_run_at(self) -> dt.datetime:
        return self.run_at.astimezone(ZoneInfo(self.timezone))

    def as_dict(self) -> dict[str, Any]:
        return {
            "market": self.market,
            "session": self.session.isoformat(),
            "close": self.local_close.isoformat(),
            "run_at": self.local_run_at.isoformat(),
            "run_at_utc": self.run_at.isoformat(),
            "early_close": self.early_close,
            "timezone": self.timezone,
        }


def run_times(market: Market, start: dt.date, end: dt.date) -> list[ScheduledRun]:
    """The run of each of the market's sessions in [start, end], in order. A session is a day any of the
    market's exchanges trades; its close is the latest of theirs. A range past a calendar's horizon raises
    CalendarHorizon (list that year's holidays with ``MOVEDESK_HOLIDAYS``)."""
    closes: dict[dt.date, tuple[dt.datetime, bool]] = {}
    for mic in market.exchanges:
        frame = calendars.session_closes(mic, start, end)
        for session, close, early in zip(frame["session"], frame["close"], frame["early"], strict=True):
            seen = closes.get(session)
            if seen is None or close > seen[0]:
                closes[session] = (close, bool(early))
    delay = dt.timedelta(minutes=market.delay_minutes)
    return [
        ScheduledRun(market.name, session, close, close + delay, early, market.timezone)
        for session, (close, early) in sorted(closes.items())
    ]


def _known_until(market: Market, day: dt.date) -> dt.date:
    """``day``, or the last date every exchange of the market knows when that is earlier."""
    return min([day, *(calendars.horizon(mic) for mic in market.exchanges)])


def _runs_around(market: Market, now: dt.datetime, back: dt.timedelta, ahead: dt.timedelta) -> list[ScheduledRun]:
    """Runs of the sessions from ``now - back`` to ``now + ahead`` (local dates), clipped at the calendars'
    horizon; CalendarHorizon when ``now`` itself is past it (the desk would otherwise go quiet)."""
    today = now.astimezone(market.tz).date()
    for mic in market.exchanges:
        calendars.is_session(mic, today)  # raises CalendarHorizon past what the calendar knows
    start = (now - back).astimezone(market.tz).date() - dt.timedelta(days=1)
    end = _known_until(market, (now + ahead).astimezone(market.tz).date())
    return run_times(market, start, end) if start <= end else []


def due_runs(
    market: Market, now: dt.datetime, done: Collection[dt.date], *, catchup: dt.timedelta = dt.timedelta(days=7)
) -> list[ScheduledRun]:
    """The runs owed at ``now``, oldest first: every session whose run time has passed within the last
    ``catchup`` and that has no completed run in ``done``. Older missed sessions are left (an edition days
    late is news no more); rerun one with ``movedesk run --market M --date D``."""
    runs = _runs_around(market, now, catchup, dt.timedelta(0))
    return [r for r in runs if now - catchup <= r.run_at <= now and r.session not in done]


def next_run(market: Market, now: dt.datetime) -> ScheduledRun:
    """The first run after ``now``; CalendarHorizon when the calendars end before one."""
    for run in _runs_around(market, now, dt.timedelta(0), LOOKAHEAD):
        if run.run_at > now:
            return run
    last = _known_until(market, (now + LOOKAHEAD).date())
    raise CalendarHorizon(
        f"no {market.name} run is known after {now:%Y-%m-%d %H:%M} UTC: the calendars of "
        f"{', '.join(market.exchanges)} end on {last}",
        hint="upgrade exchange_calendars, or list the coming year's holidays in a MOVEDESK_HOLIDAYS file",
    )


def latest_due(market: Market, now: dt.datetime) -> ScheduledRun:
    """The latest session whose run time has passed at ``now`` (what ``run --market`` runs by default)."""
    runs = [r for r in _runs_around(market, now, LOOKAHEAD, dt.timedelta(0)) if r.run_at <= now]
    if not runs:
        raise InsufficientData(f"no {market.name} session's run time has passed in the month before {now:%Y-%m-%d}")
    return runs[-1]


def utc_now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


@dataclass
class Scheduler:
    """The loop of ``movedesk schedule``: run what is due (oldest first, across markets), then sleep until
    the next run; ``stop()`` (the CLI calls it on SIGTERM/SIGINT) ends it after the run in progress.

    ``run`` carries out one run and returns its status (``ok``, ``partial``, ``failed``); ``done(market,
    since)`` gives the sessions with a completed run (the store's runs log). ``now`` and ``sleep`` are the
    clock: ``sleep(seconds)`` returns early when the scheduler is stopped."""

    markets: Sequence[Market]
    run: Callable[[ScheduledRun], str]
    done: Callable[[str, dt.date], Collection[dt.date]]
    catchup: dt.timedelta = dt.timedelta(days=7)
    now: Callable[[], dt.datetime] = utc_now
    sleep: Callable[[float], object] | None = None
    #: a failed run is tried again after this long (each cron `--once` tries again anyway)
    retry_after: dt.timedelta = dt.timedelta(minutes=15)
    #: the longest nap: the loop wakes at least this often to read new closures and the runs log again
    max_nap: dt.timedelta = dt.timedelta(minutes=15)
    #: what kept a market from being scheduled at the last look (a calendar's horizon, a busy store)
    problems: list[str] = field(default_factory=list)
    #: the error of each run that failed (its exit status is the CLI's)
    errors: dict[tuple[str, dt.date], MovedeskError] = field(default_factory=dict)
    _stop: threading.Event = field(default_factory=threading.Event)
    _failed: dict[tuple[str, dt.date], dt.datetime] = field(default_factory=dict)

    def stop(self) -> None:
        self._stop.set()

    @property
    def stopped(self) -> bool:
        return self._stop.is_set()

    def due(self) -> list[ScheduledRun]:
        """What is owed now across markets, oldest run time first, less the failures still waiting to retry."""
        now = self.now()
        owed: list[ScheduledRun] = []
        self.problems = []  # this look's (the loop looks again every few minutes)
        for market in self.markets:
            since = (now - self.catchup).astimezone(market.tz).date() - dt.timedelta(days=1)
            try:
                owed += due_runs(market, now, self.done(market.name, since), catchup=self.catchup)
            except (CalendarHorizon, StoreBusy) as exc:  # the other markets still run
                log.error("%s: %s", market.name, exc)
                self.problems.append(f"{market.name}: {exc}")
        return sorted(
            (r for r in owed if now >= self._failed.get((r.market, r.session), now)),
            key=lambda r: (r.run_at, r.market),
        )

    def run_due(self) -> list[tuple[ScheduledRun, str]]:
        """Run everything owed now (``movedesk schedule --once``); returns each run with its status."""
        outcomes = []
        for scheduled in self.due():
            if self.stopped:
                break
            status = self._run_one(scheduled)
            outcomes.append((scheduled, status))
        return outcomes

    def _run_one(self, scheduled: ScheduledRun) -> str:
        log.info("running %s %s (due %s)", scheduled.market, scheduled.session, scheduled.local_run_at)
        key = (scheduled.market, scheduled.session)
        try:
            status = self.run(scheduled)
        except MovedeskError as exc:  # logged in the runs log too; tried again after retry_after
            log.error("%s %s failed: %s", scheduled.market, scheduled.session, exc)
            status = "failed"
            self.errors[key] = exc
        if status == "failed":
            self._failed[key] = self.now() + self.retry_after
        else:
            self._failed.pop(key, None)
        return status

    def seconds_to_next(self) -> float:
        """Seconds until the next run time or retry (at most ``max_nap``; at least one)."""
        now = self.now()
        wake = now + self.max_nap
        for market in self.markets:
            try:
                wake = min(wake, next_run(market, now).run_at)
            except CalendarHorizon as exc:
                log.error("%s", exc)
        for retry in self._failed.values():
            if retry > now:
                wake = min(wake, retry)
        return max(1.0, (wake - now).total_seconds())

    def loop(self) -> list[tuple[ScheduledRun, str]]:
        """Run what is due, sleep until the next run, again, until stopped; returns every run's outcome."""
        nap = self.sleep or self._stop.wait
        outcomes: list[tuple[ScheduledRun, str]] = []
        while not self.stopped:
            outcomes += self.run_due()
            if self.stopped:
                break
            seconds = self.seconds_to_next()
            log.info("next check in %.0f s", seconds)
            nap(seconds)
        return outcomes
