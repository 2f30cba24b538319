"""Driver ranking on items we wrote: evidence must be about the company; market themes explain the market."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from movedesk.explain.explain import _market_share, market_themes, theme_labels
from movedesk.explain.rank import rank_drivers, select_drivers
from movedesk.extract.pipeline import extract_article
from movedesk.models import Article, Move
from movedesk.registry import default_registry

CUTOFF = dt.datetime(2011, 4, 21, 21, tzinfo=dt.UTC)


def _doc(title: str, body: str, hours_before: int = 3) -> tuple[Article, object]:
    t = CUTOFF - dt.timedelta(hours=hours_before)
    article = Article(id=title[:12], source="desk", title=title, body=body, published=t, first_seen=t)
    return article, extract_article(article, default_registry())


def _rank(docs: list, share: float) -> list:  # type: ignore[type-arg]
    return rank_drivers(
        "AAPL", docs, cutoff=CUTOFF, direction=1, labels=theme_labels(),
        market_themes=market_themes(), market_share=share,
    )


DOCS = [
    _doc(
        "Apple shares jump as the economy steadies and quarterly results beat estimates",
        "Apple said quarterly profit rose on strong iPhone sales. Apple also said the economy and consumer "
        "prices helped demand, while inflation stayed low. Apple shares rose 7 percent.",
    )
]


def test_market_themes_are_data_and_include_macro() -> None:
    assert "macro" in market_themes() and "earnings" not in market_themes()


def test_market_theme_is_discounted_when_the_stock_moved_on_its_own() -> None:
    together = {d.theme: d for d in _rank(DOCS, share=1.0)}
    alone = {d.theme: d for d in _rank(DOCS, share=0.0)}
    assert together["macro"].score_parts["market_scope"] == 1.0
    assert alone["macro"].score == pytest.approx(together["macro"].score * 0.5, abs=1e-3)
    # company themes are untouched by the market's share of the move
    assert alone["earnings"].score == together["earnings"].score
    assert "market_scope" not in alone["earnings"].score_parts
    assert select_drivers(_rank(DOCS, share=0.0))[0].theme == "earnings"


def test_market_share_of_a_move() -> None:
    day = dt.date(2011, 4, 21)

    def mv(close: float, bench: float | None) -> Move:
        return Move(symbol="AAPL", session=day, close=1.0, close_pct=close, benchmark_pct=bench)

    assert _market_share([mv(8.0, 0.4)]) == 0.05
    assert _market_share([mv(-3.0, 1.0)]) == 0.0  # the market went the other way
    assert _market_share([mv(1.0, 2.0)]) == 1.0
    assert _market_share([mv(2.0, None)]) == 1.0  # unknown: no discount


def test_sentences_about_another_company_are_not_evidence() -> None:
    docs = [
        _doc(
            "Apple shares rise after quarterly results beat estimates",
            "Apple said quarterly profit rose 20 percent. Microsoft unveiled a new tablet on Tuesday and "
            "introduced a music service. Apple shares rose 5 percent.",
        )
    ]
    themes = {d.theme: d for d in _rank(docs, share=1.0)}
    assert "product_launch" not in themes  # only Microsoft's sentence has launch cues
    assert themes["earnings"].score_parts["cause"] == 1.0


def test_the_stated_reason_for_the_move_lifts_its_theme() -> None:
    # both themes in the headline of a story about the company; only one is given as the reason
    stated = _doc(
        "Apple to buy a chip designer; shares jump after quarterly results beat estimates",
        "Apple said quarterly profit rose 20 percent. Apple said it agreed to buy a chip designer.",
    )
    drivers = _rank([stated], share=1.0)
    assert [d.theme for d in drivers][:2] == ["earnings", "mna"]
    assert drivers[0].score_parts["cause"] == 1.0 and drivers[1].score_parts["cause"] == 0.0
    # the first reason named counts fully, a later one half
    both = _doc("Apple shares jump after results and a deal to buy a chip designer", "Apple shares rose 5 percent.")
    parts = {d.theme: d.score_parts["cause"] for d in _rank([both], share=1.0)}
    assert parts == {"earnings": 1.0, "mna": 0.5}


def test_retraining_a_local_sentiment_model_changes_the_extraction_cache_key(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from movedesk.extract.cache import pipeline_key

    monkeypatch.setenv("MOVEDESK_CACHE", str(tmp_path))
    before = pipeline_key()
    model = tmp_path / "sentiment_phrasebank.npz"
    model.write_bytes(b"first")
    trained = pipeline_key()
    model.write_bytes(b"retrained")
    assert len({before, trained, pipeline_key()}) == 3
