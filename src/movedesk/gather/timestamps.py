"""Publish times: read many formats and zones into UTC, with a per-source default zone and sanity limits.

>>> parse_timestamp("Mon, 23 Dec 2024 09:30:00 +0800").isoformat()
'2024-12-23T01:30:00+00:00'
>>> parse_timestamp("2024-12-23 09:30", default_tz="Asia/Shanghai").isoformat()
'2024-12-23T01:30:00+00:00'
>>> parse_timestamp("Dec 20, 2006 4:35pm EST").isoformat()
'2006-12-20T21:35:00+00:00'

A time that carries no zone is read in the source's default zone (UTC unless configured); a date without
a time of day is midnight in that zone and is reported as *inferred*. ``check_published`` refuses a time
in the future (more than a day ahead of now) or before 1990, with a reason.
"""

from __future__ import annotations

import datetime as dt
import email.utils
import functools
import re
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from dateutil import parser as du_parser

from movedesk.errors import ConfigError, DataValidationError

EARLIEST = dt.datetime(1990, 1, 1, tzinfo=dt.UTC)
FUTURE_SLACK = dt.timedelta(days=1)

#: Zone abbreviations seen in news datelines, as fixed UTC offsets in seconds. Ambiguous ones (IST, CST)
#: take the reading most common in financial news (India; US Central); ``CST`` in a Chinese source is
#: handled by the source's default zone instead, since those pages rarely write the abbreviation.
TZ_ABBREVIATIONS: dict[str, int] = {
    "UTC": 0,
    "GMT": 0,
    "Z": 0,
    "BST": 3600,
    "CET": 3600,
    "CEST": 7200,
    "EET": 7200,
    "EEST": 10800,
    "MSK": 10800,
    "IST": 19800,
    "SGT": 28800,
    "HKT": 28800,
    "AWST": 28800,
    "JST": 32400,
    "KST": 32400,
    "AEST": 36000,
    "AEDT": 39600,
    "EST": -18000,
    "EDT": -14400,
    "CST": -21600,
    "CDT": -18000,
    "MST": -25200,
    "MDT": -21600,
    "PST": -28800,
    "PDT": -25200,
}

#: Default zone of a source by the country suffix of its host, used when no zone is configured: pages and
#: feeds of these sites usually write local times without an offset.
HOST_ZONES: dict[str, str] = {
    ".cn": "Asia/Shanghai",
    ".com.cn": "Asia/Shanghai",
    ".hk": "Asia/Hong_Kong",
    ".tw": "Asia/Taipei",
    ".sg": "Asia/Singapore",
    ".jp": "Asia/Tokyo",
    ".kr": "Asia/Seoul",
    ".in": "Asia/Kolkata",
    ".uk": "Europe/London",
    ".de": "Europe/Berlin",
    ".fr": "Europe/Paris",
    ".au": "Australia/Sydney",
}


_HOST_SUFFIXES = tuple(sorted(HOST_ZONES, key=len, reverse=True))


@functools.lru_cache(maxsize=4096)
def zone_for_host(host: str | None) -> str | None:
    """The default zone of a site by its host's country suffix (``finance.sina.com.cn`` → Asia/Shanghai)."""
    if not host:
        return None
    host = host.lower().rstrip(".")
    for suffix in _HOST_SUFFIXES:
        if host.endswith(suffix):
            return HOST_ZONES[suffix]
    return None


_DATE_ONLY = re.compile(r"^\s*\d{4}-\d{1,2}-\d{1,2}\s*$|^\s*\d{4}/\d{1,2}/\d{1,2}\s*$|^\s*\d{8}\s*$")
_CJK_DATE = re.compile(
    r"(?P<y>\d{4})\s*年\s*(?P<m>\d{1,2})\s*月\s*(?P<d>\d{1,2})\s*日"
    r"(?:\s*(?P<H>\d{1,2})\s*[:：时時]\s*(?P<M>\d{1,2})(?:\s*[:：分]\s*(?P<S>\d{1,2}))?)?"
)
_EPOCH = re.compile(r"^\s*\d{9,13}(\.\d+)?\s*$")


@dataclass(frozen=True)
class Stamp:
    """A parsed time: ``value`` in UTC; ``inferred`` when the time of day (or the zone) was a guess."""

    value: dt.datetime
    inferred: bool = False


