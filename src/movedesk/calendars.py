"""Exchange calendars: an adapter over ``exchange_calendars`` (sessions, holidays, half-days, zones).

No year is written here. Each calendar runs from the earliest date its ``exchange_calendars`` class
allows (``bound_min``) to the latest whose holidays the installed release knows (``bound_max``: for
Shanghai, the last year of its precomputed holiday list). Calendars built from rules alone (New York)
have no bound; they run a fixed number of years either side of today. A date past that horizon is not
"not a session": it is unknown, and :class:`~movedesk.errors.CalendarHorizon` says to upgrade
``exchange_calendars``.

Until a release lists a new year, a desk can list that year's holidays itself, as the exchange published
them (``MOVEDESK_HOLIDAYS``: a CSV of ``mic,date[,name]``; see :func:`load_holidays`). They are added to the
release's own, and the calendar then runs to the end of the last year listed.

Closures nobody could schedule (a typhoon or black-rainstorm day in Hong Kong, a day of national mourning) and
ad hoc early closes are declared in another CSV (``MOVEDESK_CLOSURES``: ``mic,date,kind[,close_time][,name]``;
see :func:`load_closures`). They change the sessions and closes the release knows, never its horizon.
"""

from __future__ import annotations

import csv
import datetime as dt
import functools
from collections.abc import Iterator
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import exchange_calendars as xcals
import pandas as pd

from movedesk.errors import CalendarHorizon, ConfigError, DataValidationError, NoCalendar, NotATradingSession

SUPPORTED = ("XSHG", "XSHE", "BJSE", "XHKG", "XNYS", "XNAS")
# exchange_calendars has one mainland calendar (XSHG); Shenzhen and Beijing keep the same sessions, as do
# Nasdaq and NYSE.
_ALIASES = {"XSHE": "XSHG", "BJSE": "XSHG", "XNAS": "XNYS"}
#: Span either side of today for calendars without a bound (rule-based ones, such as XNYS).
_UNBOUNDED_YEARS_BACK = 50
_UNBOUNDED_YEARS_AHEAD = 25


def _today() -> pd.Timestamp:
    return pd.Timestamp(dt.datetime.now(dt.UTC).date())


def _xcals_version() -> str:
    try:
        return version("exchange_calendars")
    except PackageNotFoundError:  # pragma: no cover - imported above, so installed
        return "?"


#: Holidays a desk listed itself, by calendar name (XSHG for XSHE and BJSE too); see ``load_holidays``.
_EXTRA_HOLIDAYS: dict[str, frozenset[pd.Timestamp]] = {}
#: Unscheduled closures and early closes (local close time) a desk declared, by calendar name; see ``load_closures``.
_CLOSED: dict[str, frozenset[pd.Timestamp]] = {}
_EARLY: dict[str, dict[pd.Timestamp, dt.time]] = {}
_generation = 0
CLOSURE_KINDS = ("closed", "early_close")


def listed_holidays_key() -> str:
    """A stable text of the listed holidays and declared closures ("" when none): part of the extraction
    cache's key (they move sessions, so "the previous session" a descriptor reads)."""
    text = ";".join(f"{name}:{','.join(sorted(d.date().isoformat() for d in days))}"
                    for name, days in sorted(_EXTRA_HOLIDAYS.items()))
    closed = ";".join(f"{name}:{','.join(sorted(d.date().isoformat() for d in days))}"
                      for name, days in sorted(_CLOSED.items()))
    early = ";".join(f"{name}:{','.join(f'{d.date()}@{t:%H:%M}' for d, t in sorted(days.items()))}"
                     for name, days in sorted(_EARLY.items()))
    return text + (f"|closed={closed}" if closed else "") + (f"|early={early}" if early else "")


def generation() -> int:
    """Changes whenever listed holidays change the calendars: callers that cache sessions key on it."""
    return _generation


def _with_extra_days(
    cls: type[xcals.ExchangeCalendar],
    holidays: frozenset[pd.Timestamp],
    closed: frozenset[pd.Timestamp] = frozenset(),
    early: dict[pd.Timestamp, dt.time] | None = None,
) -> type[xcals.ExchangeCalendar]:
    """``cls`` with listed ``holidays`` (a bounded calendar then runs to the end of the last year listed),
    declared ``closed`` days and ``early`` closes (date → local close time; these win over the release's)."""
    days = sorted(holidays | closed)
    base_max = cls.bound_max()
    listed_max = pd.Timestamp(year=max(holidays).year, month=12, day=31) if holidays else None
    by_time: dict[dt.time, list[pd.Timestamp]] = {}
    for day, close in sorted((early or {}).items()):
        by_time.setdefault(close, []).append(day)

    class Extended(cls):  # type: ignore[misc]
        @classmethod
        def bound_max(cls_) -> pd.Timestamp | None:
            if base_max is None or listed_max is None:
                return base_max
            return max(base_max, listed_max)

        @property
        def adhoc_holidays(self) -> list[pd.Timestamp]:
            return [*super().adhoc_holidays, *days]

        @property
        def special_closes_adhoc(self) -> list[tuple[dt.time, pd.DatetimeIndex]]:
            shut = set(self.adhoc_holidays)  # a day declared closed outright is no early close
            declared = [(t, pd.DatetimeIndex([d for d in ds if d not in shut])) for t, ds in by_time.items()]
            return [*declared, *super().special_closes_adhoc]  # the first listed wins a date

    Extended.__name__ = Extended.__qualname__ = f"{cls.__name__}WithListedDays"
    return Extended


