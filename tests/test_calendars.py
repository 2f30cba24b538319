"""Exchange calendars: sessions, holidays, half-days, time zones, and clear errors."""

from __future__ import annotations

import datetime as dt

import pytest

from movedesk import calendars
from movedesk.errors import NoCalendar, NotATradingSession


def test_hk_half_days_close_at_noon() -> None:
    for day in (dt.date(2024, 12, 24), dt.date(2024, 12, 31)):
        assert calendars.is_session("XHKG", day)
        assert calendars.is_half_day("XHKG", day)
        close = calendars.session_close("XHKG", day).astimezone(calendars.timezone("XHKG"))
        assert (close.hour, close.minute) == (12, 0)
    assert not calendars.is_half_day("XHKG", dt.date(2024, 12, 23))
    assert calendars.session_close("XHKG", dt.date(2024, 12, 23)).astimezone(calendars.timezone("XHKG")).hour == 16


def test_holidays_and_sessions() -> None:
    assert not calendars.is_session("XHKG", dt.date(2024, 12, 25))
    assert not calendars.is_session("XSHG", dt.date(2024, 10, 1))  # National Day
    assert calendars.is_session("XSHE", dt.date(2024, 12, 20))
    assert calendars.is_session("BJSE", dt.date(2024, 12, 20))
    assert not calendars.is_session("XNYS", dt.date(2024, 11, 28))  # Thanksgiving
    assert calendars.sessions("XHKG", dt.date(2024, 12, 23), dt.date(2024, 12, 27)) == [
        dt.date(2024, 12, 23),
        dt.date(2024, 12, 24),
        dt.date(2024, 12, 27),
    ]
    assert calendars.previous_session("XNYS", dt.date(2024, 11, 29)) == dt.date(2024, 11, 27)
    assert str(calendars.timezone("XNAS")) == "America/New_York"
    assert str(calendars.timezone("XSHG")) == "Asia/Shanghai"


def test_missing_sessions_are_listed_not_filled() -> None:
    have = [dt.date(2024, 12, 2), dt.date(2024, 12, 5)]
    assert calendars.missing_sessions("XNYS", have, dt.date(2024, 12, 2), dt.date(2024, 12, 5)) == [
        dt.date(2024, 12, 3),
        dt.date(2024, 12, 4),
    ]


def test_errors() -> None:
    with pytest.raises(NoCalendar, match="XLON"):
        calendars.calendar("XLON")
    with pytest.raises(NotATradingSession) as info:
        calendars.require_session("XHKG", dt.date(2024, 12, 25))
    assert "2024-12-24" in str(info.value) and "2024-12-27" in str(info.value)


def test_dates_outside_the_calendar_are_not_sessions() -> None:
    import datetime as dt

    import pytest

    from movedesk.calendars import is_session, require_session
    from movedesk.errors import NotATradingSession

    # the Shanghai exchange opened on 1990-12-19; exchange_calendars' XSHG starts that month
    assert not is_session("XSHG", dt.date(1990, 11, 30))
    with pytest.raises(NotATradingSession, match="outside the XSHG calendar"):
        require_session("XSHG", dt.date(1990, 11, 30))
    assert is_session("XNYS", dt.date(1995, 1, 3))  # rule-based calendars reach decades back
