"""Scoring of the price-claims reading set (issue 14) on a tiny synthetic set."""

from __future__ import annotations

import datetime as dt
from typing import Any

from movedesk.eval.price_read import RowClaims, matched_claims, moves_from_bars, score
from movedesk.models import Claim

DAY = dt.date(2011, 3, 15)


def claim(start: int, value: float, company: str | None, session: dt.date | None = DAY, **kw: Any) -> Claim:
    return Claim(article_id="a", start=start, end=start + 5, text="rose", value=value, company_id=company,
                 session=session, **kw)  # fmt: skip


def row(start: int, end: int, value: float, **kw: Any) -> dict[str, Any]:
    base = {"start": start, "end": end, "value": value, "subject_ok": "yes", "is_price_move": "yes",
            "measure": "share_price", "session": DAY.isoformat()}  # fmt: skip
    base.update(kw)
    return base


def test_claims_match_rows_by_value_inside_the_sentence() -> None:
    claims = [claim(12, 5.04, "A"), claim(15, 7.0, "A"), claim(60, 5.0, "A"), claim(20, 5.0, "A", claim_type="metric")]
    got = matched_claims(row(0, 50, 5.0), claims, shift=10)  # the sentence is text[10:60]
    assert [(c.start, c.value) for c in got] == [(12, 5.04)]
    assert matched_claims({**row(0, 50, 5.0), "value": None}, claims, shift=10) == ()


def test_company_session_decoys_and_false_with_baselines() -> None:
    items = [
        RowClaims(row(0, 9, 5.0), "A", (claim(0, 5.0, "A"),)),  # right company and session
        RowClaims(row(0, 9, 5.0), "A", (claim(0, 5.0, "B", subject="B"),)),  # another company
        RowClaims(row(0, 9, 5.0), "A", (claim(0, 5.0, "A", DAY - dt.timedelta(days=1)),)),  # wrong session
        RowClaims(row(0, 9, 5.0), "A", ()),  # not found
        RowClaims(row(0, 9, 5.0, subject_ok="no", holder="org:B"), "A", (claim(0, 5.0, "A"),)),  # decoy given
        RowClaims(row(0, 9, 5.0, subject_ok="no", holder="index:Dow"), "A", (claim(0, 5.0, None),)),  # kept off
        RowClaims(row(0, 9, 5.0, subject_ok="no", is_price_move="no"), "A", (claim(0, 5.0, "A"),)),  # not a move
    ]

    def verdict(c: Claim, company_id: str) -> str:
        # A's bars disagree with the wrong session's figure and with B's figure
        return "false" if c.session != DAY or c.subject == "B" else "true"

    out = score(items, verdict)
    assert out["company_session"] == (1, 2, 4)  # baseline: the session alone, whoever holds it
    assert out["decoy"] == (1, 2, 2)  # baseline: every matched claim given to the tagged company
    # false: the wrong-session claim of A only, as B's claim is not checked against A;
    # baseline: every matched claim judged as A's, so B's figure is false too
    assert out["false"] == (1, 2, 4)


def test_moves_from_bars() -> None:
    import pandas as pd

    bars = pd.DataFrame(
        {
            "symbol": ["X"] * 4,
            "date": [DAY - dt.timedelta(days=3 - i) for i in range(4)],
            "high": [10.0, 11.0, 12.0, 13.2],
            "low": [9.0, 10.0, 11.0, 11.5],
            "close": [10.0, 11.0, 12.0, 12.0],
        }
    )
    m = moves_from_bars(bars)[("X", DAY)]
    assert m.close_pct == 0.0
    assert round(m.high_pct or 0, 6) == 10.0
    assert round(m.cum_pct[3], 6) == 20.0
