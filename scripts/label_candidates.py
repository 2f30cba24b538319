"""Draw a pool of Reuters price-move sentences for labelling by reading (eval-protocols/move-reasons.md).

Independent of movedesk's extractors on purpose: a sentence is a candidate when it mentions shares or
stock, a percentage and a move word, in an article tagged with at least one RIC whose root is an S&P 500 symbol in the
shared panel. The tagged ticker is the article's first such RIC; whether the move is that company's is
for the labeller to read (the other rows are the decoys). The pool is shuffled with a fixed seed and the
share of results stories (by URL slug) is capped, so that the mix is not all earnings days. No label is
made here. Usage: python scripts/label_candidates.py SHARED OUT.jsonl [N] [--primary] [--exclude POOL.jsonl]
``--primary`` keeps only articles whose first RIC is the S&P symbol (the story's subject, fewer decoys);
``--exclude`` leaves out the articles of an earlier pool; ``--first-cid K`` numbers the candidates from K.
"""

from __future__ import annotations

import json
import random
import re
import sys
from pathlib import Path

import pandas as pd

SENTENCE = re.compile(r"[^.!?]*(?:[.!?](?=\s+[A-Z\"(]|\s*$)|$)")
PERCENT = re.compile(r"\d(?:[\d.,]*)\s*(?:percent|pct|%)", re.I)
SHARE_WORD = re.compile(r"\b(?:shares?|stock|stocks)\b", re.I)
MOVE_WORD = re.compile(
    r"\b(?:rose|rise|rising|risen|fell|fall|falling|fallen|up|down|gain\w*|los[ts]|lose|los\w*|jump\w*|climb\w*|"
    r"slid|slip\w*|drop\w*|tumbl\w*|plung\w*|surg\w*|soar\w*|sank|sink\w*|declin\w*|advanc\w*|higher|lower|"
    r"rall\w*|add\w*|shed|off)\b",
    re.I,
)


def sentences(text: str) -> list[tuple[int, int]]:
    out = []
    for m in SENTENCE.finditer(text):
        if m.end() > m.start() and text[m.start():m.end()].strip():
            s = m.start() + (len(text[m.start():m.end()]) - len(text[m.start():m.end()].lstrip()))
            out.append((s, m.end()))
    return out


def main(
    shared: str, out: str, n: int = 1500, *, primary: bool = False, exclude: str | None = None, offset: int = 0
) -> None:
    news = pd.read_parquet(Path(shared) / "data/news/reuters_2006_2013.parquet")
    symbols = set(pd.read_parquet(Path(shared) / "data/prices/us_sp500.parquet", columns=["symbol"])["symbol"])
    seen = set()
    if exclude:
        with open(exclude, encoding="utf-8") as fh:
            seen = {json.loads(line)["article_id"] for line in fh}
    rows = []
    for art in news.itertuples(index=False):
        if art.body is None or len(art.tickers) == 0 or art.id in seen:
            continue
        tagged = next((t.split(".")[0] for t in art.tickers if t.split(".")[0] in symbols), None)
        if tagged is None or (primary and art.tickers[0].split(".")[0] != tagged):
            continue
        body = " ".join(art.body.split())
        results = bool(re.search(r"earn|result|profit", art.id))
        for start, end in sentences(body):
            text = body[start:end]
            if len(text) > 400 or not (PERCENT.search(text) and SHARE_WORD.search(text) and MOVE_WORD.search(text)):
                continue
            rows.append({"article_id": art.id, "published": str(art.published), "ticker": tagged,
                         "tickers": list(art.tickers), "start": start, "end": end, "results_slug": results})
    rng = random.Random(20061020)
    rng.shuffle(rows)
    per_article: dict[str, int] = {}
    picked, results = [], 0
    for row in rows:
        if per_article.get(row["article_id"], 0) >= 2:
            continue
        if row["results_slug"] and results >= 0.35 * n:
            continue
        per_article[row["article_id"]] = per_article.get(row["article_id"], 0) + 1
        results += row["results_slug"]
        picked.append(row)
        if len(picked) >= n:
            break
    with open(out, "w", encoding="utf-8") as fh:
        for i, row in enumerate(picked):
            fh.write(json.dumps({"cid": i + offset, **{k: v for k, v in row.items() if k != "results_slug"}}) + "\n")
    print(f"{len(rows)} candidate sentences; wrote {len(picked)} to {out}")


if __name__ == "__main__":
    args = sys.argv[1:]
    flag_primary = "--primary" in args
    excluded = args[args.index("--exclude") + 1] if "--exclude" in args else None
    first = args[args.index("--first-cid") + 1] if "--first-cid" in args else "0"
    takes_value = ("--exclude", "--first-cid")
    positional = [a for i, a in enumerate(args) if not a.startswith("--") and args[i - 1] not in takes_value]
    main(positional[0], positional[1], *(int(a) for a in positional[2:]), primary=flag_primary, exclude=excluded,
         offset=int(first))
