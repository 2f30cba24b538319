"""Universes for the scan (a panel, an index's members, a watch-list) and the scan over a store.

A universe is ``None`` or ``"all"`` (every listing with bars in the store, the default), an index's members from
``data/registry/universes.csv`` — ``sp500``, ``hsi``, ``hsci``, each as of the snapshot date in its ``as_of`` column —
a market — ``us`` (every S&P symbol ever, with the ``^SP500EW`` benchmark), ``hk``, ``cn`` (all
A-shares), ``star``, ``chinext``, ``sse``, ``szse`` —
a comma-separated list of symbols or company names, ``@path`` (a file with one per line) or a sequence.
Listings are grouped by (exchange calendar, primary benchmark); each group is one panel.
"""

from __future__ import annotations

import csv
import datetime as dt
import functools
import logging
from collections import defaultdict
from collections.abc import Callable, Sequence
from importlib import resources
from pathlib import Path
from typing import Any

from movedesk import calendars
from movedesk.config import MIN_ABS_Z
from movedesk.detect.partition import Mapper, ScanPart, partition_bars, scan_panels
from movedesk.detect.returns import ESTIMATION_WINDOW, Model
from movedesk.detect.scan import SP500_PROXY, ScanResult, scan_bars
from movedesk.errors import CalendarHorizon, ConfigError, InsufficientData, NotATradingSession, UnknownCompany
from movedesk.models import Listing
from movedesk.registry import Registry

log = logging.getLogger(__name__)

#: Every listing with bars in the store (the default).
ALL = "all"
NAMED: dict[str, Callable[[Listing], bool]] = {
    "us": lambda x: SP500_PROXY in x.benchmarks,
    "hk": lambda x: x.mic == "XHKG" and x.board != "Index",
    "cn": lambda x: x.currency == "CNY" and x.board != "Index",
    "ashare": lambda x: x.currency == "CNY" and x.board != "Index",
    "star": lambda x: x.board == "STAR",
    "chinext": lambda x: x.board == "ChiNext",
    "sse": lambda x: x.mic == "XSHG" and x.board != "Index",
    "szse": lambda x: x.mic == "XSHE" and x.board != "Index",
}


@functools.cache
def index_members() -> dict[str, frozenset[str]]:
    """Members of the shipped index universes (``universes.csv``: universe, symbol, as_of)."""
    path = Path(str(resources.files("movedesk") / "data" / "registry" / "universes.csv"))
    out: dict[str, set[str]] = defaultdict(set)
    with path.open(encoding="utf-8", newline="") as fh:
        for row in csv.DictReader(fh):
            out[row["universe"]].add(row["symbol"])
    return {k: frozenset(v) for k, v in out.items()}


def universe_names() -> list[str]:
    return sorted({ALL, *NAMED, *index_members()})


def proxy_members(registry: Registry) -> list[str]:
    """Symbols whose benchmark is the S&P 500 equal-weight proxy."""
    return sorted(x.symbol for c in registry for x in c.listings if SP500_PROXY in x.benchmarks)


def resolve_universe(registry: Registry, universe: str | Sequence[str] | None, available: set[str]) -> list[Listing]:
    """The listings of a universe that have bars in the store (``available``)."""
    listings: list[Listing] = []
    if isinstance(universe, str) and universe.strip().lower() == ALL:
        universe = None
    if universe is None:
        listings = [x for c in registry if not c.is_index for x in c.listings if x.symbol in available]
    elif isinstance(universe, str) and universe.lower() in index_members():
        members = index_members()[universe.lower()]
        listings = [x for c in registry for x in c.listings if x.symbol in members and x.symbol in available]
    elif isinstance(universe, str) and universe.lower() in NAMED:
        keep = NAMED[universe.lower()]
        listings = [x for c in registry for x in c.listings if keep(x) and x.symbol in available]
    else:
        if isinstance(universe, str):
            if universe.startswith("@"):
                path = Path(universe[1:])
                if not path.is_file():
                    raise ConfigError(f"universe file {path} does not exist")
                items = [ln.strip() for ln in path.read_text(encoding="utf-8").splitlines()]
            else:
                items = universe.split(",")
        else:
            items = list(universe)
        for item in (i.strip() for i in items):
            if not item or item.startswith("#"):
                continue
            if item in registry.by_symbol:
                listings.append(registry.listing(item))
                continue
            company = registry.lookup(item)
            listings.extend(company.listings)
        missing = [x.symbol for x in listings if x.symbol not in available]
        if missing and len(missing) == len(listings):
            raise InsufficientData(f"no bars in the store for {', '.join(missing[:5])}; ingest prices first")
        listings = [x for x in listings if x.symbol in available]
    if not listings and universe is None:
        known = sum(1 for symbol in available if symbol in registry.by_symbol)
        raise InsufficientData(
            "the store has no bars of a company's listing"
            + (f" ({len(available)} symbols, none in the registry)" if available and not known else ""),
            hint="ingest prices first: movedesk ingest prices FILE (or run movedesk demo)",
        )
    if not listings:
        raise UnknownCompany(
            f"universe {universe!r} has no listings with bars in the store",
            hint=f"named universes: {', '.join(universe_names())}; or a comma list of symbols",
        )
    return list({x.symbol: x for x in listings}.values())


