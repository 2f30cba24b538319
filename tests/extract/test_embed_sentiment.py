"""The MiniLM sentiment method (extra ``movedesk[embed]``): offline loading, training, storage, choice.

Every sentence here was written for these tests by the movedesk developers. Skipped when the extra is
not installed.
"""

from __future__ import annotations

import socket
from pathlib import Path

import numpy as np
import pytest

from extras import require_extra

require_extra("embed")

from movedesk.extract import embed_sentiment as es  # noqa: E402 (after the extra check)
from movedesk.extract import sentiment as sm  # noqa: E402 (after the extra check)

POSITIVE = [
    "Quarterly profit rose 25 percent on record orders.",
    "The company raised its full-year revenue forecast after strong sales.",
    "Shares jumped after the chipmaker beat earnings expectations.",
    "Net sales increased to EUR 40 million from EUR 31 million a year earlier.",
    "Operating margin improved and the board proposed a higher dividend.",
    "The group won a large contract that will lift earnings next year.",
]
NEGATIVE = [
    "Quarterly profit fell 40 percent as demand weakened.",
    "The company cut its forecast and announced 500 layoffs.",
    "Shares plunged after the lender reported a surprise loss.",
    "Net sales decreased to EUR 20 million from EUR 33 million a year earlier.",
    "The operating loss widened and the dividend was suspended.",
    "Regulators fined the bank over failures in its controls.",
]
NEUTRAL = [
    "The annual general meeting will be held in Helsinki on 12 April.",
    "The company has offices in Finland, Sweden and Estonia.",
    "The report will be published in English and Finnish.",
    "The new plant is located near the harbour.",
    "The firm provides software for logistics companies.",
    "The board consists of five members.",
]
TEXTS = POSITIVE + NEGATIVE + NEUTRAL
LABELS = ["positive"] * 6 + ["negative"] * 6 + ["neutral"] * 6


@pytest.fixture(autouse=True)
def no_network(monkeypatch: pytest.MonkeyPatch) -> None:
    """Any connection attempt fails the test: the weights must come from site-packages."""

    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("network access attempted")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)


@pytest.fixture
def cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("MOVEDESK_CACHE", str(tmp_path))
    return tmp_path


@pytest.fixture(scope="module")
def tiny_finetuned() -> es.EmbedModel:
    """One epoch on the 18 sentences above: seconds, enough to exercise every code path."""
    return es.train_finetuned(TEXTS, LABELS, epochs=1, batch_size=6, lr=5e-5, source="own-test-sentences")


def test_embeddings_load_offline_and_carry_meaning() -> None:
    assert es.available()
    vec = es.embed(
        ["Profit rose sharply.", "Earnings increased strongly.", "The meeting is in Helsinki.", ""],
    )
    assert vec.shape == (4, 384) and vec.dtype == np.float32
    assert np.allclose(np.linalg.norm(vec, axis=1), 1.0, atol=1e-4)
    sim = vec @ vec.T
    assert sim[0, 1] > sim[0, 2] + 0.2  # two profit sentences are closer than profit vs. a meeting
    # order does not change a vector (length-sorted batching writes each row back to its place)
    again = es.embed(["The meeting is in Helsinki.", "Profit rose sharply."])
    assert np.allclose(again[1], vec[0], atol=1e-5) and np.allclose(again[0], vec[2], atol=1e-5)


def test_frozen_classifier_learns_and_round_trips(tmp_path: Path) -> None:
    model = es.train_frozen(TEXTS, LABELS, c=10.0, source="own")
    assert model.variant == "frozen" and set(model.labels) == {"negative", "neutral", "positive"}
    preds = model.predict_many(TEXTS)
    assert sum(lab == gold for (lab, _), gold in zip(preds, LABELS, strict=True)) >= 16
    assert all(-1.0 <= score <= 1.0 for _, score in preds)
    model.save(tmp_path / "m")
    assert not (tmp_path / "m" / "encoder.safetensors").exists()  # frozen: the packaged weights are used
    loaded = es.EmbedModel.load(tmp_path / "m")
    assert loaded.predict_many(TEXTS) == preds
    assert model.predict_many([]) == []


@pytest.mark.slow
def test_finetuned_model_saves_loads_and_is_chosen_by_embed(
    tiny_finetuned: es.EmbedModel, cache: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    model = tiny_finetuned
    assert model.variant == "finetuned" and model.params["epochs"] == 1
    assert model.encoder_state is not None
    p = model.proba(TEXTS)
    assert p.shape == (18, 3) and np.allclose(p.sum(axis=1), 1.0)
    # fine-tuning moved the encoder away from the packaged weights
    base = es._frozen_encoder().state_dict()
    assert any(not np.allclose(base[k].numpy(), v.numpy()) for k, v in model.encoder_state.items())

    model.linear = sm.train(TEXTS * 2, LABELS * 2, min_df=1)
    model.linear_weight = 0.3
    model.save(es.cached_path())
    assert (es.cached_path() / "encoder.safetensors").stat().st_size > 10_000_000
    loaded = es.local_model()
    assert loaded is not None and loaded.variant == "finetuned" and loaded.linear_weight == 0.3
    # float16 storage: probabilities agree closely with the in-memory model
    assert np.allclose(loaded.proba(TEXTS), model.proba(TEXTS), atol=0.02)

    # the pipeline uses it only when asked for
    monkeypatch.setenv("MOVEDESK_SENTIMENT", "embed")
    chosen = sm.choose()
    assert isinstance(chosen, es.EmbedModel) and chosen is loaded
    from movedesk.extract.doc import Doc
    from movedesk.extract.reader import article_from_text
    from movedesk.extract.text import split_sentences
    from movedesk.registry import default_registry

    text = "Quarterly profit fell 40 percent. The meeting is in Helsinki. 123"
    doc = Doc.from_article(article_from_text("T\n" + text), default_registry())
    doc.sentences = split_sentences(doc.text)
    got = sm.sentence_sentiments(doc)
    sents = [doc.text[s.sentence.start : s.sentence.end] for s in got]
    assert [(s.label, s.score) for s in got] == loaded.predict_many(sents)
    assert all("123" not in s for s in sents)  # sentences without letters are skipped as before
    assert sm.classify("Quarterly profit fell 40 percent.") == loaded.predict("Quarterly profit fell 40 percent.")
    monkeypatch.setenv("MOVEDESK_SENTIMENT", "auto")
    assert not isinstance(sm.choose(), es.EmbedModel)  # 'auto' never picks the slow model


def test_embed_without_a_trained_model_falls_back_to_auto(
    cache: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    assert es.local_model() is None
    sm._warn_no_embed.cache_clear()
    with caplog.at_level("WARNING"):
        chosen = sm.choose("embed")
    assert chosen is sm.choose("auto")
    assert "no trained model" in caplog.text


def test_corrupt_model_folder_is_ignored_with_a_warning(cache: Path, caplog: pytest.LogCaptureFixture) -> None:
    folder = es.cached_path()
    folder.mkdir(parents=True)
    (folder / "meta.json").write_text("{not json", encoding="utf-8")
    with caplog.at_level("WARNING"):
        assert es.local_model() is None
    assert "cannot load" in caplog.text


def test_loading_the_encoder_prints_nothing(capfd: pytest.CaptureFixture[str]) -> None:
    model = es._encoder()
    assert model.config.hidden_size == 384
    out, err = capfd.readouterr()
    assert out == "" and "Loading weights" not in err  # the library prints nothing (no progress bar)
