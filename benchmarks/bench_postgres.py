"""PostgreSQL against DuckDB, in one run: explain p95 at 100k articles, ingest end to end, cached pages.

Usage::

    python benchmarks/bench_postgres.py [--pg URL] [--only explain,ingest,web] [--cases 40]
                                        [--ingest-articles 20000] [--seconds 20]

Without ``--pg`` a throwaway cluster is started (``movedesk.testing.postgres``, Debian's server binaries,
durability settings left at their defaults so the figures are a real server's). The baseline of every
figure is the DuckDB store, measured in the same run on the same inputs:

- **explain** (issue 17: PostgreSQL p95 ≤ 2× DuckDB's, 100k articles): both stores hold the 100k store of
  ``bench_explain.py`` (the shared Reuters archive plus near-copies, linked by the real linker); the cases
  run cold once and warm three times, the two stores taking turns case by case.
- **ingest** (issue 17: ≥ 5,000 articles/s end to end on both): ``Desk.ingest_news`` on the first
  ``--ingest-articles`` Reuters articles (a Parquet slice), company linking included, into an empty store.
- **web** (issue 17: PostgreSQL with 4 workers ≥ DuckDB with 1, 0 errors): the demo's cached brief page
  under ``wrk`` (or this repo's Python load generator when wrk is absent), loopback.
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow.parquet as pq

sys.path.insert(0, str(Path(__file__).resolve().parent))
import bench_explain
import bench_web

from movedesk.testing.postgres import create_schema

ROOT = Path(__file__).resolve().parents[1]


def bench_explain_stores(server: str, shared: Path, n_cases: int, tmp: Path) -> None:
    from movedesk.config import Settings
    from movedesk.desk import Desk
    from movedesk.eval.explain_eval import NEWS_FILE, PRICES_FILE, bars_for, load_cases, sample_cases
    from movedesk.extract.entities import link_companies
    from movedesk.registry import default_registry

    rng = random.Random(1)
    registry = default_registry()
    cases = sample_cases(load_cases(), n_cases, seed=1)
    reuters = bench_explain.load_reuters(shared / NEWS_FILE)
    links = {a.id: sorted(link_companies(a, registry)) for a in reuters}
    big = reuters + bench_explain.near_copies(reuters, links, bench_explain.TARGET_ARTICLES - len(reuters), rng)
    bars = bars_for(cases, shared / PRICES_FILE, registry)
    urls = {"duckdb": str(tmp / "explain.duckdb"), "postgresql": create_schema(server)}
    desks: dict[str, Any] = {}
    for name, url in urls.items():
        t = time.perf_counter()
        bench_explain.build_store(url, bars, big, links).close()  # type: ignore[arg-type]
        print(f"explain store on {name}: {len(big):,} articles built in {time.perf_counter() - t:.0f} s")
        desks[name] = Desk.open(url, Settings(db=url))
    times: dict[str, dict[str, list[float]]] = {n: {"cold": [], "warm": []} for n in urls}
    for mode, passes in (("cold", 1), ("warm", 3)):
        for _ in range(passes):
            for i, case in enumerate(cases):
                for name in list(urls) if i % 2 == 0 else list(urls)[::-1]:
                    times[name][mode].extend(bench_explain.run_pass(desks[name], [case]))
    for desk in desks.values():
        desk.close()
    print(f"\nexplain, {len(cases)} (company, session) cases, 100k articles: p95 ms")
    print(f"{'':24}{'DuckDB (baseline)':>18}{'PostgreSQL':>12}{'ratio':>8}")
    for mode in ("cold", "warm"):
        a, b = np.percentile(times["duckdb"][mode], 95), np.percentile(times["postgresql"][mode], 95)
        print(f"{mode + ' extraction cache':<24}{a:>18.1f}{b:>12.1f}{b / a:>8.2f}")
    ratio = np.percentile(times["postgresql"]["warm"], 95) / np.percentile(times["duckdb"]["warm"], 95)
    print(f"target: PostgreSQL warm p95 ≤ 2× DuckDB's: {'met' if ratio <= 2 else 'NOT met'} ({ratio:.2f}×)")


def bench_ingest(server: str, shared: Path, n: int, tmp: Path) -> None:
    from movedesk.config import Settings
    from movedesk.desk import Desk
    from movedesk.eval.explain_eval import NEWS_FILE

    part = tmp / "reuters_slice.parquet"
    pq.write_table(pq.read_table(shared / NEWS_FILE).slice(0, n), part)
    print(f"\ningest: Desk.ingest_news of {n:,} Reuters articles (one Parquet file), linking included")
    rates = {}
    for name, url in (("duckdb", str(tmp / "ingest.duckdb")), ("postgresql", create_schema(server))):
        with Desk.open(url, Settings(db=url)) as desk:
            t = time.perf_counter()
            report = desk.ingest_news([part])
            took = time.perf_counter() - t
            stored = desk.store.count_articles()
        rates[name] = n / took
        print(f"  {name:<11}{took:8.1f} s  {rates[name]:9,.0f} articles/s  ({report.new:,} new, {stored:,} stored)")
    print(f"  ratio PostgreSQL / DuckDB: {rates['postgresql'] / rates['duckdb']:.2f}")
    for name, rate in rates.items():
        print(f"  target ≥ 5,000 articles/s on {name}: {'met' if rate >= 5000 else 'NOT met'} ({rate:,.0f}/s)")


def _serve(db: str, workers: int) -> tuple[subprocess.Popen[bytes], str]:
    port = bench_web.free_port()
    cmd = [sys.executable, "-m", "movedesk", "--db", db, "serve", "--port", str(port), "--log-level", "warning"]
    if workers > 1:
        cmd += ["--workers", str(workers)]
    proc = subprocess.Popen(cmd, env={**os.environ, "PYTHONWARNINGS": "ignore", "MOVEDESK_SECRET_KEY": "bench"},
                            stderr=subprocess.DEVNULL)  # fmt: skip
    return proc, bench_web.wait_healthy(proc, port)


def bench_pages(server: str, seconds: int, connections: int, tmp: Path) -> None:
    from movedesk.demo import run_demo

    load = bench_web.run_wrk if shutil.which("wrk") else bench_web.run_python
    results = {}
    for name, db, workers in (("DuckDB, 1 worker (baseline)", str(tmp / "web.duckdb"), 1),
                              ("PostgreSQL, 4 workers", create_schema(server), 4)):  # fmt: skip
        slug = run_demo(tmp / f"demo-{workers}", db=db).paths["json"].stem
        proc, base = _serve(db, workers)
        try:
            url = f"{base}/briefs/{slug}"
            for _ in range(workers * 4):  # warm each worker's page cache
                urllib.request.urlopen(url, timeout=30).read()
            results[name] = load(url, seconds, connections)
        finally:
            proc.terminate()
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                proc.kill()
    print(f"\ncached brief page, {connections} connections, {seconds} s, loopback, {os.cpu_count()} cores")
    for name, r in results.items():
        print(f"  {name:<28}{r.rps:9,.0f} req/s  p50 {r.p50_ms:6.1f} ms  p99 {r.p99_ms:6.1f} ms  "
              f"errors {r.errors}  ({r.tool})")
    base_r, ours = results["DuckDB, 1 worker (baseline)"], results["PostgreSQL, 4 workers"]
    ratio = ours.rps / max(base_r.rps, 1e-9)
    ok = ratio >= 1 and ours.errors == 0
    verdict = "met" if ok else "NOT met"
    print(f"  ratio: {ratio:.2f}; target PostgreSQL 4 workers ≥ DuckDB 1 worker, 0 errors: {verdict}")


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n")[0])
    parser.add_argument("--pg", default=os.environ.get("MOVEDESK_TEST_PG"), help="server URL (default: throwaway)")
    parser.add_argument("--shared", type=Path, default=ROOT.parent / "shared")
    parser.add_argument("--only", default="explain,ingest,web")
    parser.add_argument("--cases", type=int, default=40)
    parser.add_argument("--ingest-articles", type=int, default=20_000)
    parser.add_argument("--seconds", type=int, default=20)
    parser.add_argument("--connections", type=int, default=50)
    args = parser.parse_args()
    parts = set(args.only.split(","))
    from contextlib import nullcontext

    from movedesk.testing.postgres import throwaway_cluster

    with tempfile.TemporaryDirectory() as tmp, (nullcontext(args.pg) if args.pg else throwaway_cluster()) as server:
        print(f"PostgreSQL: {server}")
        if "ingest" in parts:
            bench_ingest(server, args.shared, args.ingest_articles, Path(tmp))
        if "web" in parts:
            bench_pages(server, args.seconds, args.connections, Path(tmp))
        if "explain" in parts:
            bench_explain_stores(server, args.shared, args.cases, Path(tmp))


if __name__ == "__main__":
    main()
