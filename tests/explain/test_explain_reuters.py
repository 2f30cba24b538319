"""explain on real S&P 500 bars and Reuters news from ../shared: verdicts, honest empties, errors, point in time.

One store per module: bars of the companies below (and the S&P 500 equal-weight proxy ^SP500EW built from
the whole panel, as the markets layer does) and the Reuters articles of the week before each session.

- GOOG 2006-10-20: +7.9 % the day after its results; Reuters' first article is at 20:25 UTC that day.
- 2008-10-15: the S&P 500 proxy fell 9.5 %. AFL fell 9.5 % with it (abnormal z ≈ 0.1) and Reuters has no
  article about Aflac that week → "market-wide". RF (Regions Financial) rose 2.6 % against the market
  (abnormal z ≈ 6.3) and Reuters has no article about it that week → "unexplained".
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from movedesk.errors import InsufficientData, NotATradingSession, UnknownCompany
from movedesk.eval.explain_eval import NEWS_FILE, PRICES_FILE, ExplainCase, articles_for, bars_for
from movedesk.explain.explain import explain
from movedesk.models import Article

pytestmark = [pytest.mark.shared, pytest.mark.slow]

GOOG_DAY = dt.date(2006, 10, 20)
GOOG_CUTOFF = dt.datetime(2006, 10, 21, 0, 0, tzinfo=dt.UTC)
CRASH_DAY = dt.date(2008, 10, 15)
CRASH_CUTOFF = dt.datetime(2008, 10, 16, 0, 0, tzinfo=dt.UTC)


def _case(company: str, day: dt.date, cutoff: dt.datetime) -> ExplainCase:
    return ExplainCase(f"{company}-{day}", company, company, day, cutoff, "", 0.0, ())


@pytest.fixture(scope="module")
def desk(shared_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    from movedesk.config import Settings
    from movedesk.desk import Desk

    cases = [
        _case("GOOGL", GOOG_DAY, GOOG_CUTOFF),
        _case("AFL", CRASH_DAY, CRASH_CUTOFF),
        _case("RF", CRASH_DAY, CRASH_CUTOFF),
    ]
    db = tmp_path_factory.mktemp("reuters") / "explain.duckdb"
    d = Desk.open(db, Settings(db=str(db)))
    bars = bars_for(cases, shared_dir / PRICES_FILE, d.registry)
    # company histories and the proxy only: no peers, so "sector-wide" cannot mask the verdicts under test
    keep = bars["symbol"].isin(["GOOG", "GOOGL", "AFL", "RF", "^SP500EW"])
    d.store.upsert_bars(bars[keep])
    articles, _ = articles_for(cases, shared_dir / NEWS_FILE, d.settings.lookback_days)
    d.store.upsert_articles(articles)
    d.link_articles([a.id for a in articles])
    yield d
    d.close()


def test_reuters_explains_google_results_day(desk: Any) -> None:
    ex = explain(desk, "GOOGL", GOOG_DAY, cutoff=GOOG_CUTOFF)
    assert ex.verdict == "stock-specific"
    assert ex.drivers[0].theme == "earnings"
    assert ex.articles and all(c.published <= GOOG_CUTOFF for c in ex.articles)
    goog = next(m for m in ex.moves if m.symbol == "GOOG")
    assert goog.close_pct == pytest.approx(7.89, abs=0.01)


def test_market_wide_day_without_company_news(desk: Any) -> None:
    assert desk.store.articles(company="AFL", until=CRASH_CUTOFF, since=CRASH_CUTOFF - dt.timedelta(days=7)) == []
    ex = explain(desk, "AFL", CRASH_DAY, cutoff=CRASH_CUTOFF)
    assert ex.verdict == "market-wide"
    (bench,) = ex.benchmark_moves
    assert bench.symbol == "^SP500EW" and bench.close_pct == pytest.approx(-9.48, abs=0.05)
    assert ex.moves[0].close_pct == pytest.approx(-9.46, abs=0.05)


def test_abnormal_move_without_news_is_unexplained(desk: Any) -> None:
    assert desk.store.articles(company="RF", until=CRASH_CUTOFF, since=CRASH_CUTOFF - dt.timedelta(days=7)) == []
    ex = explain(desk, "RF", CRASH_DAY, cutoff=CRASH_CUTOFF)
    assert ex.verdict == "unexplained"
    assert ex.drivers == () and ex.articles == () and ex.confidence == 0.0
    assert abs(ex.moves[0].z or 0.0) > desk.settings.min_abs_z  # a real, significant move: no invented reason


def test_cutoff_before_any_news_is_an_honest_empty_result(desk: Any) -> None:
    # the corpus' first article is at 2006-10-20 20:25 UTC; at the close (20:00 UTC) nothing was known
    ex = explain(desk, "GOOGL", GOOG_DAY, cutoff=dt.datetime(2006, 10, 20, 20, 0, tzinfo=dt.UTC))
    assert ex.articles == () and ex.drivers == () and ex.analysts == () and ex.verifications == ()
    assert ex.verdict == "unexplained"
    assert ex.moves  # the move itself is still described from the bars


def test_default_cutoff_reads_the_story_filed_after_the_close(desk: Any) -> None:
    # the day's story came 25 minutes after the close; the default window runs to Monday's open
    ex = explain(desk, "GOOGL", GOOG_DAY)
    assert ex.cutoff == dt.datetime(2006, 10, 23, 13, 30, tzinfo=dt.UTC) and ex.cutoff_rule == "next open"
    assert ex.articles and ex.drivers and ex.drivers[0].category == "earnings"


def test_unknown_company_is_a_clear_error(desk: Any) -> None:
    with pytest.raises(UnknownCompany, match="Lehman Brothers Holdings"):
        explain(desk, "Lehman Brothers Holdings", CRASH_DAY)


def test_non_session_date_is_a_clear_error(desk: Any) -> None:
    with pytest.raises(NotATradingSession) as err:
        explain(desk, "GOOGL", dt.date(2006, 10, 21))  # a Saturday
    assert "2006-10-21" in str(err.value) and "Alphabet" in str(err.value)


def test_non_session_date_with_a_cutoff_is_still_a_session_error(desk: Any) -> None:
    with pytest.raises(NotATradingSession):
        explain(desk, "GOOGL", dt.date(2006, 10, 21), cutoff=GOOG_CUTOFF)


def test_session_without_bars_is_a_clear_error(desk: Any) -> None:
    with pytest.raises(InsufficientData, match="no bars"):
        explain(desk, "GOOGL", dt.date(2012, 3, 1))  # a session, but the store holds no 2012 bars


_WORDS = st.sampled_from(
    [
        "Google", "Google Inc ( GOOG.O )", "shares", "rose", "fell", "12 percent", "acquisition", "lawsuit",
        "quarterly results", "profit", "downgraded", "regulators", "probe", "launch", "said", "on Friday",
        "Goldman Sachs analyst", "price target", "merger", "Reuters", ".", ",", "the company",
    ]
)  # fmt: skip
_TEXT = st.lists(_WORDS, min_size=3, max_size=40).map(" ".join)


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    items=st.lists(st.tuples(_TEXT, _TEXT, st.integers(min_value=1, max_value=14 * 24 * 60)), min_size=1, max_size=4),
    data=st.data(),
)
def test_articles_after_the_cutoff_never_change_the_explanation(
    desk: Any, items: list[tuple[str, str, int]], data: st.DataObject
) -> None:
    cutoff = data.draw(st.sampled_from([GOOG_CUTOFF, GOOG_CUTOFF - dt.timedelta(hours=3, minutes=35)]))
    # compared as JSON: confidence_inputs holds NaN when there are no peers, and NaN != NaN in model_dump()
    before = explain(desk, "GOOGL", GOOG_DAY, cutoff=cutoff).model_dump_json()
    late = [
        Article(
            id=f"late-{abs(hash((title, body, minutes, cutoff)))}",
            source=data.draw(st.sampled_from(["Reuters", "Bloomberg", "WSJ"])),
            title=title,
            body=body,
            published=cutoff + dt.timedelta(minutes=minutes),
            first_seen=cutoff + dt.timedelta(minutes=minutes),
        )
        for title, body, minutes in items
    ]
    desk.store.upsert_articles(late)
    desk.store.link_companies([(a.id, "GOOGL") for a in late])
    desk.link_articles([a.id for a in late])
    after = explain(desk, "GOOGL", GOOG_DAY, cutoff=cutoff)
    assert after.model_dump_json() == before
    assert desk.store.articles(company="GOOGL", since=cutoff)  # the late articles are there, linked
