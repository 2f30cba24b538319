"""Train the sentence-sentiment classifier.

``python -m movedesk.eval.train_sentiment --ship`` fits the model shipped in
``movedesk/extract/weights/sentiment_sentfin.npz`` on the SEntFiN (MIT) training split — the only
labelled set whose licence allows shipped weights. ``--phrasebank`` fits a model on the PhraseBank
training split (CC BY-NC-SA: research only) into the user cache dir, never into the package; point
``MOVEDESK_SENTIMENT_MODEL`` at it to use it locally.
"""

from __future__ import annotations

import argparse
from importlib import resources
from pathlib import Path

from movedesk.eval.extract import phrasebank_split, sentfin_split, shared_dir
from movedesk.extract import sentiment as sm


def ship_path() -> Path:
    return Path(str(resources.files("movedesk.extract") / "weights" / sm.SHIPPED))


def train_sentfin(shared: Path) -> sm.LinearModel:
    train, _ = sentfin_split(shared)
    return sm.train([t for t, _ in train], [lab for _, lab in train], source="sentfin-v1-train (MIT)")


def train_phrasebank(shared: Path) -> sm.LinearModel:
    train, _ = phrasebank_split(shared)
    return sm.train([t for t, _ in train], [lab for _, lab in train], source="phrasebank-train (CC BY-NC-SA)")


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--shared", default=None)
    ap.add_argument("--ship", action="store_true", help="train on SEntFiN and write the shipped weights")
    ap.add_argument("--phrasebank", action="store_true", help="train on PhraseBank into the user cache dir")
    args = ap.parse_args(argv)
    base = shared_dir(args.shared)
    if args.ship:
        model = train_sentfin(base)
        model.save(ship_path())
        print(f"wrote {ship_path()} ({ship_path().stat().st_size:,} bytes, {len(model.vocab):,} features)")
    if args.phrasebank:
        model = train_phrasebank(base)
        out = sm.cache_dir() / "sentiment_phrasebank.npz"
        model.save(out)
        print(f"wrote {out}; use it with MOVEDESK_SENTIMENT_MODEL={out}")


if __name__ == "__main__":
    main()
