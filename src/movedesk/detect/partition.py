"""The market-wide scan split over listing partitions, for many processes or machines (pure: no scheduler).

A panel's listings are cut into parts; each :class:`ScanPart` carries its listings' bars, the panel's
session axis and the benchmark's returns on it, so any process can scan it (:func:`scan_part`) without
the others. :func:`combine` puts the parts' results back together into exactly the frames the scan of
the whole panel gives: the moves in its order and ranks, the market verdicts with the breadth counts of
every listing, the gaps in session then symbol order.

Every figure of a listing depends only on its own bars and the benchmark (the market model is fitted per
listing), so a part needs nothing else. The one panel-wide input is the benchmark: when the store has no
benchmark series, the equal-weight proxy is built from the whole panel once, here, and each part gets it.

Usage (``scan_partitioned`` takes any ``map``-like ``mapper``; one process when none is given)::

    parts = partition_bars(bars, start, end, mic="XNYS", parts=8, benchmark_bars=bench)
    result = scan_partitioned(parts)  # == scan_bars(bars, start, end, mic="XNYS", benchmark_bars=bench)
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from movedesk.config import MIN_ABS_Z
from movedesk.detect.returns import (
    ESTIMATION_WINDOW,
    MIN_OBS,
    Model,
    abnormal_returns,
    build_panel,
    simple_returns,
)
from movedesk.detect.scan import (
    MARKET_COLUMNS,
    ScanResult,
    _verdict,
    benchmark_returns,
    prepare_bars,
    scan_panel,
)

#: Runs a function over a list of items and returns the results in order: ``map`` in one process, or a
#: scheduler's (``movedesk.jobs.distributed.client_mapper``).
Mapper = Callable[[Callable[["ScanPart"], ScanResult], Sequence["ScanPart"]], list[ScanResult]]


@dataclass(frozen=True)
class ScanSpec:
    """What every part of one panel shares: the sessions, the axis, the benchmark's returns and the model."""

    start: dt.date
    end: dt.date
    axis: pd.DatetimeIndex
    m: np.ndarray = field(repr=False)
    benchmark: str
    model: Model = "market-model"
    window: tuple[int, int] = ESTIMATION_WINDOW
    min_obs: int = MIN_OBS
    min_z: float = MIN_ABS_Z
    symbols: tuple[str, ...] = field(default=(), repr=False)  # every listing of the panel, in panel order
    threads: int | None = None  # numpy threads of a part's estimation (None: a core each; 1 on a worker)


@dataclass(frozen=True)
class ScanPart:
    """Some listings of a panel: their (cut) bars, and the spec shared with the other parts."""

    spec: ScanSpec
    bars: pd.DataFrame = field(repr=False)
    symbols: list[str] = field(default_factory=list)


def partition_bars(
    bars: pd.DataFrame,
    start: dt.date,
    end: dt.date | None = None,
    *,
    mic: str,
    parts: int,
    benchmark_bars: pd.DataFrame | None = None,
    benchmark: str | None = None,
    model: Model = "market-model",
    window: tuple[int, int] = ESTIMATION_WINDOW,
    min_obs: int = MIN_OBS,
    min_z: float = MIN_ABS_Z,
    threads: int | None = None,
) -> list[ScanPart]:
    """``scan_bars``'s input cut into at most ``parts`` parts of consecutive listings (in panel order). Each
    part's sessions are datetime64 (cheap to send to another process); ``threads`` as in ``abnormal_returns``."""
    end = end or start
    bars, axis, bench, days = prepare_bars(bars, start, end, mic=mic, benchmark_bars=benchmark_bars, window=window)
    # the equal-weight proxy needs every listing's returns: built here once
    r = simple_returns(build_panel(bars, axis, ohlv=False).returns_close) if bench is None else np.empty((0, 0))
    m, name = benchmark_returns(bench, axis, benchmark=benchmark, panel_returns=r)
    del r
    codes, symbols = _symbol_codes(bars["symbol"])
    spec = ScanSpec(start, end, axis, m, name, model, window, min_obs, min_z, tuple(symbols), threads)
    out: list[ScanPart] = []
    for chunk in np.array_split(np.arange(len(symbols)), max(1, min(parts, len(symbols)))):
        if not len(chunk):
            continue
        rows = (codes >= chunk[0]) & (codes <= chunk[-1])
        names = symbols[chunk[0] : chunk[-1] + 1]
        part = bars[rows].assign(
            session=days[rows], symbol=pd.Categorical.from_codes(codes[rows] - chunk[0], categories=pd.Index(names))
        )
        out.append(ScanPart(spec, part, names))
    return out


