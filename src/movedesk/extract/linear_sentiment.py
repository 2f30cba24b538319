"""The linear sentence-sentiment model (``linear``): TF-IDF over folded unigrams and bigrams with a
multinomial logistic regression, stored as a small ``.npz`` and applied with numpy only.

Below :mod:`movedesk.extract.sentiment` (which chooses a method) and
:mod:`movedesk.extract.embed_sentiment` (whose ensembles include this model), so neither imports the
other's chooser.
"""

from __future__ import annotations

import bisect
import io
import itertools
import math
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from movedesk.extract.options import ExtractOptions, current
from movedesk.extract.text import fold

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


def cache_dir(options: ExtractOptions | None = None) -> Path:
    """The folder of locally trained models (``MOVEDESK_CACHE`` through the settings, else the user cache)."""
    return (options or current()).cache_dir
