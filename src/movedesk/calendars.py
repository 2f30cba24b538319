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
"""

from __future__ import annotations

import csv
import datetime as dt
import functools
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
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
_generation = 0


def listed_holidays_key() -> str:
    """A stable text of the listed holidays ("" when none): part of the extraction cache's key."""
    return ";".join(f"{name}:{','.join(sorted(d.date().isoformat() for d in days))}"
                    for name, days in sorted(_EXTRA_HOLIDAYS.items()))


def generation() -> int:
    """Changes whenever listed holidays change the calendars: callers that cache sessions key on it."""
    return _generation


def _with_extra_holidays(
    cls: type[xcals.ExchangeCalendar], extra: frozenset[pd.Timestamp]
) -> type[xcals.ExchangeCalendar]:
    """``cls`` with ``extra`` ad hoc holidays; a bounded calendar then runs to the end of the last year listed."""
    days = sorted(extra)
    base_max = cls.bound_max()
    listed_max = pd.Timestamp(year=days[-1].year, month=12, day=31)

    class Extended(cls):  # type: ignore[misc]
        @classmethod
        def bound_max(cls_) -> pd.Timestamp | None:
            return None if base_max is None else max(base_max, listed_max)

        @property
        def adhoc_holidays(self) -> list[pd.Timestamp]:
            return [*super().adhoc_holidays, *days]

    Extended.__name__ = Extended.__qualname__ = f"{cls.__name__}WithListedHolidays"
    return Extended


@functools.cache
def calendar(mic: str) -> xcals.ExchangeCalendar:
    """The calendar of an exchange by MIC (XSHG, XSHE, BJSE, XHKG, XNYS, XNAS), over every session the
    installed ``exchange_calendars`` release knows, plus the holidays listed with ``load_holidays``."""
    if mic not in SUPPORTED:
        raise NoCalendar(f"no exchange calendar for {mic!r}", hint=f"supported exchanges: {', '.join(SUPPORTED)}")
    name = _ALIASES.get(mic, mic)
    cls = type(xcals.get_calendar(name))  # the default span is cheap; we need the class's bounds
    if _EXTRA_HOLIDAYS.get(name):
        cls = _with_extra_holidays(cls, _EXTRA_HOLIDAYS[name])
    lo, hi = cls.bound_min(), cls.bound_max()
    start = lo if lo is not None else _today() - pd.DateOffset(years=_UNBOUNDED_YEARS_BACK)
    end = hi if hi is not None else _today() + pd.DateOffset(years=_UNBOUNDED_YEARS_AHEAD)
    return cls(start=start.normalize(), end=end.normalize())


def load_holidays(path: str | Path) -> dict[str, int]:
    """Add the holidays listed in a CSV file (``mic,date[,name]``, one row a day the exchange is closed,
    every holiday of each year listed) to the calendars; returns the count per calendar. Rows for XSHE or
    BJSE apply to XSHG's calendar, which they share. Loading the same file again changes nothing."""
    path = Path(path)
    try:
        with path.open(encoding="utf-8", newline="") as fh:
            rows = list(csv.DictReader(fh))
    except OSError as exc:
        raise ConfigError(f"cannot read the holidays file {path}: {exc.strerror}") from exc
    found: dict[str, set[pd.Timestamp]] = {}
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


def forget_listed_holidays() -> None:
    """Drop every holiday added with ``load_holidays`` (back to the release's calendars)."""
    global _generation
    _EXTRA_HOLIDAYS.clear()
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


def next_session_open(mic: str, day: dt.date) -> dt.datetime:
    """The open (UTC) of the first session of ``mic`` after ``day``: the end of the news window of a
    session's explanation, which takes in the evening wraps and after-hours stories but not the next day."""
    _check(mic, day)
    cal = calendar(mic)
    if pd.Timestamp(day) >= cal.last_session:  # the next session is past what the calendar knows
        _check(mic, day + dt.timedelta(days=1))
    nxt = cal.date_to_session(pd.Timestamp(day) + pd.Timedelta(days=1), direction="next")
    return cal.session_open(nxt).to_pydatetime().astimezone(dt.UTC)