def zone(name: str | None) -> dt.tzinfo:
    """A tzinfo from an IANA name (``Asia/Shanghai``), an abbreviation (``HKT``) or ``None`` (UTC)."""
    if not name:
        return dt.UTC
    if name.upper() in TZ_ABBREVIATIONS:
        return dt.timezone(dt.timedelta(seconds=TZ_ABBREVIATIONS[name.upper()]), name.upper())
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ConfigError(f"unknown time zone {name!r}", hint="use an IANA name such as Asia/Shanghai") from exc


def _localise(value: dt.datetime, tz: dt.tzinfo) -> dt.datetime:
    if value.tzinfo is None:
        value = value.replace(tzinfo=tz)
    return value.astimezone(dt.UTC)


def parse_stamp(value: Any, *, default_tz: str | dt.tzinfo | None = None) -> Stamp | None:
    """Read ``value`` (str, datetime, date, epoch seconds/ms, pandas Timestamp) into a UTC ``Stamp``.

    Returns None for an empty value; raises DataValidationError for text that is not a time.
    """
    tz = default_tz if isinstance(default_tz, dt.tzinfo) else zone(default_tz)
    if value is None:
        return None
    if hasattr(value, "to_pydatetime"):  # pandas Timestamp
        if value != value:  # NaT
            return None
        value = value.to_pydatetime()
    if isinstance(value, dt.datetime):
        return Stamp(_localise(value, tz))
    if isinstance(value, dt.date):
        return Stamp(_localise(dt.datetime(value.year, value.month, value.day), tz), inferred=True)
    if isinstance(value, int | float) and not isinstance(value, bool):
        return Stamp(_from_epoch(float(value)))
    if isinstance(value, tuple) and len(value) >= 6:  # time.struct_time from feedparser: already UTC
        year, month, day, hour, minute, second = (int(x) for x in value[:6])
        return Stamp(dt.datetime(year, month, day, hour, minute, second, tzinfo=dt.UTC))
    text = str(value).strip()
    if not text:
        return None
    if _EPOCH.match(text):
        return Stamp(_from_epoch(float(text)))
    m = _CJK_DATE.search(text)
    if m:
        hour, minute, second = (int(m.group(g) or 0) for g in ("H", "M", "S"))
        local = dt.datetime(int(m.group("y")), int(m.group("m")), int(m.group("d")), hour, minute, second)
        return Stamp(_localise(local, tz), inferred=m.group("H") is None)
    date_only = bool(_DATE_ONLY.match(text))
    try:
        parsed = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        parsed = _parse_loose(text)
    return Stamp(_localise(parsed, tz), inferred=date_only)


def parse_timestamp(value: Any, *, default_tz: str | dt.tzinfo | None = None) -> dt.datetime | None:
    """Like :func:`parse_stamp` but only the UTC datetime."""
    stamp = parse_stamp(value, default_tz=default_tz)
    return stamp.value if stamp else None


def _from_epoch(seconds: float) -> dt.datetime:
    if seconds > 1e11:  # milliseconds
        seconds /= 1000.0
    return dt.datetime.fromtimestamp(seconds, tz=dt.UTC)


def _parse_loose(text: str) -> dt.datetime:
    cleaned = re.sub(r"\b(?:Updated|Published|Posted|on|at)\b:?", " ", text, flags=re.I)
    try:
        return du_parser.parse(cleaned, tzinfos=TZ_ABBREVIATIONS, fuzzy=True)
    except (ValueError, OverflowError, TypeError) as exc:
        try:  # RFC 822 / 2822 oddities dateutil does not take
            stamp = email.utils.parsedate_to_datetime(text)
        except (TypeError, ValueError, IndexError):
            stamp = None
        if stamp is None:
            raise DataValidationError(f"cannot read the time {text!r}") from exc
        return stamp


def check_published(published: dt.datetime, *, now: dt.datetime | None = None) -> str | None:
    """Why ``published`` cannot be right (future or before 1990), or None when it is plausible."""
    now = now or dt.datetime.now(dt.UTC)
    if published > now + FUTURE_SLACK:
        return f"published time {published.isoformat()} is in the future (now {now:%Y-%m-%dT%H:%MZ})"
    if published < EARLIEST:
        return f"published time {published.isoformat()} is before 1990"
    return None
