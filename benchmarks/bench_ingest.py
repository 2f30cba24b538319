"""Bulk news ingest benchmark: the shared Reuters 2006–2013 full-text Parquet, with near-duplicate detection.

    python benchmarks/bench_ingest.py [--path ../shared/data/news/reuters_2006_2013.parquet] [--limit N]

Runs, each in a fresh process so that peak RSS is its own:
  * baseline — a plain ``pandas.read_parquet`` and a DuckDB ``CREATE TABLE AS`` of the frame;
  * movedesk — ``movedesk.gather.ingest`` into a new store: parsing every row into an Article (timestamps,
    language, relays), exact and MinHash-LSH near-duplicate clustering, and batched transactional writes.
Prints articles/s, peak RSS, the ratio of the two, and the number of near-duplicate clusters found.
Targets (issue 5): ≥ 5,000 articles/s and ≤ 2 GB peak RSS.
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import os
import resource
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
DEFAULT = ROOT.parent / "shared" / "data" / "news" / "reuters_2006_2013.parquet"


def _peak_rss_mb() -> float:
    """Peak RSS of this process plus that of its largest finished child (an upper bound on the two
    together, for --workers 2)."""
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    child = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return (own + child) / 1024.0  # Linux: KiB


def _cpu() -> float:
    """CPU seconds of this process and of its finished children (the worker process of --workers 2)."""
    total = 0.0
    for who in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN):
        usage = resource.getrusage(who)
        total += usage.ru_utime + usage.ru_stime
    return total


def _baseline(path: str, limit: int | None, db: str, out: Any) -> None:
    import duckdb
    import pandas as pd

    if limit:  # the same pre-cut input as movedesk gets
        import pyarrow.parquet as pq

        cut = str(Path(db).with_suffix(".parquet"))
        pq.write_table(pq.read_table(path).slice(0, limit), cut)
        path = cut
    start, cpu = time.perf_counter(), _cpu()
    frame = pd.read_parquet(path)
    con = duckdb.connect(db)
    con.register("frame", frame)
    con.execute("CREATE TABLE news AS SELECT * FROM frame")
    con.close()
    out.put(
        {"rows": len(frame), "seconds": time.perf_counter() - start, "cpu": _cpu() - cpu, "rss_mb": _peak_rss_mb()}
    )


def _movedesk(path: str, limit: int | None, db: str, workers: int, out: Any) -> None:
    import movedesk.gather.ingest as ingest_module
    from movedesk.gather.dedup import BandIndex
    from movedesk.gather.ingest import IngestOptions, Ingestor
    from movedesk.store import open_store
    from movedesk.store.duckdb_store import DuckDBStore

    spent = {"dedup_store": 0.0, "fingerprints": 0.0, "index": 0.0, "reads": 0.0, "writes": 0.0, "checkpoint": 0.0}

    def timed(owner: Any, name: str, key: str) -> None:
        inner = getattr(owner, name)

        def wrapper(*args: Any, **kwargs: Any) -> Any:
            t = time.perf_counter()
            try:
                return inner(*args, **kwargs)
            finally:
                spent[key] += time.perf_counter() - t

        setattr(owner, name, wrapper)

    timed(ingest_module.columnar, "text_fingerprints", "fingerprints")
    for name in ("add", "matcher", "prune", "remove"):
        timed(BandIndex, name, "index")
    timed(DuckDBStore, "write_news_batch", "writes")
    for name in ("known_news_ids", "originals_by_hash", "news_originals_between", "article"):
        timed(DuckDBStore, name, "reads")

    class Timed(Ingestor):
        def process_table(self, batch: Any, query: str | None = None) -> None:
            t = time.perf_counter()
            super().process_table(batch, query)
            spent["dedup_store"] += time.perf_counter() - t

    source = path
    if limit:
        import pyarrow.parquet as pq

        source = str(Path(db).with_suffix(".parquet"))
        pq.write_table(pq.read_table(path).slice(0, limit), source)
    store = open_store(db)
    checkpoint = store.bulk_news_writes

    def timed_checkpoint(*args: Any, **kwargs: Any) -> Any:
        from contextlib import contextmanager

        @contextmanager
        def wrapped() -> Any:
            with checkpoint(*args, **kwargs):
                yield
                spent["checkpoint"] -= time.perf_counter()
            spent["checkpoint"] += time.perf_counter()

        return wrapped()

    store.bulk_news_writes = timed_checkpoint  # type: ignore[method-assign]
    start, cpu = time.perf_counter(), _cpu()
    report = Timed(store, IngestOptions(batch_size=5_000, workers=workers)).run([source])
    seconds = time.perf_counter() - start
    counts = store.news_counts()
    store.close()
    out.put(
        {
            "rows": report.new + report.duplicates + report.unchanged + len(report.rejected),
            "seconds": seconds,
            "cpu": _cpu() - cpu,
            "rss_mb": _peak_rss_mb(),
            "new": report.new,
            "duplicates": report.duplicates,
            "rejected": len(report.rejected),
            "reasons": report.rejection_reasons(),
            **{f"{k}_seconds": v for k, v in spent.items()},
            **counts,
        }
    )


def _run(target: Any, *args: Any) -> dict[str, Any]:
    ctx = mp.get_context("spawn")
    out = ctx.Queue()
    proc = ctx.Process(target=target, args=(*args, out))
    proc.start()
    result = out.get()
    proc.join()
    return dict(result)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--path", default=str(DEFAULT))
    parser.add_argument("--limit", type=int, default=None, help="only the first N rows")
    parser.add_argument(
        "--workers", type=int, default=1, help="2 or more: tables built by a second process (default 1: one process)"
    )
    args = parser.parse_args(argv)
    if not Path(args.path).exists():
        print(f"missing {args.path}", file=sys.stderr)
        return 2
    with tempfile.TemporaryDirectory(prefix="bench-ingest-") as tmp:
        base = _run(_baseline, args.path, args.limit, str(Path(tmp) / "baseline.duckdb"))
        ours = _run(_movedesk, args.path, args.limit, str(Path(tmp) / "movedesk.duckdb"), args.workers)
    base_rate = base["rows"] / base["seconds"]
    our_rate = ours["rows"] / ours["seconds"]
    print(f"input: {args.path} ({base['rows']:,} rows)")
    print(f"baseline pandas read + DuckDB insert: {base['seconds']:.2f} s, {base_rate:,.0f} rows/s, "
          f"peak RSS {base['rss_mb']:,.0f} MB (CPU {base['cpu']:.2f} s)")
    print(f"movedesk ingest (parse, dedup, store; {args.workers} worker(s)): {ours['seconds']:.2f} s, "
          f"{our_rate:,.0f} articles/s, "
          f"peak RSS {ours['rss_mb']:,.0f} MB (CPU {ours['cpu']:.2f} s, all processes: "
          f"{ours['rows'] / ours['cpu']:,.0f} articles per CPU second)")
    parse = ours["seconds"] - ours["dedup_store_seconds"] - ours["checkpoint_seconds"]
    other = ours["dedup_store_seconds"] - ours["index_seconds"] - ours["reads_seconds"]
    where = (f"of which MinHash fingerprints {ours['fingerprints_seconds']:.2f} s" if args.workers == 1
             else "built by a second process; this figure is the time spent waiting for it")
    print(f"  reading + building article tables (clean, relays, fingerprints) {parse:.2f} s ({where}); "
          f"de-duplication {ours['dedup_store_seconds']:.2f} s (LSH index {ours['index_seconds']:.2f} s, "
          f"store reads {ours['reads_seconds']:.2f} s, other incl. waiting for the previous write {other:.2f} s); "
          f"store writes {ours['writes_seconds']:.2f} s in a writer thread, beside the next batch's building; "
          f"final checkpoint {ours['checkpoint_seconds']:.2f} s")
    print(f"ratio movedesk / baseline: time ×{ours['seconds'] / base['seconds']:.2f}, "
          f"throughput {our_rate / base_rate:.2f}")
    print(f"load average (1, 5, 15 min) at the end: {', '.join(f'{x:.2f}' for x in os.getloadavg())}")
    print(f"stored {ours['new']:,} articles; {ours['duplicates']:,} duplicates recorded in "
          f"{ours['clusters']:,} clusters, {ours['near_clusters']:,} of them near-duplicate clusters; "
          f"{ours['rejected']:,} rejected {ours['reasons'] or ''}")
    ok_rate, ok_rss = our_rate >= 5_000, ours["rss_mb"] <= 2_048
    print(f"targets: ≥5,000 articles/s {'met' if ok_rate else 'NOT met'}; "
          f"≤2 GB RSS {'met' if ok_rss else 'NOT met'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
