"""Peak memory of a streaming news ingest as the archive grows: 100k, 400k and 1M articles.

Usage::

    python benchmarks/bench_memory.py [--sizes 100000,400000,1000000] [--link] [--db duckdb|postgresql]

The archives are built by resampling the shared Reuters corpus (84,904 articles) with fresh ids and dates:
each row is a random Reuters article with a new URL (so a new id), one word of its body changed and its
publish time moved to a random minute of a 20-year span, rows in time order (as a wire archive runs),
written as one Parquet file in row groups. Each
size is ingested by ``Desk.ingest_news`` into an empty store in a fresh process, which reports its peak
resident memory (``VmHWM``). Baseline, same run: the smallest archive's peak. Target (issue 17): the
1M-article peak at most 1.2× the 100k one. Without ``--link`` the company linking after the ingest is left
out (it streams in chunks too, and takes most of the time: about 1 ms an article).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

ROOT = Path(__file__).resolve().parents[1]
SPAN_MINUTES = 20 * 365 * 24 * 60
CHILD = """
import json, sys, time
from pathlib import Path
from movedesk.config import Settings
from movedesk.desk import Desk
db, archive, link = sys.argv[1], sys.argv[2], sys.argv[3] == "1"
t = time.perf_counter()
with Desk.open(db, Settings(db=db)) as desk:
    report = desk.ingest_news([Path(archive)], link=link)
    stored = desk.store.count_articles()
took = time.perf_counter() - t
# VmHWM, not ru_maxrss: the latter carries the parent's peak over fork and exec
hwm = next(line for line in open("/proc/self/status") if line.startswith("VmHWM:"))
peak_mb = int(hwm.split()[1]) / 1024
print(json.dumps({"new": report.new, "duplicates": report.duplicates, "stored": stored, "seconds": took,
                  "peak_mb": peak_mb}))
"""


def build_archive(reuters: pa.Table, n: int, path: Path, seed: int, chunk: int = 50_000) -> None:
    rng = random.Random(seed)
    start = pc.min(reuters["published"]).as_py()
    # an archive runs forward in time, as a wire's does: sorted random minutes over the span
    minutes = sorted(rng.randrange(SPAN_MINUTES) for _ in range(n))
    writer: pq.ParquetWriter | None = None
    try:
        for offset in range(0, n, chunk):
            size = min(chunk, n - offset)
            picks = [rng.randrange(len(reuters)) for _ in range(size)]
            rows = reuters.take(pa.array(picks)).to_pylist()
            for i, row in enumerate(rows):
                k = offset + i
                row["url"] = f"{row['url'] or 'https://archive.example/a'}?resample={k}"
                words = (row["body"] or "").split(" ")
                if len(words) > 3:
                    words[rng.randrange(len(words))] = f"w{k}"
                row["body"] = " ".join(words)
                row["published"] = start + dt.timedelta(minutes=minutes[k])
            table = pa.Table.from_pylist(rows, schema=reuters.schema)
            if writer is None:
                writer = pq.ParquetWriter(path, reuters.schema)
            writer.write_table(table, row_group_size=10_000)
    finally:
        if writer is not None:
            writer.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n")[0])
    parser.add_argument("--shared", type=Path, default=ROOT.parent / "shared")
    parser.add_argument("--sizes", default="100000,400000,1000000")
    parser.add_argument("--link", action="store_true", help="also link the new articles to companies")
    parser.add_argument("--pg", default=None, help="a PostgreSQL server URL: measure on it instead of DuckDB")
    args = parser.parse_args()
    sizes = [int(x) for x in args.sizes.split(",")]
    reuters = pq.read_table(args.shared / "data" / "news" / "reuters_2006_2013.parquet")
    results = {}
    with tempfile.TemporaryDirectory() as tmp:
        for n in sizes:
            archive = Path(tmp) / f"archive-{n}.parquet"
            t = time.perf_counter()
            build_archive(reuters, n, archive, seed=n)
            print(f"built {n:,}-article archive in {time.perf_counter() - t:.0f} s "
                  f"({archive.stat().st_size / 1e6:,.0f} MB)", flush=True)  # fmt: skip
            if args.pg:
                from movedesk.testing.postgres import create_schema

                db = create_schema(args.pg)
            else:
                db = str(Path(tmp) / f"store-{n}.duckdb")
            out = subprocess.run([sys.executable, "-c", CHILD, db, str(archive), "1" if args.link else "0"],
                                 capture_output=True, text=True, env={**os.environ, "PYTHONWARNINGS": "ignore"})
            if out.returncode != 0:
                raise SystemExit(out.stderr[-3000:])
            results[n] = json.loads(out.stdout.strip().splitlines()[-1])
            r = results[n]
            print(f"  {n:>9,} articles: peak RSS {r['peak_mb']:7,.0f} MB, {r['seconds']:6.0f} s "
                  f"({n / r['seconds']:,.0f}/s), {r['stored']:,} stored, {r['duplicates']:,} duplicates", flush=True)
            archive.unlink()
    base = results[sizes[0]]["peak_mb"]
    print(f"\npeak RSS relative to {sizes[0]:,} articles (baseline):")
    for n in sizes:
        print(f"  {n:>9,}: {results[n]['peak_mb'] / base:5.2f}×")
    last = results[sizes[-1]]["peak_mb"] / base
    print(f"target: {sizes[-1]:,} ≤ 1.2× {sizes[0]:,}: {'met' if last <= 1.2 else 'NOT met'} ({last:.2f}×)")


if __name__ == "__main__":
    main()