@functools.cache
def calendar(mic: str) -> xcals.ExchangeCalendar:
    """The calendar of an exchange by MIC (XSHG, XSHE, BJSE, XHKG, XNYS, XNAS), over every session the
    installed ``exchange_calendars`` release knows, plus the holidays listed with ``load_holidays``."""
    if mic not in SUPPORTED:
        raise NoCalendar(f"no exchange calendar for {mic!r}", hint=f"supported exchanges: {', '.join(SUPPORTED)}")
    name = _ALIASES.get(mic, mic)
    cls = type(xcals.get_calendar(name))  # the default span is cheap; we need the class's bounds
    if _EXTRA_HOLIDAYS.get(name) or _CLOSED.get(name) or _EARLY.get(name):
        cls = _with_extra_days(
            cls, _EXTRA_HOLIDAYS.get(name, frozenset()), _CLOSED.get(name, frozenset()), _EARLY.get(name)
        )
    lo, hi = cls.bound_min(), cls.bound_max()
    start = lo if lo is not None else _today() - pd.DateOffset(years=_UNBOUNDED_YEARS_BACK)
    end = hi if hi is not None else _today() + pd.DateOffset(years=_UNBOUNDED_YEARS_AHEAD)
    return cls(start=start.normalize(), end=end.normalize())


def _exchange_days(path: Path, what: str) -> Iterator[tuple[int, str, dt.date, dict[str, str]]]:
    """The rows of a ``mic,date,…`` file as (line, MIC, date, row), each checked; errors name the line."""
    try:
        with path.open(encoding="utf-8", newline="") as fh:
            rows = list(csv.DictReader(fh))
    except OSError as exc:
        raise ConfigError(f"cannot read the {what} file {path}: {exc.strerror}") from exc
    for n, row in enumerate(rows, start=2):
        mic = (row.get("mic") or "").strip().upper()
        if mic not in SUPPORTED:
            raise DataValidationError(
                f"{path}, line {n}: unknown exchange {mic!r}", hint=f"use one of {', '.join(SUPPORTED)}"
            )
        try:
            day = dt.date.fromisoformat((row.get("date") or "").strip())
        except ValueError as exc:
            raise DataValidationError(f"{path}, line {n}: {row.get('date')!r} is not a date (YYYY-MM-DD)") from exc
        yield n, mic, day, row


def load_holidays(path: str | Path) -> dict[str, int]:
    """Add the holidays listed in a CSV file (``mic,date[,name]``, one row a day the exchange is closed,
    every holiday of each year listed) to the calendars; returns the count per calendar. Rows for XSHE or
    BJSE apply to XSHG's calendar, which they share. Loading the same file again changes nothing."""
    path = Path(path)
    found: dict[str, set[pd.Timestamp]] = {}
    for _n, mic, day, _row in _exchange_days(path, "holidays"):
        found.setdefault(_ALIASES.get(mic, mic), set()).add(pd.Timestamp(day))
    global _generation
    changed = False
    for name, days in found.items():
        merged = frozenset(_EXTRA_HOLIDAYS.get(name, frozenset()) | days)
        changed |= merged != _EXTRA_HOLIDAYS.get(name)
        _EXTRA_HOLIDAYS[name] = merged
    if changed:
        _generation += 1
        calendar.cache_clear()
    return {name: len(days) for name, days in found.items()}


