"""Period and measure of price claims (issue 14), on sentences written for these tests."""

from __future__ import annotations

import datetime as dt

import pytest

from movedesk.extract.claim_numbers import claim_measure, claim_period
from movedesk.extract.pipeline import run
from movedesk.models import Article
from movedesk.registry import default_registry

WHEN = dt.datetime(2011, 3, 15, 18, 0, tzinfo=dt.UTC)


@pytest.fixture(scope="module")
def registry():  # type: ignore[no-untyped-def]
    return default_registry()


def price_claims(registry, sentence: str):  # type: ignore[no-untyped-def]
    art = Article(id="a", source="test", title="T", body=sentence, published=WHEN, first_seen=WHEN)
    doc = run(art, registry, components=["price_claims", "metrics"])
    return [c for c in doc.claims if c.claim_type == "price"]


@pytest.mark.parametrize(
    ("sentence", "period", "sessions"),
    [
        ("Intel shares rose 3 percent on Tuesday.", "session", 1),
        ("Intel shares rose as much as 5 percent in early trading.", "intraday", 1),
        ("Ford shares have gained 12 percent over the past three sessions.", "multi_session", 3),
        ("Ford shares tumbled 14 percent last week.", "week", 1),
        ("Ford shares have lost 9 percent this month.", "month", 1),
        ("Apple shares have risen more than 16 percent this year.", "ytd", 1),
        ("Apple shares rose 40 percent in 2010.", "year", 1),
        ("During 2010, Apple stock gained about 50 percent.", "year", 1),
        ("Apple shares have climbed 25 percent since the iPad launch.", "since", 1),
        ("Apple shares are down 40 percent from their 52-week high.", "52w", 1),
        ("In after-hours trading, Apple shares fell 4 percent.", "after_hours", 1),
        ("Apple shares rose 3 percent in premarket trading.", "premarket", 1),
        ("Apple shares have fallen about 30 percent.", "unknown", 1),
    ],
)
def test_period_of_each_claim(registry, sentence: str, period: str, sessions: int) -> None:  # type: ignore[no-untyped-def]
    (claim,) = price_claims(registry, sentence)
    assert claim.company_id is not None
    assert claim.measure == "share_price"
    assert (claim.period, claim.sessions) == (period, sessions)


def test_a_period_in_another_clause_is_not_the_claims(registry) -> None:  # type: ignore[no-untyped-def]
    claims = price_claims(registry, "The Dow fell 18 percent for the week, while Citigroup shares rose 5 percent.")
    dow, citi = claims
    assert (dow.measure, dow.period, dow.company_id) == ("index", "week", None)
    assert (citi.measure, citi.period, citi.company_id, citi.attribution) == ("share_price", "session", "C", "subject")


@pytest.mark.parametrize(
    ("sentence", "measure"),
    [
        ("The benchmark 10-year note fell 8/32 to yield 3.49 percent.", "yield"),
        ("The Dow was down 18 percent for the week, its worst week ever.", "index"),
        ("Intel reported a 9 percent rise in profit.", "metric"),
    ],
)
def test_measures_that_are_not_a_share_price(registry, sentence: str, measure: str) -> None:  # type: ignore[no-untyped-def]
    (claim,) = price_claims(registry, sentence)
    assert claim.measure == measure
    if measure != "metric":
        assert claim.company_id is None  # an index or a yield is no company's move


def test_sales_are_a_metric_claim(registry) -> None:  # type: ignore[no-untyped-def]
    art = Article(id="a", source="t", title="T", body="Intel said sales rose 7 percent.", published=WHEN,
                  first_seen=WHEN)  # fmt: skip
    (claim,) = run(art, registry, components=["price_claims", "metrics"]).claims
    assert (claim.claim_type, claim.measure) == ("metric", "metric")


def test_measure_rules() -> None:
    assert claim_measure("The dollar fell ", "", "The dollar", subject_is_index=False) == "currency"
    assert claim_measure("Boeing shares fell ", "", "Boeing shares", subject_is_index=False) == "share_price"
    assert claim_measure("the S&P 500 rose ", "", "the S&P 500", subject_is_index=True) == "index"
    assert claim_measure("spreads widened ", "", "spreads", subject_is_index=False) == "yield"


def test_pronoun_and_nearby_attribution(registry) -> None:  # type: ignore[no-untyped-def]
    claims = price_claims(registry, "Intel beat forecasts. Its shares rose 6 percent.")
    assert [(c.company_id, c.attribution) for c in claims] == [("INTC", "pronoun")]


def test_period_rules() -> None:
    assert claim_period("shares fell ", " in two weeks", "unknown") == ("multi_session", 10)
    assert claim_period("shares fell ", " in the quarter", "unknown") == ("unknown", 1)
    assert claim_period("shares closed down ", "", "close") == ("session", 1)
    assert claim_period("shares fell ", "", "unknown", sentence_before="Earlier in the session, ") == ("intraday", 1)
    assert claim_period("shares rose ", " on their first day of trading", "unknown") == ("since", 1)


def test_unknown_organisation_holds_its_own_move(registry) -> None:  # type: ignore[no-untyped-def]
    claims = price_claims(registry, "Pfizer agreed to buy the drugmaker, sending Medivation shares up 31 percent.")
    assert [(c.company_id, c.attribution) for c in claims] == [(None, "none")]


def test_short_name_of_the_carried_company_is_its_subject(registry) -> None:  # type: ignore[no-untyped-def]
    claims = price_claims(registry, "American International Group posted a loss. AIG shares fell 5 percent.")
    assert [(c.company_id, c.attribution) for c in claims] == [("AIG", "subject")]


def test_an_index_in_passing_leaves_the_company_its_move(registry) -> None:  # type: ignore[no-untyped-def]
    (claim,) = price_claims(registry, "American Express was among the Dow's top gainers, rising 2 percent to $76.")
    assert (claim.company_id, claim.measure) == ("AXP", "share_price")
