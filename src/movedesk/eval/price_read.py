"""Price claims on the reading-labelled set: whose move, which session, and how many false "false".

The set is ``eval/data/moves_read.jsonl`` (see :mod:`movedesk.eval.explain_read`): Reuters sentences with
a percentage, labelled by reading (``shared/eval-protocols/move-reasons.md``) with the move's holder,
whether it is the tagged company's (``subject_ok``), its period, measure, session and value. Offsets are
into ``" ".join(body.split())``. A row is matched by the extracted price claims whose span starts inside
the row's sentence and whose value is the row's to 0.05. Three figures, each beside a trivial baseline:

- **company-and-session recall** — of the tagged company's own share-price rows with a session, the share
  with a matched claim given to the tagged company on that session (baseline: every matched claim given
  to the tagged company, on the session the extractor read);
- **decoy attribution** — of the price-move rows that belong to someone else, the share with a matched
  claim given to the tagged company (lower is better; baseline: every matched claim given to it);
- **false rate** — of the tagged company's rows, the share for which a matched claim is judged "false"
  against the S&P bars (baseline: the same claims checked as the tagged company's session move, whatever
  their subject, period and measure — the verifier before it had to earn a "false").
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from movedesk.models import Claim, Move

VALUE_TOLERANCE = 0.05
#: sessions of history kept per checked session (the verifier's N-session moves reach back this far)
MAX_SESSIONS = 10


@dataclass(frozen=True)
class RowClaims:
    """One labelled row with the claims matched to it."""

    row: dict[str, Any]
    company_id: str | None
    claims: tuple[Claim, ...]


def normalized_text(body: str) -> str:
    return " ".join(str(body).split())


def matched_claims(row: dict[str, Any], claims: Iterable[Claim], shift: int) -> tuple[Claim, ...]:
    """Price claims starting in the row's sentence whose value is the row's (±0.05)."""
    value = row.get("value")
    if value is None:
        return ()
    lo, hi = int(row["start"]) + shift, int(row["end"]) + shift
    return tuple(
        c
        for c in claims
        if c.claim_type == "price"
        and lo <= c.start < hi
        and c.value is not None
        and abs(abs(c.value) - abs(float(value))) <= VALUE_TOLERANCE
    )


def is_own_session_row(row: dict[str, Any]) -> bool:
    return row.get("subject_ok") == "yes" and row.get("measure") == "share_price" and bool(row.get("session"))


def is_decoy_row(row: dict[str, Any]) -> bool:
    return row.get("is_price_move") == "yes" and row.get("subject_ok") == "no"


def _session(c: Claim) -> str:
    return c.session.isoformat() if c.session else ""


Verdict = Callable[[Claim, str], str]


def score(items: Sequence[RowClaims], verdict: Verdict | None = None) -> dict[str, tuple[int, int, int]]:
    """{figure: (hits, baseline hits, rows)} for "company_session", "decoy" and (with ``verdict``) "false".

    ``verdict(claim, company_id)`` returns the verdict of a claim checked for the tagged company."""
    out: dict[str, tuple[int, int, int]] = {}
    own = [it for it in items if is_own_session_row(it.row)]
    hit = sum(
        any(c.company_id == it.company_id and _session(c) == it.row["session"] for c in it.claims) for it in own
    )
    base = sum(any(_session(c) == it.row["session"] for c in it.claims) for it in own)
    out["company_session"] = (hit, base, len(own))
    decoys = [it for it in items if is_decoy_row(it.row)]
    given = sum(any(c.company_id == it.company_id for c in it.claims) for it in decoys)
    out["decoy"] = (given, sum(bool(it.claims) for it in decoys), len(decoys))
    if verdict is not None:
        mine = [it for it in items if it.row.get("subject_ok") == "yes" and it.company_id]
        false = naive = 0
        for it in mine:
            cid = str(it.company_id)
            ours = [c for c in it.claims if c.company_id in (None, cid)]
            false += any(verdict(c, cid) == "false" for c in ours)
            naive += any(verdict(_as_certain(c, cid), cid) == "false" for c in it.claims)
        out["false"] = (false, naive, len(mine))
    return out


def _as_certain(c: Claim, company_id: str) -> Claim:
    """The claim as the old verifier read it: the tagged company's share price at the session's close."""
    return c.model_copy(
        update={
            "company_id": company_id,
            "listing": None,
            "period": "session",
            "measure": "share_price",
            "attribution": "subject",
            "sessions": 1,
            "qualifier": "close" if c.qualifier == "unknown" else c.qualifier,
        }
    )


def moves_from_bars(bars: Any) -> dict[tuple[str, dt.date], Move]:
    """Close, high and low against the previous close, and the N-session closes, from daily bars."""
    out: dict[tuple[str, dt.date], Move] = {}
    for symbol, g in bars.sort_values("date").groupby("symbol"):
        closes = g["close"].to_list()
        highs, lows, days = g["high"].to_list(), g["low"].to_list(), g["date"].to_list()
        for i in range(1, len(closes)):
            prev = closes[i - 1]
            if not prev or closes[i] != closes[i]:
                continue
            cum = {
                n: (closes[i] / closes[i - n] - 1) * 100
                for n in range(2, MAX_SESSIONS + 1)
                if i - n >= 0 and closes[i - n]
            }
            day = days[i] if isinstance(days[i], dt.date) else days[i].date()
            out[str(symbol), day] = Move(
                symbol=str(symbol),
                session=day,
                close=float(closes[i]),
                prev_close=float(prev),
                close_pct=(closes[i] / prev - 1) * 100,
                high_pct=(highs[i] / prev - 1) * 100 if highs[i] == highs[i] else None,
                low_pct=(lows[i] / prev - 1) * 100 if lows[i] == lows[i] else None,
                cum_pct=cum,
            )
    return out


def price_read_figures(shared: Path, rows: Sequence[dict[str, Any]]) -> dict[str, tuple[int, int, int]]:
    """The three figures of :func:`score` on ``rows`` of the set: extraction on the Reuters articles, the
    verdicts against the S&P bars."""
    import pandas as pd

    from movedesk import calendars
    from movedesk.config import Settings
    from movedesk.explain.verify import verify_claim
    from movedesk.extract.pipeline import run
    from movedesk.models import Article
    from movedesk.registry import default_registry

    ids = sorted({r["article_id"] for r in rows})
    news = pd.read_parquet(
        shared / "data" / "news" / "reuters_2006_2013.parquet",
        columns=["id", "title", "body", "published"],
        filters=[("id", "in", ids)],
    )
    reg = default_registry()
    docs: dict[str, tuple[Any, Any, int]] = {}
    for r in news.to_dict("records"):
        title = " ".join(str(r["title"]).split())
        when = r["published"].to_pydatetime()
        art = Article(id=str(r["id"]), source="Reuters", title=title, body=normalized_text(str(r["body"])),
                      published=when, first_seen=when)  # fmt: skip
        docs[art.id] = (art, run(art, reg, components=["price_claims"]), len(title) + 1)
    items = []
    for row in rows:
        if row["article_id"] not in docs:
            continue
        company = reg.by_symbol.get(row["ticker"])
        _, ext, shift = docs[row["article_id"]]
        items.append(RowClaims(row, company.id if company else None, matched_claims(row, ext.claims, shift)))

    tickers = sorted({x.symbol for it in items if it.company_id for x in reg.companies[it.company_id].listings})
    bars = pd.read_parquet(
        shared / "data" / "prices" / "us_sp500.parquet",
        columns=["symbol", "date", "high", "low", "close"],
        filters=[("symbol", "in", tickers)],
    )
    bars["date"] = pd.to_datetime(bars["date"]).dt.date
    moves = moves_from_bars(bars)
    arts = {aid: a for aid, (a, _, _) in docs.items()}
    tolerance = Settings().tolerance_pct

    def verdict(c: Claim, company_id: str) -> str:
        art = arts[c.article_id]
        return verify_claim(
            c,
            reg.companies[company_id],
            lambda s, d: moves.get((s, d)),
            default_session=c.session or art.published.date(),
            published=art.published,
            published_inferred=art.published_inferred,
            close_time=lambda s, d: calendars.session_close(reg.listing(s).mic, d),
            tolerance=tolerance,
        ).verdict

    return score(items, verdict)


#: (figure, set name, what it counts) in the order ``movedesk eval extract`` prints them
FIGURES = (
    ("company_session", "reuters-read/company+session", "tagged company's share moves with a session"),
    ("decoy", "reuters-read/decoys-given", "other holders' moves given to the tagged company; lower is better"),
    ("false", "reuters-read/false-rate", "tagged company's rows judged false; lower is better"),
)
