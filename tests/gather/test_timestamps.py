"""Publish times: formats, zones, per-source default zone, and the 1990 / future limits."""

from __future__ import annotations

import datetime as dt

import pytest

from movedesk.errors import ConfigError, DataValidationError
from movedesk.gather.timestamps import check_published, parse_stamp, parse_timestamp

UTC = dt.UTC


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("Mon, 23 Dec 2024 09:30:00 +0800", dt.datetime(2024, 12, 23, 1, 30, tzinfo=UTC)),
        ("Mon, 23 Dec 2024 01:30:00 GMT", dt.datetime(2024, 12, 23, 1, 30, tzinfo=UTC)),
        ("2024-12-23T09:30:00+08:00", dt.datetime(2024, 12, 23, 1, 30, tzinfo=UTC)),
        ("2024-12-23T01:30:00Z", dt.datetime(2024, 12, 23, 1, 30, tzinfo=UTC)),
        ("2024-12-23 01:30:00.123456+00:00", dt.datetime(2024, 12, 23, 1, 30, 0, 123456, tzinfo=UTC)),
        ("Dec 20, 2006 4:35pm EST", dt.datetime(2006, 12, 20, 21, 35, tzinfo=UTC)),
        ("Fri Oct 20, 2006 4:25pm EDT", dt.datetime(2006, 10, 20, 20, 25, tzinfo=UTC)),
        ("23 December 2024 17:30 HKT", dt.datetime(2024, 12, 23, 9, 30, tzinfo=UTC)),
        ("Updated: 2024/12/23 09:30 UTC", dt.datetime(2024, 12, 23, 9, 30, tzinfo=UTC)),
        ("1734917400", dt.datetime(2024, 12, 23, 1, 30, tzinfo=UTC)),
        (1734917400000, dt.datetime(2024, 12, 23, 1, 30, tzinfo=UTC)),
        ("2024年12月23日 09:30", dt.datetime(2024, 12, 23, 9, 30, tzinfo=UTC)),
    ],
)
def test_formats_read_into_utc(raw: object, expected: dt.datetime) -> None:
    assert parse_timestamp(raw) == expected


def test_naive_times_take_the_source_default_zone() -> None:
    assert parse_timestamp("2024-12-23 09:30", default_tz="Asia/Shanghai") == dt.datetime(
        2024, 12, 23, 1, 30, tzinfo=UTC
    )
    assert parse_timestamp("2024年12月23日 09:30", default_tz="Asia/Hong_Kong") == dt.datetime(
        2024, 12, 23, 1, 30, tzinfo=UTC
    )
    # a time with its own offset ignores the default zone
    assert parse_timestamp("2024-12-23T09:30:00+00:00", default_tz="Asia/Shanghai") == dt.datetime(
        2024, 12, 23, 9, 30, tzinfo=UTC
    )
    # New York in winter and in summer
    assert parse_timestamp("2024-01-15 09:30", default_tz="America/New_York").hour == 14
    assert parse_timestamp("2024-07-15 09:30", default_tz="America/New_York").hour == 13


def test_date_only_is_midnight_in_the_zone_and_inferred() -> None:
    stamp = parse_stamp("2024-12-23", default_tz="Asia/Shanghai")
    assert stamp is not None and stamp.inferred
    assert stamp.value == dt.datetime(2024, 12, 22, 16, 0, tzinfo=UTC)
    stamp = parse_stamp(dt.date(2024, 12, 23))
    assert stamp is not None and stamp.inferred and stamp.value.hour == 0
    full = parse_stamp("2024-12-23T08:00:00Z")
    assert full is not None and not full.inferred


def test_empty_and_unreadable() -> None:
    assert parse_stamp(None) is None
    assert parse_stamp("  ") is None
    with pytest.raises(DataValidationError, match="cannot read the time"):
        parse_stamp("not a date at all, sorry")
    with pytest.raises(ConfigError, match="unknown time zone"):
        parse_stamp("2024-01-01 10:00", default_tz="Mars/Olympus")


def test_future_and_pre_1990_are_refused_with_a_reason() -> None:
    now = dt.datetime(2024, 12, 23, tzinfo=UTC)
    assert check_published(now, now=now) is None
    assert check_published(now + dt.timedelta(hours=23), now=now) is None
    assert "future" in (check_published(now + dt.timedelta(days=2), now=now) or "")
    assert "before 1990" in (check_published(dt.datetime(1989, 12, 31, tzinfo=UTC), now=now) or "")


def test_source_default_zone_by_host() -> None:
    from movedesk.gather.normalise import BuildOptions, build_article
    from movedesk.gather.timestamps import zone_for_host

    assert zone_for_host("finance.sina.com.cn") == "Asia/Shanghai"
    assert zone_for_host("www.hkej.hk") == "Asia/Hong_Kong"
    assert zone_for_host("www.reuters.com") is None
    cn = build_article(title="t", body="b", url="https://news.example.cn/a", published="2024-12-23 09:30")
    assert cn.published == dt.datetime(2024, 12, 23, 1, 30, tzinfo=UTC)
    us = build_article(title="t", body="b", url="https://news.example.com/a", published="2024-12-23 09:30")
    assert us.published == dt.datetime(2024, 12, 23, 9, 30, tzinfo=UTC)
    configured = build_article(
        title="t", body="b", url="https://news.example.cn/a", published="2024-12-23 09:30",
        options=BuildOptions(default_tz="UTC"),
    )
    assert configured.published.hour == 9