def _symbol_codes(column: pd.Series) -> tuple[np.ndarray, list[str]]:
    """Each row's listing as its position among the sorted listings present (``build_panel``'s order):
    from the codes of a categorical column without making a string a row."""
    if isinstance(column.dtype, pd.CategoricalDtype):
        raw = column.cat.codes.to_numpy()
        present = np.unique(raw[raw >= 0])
        names = np.array([str(c) for c in column.cat.categories[present]], dtype=object)
        order = np.argsort(names, kind="stable")
        rank = np.empty(len(column.cat.categories), dtype=np.int64)
        rank[present[order]] = np.arange(len(present))
        if len(present) == len(set(names)) and (raw >= 0).all():
            return rank[raw], [str(x) for x in names[order]]
    codes, uniques = pd.factorize(column.astype(str), sort=True)
    return codes, [str(u) for u in uniques]


def scan_part(part: ScanPart) -> ScanResult:
    """The scan of one part's listings (what ``scan_bars`` gives for them, breadth counted over them only)."""
    spec = part.spec
    panel = build_panel(part.bars, spec.axis)
    r = simple_returns(panel.returns_close)
    res = abnormal_returns(r, spec.m, model=spec.model, window=spec.window, min_obs=spec.min_obs, threads=spec.threads)
    return scan_panel(panel, spec.m, spec.start, spec.end, benchmark=spec.benchmark, model=spec.model,
                      window=spec.window, min_obs=spec.min_obs, min_z=spec.min_z, result=res)  # fmt: skip


def combine(spec: ScanSpec, results: Sequence[ScanResult]) -> ScanResult:
    """The parts' results of one panel as the scan of the whole panel gives them."""
    if len(results) == 1:
        return results[0]
    symbols = pd.Index(spec.symbols)

    def cat(frames: list[pd.DataFrame], empty: pd.DataFrame) -> pd.DataFrame:
        frames = [f for f in frames if not f.empty]
        if not frames:  # as the whole panel's: its listings as the categories of an empty column
            if isinstance(empty["symbol"].dtype, pd.CategoricalDtype):
                empty = empty.assign(symbol=pd.Categorical([], categories=symbols))
            return empty
        out = pd.concat(frames, ignore_index=True)
        out["symbol"] = pd.Categorical(out["symbol"].astype(str), categories=symbols)
        # the whole panel lists cells session by session, each session's in panel (symbol) order
        key = out["session"].map(dt.date.toordinal).to_numpy() * len(symbols) + out["symbol"].cat.codes.to_numpy()
        return out.iloc[np.argsort(key, kind="stable")].reset_index(drop=True)

    moves = cat([r.moves for r in results], results[0].moves)
    gaps = cat([r.gaps for r in results], results[0].gaps)
    market = results[0].market.copy()
    if not market.empty:
        for col in ("n", "up", "down", "significant"):
            market[col] = sum((r.market[col].to_numpy() for r in results[1:]), results[0].market[col].to_numpy())
        n, up, down = (market[c].to_numpy() for c in ("n", "up", "down"))
        with np.errstate(invalid="ignore", divide="ignore"):
            market["up_share"] = np.where(n > 0, up / np.maximum(n, 1), np.nan)
        market["verdict"] = [
            _verdict(spec.benchmark, float(p), float(z), bool(d), int(u), int(dn), int(k))
            for p, z, d, u, dn, k in zip(
                market["bench_pct"], market["bench_z"], market["market_day"], up, down, n, strict=True
            )
        ]
        market = market[MARKET_COLUMNS]
    return ScanResult(moves, market, gaps).ranked()


def scan_panels(parts: Sequence[ScanPart], mapper: Mapper | None = None) -> list[ScanResult]:
    """Scan the parts (of one or more panels) with ``mapper``; each panel's result, in order."""
    results = mapper(scan_part, parts) if mapper is not None else [scan_part(p) for p in parts]
    panels: list[ScanResult] = []
    i = 0
    while i < len(parts):
        j = i
        while j < len(parts) and parts[j].spec is parts[i].spec:
            j += 1
        panels.append(combine(parts[i].spec, results[i:j]))
        i = j
    return panels


def scan_partitioned(parts: Sequence[ScanPart], mapper: Mapper | None = None) -> ScanResult:
    """Scan the parts (of one or more panels) with ``mapper``: one panel's as ``scan_bars`` gives it, several
    panels' merged and ranked as ``scan_store`` does."""
    panels = scan_panels(parts, mapper)
    if len(panels) == 1:
        return panels[0]
    merged = ScanResult()
    for panel in panels:
        merged = merged.merge(panel)
    return merged.ranked()
