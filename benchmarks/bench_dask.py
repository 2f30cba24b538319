"""Dask distributed (issue 17): archive ingest + extraction, the market-wide scan, and worker memory.

    python benchmarks/bench_dask.py [--part ingest|scan|rss|all] [--articles 10000] [--file-rows 2000]
                                    [--listings 10000] [--years 10] [--rss-sizes 100000,400000,1000000]
                                    [--single]

Every figure is measured in this run against a named baseline; nothing is asserted on wall-clock times.

* ``ingest`` — a Reuters-resampled archive of ``--articles`` articles (copies of the shared Reuters corpus
  with fresh ids, URLs and dates: copy k is the corpus squeezed into the k-th slice of its time span, its
  titles marked so no copy is an exact duplicate of another) in Parquet files of ``--file-rows`` rows,
  ingested and extracted (``ingest news --extract``) into a new DuckDB store on a LocalCluster of 1 worker
  (the baseline) and of 2 workers; prints the speed-up (goal: ≥ 1.6× at 400k). ``--single`` adds the
  path without Dask (``Desk.ingest_news``) for reference. CPU seconds of the client and of each worker,
  and the load average when each run starts (other jobs on the machine), are printed beside the times.
  The client stores each file's extraction payloads in one statement (``put_extractions``).
* ``scan`` — a synthetic ``--listings`` × ``--years`` panel generated with the real S&P panel's return
  statistics (each listing's α, β and residual σ drawn from the market-model fits of the real listings,
  fat-tailed t(4) residuals, the real equal-weight market returns resampled as its benchmark), scanned
  over its whole span: single-process time for 1/8, 1/4, 1/2 and all the listings (the ratio per
  doubling; goal ≤ 2.2×), as one panel and in parts of 1,250 listings, then the whole panel on
  LocalClusters of 1 and 2 workers.
* ``rss`` — worker peak RSS of the streaming archive ingest (workers read and fingerprint the files, the
  client de-duplicates and writes) at each of ``--rss-sizes`` articles; ratio to the smallest (goal:
  1M ≤ 1.2× 100k). Each size on a fresh 2-worker LocalCluster.

Each stage runs in its own process so that its peak RSS is its own.
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
import warnings
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("MOVEDESK_SHARED", ROOT.parent / "shared"))
REUTERS = SHARED / "data" / "news" / "reuters_2006_2013.parquet"
SP500 = SHARED / "data" / "prices" / "us_sp500.parquet"


def _rss_mb() -> float:
    """Peak RSS of this process: VmHWM, which starts afresh in an exec'd worker (``ru_maxrss`` does not: Linux
    carries it over fork and exec, so a worker would report the peak of the process that started it)."""
    with open("/proc/self/status", encoding="ascii") as fh:
        for line in fh:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024.0
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def _cpu_s() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


# -- the resampled archive --------------------------------------------------------------------------------
def build_archive(folder: Path, articles: int, file_rows: int) -> int:
    """Write ``articles`` resampled Reuters articles as Parquet files of ``file_rows`` rows, in time order."""
    import pyarrow as pa
    import pyarrow.compute as pc
    import pyarrow.parquet as pq

    corpus = pq.read_table(REUTERS)
    corpus = corpus.take(pc.sort_indices(corpus, [("published", "ascending")]))
    n = corpus.num_rows
    copies = -(-articles // n)
    stamps = pc.cast(corpus.column("published"), pa.int64()).to_numpy()
    lo, hi = int(stamps.min()), int(stamps.max())
    width = (hi - lo) // copies
    folder.mkdir(parents=True, exist_ok=True)
    written, part = 0, 0
    for k in range(copies):
        rows = corpus.slice(0, min(n, articles - written))
        squeezed = lo + k * width + (stamps[: rows.num_rows] - lo) // copies
        published = pa.array(squeezed, pa.int64()).cast(corpus.schema.field("published").type)
        suffix = f" [{k}]" if k else ""
        rows = rows.set_column(rows.schema.get_field_index("published"), "published", published)
        rows = rows.set_column(rows.schema.get_field_index("id"), "id", pc.binary_join_element_wise(
            rows.column("id"), pa.scalar(f"~{k}"), ""))  # fmt: skip
        rows = rows.set_column(rows.schema.get_field_index("url"), "url", pc.binary_join_element_wise(
            rows.column("url"), pa.scalar(f"?copy={k}"), ""))  # fmt: skip
        rows = rows.set_column(rows.schema.get_field_index("title"), "title", pc.binary_join_element_wise(
            rows.column("title"), pa.scalar(suffix), ""))  # fmt: skip
        for start in range(0, rows.num_rows, file_rows):
            pq.write_table(rows.slice(start, file_rows), folder / f"part-{part:05d}.parquet", compression="zstd")
            part += 1
        written += rows.num_rows
    return written


def _archive(articles: int, file_rows: int, work: Path) -> Path:
    folder = work / f"archive-{articles}-{file_rows}"
    if not folder.is_dir():
        build_archive(folder, articles, file_rows)
    return folder


def stage_ingest(folder: str, workers: int, extract: bool) -> dict[str, Any]:
    """Ingest (and extract) the archive into a new store: on a LocalCluster of ``workers``, or without Dask
    when ``workers`` is 0. Returns the seconds, the counts and the peak RSS of the client and each worker."""
    from movedesk.desk import Desk
    from movedesk.jobs.distributed import client_for, ingest_news

    with tempfile.TemporaryDirectory() as tmp, Desk.open(Path(tmp) / "bench.duckdb") as desk:
        load = os.getloadavg()[0]
        worker_cpu: list[float] = []
        if workers == 0:
            start, cpu = time.perf_counter(), _cpu_s()
            report = desk.ingest_news([folder], extract=extract)
            seconds, worker_rss, client_cpu = time.perf_counter() - start, [], _cpu_s() - cpu
        else:
            with client_for("local", workers) as client:
                assert client is not None
                client.run(lambda: __import__("movedesk.extract.pipeline"))  # the import is not timed
                before = client.run(_cpu_s)
                start, cpu = time.perf_counter(), _cpu_s()
                report = ingest_news(desk, [folder], client=client, extract=extract)
                seconds, client_cpu = time.perf_counter() - start, _cpu_s() - cpu
                worker_rss = sorted(client.run(_rss_mb).values())
                worker_cpu = sorted(v - before[k] for k, v in client.run(_cpu_s).items())
        extracted = desk.store.con.execute("SELECT count(*) FROM extractions").fetchone()  # type: ignore[attr-defined]
        return {
            "seconds": seconds,
            "new": report.new,
            "duplicates": report.duplicates,
            "extracted": int(extracted[0]) if extracted else 0,
            "client_rss_mb": _rss_mb(),
            "worker_rss_mb": worker_rss,
            "client_cpu": client_cpu,
            "worker_cpu": worker_cpu,
            "load_before": load,
        }


# -- the synthetic panel ----------------------------------------------------------------------------------
def synthetic_panel(listings: int, years: int, seed: int = 17) -> tuple[pd.DataFrame, pd.DataFrame, str]:
    """(bars, benchmark bars, mic) of ``listings`` synthetic listings over ``years`` years of XNYS sessions."""
    from movedesk import calendars
    from movedesk.detect.returns import abnormal_returns, build_panel, simple_returns
    from movedesk.detect.scan import equal_weight_returns

    real = pd.read_parquet(SP500, columns=["symbol", "date", "close", "flag"])
    panel = build_panel(real.rename(columns={"date": "session", "flag": "flags"}), ohlv=False)
    r = simple_returns(panel.close)
    m = equal_weight_returns(r)
    fit = abnormal_returns(r, m, window=(-250, -11))
    with np.errstate(all="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        alphas, betas, sigmas = (np.nanmedian(a, axis=0) for a in (fit.alpha, fit.beta, fit.sigma))
    ok = np.isfinite(alphas) & np.isfinite(betas) & np.isfinite(sigmas)
    alphas, betas, sigmas = alphas[ok], betas[ok], sigmas[ok]
    rng = np.random.default_rng(seed)
    mic = "XNYS"
    end = pd.Timestamp(panel.sessions[-1]).date()  # the real panel's last session
    days = calendars.session_index(mic, end - dt.timedelta(days=int(365.25 * years)), end)
    t = len(days)
    market = rng.choice(m[np.isfinite(m)], size=t)
    pick = rng.integers(0, len(betas), size=listings)
    eps = rng.standard_t(4, size=(t, listings)) / np.sqrt(2.0)  # t(4) has variance 2
    ret = alphas[pick] + betas[pick] * market[:, None] + sigmas[pick] * eps
    close = 50.0 * np.cumprod(1.0 + np.clip(ret, -0.9, 3.0), axis=0)
    volume = rng.lognormal(13.0, 0.6, size=(t, listings))
    symbols = np.array([f"SYN{i:05d}" for i in range(listings)])
    sessions = days.date
    bars = pd.DataFrame(
        {
            "symbol": pd.Categorical(np.tile(symbols, t)),
            "session": np.repeat(sessions, listings),
            "close": close.ravel(),
            "volume": volume.ravel(),
        }
    )
    bench = pd.DataFrame({"symbol": "^SYN", "session": sessions, "close": 100.0 * np.cumprod(1.0 + market)})
    return bars, bench, mic


#: Listings a part when one process scans the panel in parts (``--part scan``'s second column).
PART_LISTINGS = 1_250


def stage_scan(listings: int, years: int, workers: int) -> dict[str, Any]:
    """The whole-span scan of the first ``listings`` synthetic listings: single process when ``workers`` is
    0, else partitioned on a LocalCluster of that many workers (the bars shipped to them)."""
    from movedesk.detect.partition import partition_bars, scan_partitioned
    from movedesk.detect.scan import scan_bars
    from movedesk.jobs.distributed import client_for, client_mapper

    bars, bench, mic = synthetic_panel(listings, years)
    sessions = sorted(bench["session"])
    start, end = sessions[300], sessions[-1]  # after the first estimation window
    worker_rss: list[float] = []
    if workers == 0:
        t0 = time.perf_counter()
        result = scan_bars(bars, start, end, mic=mic, benchmark_bars=bench, benchmark="^SYN")
        seconds = time.perf_counter() - t0
    elif workers < 0:  # one process, the panel in parts of PART_LISTINGS listings scanned one after the other
        t0 = time.perf_counter()
        parts = partition_bars(bars, start, end, mic=mic, parts=max(1, listings // PART_LISTINGS),
                               benchmark_bars=bench, benchmark="^SYN")  # fmt: skip
        result = scan_partitioned(parts)
        seconds = time.perf_counter() - t0
    else:
        with client_for("local", workers) as client:
            assert client is not None
            t0 = time.perf_counter()
            parts = partition_bars(bars, start, end, mic=mic, parts=4 * workers, benchmark_bars=bench,
                                   benchmark="^SYN")  # fmt: skip
            result = scan_partitioned(parts, client_mapper(client))
            seconds = time.perf_counter() - t0
            worker_rss = sorted(client.run(_rss_mb).values())
    return {
        "seconds": seconds,
        "listings": listings,
        "sessions": len(sessions),
        "moves": len(result.moves),
        "rss_mb": _rss_mb(),
        "worker_rss_mb": worker_rss,
    }


# -- running the stages -----------------------------------------------------------------------------------
def run_stage(*args: str) -> dict[str, Any]:
    proc = subprocess.run([sys.executable, __file__, "--stage", *args], capture_output=True, text=True, check=False)
    if proc.returncode != 0:
        return {"error": (proc.stderr.strip().splitlines() or ["failed"])[-1]}
    return dict(json.loads(proc.stdout.strip().splitlines()[-1]))


def _ingest_part(args: argparse.Namespace, work: Path) -> None:
    t0 = time.perf_counter()
    folder = _archive(args.articles, args.file_rows, work)
    files = len(list(folder.glob("*.parquet")))
    print(f"archive: {args.articles:,} resampled Reuters articles in {files} files of {args.file_rows:,} "
          f"(built in {time.perf_counter() - t0:.0f} s, not timed below)")  # fmt: skip
    runs = {"1 worker": ("ingest", str(folder), "1", "1"), "2 workers": ("ingest", str(folder), "2", "1")}
    if args.single:
        runs = {"no Dask": ("ingest", str(folder), "0", "1"), **runs}
    out = {name: run_stage(*stage) for name, stage in runs.items()}
    print(f"{'ingest + extract':<18} {'seconds':>9} {'articles/s':>11} {'new':>9} {'extracted':>10} "
          f"{'client MB':>10} {'worker MB':>14} {'client cpu s':>13} {'worker cpu s':>14} {'load':>5}")  # fmt: skip
    for name, row in out.items():
        if "error" in row:
            print(f"{name:<18} error: {row['error']}")
            continue
        rss = "/".join(f"{x:.0f}" for x in row["worker_rss_mb"]) or "-"
        cpu = "/".join(f"{x:.0f}" for x in row["worker_cpu"]) or "-"
        print(f"{name:<18} {row['seconds']:>9.1f} {args.articles / row['seconds']:>11,.0f} {row['new']:>9,} "
              f"{row['extracted']:>10,} {row['client_rss_mb']:>10.0f} {rss:>14} {row['client_cpu']:>13.0f} "
              f"{cpu:>14} {row['load_before']:>5.1f}")  # fmt: skip
    one, two = out["1 worker"], out["2 workers"]
    if "error" not in one and "error" not in two:
        same = (one["new"], one["extracted"]) == (two["new"], two["extracted"])
        print(f"speed-up, 2 workers vs 1 (baseline): {one['seconds'] / two['seconds']:.2f}x "
              f"(goal >= 1.6x at 400k); same articles and extractions stored: {same}")  # fmt: skip
        split = sum(one["worker_cpu"]) / max(two["worker_cpu"])
        print(f"work split: the busiest of 2 workers spent {max(two['worker_cpu']):.0f} cpu-s, 1 worker "
              f"{sum(one['worker_cpu']):.0f} ({split:.2f}x; the wall-clock ratio falls short of it when the client's "
              f"{two['client_cpu']:.0f} cpu-s or other jobs on the machine take a core)")  # fmt: skip
        if "no Dask" in out and "error" not in out["no Dask"]:
            print(f"2 workers vs no Dask: {out['no Dask']['seconds'] / two['seconds']:.2f}x")


def _scan_part(args: argparse.Namespace) -> None:
    sizes = [args.listings // 8, args.listings // 4, args.listings // 2, args.listings]
    rows = {n: run_stage("scan", str(n), str(args.years), "0") for n in sizes}
    split = {n: run_stage("scan", str(n), str(args.years), "-1") for n in sizes}
    print(f"synthetic panel (S&P 500 return statistics), {args.years} years, whole-span scan, one process: "
          f"scan_bars, and in parts of {PART_LISTINGS:,} listings (partition_bars + scan_partitioned)")  # fmt: skip
    print(f"{'listings':>9} {'seconds':>9} {'per doubling':>13} {'moves':>10} {'peak RSS MB':>12} "
          f"{'in parts s':>11} {'per doubling':>13} {'peak RSS MB':>12}")  # fmt: skip
    previous: dict[str, float] = {}
    for n in sizes:
        cells = []
        for key, row in (("whole", rows[n]), ("parts", split[n])):
            if "error" in row:
                cells.append(f"error: {row['error']}")
                previous.pop(key, None)
                continue
            ratio = f"{row['seconds'] / previous[key]:.2f}x" if key in previous else "(baseline)"
            moves = f" {row['moves']:>10,}" if key == "whole" else ""
            cells.append(f"{row['seconds']:>9.2f} {ratio:>13}{moves} {row['rss_mb']:>12.0f}")
            previous[key] = row["seconds"]
        print(f"{n:>9,} " + " ".join(cells))
    whole = rows[args.listings]
    print(f"the whole panel ({args.listings:,} listings × {whole.get('sessions', '?')} sessions):")
    dask = {w: run_stage("scan", str(args.listings), str(args.years), str(w)) for w in (1, 2)}
    for w, row in dask.items():
        if "error" in row:
            print(f"  {w} worker(s): error: {row['error']}")
            continue
        same = row["moves"] == whole.get("moves")
        print(f"  LocalCluster, {w} worker(s): {row['seconds']:.2f} s (same moves as one process: {same}; "
              f"worker peak RSS {'/'.join(f'{x:.0f}' for x in row['worker_rss_mb'])} MB)")  # fmt: skip
    if all("error" not in r for r in (*dask.values(), whole)):
        print(
            f"  ratio 1 worker / 2 workers: {dask[1]['seconds'] / dask[2]['seconds']:.2f}x; "
            f"one process (no Dask, numpy on 2 threads) / 2 workers: {whole['seconds'] / dask[2]['seconds']:.2f}x"
        )


def _rss_part(args: argparse.Namespace, work: Path) -> None:
    sizes = [int(x) for x in args.rss_sizes.split(",")]
    print(f"streaming ingest (no extraction) on 2 workers, files of {args.file_rows:,} articles")
    print(
        f"{'articles':>10} {'seconds':>9} {'articles/s':>11} {'worker peak RSS MB':>19} {'ratio':>7} {'client MB':>10}"
    )
    base = None
    for n in sizes:
        folder = _archive(n, args.file_rows, work)
        row = run_stage("ingest", str(folder), "2", "0", "0")
        if "error" in row:
            print(f"{n:>10,} error: {row['error']}")
            continue
        peak = max(row["worker_rss_mb"])
        base = base or peak
        print(f"{n:>10,} {row['seconds']:>9.1f} {n / row['seconds']:>11,.0f} {peak:>19.0f} {peak / base:>6.2f}x "
              f"{row['client_rss_mb']:>10.0f}")  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n")[0])
    parser.add_argument("--part", default="all", choices=["ingest", "scan", "rss", "all"])
    parser.add_argument("--articles", type=int, default=10_000)
    parser.add_argument("--file-rows", type=int, default=2_000)
    parser.add_argument("--listings", type=int, default=10_000)
    parser.add_argument("--years", type=int, default=10)
    parser.add_argument("--rss-sizes", default="100000,400000,1000000")
    parser.add_argument("--single", action="store_true", help="also ingest without Dask (reference)")
    parser.add_argument("--work", type=Path, default=None, help="folder for the archives (default: a temp dir)")
    parser.add_argument("--stage", nargs="+", default=None)
    args = parser.parse_args()
    if args.stage:
        kind, *rest = args.stage
        if kind == "ingest":
            print(json.dumps(stage_ingest(rest[0], int(rest[1]), rest[2] == "1")))
        else:
            print(json.dumps(stage_scan(int(rest[0]), int(rest[1]), int(rest[2]))))
        return
    print(f"bench_dask ({dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC, {os.cpu_count()} cores)")
    with tempfile.TemporaryDirectory() as tmp:
        work = args.work or Path(tmp)
        if args.part in ("ingest", "all"):
            _ingest_part(args, work)
        if args.part in ("scan", "all"):
            _scan_part(args)
        if args.part in ("rss", "all"):
            _rss_part(args, work)
    print(f"machine load average at the end: {', '.join(f'{x:.1f}' for x in os.getloadavg())}")


if __name__ == "__main__":
    main()
