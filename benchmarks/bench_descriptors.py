"""Descriptors for one (listing, session) from a warm store, against a naive pandas baseline, in one run.

    python benchmarks/bench_descriptors.py [--prices ../shared/data/prices] [--repeat 200]

* ``naive-pandas`` (baseline): the textbook way — read the listing's and benchmark's bars from the store,
  ``pct_change`` on the whole history, merge, a statsmodels OLS on the [-250, -11] window and the same
  descriptors (change, range, gap, cumulative 5, volume ratio) with pandas indexing.
* ``movedesk``: ``Desk.move`` (store fetch + ``describe``: calendar gaps, placeholders, limits, streak,
  AR/z/p, CAR, market-day), and ``describe`` alone on bars already in memory.

Medians over ``--repeat`` calls on 688981.SS 2024-12-20 and 0981.HK 2024-12-23.
"""

from __future__ import annotations

import argparse
import datetime as dt
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_PRICES = ROOT.parent / "shared" / "data" / "prices"
CASES = [("688981.SS", "^STAR50", dt.date(2024, 12, 20)), ("0981.HK", "^HSI", dt.date(2024, 12, 23))]


def naive(store: object, symbol: str, bench: str, day: dt.date) -> dict[str, float]:
    import statsmodels.api as sm

    start = day - dt.timedelta(days=640)
    bars = store.bars([symbol], start, day).set_index("session")  # type: ignore[attr-defined]
    idx = store.bars([bench], start, day).set_index("session")  # type: ignore[attr-defined]
    r = bars["close"].pct_change()
    m = idx["close"].pct_change()
    joined = pd.concat([r.rename("r"), m.rename("m")], axis=1, join="inner").dropna()
    pos = joined.index.get_loc(day)
    est = joined.iloc[max(0, pos - 250) : pos - 10]
    fit = sm.OLS(est["r"], sm.add_constant(est["m"])).fit()
    ar = joined["r"].iloc[pos] - fit.params["const"] - fit.params["m"] * joined["m"].iloc[pos]
    i = bars.index.get_loc(day)
    prev = bars["close"].iloc[i - 1]
    return {
        "close_pct": (bars["close"].iloc[i] / prev - 1) * 100,
        "high_pct": (bars["high"].iloc[i] / prev - 1) * 100,
        "gap_pct": (bars["open"].iloc[i] / prev - 1) * 100,
        "cum5": (bars["close"].iloc[i] / bars["close"].iloc[i - 5] - 1) * 100,
        "volume_ratio": bars["volume"].iloc[i] / bars["volume"].iloc[i - 20 : i].mean(),
        "ar": ar * 100,
    }


def median_ms(fn: object, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()  # type: ignore[operator]
        times.append((time.perf_counter() - t) * 1000)
    return float(np.median(times))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--prices", type=Path, default=DEFAULT_PRICES)
    parser.add_argument("--repeat", type=int, default=200)
    args = parser.parse_args()
    from movedesk.desk import Desk
    from movedesk.detect.descriptors import describe

    hk = pd.read_parquet(args.prices / "hk.parquet", filters=[("symbol", "in", ["^HSI"])])
    folder = Path(tempfile.mkdtemp())
    hk.to_parquet(folder / "hsi.parquet")
    desk = Desk.open(folder / "bench.duckdb")
    desk.ingest_price_files([args.prices / "smic.parquet", args.prices / "cn_indices.parquet", folder / "hsi.parquet"])
    print(f"{'case':<22} {'naive-pandas ms':>16} {'Desk.move ms':>13} {'describe ms':>12} {'ratio':>7}")
    for symbol, bench, day in CASES:
        listing = desk.registry.listing(symbol)
        for _ in range(5):  # warm: the store's pages, the calendars, imports
            desk.move(symbol, day)
            naive(desk.store, symbol, bench, day)
        base = median_ms(lambda s=symbol, b=bench, d=day: naive(desk.store, s, b, d), args.repeat)
        ours = median_ms(lambda s=symbol, d=day: desk.move(s, d), args.repeat)
        start = day - dt.timedelta(days=640)
        bars, bench_bars = desk.store.bars([symbol], start, day), desk.store.bars([bench], start, day)
        alone = median_ms(
            lambda b=bars, x=listing, d=day, bb=bench_bars, s=bench: describe(b, x, d, bb, s), args.repeat
        )
        move = desk.move(symbol, day)
        check = naive(desk.store, symbol, bench, day)
        assert abs((move.close_pct or 0) - check["close_pct"]) < 1e-9
        print(f"{symbol + ' ' + str(day):<22} {base:>16.2f} {ours:>13.2f} {alone:>12.2f} {base / ours:>6.1f}x")
    desk.close()


if __name__ == "__main__":
    main()
