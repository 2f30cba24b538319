"""News sources as data: the shipped list (``data/sources.csv``), validation, and URL templates.

A :class:`Source` is a row of that file: a name, a kind, a URL (or a template with ``{cik}`` or
``{symbol}``), its language and timezone, how often it may be polled, the markets it covers, the request
rate its host asks for, and its licence. The desk keeps its own copy of the list in the store (seeded from
the shipped one on first use); see :meth:`movedesk.desk.Desk.sources`.

>>> sources = shipped_sources()
>>> edgar = next(s for s in sources if s.name == "sec-edgar-8k-company")
>>> (edgar.kind, edgar.is_template, edgar.host)
('edgar', True, 'www.sec.gov')
"""

from __future__ import annotations

import csv
import functools
import io
import re
import zoneinfo
from collections.abc import Callable, Iterable, Mapping
from dataclasses import asdict, dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlsplit

from movedesk.errors import ConfigError, DataValidationError, UnknownCompany
from movedesk.registry import Registry

#: What each kind is read as: RSS/Atom, SEC EDGAR Atom (8-K items → categories), HKEXnews' JSON list, and
#: CNINFO's announcement query (a POST form: listed, not polled, until the fetcher can post).
KINDS = ("feed", "edgar", "hkexnews", "cninfo")
POLLABLE = frozenset({"feed", "edgar", "hkexnews"})
MARKETS = ("us", "hk", "cn")
_NAME = re.compile(r"^[a-z0-9][a-z0-9._-]{0,63}$")
_PLACEHOLDER = re.compile(r"\{(\w+)\}")
COLUMNS = (
    "name", "kind", "url", "language", "timezone", "interval_minutes", "markets", "rate_per_second", "targets",
    "enabled", "licence", "verified",
)  # fmt: skip


@dataclass(frozen=True)
class Source:
    """One news source of the desk's list."""

    name: str
    kind: str
    url: str
    language: str = "en"
    timezone: str = "UTC"
    interval_minutes: int = 60
    markets: tuple[str, ...] = ()
    #: the most requests a second its host asks for (None: the fetcher's default pace)
    rate_per_second: float | None = None
    #: for a template: company ids, symbols or ``universe:NAME`` it is filled for
    targets: tuple[str, ...] = ()
    enabled: bool = True
    licence: str = ""
    verified: str = ""
    #: ``shipped`` (from data/sources.csv) or ``user`` (added with ``sources add``)
    origin: str = "user"

    @property
    def is_template(self) -> bool:
        return bool(_PLACEHOLDER.search(self.url))

    @property
    def host(self) -> str:
        return (urlsplit(self.url).hostname or "").lower()

    @property
    def pollable(self) -> bool:
        return self.kind in POLLABLE

    def to_dict(self) -> dict[str, Any]:
        out = asdict(self)
        out["markets"], out["targets"] = list(self.markets), list(self.targets)
        return out


def _split(value: str | Iterable[str] | None) -> tuple[str, ...]:
    if value is None:
        return ()
    items = re.split(r"[;,]", value) if isinstance(value, str) else list(value)
    return tuple(x.strip() for x in items if x and x.strip())


def make_source(
    name: str,
    url: str,
    *,
    kind: str = "feed",
    language: str = "en",
    timezone: str = "UTC",
    interval_minutes: int | str = 60,
    markets: str | Iterable[str] | None = None,
    rate_per_second: float | str | None = None,
    targets: str | Iterable[str] | None = None,
    enabled: bool | str = True,
    licence: str = "",
    verified: str = "",
    origin: str = "user",
) -> Source:
    """A validated Source; raises ConfigError naming the bad field and the valid choices."""
    name = name.strip()
    if not _NAME.match(name):
        raise ConfigError(
            f"source name {name!r}: use lower-case letters, digits, '.', '_' or '-' (at most 64)",
            hint="for example: reuters-markets",
        )
    if kind not in KINDS:
        raise ConfigError(f"source {name}: kind {kind!r} is not one of {', '.join(KINDS)}")
    parts = urlsplit(url.strip())
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ConfigError(f"source {name}: {url!r} is not an http(s) URL")
    unknown = set(_PLACEHOLDER.findall(url)) - {"cik", "symbol"}
    if unknown:
        raise ConfigError(f"source {name}: unknown placeholder {{{sorted(unknown)[0]}}}; use {{cik}} or {{symbol}}")
    try:
        zoneinfo.ZoneInfo(timezone)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError) as exc:
        raise ConfigError(f"source {name}: unknown timezone {timezone!r}", hint="e.g. Asia/Hong_Kong") from exc
    try:
        interval = int(interval_minutes)
    except ValueError as exc:
        raise ConfigError(f"source {name}: interval {interval_minutes!r} is not a whole number of minutes") from exc
    if interval < 1:
        raise ConfigError(f"source {name}: the polling interval must be at least 1 minute")
    market_list = tuple(m.lower() for m in _split(markets))
    bad = [m for m in market_list if m not in MARKETS]
    if bad:
        raise ConfigError(f"source {name}: market {bad[0]!r} is not one of {', '.join(MARKETS)}")
    rate: float | None = None
    if rate_per_second not in (None, ""):
        try:
            rate = float(rate_per_second)
        except ValueError as exc:
            raise ConfigError(f"source {name}: rate {rate_per_second!r} is not a number") from exc
        if rate <= 0:
            raise ConfigError(f"source {name}: the rate per second must be positive")
    flag = enabled if isinstance(enabled, bool) else str(enabled).strip().lower() in ("true", "yes", "1")
    return Source(
        name=name, kind=kind, url=url.strip(), language=language.strip() or "en", timezone=timezone,
        interval_minutes=interval, markets=market_list, rate_per_second=rate, targets=_split(targets),
        enabled=flag, licence=licence, verified=verified, origin=origin,
    )  # fmt: skip


