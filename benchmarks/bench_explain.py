"""explain latency with 100,000 articles in the store vs 1,000: p95 per (company, session), cold and warm.

Usage::

    python benchmarks/bench_explain.py [--shared ../shared] [--cases 60] [--profile] [--store-dir DIR]

Stores (DuckDB files in a temp dir), built in the same run:

- **100k**: all 84,904 shared Reuters articles (normalised with ``build_article``, linked with the real
  linker ``link_companies``) plus synthetic near-copies of random articles (new id and URL, one word
  changed, published shifted by up to ±30 days, linked to the same companies as the original) up to
  100,000;
- **1k (baseline)**: exactly the articles of the 100k store that explain reads for the measured cases
  (linked to the case's company inside its look-back window), plus random others up to 1,000.

So each (company, session) reads the same articles in both stores and the ratio isolates what the
store's size costs. Bars: every case company's listings and the ^SP500EW proxy (as in the eval).
Cases: a fixed sample of the explain dev set (``--cases``). Each store runs the cases once **cold** (the
extraction cache is empty, so every article explain reads is extracted) and three times **warm**
(extractions cached in the store); the stores take turns case by case so machine load hits both alike.
Targets (issue 7): warm p95 ≤ 200 ms at 100k, and
100k p95 ≤ 1.5 × 1k p95. ``--profile`` prints the cProfile hot spots of one warm 100k pass.
``--store-dir DIR`` keeps both stores in DIR and reuses them on the next run with the same cases (their
extraction caches are emptied first, so the cold pass stays cold): for iterating on explain itself.
"""

from __future__ import annotations

import argparse
import cProfile
import datetime as dt
import io
import pstats
import random
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow.parquet as pq

ROOT = Path(__file__).resolve().parents[1]
TARGET_ARTICLES = 100_000
SMALL_ARTICLES = 1_000


def load_reuters(path: Path) -> list[Any]:
    from movedesk.gather.normalise import build_article

    out = []
    for r in pq.read_table(path).to_pylist():
        out.append(
            build_article(
                title=r["title"],
                body=r["body"] or "",
                url=r["url"],
                published=r["published"],
                source=r["source"],
                authors=r["author"],
                tickers=r["tickers"],
            )
        )
    return out


def near_copies(articles: list[Any], links: dict[str, list[str]], n: int, rng: random.Random) -> list[Any]:
    out = []
    for i in range(n):
        a = rng.choice(articles)
        words = a.body.split(" ")
        if len(words) > 3:
            words[rng.randrange(len(words))] = "also"
        shift = dt.timedelta(minutes=rng.randint(-30 * 24 * 60, 30 * 24 * 60))
        copy = a.model_copy(
            update={
                "id": f"{a.id}-nc{i}",
                "url": f"{a.url}?nc={i}" if a.url else None,
                "body": " ".join(words),
                "published": a.published + shift,
                "first_seen": a.first_seen + shift,
            }
        )
        links[copy.id] = links.get(a.id, [])
        out.append(copy)
    return out


def build_store(path: Path, bars: Any, articles: list[Any], links: dict[str, list[str]]) -> Any:
    from movedesk.config import Settings
    from movedesk.desk import Desk

    desk = Desk.open(path, Settings(db=str(path)))
    desk.store.upsert_bars(bars)
    desk.store.upsert_articles(articles)
    desk.store.link_companies([(a.id, c) for a in articles for c in links.get(a.id, [])])
    return desk


def run_pass(desk: Any, cases: list[Any]) -> list[float]:
    from movedesk.explain.explain import explain

    times = []
    for case in cases:
        t0 = time.perf_counter()
        explain(desk, case.company_id, case.session, cutoff=case.cutoff)
        times.append((time.perf_counter() - t0) * 1000)
    return times


def p95(xs: list[float]) -> float:
    return float(np.percentile(xs, 95))


