"""A run killed with SIGKILL halfway, then run again, ends with exactly the articles of one clean run."""

from __future__ import annotations

import datetime as dt
import json
import os
import random
import signal
import subprocess
import sys
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
ingest(store, [sys.argv[2]], IngestOptions(batch_size=int(sys.argv[3]), progress=show))
store.close()
print("done", flush=True)
"""


def _corpus(path: Path, n: int = 400) -> None:
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
    path.write_text("\n".join(json.dumps({k: v for k, v in r.items() if k != "late"}) for r in ordered) + "\n")


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


def _run(db: Path, corpus: Path, batch: int) -> subprocess.Popen[str]:
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    return subprocess.Popen(
        [sys.executable, "-c", SCRIPT, str(db), str(corpus), str(batch)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env,
    )


@pytest.mark.slow
def test_sigkill_halfway_then_rerun_equals_one_clean_run(tmp_path: Path) -> None:
    corpus = tmp_path / "corpus.jsonl"
    _corpus(corpus)
    clean = _run(tmp_path / "clean.duckdb", corpus, 40)
    out, err = clean.communicate(timeout=300)
    assert clean.returncode == 0, err
    batches = sum(1 for line in out.splitlines() if line.startswith("committed"))
    assert batches >= 10

    killed = _run(tmp_path / "killed.duckdb", corpus, 40)
    assert killed.stdout is not None
    for line in killed.stdout:
        if line.startswith("committed") and int(line.split()[1]) >= batches // 2:
            killed.send_signal(signal.SIGKILL)
            break
    killed.wait(timeout=60)
    assert killed.returncode == -signal.SIGKILL

    partial_articles, _ = _snapshot(tmp_path / "killed.duckdb")
    clean_articles, clean_members = _snapshot(tmp_path / "clean.duckdb")
    assert 0 < len(partial_articles) < len(clean_articles)

    rerun = _run(tmp_path / "killed.duckdb", corpus, 40)
    _out, err = rerun.communicate(timeout=300)
    assert rerun.returncode == 0, err
    articles, members = _snapshot(tmp_path / "killed.duckdb")
    assert articles == clean_articles
    assert members == clean_members
    relations = {m[3] for m in members}
    assert relations == {"exact", "near"}
    # the earlier exact copies (placed at the end of the file) took over as originals
    assert any(a[2].startswith("https://early.example/") for a in articles)