def read_sources(text: str, ref: str = "sources.csv", *, origin: str = "shipped") -> list[Source]:
    """Sources from CSV text with :data:`COLUMNS` (``#`` lines are comments); errors name the line."""
    lines = [(n, ln) for n, ln in enumerate(text.splitlines(), start=1) if ln.strip() and not ln.startswith("#")]
    if not lines:
        raise DataValidationError(f"{ref} has no header")
    reader = csv.DictReader(io.StringIO("\n".join(ln for _, ln in lines)))
    missing = [c for c in COLUMNS if c not in (reader.fieldnames or [])]
    if missing:
        raise DataValidationError(f"{ref}: missing column {missing[0]!r}")
    out: list[Source] = []
    seen: set[str] = set()
    for (line_no, _), row in zip(lines[1:], reader, strict=True):
        try:
            source = make_source(
                row["name"], row["url"], kind=row["kind"], language=row["language"], timezone=row["timezone"],
                interval_minutes=row["interval_minutes"], markets=row["markets"],
                rate_per_second=row["rate_per_second"], targets=row["targets"], enabled=row["enabled"],
                licence=row["licence"], verified=row["verified"], origin=origin,
            )  # fmt: skip
        except ConfigError as exc:
            raise DataValidationError(f"{ref} line {line_no}: {exc.message}") from exc
        if source.name in seen:
            raise DataValidationError(f"{ref} line {line_no}: source {source.name!r} is listed twice")
        seen.add(source.name)
        out.append(source)
    return out


@functools.cache
def shipped_sources() -> tuple[Source, ...]:
    """The sources movedesk ships (``data/sources.csv``), validated once."""
    path = resources.files("movedesk") / "data" / "sources.csv"
    return tuple(read_sources(path.read_text(encoding="utf-8"), "data/sources.csv"))


@functools.cache
def load_ciks(folder: str | None = None) -> dict[str, str]:
    """Registry company id → SEC CIK (10 digits), from ``data/registry/ciks.csv``."""
    base = Path(folder) if folder else Path(str(resources.files("movedesk") / "data" / "registry"))
    text = (base / "ciks.csv").read_text(encoding="utf-8")
    rows = csv.DictReader(ln for ln in text.splitlines() if ln.strip() and not ln.startswith("#"))
    return {r["company_id"]: r["cik"].zfill(10) for r in rows}


def company_by_cik(ciks: Mapping[str, str]) -> dict[str, str]:
    """The inverse of :func:`load_ciks`: CIK (10 digits) → company id."""
    return {cik: company for company, cik in ciks.items()}


@dataclass(frozen=True)
class Target:
    """One URL a source is fetched from, with the company it was filled for (templates)."""

    url: str
    company_id: str | None = None


@dataclass
class Expansion:
    targets: list[Target] = field(default_factory=list)
    #: targets that could not be filled (no CIK, unknown company), with the reason
    skipped: list[tuple[str, str]] = field(default_factory=list)


def expand(
    source: Source,
    registry: Registry,
    *,
    ciks: Mapping[str, str] | None = None,
    universe: Callable[[str], Iterable[str]] | None = None,
) -> Expansion:
    """The URLs to fetch for ``source``: its URL, or its template filled for each target company.

    ``universe(name)`` gives the symbols of ``universe:NAME`` targets (the desk passes the registry's index
    memberships). ``{cik}`` is filled from ``data/registry/ciks.csv``; ``{symbol}`` with each listing's symbol.
    """
    if not source.is_template:
        return Expansion([Target(source.url)])
    cik_of = ciks if ciks is not None else load_ciks()
    out = Expansion()
    companies: dict[str, None] = {}
    for target in source.targets:
        if target.lower().startswith("universe:"):
            name = target.split(":", 1)[1]
            symbols = sorted(universe(name)) if universe is not None else []
            if not symbols:
                out.skipped.append((target, f"no universe {name!r}"))
            for symbol in symbols:
                company = registry.by_symbol.get(symbol)
                if company is not None:
                    companies.setdefault(company.id)
            continue
        try:
            companies.setdefault(registry.lookup(target).id)
        except UnknownCompany:
            out.skipped.append((target, "no company or listing of that name"))
    for company_id in companies:
        company = registry.companies[company_id]
        if "{cik}" in source.url:
            cik = cik_of.get(company_id)
            if cik is None:
                out.skipped.append((company_id, "no SEC CIK in data/registry/ciks.csv"))
                continue
            out.targets.append(Target(source.url.replace("{cik}", cik), company_id))
        else:
            for listing in company.listings:
                out.targets.append(Target(source.url.replace("{symbol}", quote(listing.symbol)), company_id))
    return out
