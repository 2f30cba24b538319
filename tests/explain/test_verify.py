"""Claim checks against bars: each verdict, on the SMIC figures from the case README."""

from __future__ import annotations

import datetime as dt

import pytest

from movedesk.explain.verify import verify_claim
from movedesk.models import Claim, Company, Listing, Move

SMIC = Company(
    id="SMIC",
    name="SMIC",
    listings=(
        Listing(symbol="688981.SS", mic="XSHG", currency="CNY", limit_rule="pct20", label="Shanghai"),
        Listing(symbol="0981.HK", mic="XHKG", currency="HKD", label="Hong Kong"),
    ),
)
MON, FRI = dt.date(2024, 12, 23), dt.date(2024, 12, 20)
# Figures from the bars (shared/cases/smic-2024-12-23/README.md)
MOVES = {
    ("688981.SS", MON): Move(
        symbol="688981.SS", session=MON, close=95.18, prev_close=94.28,
        close_pct=95.18 / 94.28 * 100 - 100, high_pct=99.2 / 94.28 * 100 - 100, low_pct=93.6 / 94.28 * 100 - 100,
    ),
    ("688981.SS", FRI): Move(symbol="688981.SS", session=FRI, close=94.28, prev_close=85.44, close_pct=10.3464),
    ("0981.HK", MON): Move(
        symbol="0981.HK", session=MON, close=29.10, prev_close=28.30, close_pct=29.1 / 28.3 * 100 - 100,
        high_pct=29.8 / 28.3 * 100 - 100, low_pct=28.55 / 28.3 * 100 - 100,
        cum_pct={4: 29.1 / 25.25 * 100 - 100},
    ),
}
CLOSE = dt.datetime(2024, 12, 23, 8, tzinfo=dt.UTC)


def check(text: str, listing: str, value: float, *, qualifier: str = "close", session: dt.date = MON,
          sessions: int = 1, published: dt.datetime | None = None, inferred: bool = False) -> tuple[str, float | None]:
    claim = Claim(article_id="a", start=0, end=len(text), text=text, listing=listing, direction="up",
                  value=value, qualifier=qualifier, sessions=sessions, session=session)  # type: ignore[arg-type]
    v = verify_claim(
        claim, SMIC, lambda s, d: MOVES.get((s, d)), default_session=MON,
        published=published or dt.datetime(2024, 12, 23, 3, tzinfo=dt.UTC), published_inferred=inferred,
        close_time=lambda s, d: CLOSE, tolerance=0.15,
    )
    return v.verdict, v.computed


def test_intraday_peak_is_true() -> None:
    assert check("climbed as much as 5.2%", "688981.SS", 5.2, qualifier="intraday_high")[0] == "true"


def test_fridays_ten_percent_is_true_to_its_precision() -> None:
    verdict, computed = check("extending Friday's 10% gains", "688981.SS", 10, session=FRI)
    assert verdict == "true" and computed == pytest.approx(10.3464)


def test_settling_not_the_close_but_inside_the_range() -> None:
    verdict, computed = check("settling around 2.7% higher", "688981.SS", 2.7)
    assert verdict == "consistent with intraday"
    assert computed == pytest.approx(0.9546, abs=1e-3)


def test_hk_claims_inside_the_range() -> None:
    assert check("rising 3.7% on Monday", "0981.HK", 3.7)[0] == "consistent with intraday"
    verdict, computed = check("over 16% in just four trading sessions", "0981.HK", 16, sessions=4,
                              qualifier="cumulative")
    assert verdict == "consistent with intraday" and computed == pytest.approx(15.2475, abs=1e-3)


def test_outside_the_range_is_false() -> None:
    assert check("rose 7%", "0981.HK", 7)[0] == "false"


def test_after_the_close_a_non_close_figure_is_false() -> None:
    late = dt.datetime(2024, 12, 23, 12, tzinfo=dt.UTC)
    assert check("rose 3.7%", "0981.HK", 3.7, published=late)[0] == "false"


def test_roughly_true_within_tolerance() -> None:
    assert check("rose about 3%", "0981.HK", 3.0)[0] == "true"  # 2.83 is within half a unit of "3"
    assert check("rose 2.7%", "0981.HK", 2.7)[0] == "roughly true"  # 2.83: 0.13 pp off, within 0.15 + 0.05


def test_no_bars_is_unverifiable() -> None:
    assert check("rose 3%", "0981.HK", 3.0, session=dt.date(2024, 12, 19))[0] == "unverifiable"


def test_metric_is_unverifiable() -> None:
    claim = Claim(article_id="a", start=0, end=5, text="33-fold", claim_type="metric", value=33, unit="x")
    v = verify_claim(claim, SMIC, lambda s, d: None, default_session=MON, published=CLOSE,
                     published_inferred=False, close_time=lambda s, d: CLOSE, tolerance=0.15)
    assert v.verdict == "unverifiable" and "prices cannot check" in v.note