def load_closures(path: str | Path) -> dict[str, int]:
    """Declare unscheduled closures and early closes from a CSV file: ``mic,date,kind[,close_time][,name]``,
    where ``kind`` is ``closed`` (the exchange did not trade that day: a typhoon, a day of mourning) or
    ``early_close`` with the local ``close_time`` (``HH:MM``) of a day cut short. Rows for XSHE or BJSE apply
    to XSHG's calendar. Unlike listed holidays they never move a calendar's horizon, and an early close must
    fall on a session the calendar knows. Returns the rows per calendar; loading a file again changes nothing.
    """
    path = Path(path)
    closed: dict[str, set[pd.Timestamp]] = {}
    early: dict[str, dict[pd.Timestamp, dt.time]] = {}
    for n, mic, day, row in _exchange_days(path, "closures"):
        kind = (row.get("kind") or "").strip().lower()
        name = _ALIASES.get(mic, mic)
        if kind == "closed":
            closed.setdefault(name, set()).add(pd.Timestamp(day))
        elif kind == "early_close":
            early.setdefault(name, {})[pd.Timestamp(day)] = _early_close(path, n, mic, day, row.get("close_time"))
        else:
            raise DataValidationError(
                f"{path}, line {n}: unknown kind {kind!r}", hint=f"use one of {', '.join(CLOSURE_KINDS)}"
            )
    global _generation
    changed = False
    for name, days in closed.items():
        merged = frozenset(_CLOSED.get(name, frozenset()) | days)
        changed |= merged != _CLOSED.get(name)
        _CLOSED[name] = merged
    for name, closes in early.items():
        merged_early = {**_EARLY.get(name, {}), **closes}
        changed |= merged_early != _EARLY.get(name)
        _EARLY[name] = merged_early
    if changed:
        _generation += 1
        calendar.cache_clear()
    names = set(closed) | set(early)
    return {name: len(closed.get(name, ())) + len(early.get(name, ())) for name in sorted(names)}


def _early_close(path: Path, n: int, mic: str, day: dt.date, text: str | None) -> dt.time:
    """The local close time of a declared early close, checked against the calendar it shortens."""
    try:
        close = dt.time.fromisoformat((text or "").strip())
    except ValueError as exc:
        raise DataValidationError(
            f"{path}, line {n}: an early_close needs its local close_time (HH:MM), not {text!r}"
        ) from exc
    cal = calendar(mic)
    ts = pd.Timestamp(day)
    if ts > cal.last_session:
        raise DataValidationError(
            f"{path}, line {n}: {day} is past the {mic} calendar (it ends {cal.last_session.date()})",
            hint="list that year's holidays first (MOVEDESK_HOLIDAYS), then declare the early close",
        )
    if ts < cal.first_session or not cal.is_session(ts):
        raise DataValidationError(f"{path}, line {n}: {day} is not a {mic} session, so it cannot close early",
                                  hint="declare a closed day with kind closed")
    opens, closes = _regular_time(cal.open_times, day), _regular_time(cal.close_times, day)
    if not opens < close < closes:
        raise DataValidationError(
            f"{path}, line {n}: {mic} trades from {opens:%H:%M} to {closes:%H:%M} on {day}; an early close at "
            f"{close:%H:%M} must fall inside the session"
        )
    return close


def _regular_time(times: Any, day: dt.date) -> dt.time:
    """The regular open or close time in force on ``day`` (``open_times``/``close_times`` of a calendar:
    ``(first date or None, time)`` pairs, oldest first)."""
    chosen: dt.time = times[0][1]
    for start, at in times:
        if start is None or pd.Timestamp(start) <= pd.Timestamp(day):
            chosen = at
    return chosen


def forget_listed_holidays() -> None:
    """Drop every holiday added with ``load_holidays`` and every closure declared with ``load_closures``
    (back to the release's calendars)."""
    global _generation
    _EXTRA_HOLIDAYS.clear()
    _CLOSED.clear()
    _EARLY.clear()
    _generation += 1
    calendar.cache_clear()


def horizon(mic: str) -> dt.date:
    """The last date this exchange's calendar knows (its sessions and holidays)."""
    return calendar(mic).last_session.date()


def _check(mic: str, day: dt.date) -> bool:
    """False before the calendar's first session; CalendarHorizon past its last; True inside."""
    cal = calendar(mic)
    ts = pd.Timestamp(day)
    if ts > cal.last_session:
        raise CalendarHorizon(
            f"{day} is past the {mic} calendar: exchange_calendars {_xcals_version()} knows its holidays "
            f"up to {cal.last_session.date()}",
            hint="upgrade exchange_calendars (pip install -U exchange_calendars) for the later holidays, or list "
            "the exchange's published holidays in a MOVEDESK_HOLIDAYS file",
        )
    return bool(ts >= cal.first_session)


def is_session(mic: str, day: dt.date) -> bool:
    """True when ``day`` is a session; before the calendar's start it is not one (no exception); past
    the calendar's horizon it is unknown (:class:`CalendarHorizon`)."""
    return _check(mic, day) and bool(calendar(mic).is_session(pd.Timestamp(day)))


def require_session(mic: str, day: dt.date) -> None:
    """Raise NotATradingSession naming the nearest sessions when ``day`` is not one."""
    if is_session(mic, day):
        return
    cal = calendar(mic)
    ts = pd.Timestamp(day)
    if ts < cal.first_session:
        raise NotATradingSession(
            f"{day} is outside the {mic} calendar",
            hint=f"it covers {cal.first_session.date()} to {cal.last_session.date()}",
        )
    before = cal.date_to_session(ts, direction="previous").date()
    after = cal.date_to_session(ts, direction="next").date() if ts < cal.last_session else None
    raise NotATradingSession(
        f"{day} is not a trading session on {mic}",
        hint=f"the sessions around it are {before} and {after}" if after else f"the session before it is {before}",
    )