def scan_store(
    store: Any,
    registry: Registry,
    start: dt.date,
    end: dt.date | None = None,
    *,
    universe: str | Sequence[str] | None = None,
    min_z: float = MIN_ABS_Z,
    model: str = "market-model",
    window: tuple[int, int] = ESTIMATION_WINDOW,
    parts: int = 1,
    mapper: Mapper | None = None,
) -> ScanResult:
    """Scan the store: one panel per (calendar, benchmark) group of the universe.

    With ``parts`` > 1 or a ``mapper``, each panel is cut into up to ``parts`` listing partitions that
    ``mapper`` scans (a scheduler's workers; :mod:`movedesk.detect.partition`): the same result."""
    chosen = model_name(model)
    end = end or start
    available = set(store.symbols())
    listings = resolve_universe(registry, universe, available)
    groups: dict[tuple[str, str], list[str]] = defaultdict(list)
    for x in listings:
        groups[(x.mic, x.benchmarks[0] if x.benchmarks else "")].append(x.symbol)
    history = dt.timedelta(days=int(abs(window[0]) * 1.6) + 60)
    result = ScanResult()
    partitioned = parts > 1 or mapper is not None
    pieces: list[ScanPart] = []
    scanned = 0
    unknown: list[CalendarHorizon] = []
    for (mic, bench), symbols in sorted(groups.items()):
        try:
            if not calendars.session_index(mic, start, end).size:
                continue
        except CalendarHorizon as exc:  # one market's calendar ends earlier: scan the others
            log.warning("not scanning %d listings: %s", len(symbols), exc)
            unknown.append(exc)
            continue
        bars = store.bars(symbols, start - history, end)
        if bars.empty:
            continue
        bench_bars = store.bars([bench], start - history, end) if bench and bench in available else None
        name = bench or "equal-weight"
        if bench_bars is None or bench_bars.empty:
            log.info("benchmark %s not in the store: using the equal-weight proxy of the panel", bench)
            name = bench if bench == SP500_PROXY else f"equal-weight({mic})"
        scanned += 1
        if partitioned:
            pieces += partition_bars(
                bars, start, end, mic=mic, parts=max(parts, 1), benchmark_bars=bench_bars, benchmark=name,
                model=chosen, window=window, min_z=min_z, threads=1 if mapper is not None else None,
            )  # fmt: skip
            continue
        part = scan_bars(
            bars, start, end, mic=mic, benchmark_bars=bench_bars, benchmark=name,
            model=chosen, window=window, min_z=min_z,
        )  # fmt: skip
        result = result.merge(part)
    if not scanned:
        if unknown:
            raise unknown[0]
        raise NotATradingSession(f"no session between {start} and {end} on the universe's exchanges")
    if partitioned:
        for panel in scan_panels(pieces, mapper):
            result = result.merge(panel)
    return result.ranked()


def model_name(model: str) -> Model:
    if model not in ("market-model", "market-adjusted"):
        raise ConfigError(f"unknown model {model!r}; use market-model or market-adjusted")
    return model  # type: ignore[return-value]
