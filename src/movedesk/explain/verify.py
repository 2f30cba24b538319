"""Check every price-move claim against the bars.

Verdicts, and the tolerance behind each:

- **true** — the claimed figure equals the computed one to the precision it was stated with: "10%"
  covers 9.5…10.5, "5.2%" covers 5.15…5.25 (plus 0.01 pp for float noise). "over X%" is true when the
  computed figure is at least X.
- **roughly true** — within ``Settings.tolerance_pct`` percentage points beyond that, or 5% of the
  figure, whichever is larger ("around 2.7%" reported when the close was 2.6%); for "over X%" only
  the tolerance applies.
- **consistent with intraday** — not the close, but inside the session's low…high range against the
  previous close, and the article was (or may have been) published before the close: a story written
  during trading. The note gives the close the listing then made.
- **false** — outside all of that, or the wrong direction; and only when the claim's subject, period and
  measure are all certain: the company is the clause's own subject (or a pronoun, or the sentence's
  previous claim, pointing back to it), the period is the session or N sessions, the measure a share price.
- **unverifiable** — no listing, session or bars to check against, or not a price claim (metrics); or a
  claim the bars cannot judge: another subject (another company, an index, unattributed), another period
  (the week, year-to-date, since an event, after hours…), another measure (a yield, an index, a metric).
  The note says which.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable

from movedesk.models import Claim, Company, Move, Verification
from movedesk.models.explain import CheckVerdict

MoveLookup = Callable[[str, dt.date], Move | None]

_LOWER_BOUND = re.compile(r"\b(over|more than|above|at least|upwards of)\b|超过|逾", re.I)
_ABOUT = re.compile(r"\b(about|around|roughly|nearly|almost|some)\b|约|近", re.I)


def _stated_precision(value: float, text: str) -> float:
    """Half a unit of the last digit the claim was written with: 10 → 0.5, 5.2 → 0.05."""
    match = re.search(r"(\d+(?:\.(\d+))?)\s*(?:%|percent|per cent|pct)", text)
    decimals = len(match.group(2) or "") if match else (0 if float(value).is_integer() else 1)
    return 0.5 * 10 ** (-decimals) + 0.01


def _bound(claim: Claim) -> str:
    if claim.bound != "exact":
        return claim.bound
    if _LOWER_BOUND.search(claim.text):
        return "at_least"
    if _ABOUT.search(claim.text):
        return "about"
    return "exact"


def _grade(claimed: float, computed: float, precision: float, bound: str, tolerance: float) -> CheckVerdict | None:
    diff = computed - claimed
    if bound == "at_least":
        if diff >= -precision:
            return "true"
        return "roughly true" if diff >= -(precision + tolerance) else None
    if abs(diff) <= precision:
        return "true"
    if abs(diff) <= precision + max(tolerance, 0.05 * abs(claimed)):
        return "roughly true"
    return None


def _signed(claim: Claim) -> float | None:
    if claim.value is None:
        return None
    return -abs(claim.value) if claim.direction == "down" else abs(claim.value)


def verify_claim(
    claim: Claim,
    company: Company,
    moves: MoveLookup,
    *,
    default_session: dt.date,
    published: dt.datetime,
    published_inferred: bool,
    close_time: Callable[[str, dt.date], dt.datetime],
    tolerance: float,
) -> Verification:
    """One claim → one Verification with the computed figure beside the claimed one."""

    def result(verdict: CheckVerdict, note: str, computed: float | None = None) -> Verification:
        return Verification(
            claim=claim, listing=listing, session=session, computed=computed, verdict=verdict, note=note
        )

    listing: str | None = claim.listing
    session: dt.date = claim.session or default_session
    if claim.claim_type != "price":
        return result("unverifiable", "not a price figure: prices cannot check it; see the cited source")
    if claim.measure != "share_price":
        return result("unverifiable", f"not a share price: the claim measures {_MEASURE_WORDS[claim.measure]}")
    if claim.company_id is not None and claim.company_id != company.id:
        return result("unverifiable", f"subject unclear: the claim is about {claim.subject or claim.company_id}")
    if claim.attribution == "none":
        return result("unverifiable", "subject unclear: the claim names no company whose shares moved")
    if claim.period not in _CHECKED_PERIODS:
        return result("unverifiable", f"period unclear: {_PERIOD_WORDS[claim.period]}, not a session move")
    if claim.unit not in ("%", "percent"):
        return result("unverifiable", f"a move stated in {claim.unit!r}; only percentage moves are checked")
    signed = _signed(claim)
    if signed is None:
        return result("unverifiable", "the claim gives no figure")
    if listing is None:
        listing = next((x.symbol for x in company.listings), None)
    if listing is None or company.listing(listing) is None:
        return result("unverifiable", "the claim names no listing of this company")
    move = moves(listing, session)
    if move is None or move.close_pct is None:
        return result("unverifiable", f"no trusted bar for {listing} on {session}")
    bound = _bound(claim)
    precision = _stated_precision(abs(signed), claim.text)
    n = max(1, claim.sessions) if claim.period in ("session", "multi_session") else 1
    if claim.qualifier == "intraday_high":
        computed, what = move.high_pct, "intraday high vs previous close"
    elif claim.qualifier == "intraday_low":
        computed, what = move.low_pct, "intraday low vs previous close"
    elif n > 1 or claim.period == "multi_session":
        computed, what = move.cum_pct.get(n), f"close over {n} sessions"
    else:
        computed, what = move.close_pct, "close vs previous close"
    if computed is None:
        return result("unverifiable", f"not enough bars to compute the {what} for {listing}")
    grade = _grade(signed, computed, precision, bound, tolerance)
    if grade is not None:
        return result(grade, f"{what}: {computed:+.2f}% computed, {signed:+g}% claimed", computed)
    # Not the close: was the claim true at some moment of the session, in a story filed during trading?
    lo, hi = _intraday_range(move, n)
    before_close = published_inferred or published <= close_time(listing, session)
    # a claim the article itself places inside the session ("earlier in the session") is judged on the
    # range whenever it was filed
    in_session = before_close or claim.period == "intraday"
    if lo is not None and hi is not None and in_session and lo - precision <= signed <= hi + precision:
        when = "publish time unknown" if published_inferred else f"published {published:%H:%M} UTC, before the close"
        return result(
            "consistent with intraday",
            f"{signed:+g}% lies inside the session's range ({lo:+.2f}%…{hi:+.2f}%) — consistent with an "
            f"intraday price ({when}); {listing} then closed at {computed:+.2f}% ({what})",
            computed,
        )
    if not before_close and claim.qualifier != "close" and claim.period == "session":
        # filed after the close, and the text does not say "closed": the move may be after hours
        return result(
            "unverifiable",
            f"period unclear: filed after the close without saying the move is the close's, so it may be an "
            f"after-hours move; {what}: {computed:+.2f}% computed, {signed:+g}% claimed",
            computed,
        )
    if claim.attribution not in _SURE_SUBJECT:
        return result(
            "unverifiable",
            f"subject unclear: {company.name} is named {_ATTRIBUTION_WORDS[claim.attribution]}, not as the "
            f"move's subject; {what}: {computed:+.2f}% computed, {signed:+g}% claimed",
            computed,
        )
    return result("false", f"{what}: {computed:+.2f}% computed, {signed:+g}% claimed", computed)


#: periods the bars of a session (and the sessions before it) can judge
_CHECKED_PERIODS = ("session", "intraday", "multi_session")
#: attributions sure enough for a "false" verdict
_SURE_SUBJECT = ("subject", "pronoun", "previous")
_MEASURE_WORDS = {
    "index": "an index",
    "yield": "a yield or spread",
    "currency": "a currency",
    "metric": "a company metric",
    "share_price": "a share price",
}
_PERIOD_WORDS = {
    "week": "a week's move",
    "month": "a month's move",
    "ytd": "a year-to-date move",
    "year": "a year's move",
    "since": "a move since a date or event",
    "52w": "a 52-week or all-time mark",
    "after_hours": "an after-hours move",
    "premarket": "a premarket move",
    "unknown": "the claim does not say over which period",
}
_ATTRIBUTION_WORDS = {
    "nearby": "elsewhere in the sentence",
    "carried": "in an earlier sentence",
    "none": "nowhere near it",
}


def _intraday_range(move: Move, n: int) -> tuple[float | None, float | None]:
    """Low and high of the session against the close ``n`` sessions earlier, in percent."""
    if move.high_pct is None or move.low_pct is None:
        return None, None
    if n == 1:
        return move.low_pct, move.high_pct
    base = move.cum_pct.get(n)
    if base is None or move.close_pct is None:
        return None, None
    # close_{t-n} → high_t = (1+cum_n)/(1+close_pct) * (1+high_pct) - 1
    factor = (1 + base / 100) / (1 + move.close_pct / 100)
    return (factor * (1 + move.low_pct / 100) - 1) * 100, (factor * (1 + move.high_pct / 100) - 1) * 100
