"""'False' must be earned (issue 14): another subject, another period or another measure is unverifiable,
with the reason; a sure session claim that misses the bars is still false."""

from __future__ import annotations

import datetime as dt
from typing import Any

from movedesk.explain.verify import verify_claim
from movedesk.models import Claim, Company, Listing, Move

ACME = Company(id="ACME", name="Acme Corp", listings=(Listing(symbol="ACME", mic="XNYS", currency="USD"),))
DAY = dt.date(2011, 3, 15)
MOVE = Move(
    symbol="ACME", session=DAY, close=103.0, prev_close=100.0, close_pct=3.0, high_pct=4.0, low_pct=-1.0,
    cum_pct={3: 12.0},
)  # fmt: skip
CLOSE = dt.datetime(2011, 3, 15, 20, 0, tzinfo=dt.UTC)
DURING = dt.datetime(2011, 3, 15, 17, 0, tzinfo=dt.UTC)
AFTER = dt.datetime(2011, 3, 15, 22, 0, tzinfo=dt.UTC)


def verdict(value: float, published: dt.datetime = DURING, **fields: Any) -> tuple[str, str]:
    base: dict[str, Any] = {"company_id": "ACME", "direction": "up", "qualifier": "close", "session": DAY}
    base.update(fields)
    text = f"rose {value} percent"
    claim = Claim(article_id="a", start=0, end=len(text), text=text, value=value, **base)
    v = verify_claim(
        claim, ACME, lambda s, d: MOVE if (s, d) == ("ACME", DAY) else None,
        default_session=DAY, published=published, published_inferred=False,
        close_time=lambda s, d: CLOSE, tolerance=0.5,
    )  # fmt: skip
    return v.verdict, v.note


def test_a_sure_session_claim_that_misses_is_false() -> None:
    assert verdict(9)[0] == "false"
    assert verdict(3)[0] == "true"


def test_another_subject_is_unverifiable() -> None:
    v, note = verdict(9, company_id="OTHER", subject="Other Inc")
    assert v == "unverifiable" and note.startswith("subject unclear") and "Other Inc" in note
    v, note = verdict(9, company_id=None, attribution="none")
    assert v == "unverifiable" and note.startswith("subject unclear")


def test_a_company_named_elsewhere_in_the_sentence_earns_no_false() -> None:
    v, note = verdict(9, attribution="nearby")
    assert v == "unverifiable" and "elsewhere in the sentence" in note
    assert verdict(3, attribution="nearby")[0] == "true"  # a match still counts


def test_ytd_week_and_after_hours_are_not_a_session_move() -> None:
    for period in ("ytd", "week", "since", "after_hours", "unknown"):
        v, note = verdict(9, period=period)
        assert v == "unverifiable" and note.startswith("period unclear"), period


def test_n_sessions_are_checked_over_their_own_bars() -> None:
    assert verdict(12, period="multi_session", sessions=3, qualifier="cumulative")[0] == "true"
    assert verdict(30, period="multi_session", sessions=3, qualifier="cumulative")[0] == "false"
    v, note = verdict(30, period="multi_session", sessions=7, qualifier="cumulative")
    assert v == "unverifiable" and "not enough bars" in note


def test_yield_index_and_metric_are_not_a_share_price() -> None:
    for measure in ("yield", "index", "currency", "metric"):
        v, note = verdict(9, measure=measure)
        assert v == "unverifiable" and note.startswith("not a share price"), measure


def test_filed_after_the_close_without_closed_may_be_after_hours() -> None:
    v, note = verdict(9, AFTER, qualifier="unknown")
    assert v == "unverifiable" and "after-hours" in note
    assert verdict(9, AFTER, qualifier="close")[0] == "false"  # "closed up 9%": the close, and it is not


def test_intraday_levels_stay_consistent_with_intraday() -> None:
    assert verdict(3.8, DURING, qualifier="unknown")[0] == "consistent with intraday"
    # "earlier in the session" places it in the day even in a story filed after the close
    assert verdict(3.8, AFTER, qualifier="intraday", period="intraday")[0] == "consistent with intraday"
