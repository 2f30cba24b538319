"""Claim rules one at a time: qualifiers, bounds, listings, sessions, hedges, metrics, analysts, themes."""

from __future__ import annotations

import datetime as dt

from movedesk.extract.pipeline import extract_article
from movedesk.extract.reader import article_from_text
from movedesk.extract.timeanchor import default_session, find_anchors, weekday_date
from movedesk.models.news import Extraction

MON_AFTERNOON = dt.datetime(2024, 12, 23, 7, 0, tzinfo=dt.UTC)  # 15:00 in Shanghai and Hong Kong


def _ex(body: str, when: dt.datetime = MON_AFTERNOON) -> Extraction:
    return extract_article(article_from_text("Test item\n" + body, published=when))


def test_weekday_resolution_and_sessions() -> None:
    assert weekday_date(4, dt.date(2024, 12, 23)) == dt.date(2024, 12, 20)
    assert weekday_date(0, dt.date(2024, 12, 23)) == dt.date(2024, 12, 23)
    assert weekday_date(4, dt.date(2024, 12, 21), last_week=True) == dt.date(2024, 12, 13)
    anchors = find_anchors("fell on Friday, extending Thursday's losses; today", 0, 50)
    assert [(a.kind, a.weekday, a.possessive) for a in anchors] == [
        ("weekday", 4, False),
        ("weekday", 3, True),
        ("today", -1, False),
    ]
    # before the open, an undated move is the previous session's
    early = dt.datetime(2024, 12, 23, 0, 30, tzinfo=dt.UTC)  # 08:30 Shanghai
    assert default_session(early, "XSHG") == dt.date(2024, 12, 20)
    assert default_session(early, "XSHG", inferred=True) == dt.date(2024, 12, 23)


def test_qualifiers_bounds_and_listings() -> None:
    ex = _ex(
        "SMIC's Shanghai-listed shares fell as much as 4.1% on Monday before closing down about 2%. "
        "In Hong Kong, SMIC shares have gained more than 12% over the past five sessions."
    )
    low, close, cum = ex.claims
    assert (low.listing, low.direction, low.qualifier, low.value) == ("688981.SS", "down", "intraday_low", 4.1)
    assert (close.qualifier, close.bound, close.value) == ("close", "about", 2.0)
    assert (cum.listing, cum.qualifier, cum.sessions, cum.bound) == ("0981.HK", "cumulative", 5, "at_least")


def test_forecasts_and_limits_are_not_claims() -> None:
    ex = _ex("SMIC shares could rise 20% next year, analysts said. The stock is 5% below its 20% daily limit.")
    assert [c for c in ex.claims if c.claim_type == "price"] == []


def test_metric_claims_keep_subject_unit_and_base() -> None:
    ex = _ex("SMIC said quarterly revenue rose 12% year on year, while its stock fell 3%.")
    metric = next(c for c in ex.claims if c.claim_type == "metric")
    assert (metric.value, metric.unit, metric.direction, metric.base_period) == (12.0, "%", "up", "year on year")
    assert "revenue" in metric.subject
    price = next(c for c in ex.claims if c.claim_type == "price")
    assert (price.company_id, price.value, price.direction) == ("SMIC", 3.0, "down")


def test_respectively_assigns_numbers_in_order() -> None:
    ex = _ex("SMIC and Hua Hong Semiconductor rose 4% and 2%, respectively, in Hong Kong.")
    assert {(c.company_id, c.value) for c in ex.claims} == {("SMIC", 4.0), ("HUAHONG", 2.0)}


def test_analyst_ratings_and_targets() -> None:
    ex = _ex("Morgan Stanley upgraded SMIC to overweight and raised its price target to HK$40.")
    view = ex.analysts[0]
    assert (view.firm, view.stance, view.target, view.company_id) == ("Morgan Stanley", "positive", 40.0, "SMIC")
    assert view.rating is not None and "overweight" in view.rating


def test_theme_hits_point_at_their_sentence() -> None:
    ex = _ex("Markets were quiet. Washington widened export controls on chipmaking tools.")
    hit = next(t for t in ex.themes if t.theme == "export_controls")
    assert hit.sentence.text.startswith("Washington")
    assert not any(t.sentence.text.startswith("Markets") for t in ex.themes)


def test_sentiment_per_sentence_and_relays() -> None:
    ex = _ex("SMIC shares jumped to a record after strong profit growth, Bloomberg News reported.")
    assert ex.sentiment and all(-1 <= s.score <= 1 for s in ex.sentiment)
    assert set(ex.company_sentiment) == {"SMIC"} and -1 <= ex.company_sentiment["SMIC"] <= 1
    assert any("Bloomberg" in r for r in ex.relays)


def test_sentiment_methods_agree_with_their_models(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from movedesk.extract import sentiment as sm
    from movedesk.extract.doc import Doc
    from movedesk.extract.text import split_sentences
    from movedesk.registry import default_registry

    assert sm.choose("lm") is None
    assert sm.choose("linear") is sm.shipped_model() is not None
    monkeypatch.setenv("MOVEDESK_SENTIMENT", "linear")
    assert sm.choose() is sm.shipped_model()
    text = "Profit fell sharply. Shares jumped after record sales. The meeting is on Tuesday."
    doc = Doc.from_article(article_from_text("T\n" + text, published=MON_AFTERNOON), default_registry())
    doc.sentences = split_sentences(doc.text)
    batch = sm.sentence_sentiments(doc, "linear")
    single = [sm.shipped_model().predict(doc.text[s0:s1]) for s0, s1 in doc.sentences]  # type: ignore[union-attr]
    assert [(s.label, s.score) for s in batch] == single
    lm = sm.sentence_sentiments(doc, "lm")
    assert [(s.label, s.score) for s in lm] == [sm.lm_score(doc.text[s0:s1]) for s0, s1 in doc.sentences]
