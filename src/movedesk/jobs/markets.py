"""The markets the desk runs a daily job for (``data/markets.toml``): exchanges, timezone, universe, the
delay after the close before the run, and the price provider.

>>> hk = market("hk")
>>> hk.exchanges, hk.universe, hk.provider
(('XHKG',), 'hsi', 'yfinance')
"""

from __future__ import annotations

import functools
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from movedesk.calendars import SUPPORTED
from movedesk.errors import ConfigError, DataValidationError

#: The fields a market sets; ``[markets.NAME]`` in run.toml may override the ones after ``timezone``.
FIELDS = ("label", "exchanges", "timezone", "universe", "delay_minutes", "provider")
OVERRIDABLE = ("universe", "delay_minutes", "provider")


@dataclass(frozen=True)
class Market:
    """One market's daily job: its sessions are those of ``exchanges``, its run comes ``delay_minutes`` after
    the session's (latest) close."""

    name: str
    label: str
    exchanges: tuple[str, ...]
    timezone: str
    universe: str
    delay_minutes: int
    provider: str

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    def with_overrides(self, overrides: Mapping[str, Any], *, where: str = "run.toml") -> Market:
        """This market with some fields replaced (run.toml's ``[markets.NAME]``), checked like the file's."""
        unknown = sorted(set(overrides) - set(OVERRIDABLE))
        if unknown:
            raise ConfigError(
                f"{where}: [markets.{self.name}] cannot set {unknown[0]!r}; it may set {', '.join(OVERRIDABLE)}"
            )
        if not overrides:
            return self
        fields = {f: getattr(self, f) for f in FIELDS}
        return _market(self.name, {**fields, **overrides}, where, ConfigError)


def _market(name: str, raw: Mapping[str, Any], where: str, error: type[Exception]) -> Market:
    def fail(message: str) -> Exception:
        return error(f"{where}: market {name!r}: {message}")

    unknown = sorted(set(raw) - set(FIELDS))
    if unknown:
        raise fail(f"unknown field {unknown[0]!r}; known fields: {', '.join(FIELDS)}")
    missing = [f for f in FIELDS if f not in raw]
    if missing:
        raise fail(f"missing field {missing[0]!r}")
    exchanges = raw["exchanges"]
    if not isinstance(exchanges, list | tuple) or not exchanges or any(m not in SUPPORTED for m in exchanges):
        raise fail(f"exchanges must be a list of {', '.join(SUPPORTED)}, got {exchanges!r}")
    try:
        ZoneInfo(str(raw["timezone"]))
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise fail(f"unknown timezone {raw['timezone']!r} (use an IANA name such as Asia/Hong_Kong)") from exc
    delay = raw["delay_minutes"]
    if not isinstance(delay, int) or isinstance(delay, bool) or not 0 <= delay <= 24 * 60:
        raise fail(f"delay_minutes must be an integer from 0 to 1440, got {delay!r}")
    for key in ("label", "universe", "provider"):
        if not isinstance(raw[key], str) or not raw[key].strip():
            raise fail(f"{key} must be a non-empty string, got {raw[key]!r}")
    return Market(
        name=name,
        label=str(raw["label"]),
        exchanges=tuple(str(m) for m in exchanges),
        timezone=str(raw["timezone"]),
        universe=str(raw["universe"]),
        delay_minutes=int(raw["delay_minutes"]),
        provider=str(raw["provider"]),
    )


def load_markets(path: str | Path | None = None) -> dict[str, Market]:
    """The markets of a TOML file (the shipped ``data/markets.toml`` by default), checked field by field."""
    if path is None:
        return dict(_shipped())
    return _load(Path(path))


@functools.cache
def _shipped() -> dict[str, Market]:
    return _load(Path(str(resources.files("movedesk") / "data" / "markets.toml")))


def _load(path: Path) -> dict[str, Market]:
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ConfigError(f"cannot read the markets file {path}: {exc.strerror}") from exc
    except tomllib.TOMLDecodeError as exc:
        raise DataValidationError(f"the markets file {path} is not valid TOML: {exc}") from exc
    out = {}
    for name, raw in data.items():
        if not isinstance(raw, dict):
            raise DataValidationError(f"{path}: {name!r} must be a table ([{name}])")
        out[name] = _market(name, raw, str(path), DataValidationError)
    return out


def market_names() -> list[str]:
    return sorted(_shipped())


def market(name: str) -> Market:
    """A shipped market by name (``us``, ``hk``, ``cn``)."""
    found = _shipped().get(name.strip().lower())
    if found is None:
        raise ConfigError(f"unknown market {name!r}", hint=f"markets: {', '.join(market_names())}")
    return found
