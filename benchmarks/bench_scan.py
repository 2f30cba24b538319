"""Full market-model scan of the S&P 500 panel, side by side with two baselines, in one run.

    python benchmarks/bench_scan.py [--prices ../shared/data/prices] [--events 2000]

Stages (each in a fresh subprocess so peak RSS is its own; the panel load is timed separately):

* ``bare-numpy``  a bare numpy rolling-window pass with cumulative sums over the same panel: market-model
                  α, β and AR for every (session, ticker), single-threaded, no significance, no descriptors
                  — the practical floor.
* ``movedesk``    ``movedesk.detect.scan.scan_panel`` over every session 2000→2024: market-model AR, σ,
                  standardised AR (t) for every cell, then p-values, CAR, descriptors (gap, range, volume
                  ratio, 5-session change) and ranking for the significant ones (|z| ≥ 2), plus a
                  market-day verdict per session.
* ``eventstudy``  the ``eventstudy`` PyPI package (0.1a12, ``Single.market_model``) per event on a random
                  sample of (ticker, session) events with complete estimation windows, with the same
                  [-250, -11] window (estimation_size=240, buffer_size=10, event_window=(0, 0)); its AR is
                  compared with movedesk's on every sampled event.

Then descriptors for one (listing, session) from a warm DuckDB store: ``Desk.move`` and ``describe`` alone.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_PRICES = ROOT.parent / "shared" / "data" / "prices"


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def load_panel(prices: Path) -> tuple[object, np.ndarray, np.ndarray, float]:
    from movedesk.detect.returns import build_panel, simple_returns
    from movedesk.detect.scan import equal_weight_returns

    t = time.perf_counter()
    import pyarrow.parquet as pq

    table = pq.read_table(prices / "us_sp500.parquet", columns=["symbol", "date", "open", "high", "low", "close",
                                                               "volume", "flag"])  # fmt: skip
    bars = table.to_pandas(date_as_object=False).rename(columns={"date": "session", "flag": "flags"})
    panel = build_panel(bars)
    del bars
    r = simple_returns(panel.close)
    m = equal_weight_returns(r)
    return panel, r, m, time.perf_counter() - t


def bare_numpy(r: np.ndarray, m: np.ndarray, window: tuple[int, int] = (-250, -11), min_obs: int = 120) -> np.ndarray:
    """The floor: one rolling OLS pass with cumulative sums, α/β/AR only."""
    valid = np.isfinite(r) & np.isfinite(m)[:, None]
    x = np.where(valid, m[:, None], 0.0)
    y = np.where(valid, r, 0.0)

    def prefix(a: np.ndarray) -> np.ndarray:
        return np.concatenate([np.zeros((1, a.shape[1])), np.cumsum(a, axis=0)])

    t = np.arange(r.shape[0])
    lo = np.clip(t + window[0], 0, r.shape[0])
    hi = np.clip(t + window[1] + 1, 0, r.shape[0])
    n = (c := prefix(valid.astype(float)))[hi] - c[lo]
    sx = (c := prefix(x))[hi] - c[lo]
    sy = (c := prefix(y))[hi] - c[lo]
    sxx = (c := prefix(x * x))[hi] - c[lo]
    sxy = (c := prefix(x * y))[hi] - c[lo]
    with np.errstate(invalid="ignore", divide="ignore"):
        beta = (n * sxy - sx * sy) / (n * sxx - sx * sx)
        alpha = (sy - beta * sx) / n
        ar = r - alpha - beta * m[:, None]
    return np.where(n >= min_obs, ar, np.nan)


def stage_bare(prices: Path) -> dict[str, object]:
    _, r, m, load_s = load_panel(prices)
    t, c = time.perf_counter(), time.process_time()
    ar = bare_numpy(r, m)
    elapsed, cpu = time.perf_counter() - t, time.process_time() - c
    return {
        "seconds": elapsed,
        "cpu": cpu,
        "ars": int(np.isfinite(ar).sum()),
        "load_s": load_s,
        "rss_mb": peak_rss_mb(),
    }


def stage_movedesk(prices: Path, threads: int | None = None) -> dict[str, object]:
    from movedesk.detect.returns import abnormal_returns, simple_returns
    from movedesk.detect.scan import scan_panel

    panel, _, m, load_s = load_panel(prices)
    first = pd.Timestamp(panel.sessions[0]).date()  # type: ignore[attr-defined]
    last = pd.Timestamp(panel.sessions[-1]).date()  # type: ignore[attr-defined]
    t, c = time.perf_counter(), time.process_time()
    res = abnormal_returns(simple_returns(panel.close), m, threads=threads)  # type: ignore[attr-defined]
    t_ar = time.perf_counter() - t
    result = scan_panel(panel, m, first, last, benchmark="^SP500EW", min_z=2.0, result=res)  # type: ignore[arg-type]
    elapsed, cpu = time.perf_counter() - t, time.process_time() - c
    return {
        "seconds": elapsed,
        "cpu": cpu,
        "ar_seconds": t_ar,
        "ars": int(np.isfinite(res.ar).sum()),
        "significant": len(result.moves),
        "market_days": int(result.market["market_day"].sum()),
        "load_s": load_s,
        "rss_mb": peak_rss_mb(),
    }


def stage_eventstudy(prices: Path, events: int) -> dict[str, object]:
    from movedesk.detect.returns import abnormal_returns

    panel, r, m, _ = load_panel(prices)
    res = abnormal_returns(r, m)
    rng = np.random.default_rng(20241220)
    n_rows = r.shape[0]
    # events whose whole estimation window and event day have returns (eventstudy cannot skip NaNs)
    cand_t = rng.integers(260, n_rows, size=events * 20)
    cand_n = rng.integers(0, r.shape[1], size=events * 20)
    chosen: list[tuple[int, int]] = []
    for t, j in zip(cand_t, cand_n, strict=True):
        if np.isfinite(r[t - 250 : t + 1, j]).all() and np.isfinite(m[t - 250 : t + 1]).all():
            chosen.append((int(t), int(j)))
            if len(chosen) == events:
                break
    try:
        from eventstudy import Single
    except ImportError as exc:  # pragma: no cover - reported, not hidden
        return {"error": f"eventstudy not installed: {exc}"}
    dates = panel.sessions.astype("datetime64[D]")  # type: ignore[attr-defined]
    returns: dict[str, object] = {"date": dates, "__MKT__": m}
    symbols = panel.symbols  # type: ignore[attr-defined]
    for j in sorted({j for _, j in chosen}):
        returns[symbols[j]] = r[:, j]
    Single._save_parameter("returns", returns)
    diffs = []
    t0 = time.perf_counter()
    for t, j in chosen:
        ev = Single.market_model(
            security_ticker=symbols[j],
            market_ticker="__MKT__",
            event_date=dates[t],
            event_window=(0, 0),
            estimation_size=240,
            buffer_size=10,
        )
        diffs.append(abs(float(ev.AR[0]) - float(res.ar[t, j])))
    elapsed = time.perf_counter() - t0
    return {
        "seconds": elapsed,
        "events": len(chosen),
        "ms_per_event": elapsed / len(chosen) * 1000,
        "max_abs_diff": max(diffs),
        "rss_mb": peak_rss_mb(),
    }


def stage_descriptors(prices: Path) -> dict[str, object]:
    from movedesk.desk import Desk
    from movedesk.detect.descriptors import describe

    folder = Path(tempfile.mkdtemp())
    desk = Desk.open(folder / "bench.duckdb")
    desk.ingest_price_files([prices / "smic.parquet", prices / "cn_indices.parquet"])
    day = dt.date(2024, 12, 20)
    listing = desk.registry.listing("688981.SS")
    for _ in range(5):
        desk.move("688981.SS", day)
    move_ms = []
    for _ in range(200):
        t = time.perf_counter()
        desk.move("688981.SS", day)
        move_ms.append((time.perf_counter() - t) * 1000)
    start = day - dt.timedelta(days=640)
    bars = desk.store.bars(["688981.SS"], start, day)
    bench = desk.store.bars(["^STAR50"], start, day)
    fetch_ms = []
    for _ in range(200):
        t = time.perf_counter()
        desk.store.bars(["688981.SS"], start, day)
        desk.store.bars(["^STAR50"], start, day)
        fetch_ms.append((time.perf_counter() - t) * 1000)
    describe_ms = []
    for _ in range(200):
        t = time.perf_counter()
        describe(bars, listing, day, bench, "^STAR50")
        describe_ms.append((time.perf_counter() - t) * 1000)
    desk.close()
    return {
        "move_ms_median": float(np.median(move_ms)),
        "store_fetch_ms_median": float(np.median(fetch_ms)),
        "describe_ms_median": float(np.median(describe_ms)),
        "rss_mb": peak_rss_mb(),
    }


def run_stage(name: str, prices: Path, events: int) -> dict[str, object]:
    proc = subprocess.run(
        [sys.executable, __file__, "--stage", name, "--prices", str(prices), "--events", str(events)],
        capture_output=True,
        text=True,
        check=False,
    )
    if proc.returncode != 0:
        return {"error": proc.stderr.strip().splitlines()[-1] if proc.stderr.strip() else "failed"}
    return dict(json.loads(proc.stdout.strip().splitlines()[-1]))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--prices", type=Path, default=DEFAULT_PRICES)
    parser.add_argument("--events", type=int, default=2000)
    parser.add_argument("--stage", default=None)
    args = parser.parse_args()
    stages = {
        "bare-numpy": lambda: stage_bare(args.prices),
        "movedesk": lambda: stage_movedesk(args.prices),
        "movedesk-1t": lambda: stage_movedesk(args.prices, threads=1),
        "eventstudy": lambda: stage_eventstudy(args.prices, args.events),
        "descriptors": lambda: stage_descriptors(args.prices),
    }
    if args.stage:
        print(json.dumps(stages[args.stage]()))
        return
    out = {name: run_stage(name, args.prices, args.events) for name in stages}
    bare, ours, es, desc = out["bare-numpy"], out["movedesk"], out["eventstudy"], out["descriptors"]
    print(
        f"S&P 500 panel, market model, window [-250,-11], min 120 obs  ({dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC)"
    )
    print(
        f"panel load (parquet → sessions × tickers): {ours.get('load_s', float('nan')):.2f} s (not in the times below)"
    )
    print(f"machine load average at the end: {', '.join(f'{x:.1f}' for x in os.getloadavg())}")
    print(f"{'stage':<12} {'seconds':>9} {'cpu s':>7} {'ARs':>10} {'µs/AR':>8} {'peak RSS MB':>12}")
    for name in ("bare-numpy", "movedesk", "movedesk-1t"):
        row = out[name]
        if "error" in row:
            print(f"{name:<12} error: {row['error']}")
            continue
        us = float(row["seconds"]) / int(row["ars"]) * 1e6  # type: ignore[arg-type]
        print(
            f"{name:<12} {row['seconds']:>9.3f} {row['cpu']:>7.3f} {row['ars']:>10,} {us:>8.3f} {row['rss_mb']:>12.0f}"
        )
    if "error" not in ours:
        print(
            f"movedesk: AR+σ+t for every cell in {ours['ar_seconds']:.3f} s; then p, CAR, descriptors and rank for "
            f"{ours['significant']:,} significant moves, verdicts for every session ({ours['market_days']} market days)"
        )
    if "error" in es:
        print(f"eventstudy   error: {es['error']}")
    else:
        print(
            f"{'eventstudy':<12} {es['seconds']:>9.3f} {es['events']:>10,} {float(es['ms_per_event']) * 1000:>8.1f} "
            f"{es['rss_mb']:>12.0f}   (per event, sample; max |AR diff| vs movedesk {es['max_abs_diff']:.2e})"
        )
    if "error" not in es and "error" not in ours and "error" not in bare:
        ours_us = float(ours["seconds"]) / int(ours["ars"]) * 1e6  # type: ignore[arg-type]
        bare_us = float(bare["seconds"]) / int(bare["ars"]) * 1e6  # type: ignore[arg-type]
        es_us = float(es["ms_per_event"]) * 1000
        print(
            f"ratio eventstudy / movedesk per AR: {es_us / ours_us:,.0f}x "
            f"(eventstudy / bare numpy {es_us / bare_us:,.0f}x)"
        )
        print(f"ratio movedesk / bare numpy (time): {float(ours['seconds']) / float(bare['seconds']):.2f}x")
        one = out["movedesk-1t"]
        if "error" not in one:
            print(
                f"ratio movedesk 1 thread / bare numpy: time {float(one['seconds']) / float(bare['seconds']):.2f}x, "
                f"cpu {float(one['cpu']) / float(bare['cpu']):.2f}x"
            )
    if "error" in desc:
        print(f"descriptors  error: {desc['error']}")
    else:
        print(
            f"descriptors, one (listing, session) from a warm store: Desk.move {desc['move_ms_median']:.2f} ms "
            f"(store fetch of listing+benchmark {desc['store_fetch_ms_median']:.2f} ms, describe "
            f"{desc['describe_ms_median']:.2f} ms), medians of 200"
        )


if __name__ == "__main__":
    main()