def main() -> None:
    from movedesk.eval.explain_eval import NEWS_FILE, PRICES_FILE, bars_for, load_cases, sample_cases
    from movedesk.extract.entities import link_companies
    from movedesk.registry import default_registry

    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n")[0])
    parser.add_argument("--shared", type=Path, default=ROOT.parent / "shared")
    parser.add_argument("--cases", type=int, default=60)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--profile", action="store_true")
    parser.add_argument("--store-dir", type=Path, default=None)
    args = parser.parse_args()
    rng = random.Random(args.seed)
    registry = default_registry()
    cases = sample_cases(load_cases(), args.cases, seed=args.seed)
    if args.store_dir is not None and all((args.store_dir / f"{n}.duckdb").exists() for n in ("1k", "100k")):
        measure(cases, args.store_dir, {}, args.profile)
        return

    t = time.perf_counter()
    reuters = load_reuters(args.shared / NEWS_FILE)
    print(f"normalised {len(reuters):,} Reuters articles in {time.perf_counter() - t:.0f} s")
    t = time.perf_counter()
    links = {a.id: sorted(link_companies(a, registry)) for a in reuters}
    linked = sum(1 for v in links.values() if v)
    print(f"linked {linked:,} of them to ≥1 company in {time.perf_counter() - t:.0f} s")
    big = reuters + near_copies(reuters, links, TARGET_ARTICLES - len(reuters), rng)
    bars = bars_for(cases, args.shared / PRICES_FILE, registry)

    lookback = dt.timedelta(days=7)
    needed = {
        a.id
        for a in big
        for case in cases
        if case.company_id in links.get(a.id, ()) and case.cutoff - lookback <= a.published <= case.cutoff
    }
    rest = [a for a in big if a.id not in needed]
    small = [a for a in big if a.id in needed] + rng.sample(rest, max(0, SMALL_ARTICLES - len(needed)))
    print(f"cases: {len(cases)}; articles explain reads across them: {len(needed)}")

    with tempfile.TemporaryDirectory() as tmp:
        folder = args.store_dir or Path(tmp)
        folder.mkdir(parents=True, exist_ok=True)
        built = {}
        for name, articles in (("1k", small), ("100k", big)):
            t = time.perf_counter()
            build_store(folder / f"{name}.duckdb", bars, articles, links).close()
            built[name] = time.perf_counter() - t
        measure(cases, folder, built, args.profile)


def measure(cases: list[Any], folder: Path, built: dict[str, float], profile: bool, warm_passes: int = 3) -> None:
    """Cold pass, then ``warm_passes`` warm passes; the two stores take turns case by case (who goes first
    alternates), so load from other processes falls on both alike and the ratio stays fair."""
    from movedesk.config import Settings
    from movedesk.desk import Desk

    names = ("1k", "100k")
    desks = {}
    for name in names:
        path = folder / f"{name}.duckdb"
        desks[name] = Desk.open(path, Settings(db=str(path)))
        desks[name].store.con.execute("DELETE FROM extractions")
        took = f", built in {built[name]:.0f} s" if name in built else " (reused)"
        print(f"store {name}: {desks[name].store.count_articles():,} articles{took}")
    results: dict[str, dict[str, list[float]]] = {n: {"cold": [], "warm": []} for n in names}
    for mode, passes in (("cold", 1), ("warm", warm_passes)):
        for _ in range(passes):
            for i, case in enumerate(cases):
                for name in names if i % 2 == 0 else names[::-1]:
                    results[name][mode].extend(run_pass(desks[name], [case]))
    spent: dict[str, dict[str, float]] = {"1k": {}, "100k": {}}
    for name in names if profile else ():
        prof = cProfile.Profile()
        prof.enable()
        run_pass(desks[name], cases)
        prof.disable()
        stats = pstats.Stats(prof)
        for (file, _, func), row in stats.stats.items():  # type: ignore[attr-defined]
            if file.endswith("duckdb_store.py") and func in ("articles", "bars", "extractions", "last_closes"):
                spent[name][func] = row[3] / max(row[1], 1) * 1000
        if name == "100k":
            buf = io.StringIO()
            pstats.Stats(prof, stream=buf).sort_stats("cumulative").print_stats(25)
            print(buf.getvalue())
    for desk in desks.values():
        desk.close()

    print()
    print(f"{'p95 ms per (company, session)':<34}{'1k (baseline)':>15}{'100k':>12}{'ratio':>9}")
    for mode in ("cold", "warm"):
        a, b = p95(results["1k"][mode]), p95(results["100k"][mode])
        print(f"{mode + ' extraction cache':<34}{a:>15.1f}{b:>12.1f}{b / a:>9.2f}")
    for mode in ("cold", "warm"):
        a, b = np.median(results["1k"][mode]), np.median(results["100k"][mode])
        print(f"{'median, ' + mode:<34}{a:>15.1f}{b:>12.1f}{b / a:>9.2f}")
    for func in sorted(spent["100k"]):
        a, b = spent["1k"].get(func, float("nan")), spent["100k"][func]
        print(f"{'store.' + func + ' ms per call (warm)':<34}{a:>15.2f}{b:>12.2f}{b / a:>9.2f}")
    warm_big = p95(results["100k"]["warm"])
    ratio = warm_big / p95(results["1k"]["warm"])
    print(
        f"\ntargets: warm p95 at 100k ≤ 200 ms: {'met' if warm_big <= 200 else 'NOT met'} ({warm_big:.0f} ms); "
        f"ratio ≤ 1.5: {'met' if ratio <= 1.5 else 'NOT met'} ({ratio:.2f})"
    )


if __name__ == "__main__":
    main()
