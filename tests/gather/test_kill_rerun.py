"""A run killed with SIGKILL halfway, then run again, ends with exactly the articles of one clean run: a JSON
Lines file (the per-row path) and a Parquet file (the column-wise path, in one process and with the tables
built by a worker process, which stops when its parent is killed)."""

from __future__ import annotations

import datetime as dt
import json
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from movedesk.store import open_store

SCRIPT = """
import sys
from movedesk.gather.ingest import IngestOptions, ingest
from movedesk.store import open_store

def show(step):
    if step.batches:
        print("committed", step.batches, flush=True)

store = open_store(sys.argv[1])
ingest(store, [sys.argv[2]], IngestOptions(batch_size=int(sys.argv[3]), workers=int(sys.argv[4]), progress=show))
store.close()
print("done", flush=True)
"""


def _corpus(path: Path, n: int = 400) -> None:
    rows = _rows(n)
    if path.suffix == ".parquet":
        import pyarrow as pa
        import pyarrow.parquet as pq

        for r in rows:
            r["published"] = dt.datetime.fromisoformat(r["published"])
        pq.write_table(pa.Table.from_pylist(rows), path)
    else:
        path.write_text("\n".join(json.dumps(r) for r in rows) + "\n")


def _rows(n: int) -> list[dict[str, object]]:
    """Stories of made-up words, with near copies, exact copies and earlier copies placed late in the file."""
    rng = random.Random(5)
    syllables = ["ka", "lo", "mi", "ne", "su", "ta", "ri", "po", "ve", "do", "ga", "zu", "fe", "hi", "jo"]
    vocab = ["".join(rng.choice(syllables) for _ in range(rng.randint(2, 4))) for _ in range(3000)]
    start = dt.datetime(2024, 1, 1, tzinfo=dt.UTC)
    rows = []
    for i in range(n):
        words = [rng.choice(vocab) for _ in range(rng.randint(60, 160))]
        when = start + dt.timedelta(hours=i)
        rows.append({"title": f"Story {i}", "body": " ".join(words), "url": f"https://w.example/{i}",
                     "published": when.isoformat()})
        kind = i % 10
        if kind in (3, 7):  # a lightly edited copy, a little later
            edited = list(words)
            edited[5] = "changed"
            rows.append({"title": f"Story {i} (copy)", "body": " ".join(edited),
                         "url": f"https://copy.example/{i}", "published": (when + dt.timedelta(hours=2)).isoformat()})
        if kind == 5:  # an exact copy, published *earlier*, far later in the file
            rows.append({"title": f"Story {i}", "body": " ".join(words), "url": f"https://early.example/{i}",
                         "published": (when - dt.timedelta(hours=1)).isoformat(), "late": True})
    ordered = [r for r in rows if not r.get("late")] + [r for r in rows if r.get("late")]
    return [{k: v for k, v in r.items() if k != "late"} for r in ordered]


def _snapshot(db: Path) -> tuple[list[tuple[object, ...]], list[tuple[object, ...]]]:
    store = open_store(db)
    try:
        articles = sorted(
            (a.id, a.title, a.url, a.published, a.cluster_id, a.body) for a in store.articles()
        )
        members = sorted(
            store.con.execute(
                "SELECT member_id, cluster_id, original_id, relation, url, published FROM news_members"
            ).fetchall()
        )
    finally:
        store.close()
    return articles, members


def _run(db: Path, corpus: Path, batch: int, workers: int = 1) -> subprocess.Popen[str]:
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    return subprocess.Popen(
        [sys.executable, "-c", SCRIPT, str(db), str(corpus), str(batch), str(workers)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env,
    )


def _children(pid: int) -> list[int]:
    try:
        return [int(x) for x in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    except OSError:
        return []


def _gone(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/stat").read_text().split(") ")[-1].startswith("Z")
    except OSError:
        return True


@pytest.mark.slow
@pytest.mark.parametrize(("suffix", "workers"), [(".jsonl", 1), (".parquet", 1), (".parquet", 2)])
def test_sigkill_halfway_then_rerun_equals_one_clean_run(tmp_path: Path, suffix: str, workers: int) -> None:
    corpus = tmp_path / f"corpus{suffix}"
    _corpus(corpus)
    clean = _run(tmp_path / "clean.duckdb", corpus, 40, workers)
    out, err = clean.communicate(timeout=300)
    assert clean.returncode == 0, err
    batches = sum(1 for line in out.splitlines() if line.startswith("committed"))
    assert batches >= 10

    killed = _run(tmp_path / "killed.duckdb", corpus, 40, workers)
    assert killed.stdout is not None
    children: list[int] = []
    for line in killed.stdout:
        if line.startswith("committed") and int(line.split()[1]) >= batches // 2:
            children = _children(killed.pid)
            killed.send_signal(signal.SIGKILL)
            break
    killed.wait(timeout=60)
    assert killed.returncode == -signal.SIGKILL
    if workers > 1:  # the worker process notices its parent is gone and stops
        deadline = time.monotonic() + 20
        while not all(_gone(c) for c in children) and time.monotonic() < deadline:
            time.sleep(0.2)
        assert all(_gone(c) for c in children)

    partial_articles, _ = _snapshot(tmp_path / "killed.duckdb")
    clean_articles, clean_members = _snapshot(tmp_path / "clean.duckdb")
    assert 0 < len(partial_articles) < len(clean_articles)

    rerun = _run(tmp_path / "killed.duckdb", corpus, 40, workers)
    _out, err = rerun.communicate(timeout=300)
    assert rerun.returncode == 0, err
    articles, members = _snapshot(tmp_path / "killed.duckdb")
    assert articles == clean_articles
    assert members == clean_members
    relations = {m[3] for m in members}
    assert relations == {"exact", "near"}
    # the earlier exact copies (placed at the end of the file) took over as originals
    assert any(a[2].startswith("https://early.example/") for a in articles)
