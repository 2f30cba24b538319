"""Train the sentence-sentiment classifier.

``python -m movedesk.eval.train_sentiment --ship`` fits the model shipped in
``movedesk/extract/weights/sentiment_sentfin.npz`` on the SEntFiN (MIT) training split — the only
labelled set whose licence allows shipped weights. ``--phrasebank`` fits a model on the PhraseBank
training split (CC BY-NC-SA: research only) into the user cache dir, never into the package; point
``MOVEDESK_SENTIMENT_MODEL`` at it to use it locally.

``--phrasebank --embed`` (extra ``movedesk[embed]``) fine-tunes all-MiniLM-L6-v2 (``--base mpnet``:
all-mpnet-base-v2, see :mod:`movedesk.extract.encoders`) on the same 80 % training split into
``<cache dir>/sentiment_embed`` (``MOVEDESK_SENTIMENT=embed`` uses it; ``movedesk eval extract
--component sentiment`` scores it on the 20 % test split). ``--embed-variant frozen`` trains only a
logistic regression on frozen embeddings (a minute instead of many).
"""

from __future__ import annotations

import argparse
import logging
import time
from importlib import resources
from pathlib import Path
from typing import Any

from movedesk.eval.extract import phrasebank_split, sentfin_split, shared_dir
from movedesk.extract import encoders
from movedesk.extract import sentiment as sm


def ship_path() -> Path:
    return Path(str(resources.files("movedesk.extract") / "weights" / sm.SHIPPED))


def train_sentfin(shared: Path) -> sm.LinearModel:
    train, _ = sentfin_split(shared)
    return sm.train([t for t, _ in train], [lab for _, lab in train], source="sentfin-v1-train (MIT)")


def train_phrasebank(shared: Path) -> sm.LinearModel:
    train, _ = phrasebank_split(shared)
    return sm.train([t for t, _ in train], [lab for _, lab in train], source="phrasebank-train (CC BY-NC-SA)")


def train_phrasebank_embed(
    shared: Path, variant: str = "finetuned", epochs: int | None = None, base: str = encoders.DEFAULT_BASE
) -> Any:
    """The embedding model on the PhraseBank 80 % training split (never on the test split)."""
    from movedesk.extract import embed_sentiment as es

    train, _ = phrasebank_split(shared)
    texts = [t for t, _ in train]
    labels = [lab for _, lab in train]
    source = "phrasebank-train (CC BY-NC-SA)"
    if variant == "frozen":
        return es.train_frozen(texts, labels, source=source, base=base)
    model = es.train_finetuned(texts, labels, epochs=epochs or es.EPOCHS, source=source, base=base)
    model.linear = sm.train(texts, labels, source=source)
    model.linear_weight = es.LINEAR_WEIGHT
    return model


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--shared", default=None)
    ap.add_argument("--ship", action="store_true", help="train on SEntFiN and write the shipped weights")
    ap.add_argument("--phrasebank", action="store_true", help="train on PhraseBank into the user cache dir")
    ap.add_argument("--embed", action="store_true", help="with --phrasebank: the MiniLM model (extra 'embed')")
    ap.add_argument("--embed-variant", choices=("finetuned", "frozen"), default="finetuned")
    ap.add_argument("--epochs", type=int, default=None, help="fine-tuning epochs (default: the measured choice)")
    ap.add_argument(
        "--base",
        choices=encoders.BASES,
        default=encoders.DEFAULT_BASE,
        help="sentence encoder: minilm (extra 'embed'; ~5 min) or mpnet (its five weight packages; ~25 min)",
    )
    args = ap.parse_args(argv)
    base = shared_dir(args.shared)
    if args.ship:
        model = train_sentfin(base)
        model.save(ship_path())
        print(f"wrote {ship_path()} ({ship_path().stat().st_size:,} bytes, {len(model.vocab):,} features)")
    if args.phrasebank and args.embed:
        from movedesk.extract import embed_sentiment as es

        logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s")
        t0 = time.perf_counter()
        emb = train_phrasebank_embed(base, args.embed_variant, args.epochs, args.base)
        emb.save(es.cached_path())
        print(f"wrote {es.cached_path()} in {time.perf_counter() - t0:.0f} s; use it with MOVEDESK_SENTIMENT=embed")
    elif args.phrasebank:
        model = train_phrasebank(base)
        out = sm.cache_dir() / "sentiment_phrasebank.npz"
        model.save(out)
        print(f"wrote {out}; use it with MOVEDESK_SENTIMENT_MODEL={out}")


if __name__ == "__main__":
    main()
