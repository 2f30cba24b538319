"""Exchange calendars: an adapter over ``exchange_calendars`` (sessions, holidays, half-days, zones)."""

from __future__ import annotations

import datetime as dt
import functools
from zoneinfo import ZoneInfo

import exchange_calendars as xcals
import pandas as pd

from movedesk.errors import NoCalendar, NotATradingSession

SUPPORTED = ("XSHG", "XSHE", "BJSE", "XHKG", "XNYS", "XNAS")
# exchange_calendars has one mainland calendar (XSHG); Shenzhen and Beijing keep the same sessions, as do
# Nasdaq and NYSE.
_ALIASES = {"XSHE": "XSHG", "BJSE": "XSHG", "XNAS": "XNYS"}


@functools.cache
def calendar(mic: str) -> xcals.ExchangeCalendar:
    """The calendar of an exchange by MIC (XSHG, XSHE, XHKG, XNYS, XNAS), from 2000 to 2026."""
    name = _ALIASES.get(mic, mic)
    if mic not in SUPPORTED:
        raise NoCalendar(f"no exchange calendar for {mic!r}", hint=f"supported exchanges: {', '.join(SUPPORTED)}")
    return xcals.get_calendar(name, start="2000-01-01", end="2026-12-31")


def _in_bounds(cal: xcals.ExchangeCalendar, ts: pd.Timestamp) -> bool:
    return bool(cal.first_session <= ts <= cal.last_session)


def is_session(mic: str, day: dt.date) -> bool:
    """True when ``day`` is a session; a date outside the calendar's range is not one (no exception)."""
    cal = calendar(mic)
    ts = pd.Timestamp(day)
    return _in_bounds(cal, ts) and bool(cal.is_session(ts))


def require_session(mic: str, day: dt.date) -> None:
    """Raise NotATradingSession naming the nearest sessions when ``day`` is not one."""
    if not is_session(mic, day):
        cal = calendar(mic)
        ts = pd.Timestamp(day)
        if not _in_bounds(cal, ts):
            raise NotATradingSession(
                f"{day} is outside the {mic} calendar",
                hint=f"it covers {cal.first_session.date()} to {cal.last_session.date()}",
            )
        before = cal.date_to_session(ts, direction="previous").date()
        after = cal.date_to_session(ts, direction="next").date()
        raise NotATradingSession(
            f"{day} is not a trading session on {mic}",
            hint=f"the sessions around it are {before} and {after}",
        )


def sessions(mic: str, start: dt.date, end: dt.date) -> list[dt.date]:
    return [d.date() for d in session_index(mic, start, end)]


def session_index(mic: str, start: dt.date, end: dt.date) -> pd.DatetimeIndex:
    """Sessions of ``mic`` in [start, end] as a DatetimeIndex (clipped to the calendar's bounds)."""
    cal = calendar(mic)
    lo = max(pd.Timestamp(start), cal.first_session)
    hi = min(pd.Timestamp(end), cal.last_session)
    if lo > hi:
        return pd.DatetimeIndex([])
    all_sessions = cal.sessions
    return all_sessions[all_sessions.slice_indexer(lo, hi)]


def missing_sessions(mic: str, have: list[dt.date] | pd.Index, start: dt.date, end: dt.date) -> list[dt.date]:
    """Sessions of ``mic`` in [start, end] that have no bar in ``have``: suspensions or data gaps."""
    present = set(pd.to_datetime(pd.Index(have)).normalize())
    return [d.date() for d in session_index(mic, start, end) if d not in present]


def previous_session(mic: str, day: dt.date) -> dt.date:
    return calendar(mic).previous_session(pd.Timestamp(day)).date()


def session_close(mic: str, day: dt.date) -> dt.datetime:
    """The session's close as a UTC datetime (half-days close early)."""
    close = calendar(mic).session_close(pd.Timestamp(day))
    return close.to_pydatetime().astimezone(dt.UTC)


def is_half_day(mic: str, day: dt.date) -> bool:
    cal = calendar(mic)
    ts = pd.Timestamp(day)
    return bool(cal.is_session(ts) and ts in cal.early_closes)


def timezone(mic: str) -> ZoneInfo:
    return ZoneInfo(str(calendar(mic).tz))