def sessions(mic: str, start: dt.date, end: dt.date) -> list[dt.date]:
    return [d.date() for d in session_index(mic, start, end)]


def session_index(mic: str, start: dt.date, end: dt.date) -> pd.DatetimeIndex:
    """Sessions of ``mic`` in [start, end] as a DatetimeIndex. A start before the calendar is clipped; an
    end past its horizon raises CalendarHorizon (those sessions are unknown, not absent)."""
    cal = calendar(mic)
    _check(mic, end)
    lo = max(pd.Timestamp(start), cal.first_session)
    hi = pd.Timestamp(end)
    if lo > hi:
        return pd.DatetimeIndex([])
    all_sessions = cal.sessions
    return all_sessions[all_sessions.slice_indexer(lo, hi)]


def missing_sessions(mic: str, have: list[dt.date] | pd.Index, start: dt.date, end: dt.date) -> list[dt.date]:
    """Sessions of ``mic`` in [start, end] that have no bar in ``have``: suspensions or data gaps."""
    present = set(pd.to_datetime(pd.Index(have)).normalize())
    return [d.date() for d in session_index(mic, start, end) if d not in present]


def previous_session(mic: str, day: dt.date) -> dt.date:
    _check(mic, day)
    return calendar(mic).previous_session(pd.Timestamp(day)).date()


def session_close(mic: str, day: dt.date) -> dt.datetime:
    """The session's close as a UTC datetime (half-days close early)."""
    _check(mic, day)
    close = calendar(mic).session_close(pd.Timestamp(day))
    return close.to_pydatetime().astimezone(dt.UTC)


def session_closes(mic: str, start: dt.date, end: dt.date) -> pd.DataFrame:
    """Each session of ``mic`` in [start, end] with its close (UTC) and whether it closes early (a half-day,
    or an early close declared with ``load_closures``): columns session (date), close, early. Like
    ``session_index``, an end past the calendar's horizon raises CalendarHorizon."""
    index = session_index(mic, start, end)
    cal = calendar(mic)
    return pd.DataFrame({
        "session": [d.date() for d in index],
        "close": [c.to_pydatetime().astimezone(dt.UTC) for c in cal.closes.reindex(index)],
        "early": index.isin(cal.early_closes),
    })


def is_half_day(mic: str, day: dt.date) -> bool:
    cal = calendar(mic)
    ts = pd.Timestamp(day)
    return bool(is_session(mic, day) and ts in cal.early_closes)


def timezone(mic: str) -> ZoneInfo:
    return ZoneInfo(str(calendar(mic).tz))


def last_closed_session(mic: str, now: dt.datetime) -> dt.date:
    """The newest session of ``mic`` whose close (early closes included) is at or before ``now`` (aware):
    the last session whose bar is final."""
    local = now.astimezone(timezone(mic)).date()
    _check(mic, local)
    cal = calendar(mic)
    day = cal.date_to_session(pd.Timestamp(local), direction="previous").date()
    if session_close(mic, day) > now:
        day = previous_session(mic, day)
    return day


#: Yahoo-style symbol suffixes and the exchanges they trade on (no suffix: New York)
_SUFFIX_MIC = {"HK": "XHKG", "SS": "XSHG", "SH": "XSHG", "SZ": "XSHE", "BJ": "BJSE"}


def mic_from_suffix(symbol: str) -> str:
    """The exchange of a symbol the registry does not list, from its suffix (``0700.HK`` → XHKG)."""
    _, dot, suffix = symbol.rpartition(".")
    return _SUFFIX_MIC.get(suffix.upper(), "XNYS") if dot else "XNYS"


def next_session(mic: str, day: dt.date) -> dt.date:
    """The first session of ``mic`` after ``day`` (a session or not): where an after-hours move shows."""
    _check(mic, day)
    cal = calendar(mic)
    if pd.Timestamp(day) >= cal.last_session:  # the next session is past what the calendar knows
        _check(mic, day + dt.timedelta(days=1))
    return cal.date_to_session(pd.Timestamp(day) + pd.Timedelta(days=1), direction="next").date()


def next_session_open(mic: str, day: dt.date) -> dt.datetime:
    """The open (UTC) of the first session of ``mic`` after ``day``: the end of the news window of a
    session's explanation, which takes in the evening wraps and after-hours stories but not the next day."""
    nxt = next_session(mic, day)
    return calendar(mic).session_open(pd.Timestamp(nxt)).to_pydatetime().astimezone(dt.UTC)
