"""Gather the rows labelled by reading (eval-protocols/move-reasons.md) into the package's dev set.

Input: the annotators' JSONL files (one row per candidate sentence drawn by ``label_candidates.py``), each
labelled from the article alone before movedesk was run on it. Output:
``src/movedesk/eval/data/moves_read.jsonl`` — ids, character offsets into the normalised body
(``" ".join(body.split())``) and labels only. The annotators' free-text notes stay out of the package (they
could quote the article); the text itself is read from ``../shared`` at evaluation time.

Usage: python scripts/build_moves_read.py OUT.jsonl LABELS.jsonl...
"""

from __future__ import annotations

import json
import sys

FIELDS = (
    "cid", "article_id", "ticker", "start", "end", "is_price_move", "measure", "holder", "subject_ok",
    "period", "session", "value", "direction", "value_start", "value_end", "reason", "evidence_start",
    "evidence_end", "confidence", "peer",
)  # fmt: skip
REASONS = {
    "earnings", "guidance", "mna", "analyst", "regulation_legal", "product", "management", "capital",
    "macro_market", "other", "none", "",
}  # fmt: skip


def clean(row: dict[str, object]) -> dict[str, object]:
    out = {k: row.get(k) for k in FIELDS}
    holder = str(out["holder"] or "")
    # a holder is a name (a fact) at most: never more than a few words
    out["holder"] = holder if len(holder) <= 60 else holder[:60]
    if out["reason"] not in REASONS:
        raise ValueError(f"cid {out['cid']}: unknown reason {out['reason']!r}")
    return out


def main(out: str, inputs: list[str]) -> None:
    rows: dict[int, dict[str, object]] = {}
    for path in inputs:
        with open(path, encoding="utf-8") as fh:
            for line in fh:
                if line.strip():
                    row = clean(json.loads(line))
                    rows[int(str(row["cid"]))] = row
    with open(out, "w", encoding="utf-8") as fh:
        for cid in sorted(rows):
            fh.write(json.dumps(rows[cid], ensure_ascii=False) + "\n")
    print(f"{len(rows)} rows → {out}")


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2:])
