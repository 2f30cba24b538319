"""Time anchors in news text ("on Monday", "Friday's", "上周五", "yesterday") resolved to exchange sessions."""

from __future__ import annotations

import datetime as dt
import functools
import re
from zoneinfo import ZoneInfo

from movedesk import calendars

WEEKDAYS = {"monday": 0, "tuesday": 1, "wednesday": 2, "thursday": 3, "friday": 4, "saturday": 5, "sunday": 6}
_ZH_DAYS = {"一": 0, "二": 1, "三": 2, "四": 3, "五": 4, "六": 5, "日": 6, "天": 6}

ZH_WEEKDAY_RE = re.compile(r"(上)?(?:周|星期|礼拜)([一二三四五六日天])")
RELATIVE_ZH_RE = re.compile(r"今日|今天|昨日|昨天")


def local_date(published: dt.datetime, mic: str | None) -> dt.date:
    """The calendar date of ``published`` in the exchange's time zone (UTC when unknown)."""
    if mic is None:
        return published.astimezone(dt.UTC).date()
    return published.astimezone(_tz(mic)).date()


def weekday_date(weekday: int, published_local: dt.date, *, last_week: bool = False) -> dt.date:
    """The latest date on or before the publish date falling on ``weekday`` (上周五: the week before)."""
    delta = (published_local.weekday() - weekday) % 7
    day = published_local - dt.timedelta(days=delta)
    if last_week and day.isocalendar()[:2] == published_local.isocalendar()[:2]:
        day -= dt.timedelta(days=7)
    return day


def _is_session(mic: str, day: dt.date) -> bool:
    return _is_session_at(mic, day, calendars.generation())


def _previous(mic: str, day: dt.date) -> dt.date:
    return _previous_at(mic, day, calendars.generation())


# keyed by the calendars' generation: holidays listed later (MOVEDESK_HOLIDAYS) must not be answered from old
@functools.lru_cache(maxsize=65536)
def _is_session_at(mic: str, day: dt.date, generation: int) -> bool:
    return calendars.is_session(mic, day)


@functools.lru_cache(maxsize=65536)
def _previous_at(mic: str, day: dt.date, generation: int) -> dt.date:
    return calendars.previous_session(mic, day)


@functools.lru_cache(maxsize=64)
def _tz(mic: str) -> dt.tzinfo:
    try:
        return calendars.timezone(mic)
    except Exception:
        return ZoneInfo("UTC")


def to_session(day: dt.date, mic: str | None) -> dt.date | None:
    """``day`` when it is a session of the exchange (any day when no exchange is known), else None."""
    if mic is None:
        return day if day.weekday() < 5 else None
    try:
        return day if _is_session(mic, day) else None
    except Exception:
        return day if day.weekday() < 5 else None


def latest_session(day: dt.date, mic: str | None) -> dt.date | None:
    """The last session on or before ``day``."""
    if mic is None:
        while day.weekday() >= 5:
            day -= dt.timedelta(days=1)
        return day
    try:
        if _is_session(mic, day):
            return day
        return _previous(mic, day)
    except Exception:
        return None


#: sessions open at 09:30 local time on every exchange movedesk covers (XNYS, XNAS, XHKG, XSHG, XSHE)
OPEN = dt.time(9, 30)


def default_session(published: dt.datetime, mic: str | None, *, inferred: bool = False) -> dt.date | None:
    """The session an undated move refers to: the last one on or before publication, or the one before
    when the article came out before that day's open (known publish times only)."""
    tz = _tz(mic) if mic else dt.UTC
    local = published.astimezone(tz)
    day = latest_session(local.date(), mic)
    if day == local.date() and not inferred and local.time() < OPEN:
        return previous_session(day, mic)
    return day


def previous_session(day: dt.date, mic: str | None) -> dt.date | None:
    if mic is None:
        day -= dt.timedelta(days=1)
        while day.weekday() >= 5:
            day -= dt.timedelta(days=1)
        return day
    try:
        return _previous(mic, day)
    except Exception:
        return None


class Anchor:
    """A time expression found in text: a weekday, or today/yesterday."""

    __slots__ = ("end", "kind", "last_week", "possessive", "start", "weekday")

    def __init__(
        self, start: int, end: int, kind: str, weekday: int = -1, *, possessive: bool = False, last_week: bool = False
    ) -> None:
        self.start = start
        self.end = end
        self.kind = kind
        self.weekday = weekday
        self.possessive = possessive
        self.last_week = last_week

    def resolve(self, published: dt.datetime, mic: str | None) -> dt.date | None:
        pub = local_date(published, mic)
        if self.kind == "weekday":
            return to_session(weekday_date(self.weekday, pub, last_week=self.last_week), mic)
        if self.kind == "today":
            return to_session(pub, mic)
        if self.kind == "yesterday":
            return previous_session(pub, mic)
        return None


def find_anchors(text: str, start: int, end: int) -> list[Anchor]:
    """Time anchors between ``start`` and ``end``."""
    out: list[Anchor] = []
    low = text[start:end].lower()
    i = low.find("day")
    while i >= 0:  # every weekday, today and yesterday end in "day": find those, then read the word
        j = i + 3
        k = i
        while k > 0 and low[k - 1].isalpha():
            k -= 1
        word = low[k:j]
        if (j == len(low) or not low[j].isalnum()) and (k == 0 or not low[k - 1].isalnum()):
            tail = low[j : j + 2]
            possessive = tail in ("'s", "’s") and (j + 2 == len(low) or not low[j + 2].isalnum())
            stop = j + 2 if possessive else j
            if word in WEEKDAYS:
                out.append(Anchor(start + k, start + stop, "weekday", WEEKDAYS[word], possessive=possessive))
            elif word == "today":
                out.append(Anchor(start + k, start + stop, "today"))
            elif word == "yesterday":
                out.append(Anchor(start + k, start + stop, "yesterday"))
        i = low.find("day", j)
    if text[start:end].isascii():
        out.sort(key=lambda a: a.start)
        return out
    for m in ZH_WEEKDAY_RE.finditer(text, start, end):
        glued = m.end() < len(text) and text[m.end()].isdigit()  # 上周五10%的涨幅: that day's change
        out.append(
            Anchor(m.start(), m.end(), "weekday", _ZH_DAYS[m.group(2)], last_week=bool(m.group(1)), possessive=glued)
        )
    for m in RELATIVE_ZH_RE.finditer(text, start, end):
        word = m.group()
        out.append(Anchor(m.start(), m.end(), "today" if word in ("今日", "今天") else "yesterday"))
    out.sort(key=lambda a: a.start)
    return out
