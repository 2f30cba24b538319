"""explain(company, session, cutoff) → Explanation: why did it move, with evidence and checked numbers.

Pure given the store's contents up to the cutoff: only articles published at or before the cutoff are
read (a point-in-time query), so news published later can never change the result.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Sequence
from typing import TYPE_CHECKING, Protocol

import numpy as np

from movedesk import calendars
from movedesk.errors import CalendarHorizon, InsufficientData, MovedeskError, NotATradingSession
from movedesk.explain.rank import rank_drivers, select_drivers
from movedesk.explain.verify import verify_claim
from movedesk.models import (
    AnalystView,
    Article,
    Citation,
    Company,
    Driver,
    Explanation,
    Extraction,
    Move,
    Verification,
)
from movedesk.models.explain import Verdict

if TYPE_CHECKING:
    import pandas as pd

    from movedesk.config import Settings
    from movedesk.registry import Registry

log = logging.getLogger(__name__)


class ExplainSource(Protocol):
    """What ``explain`` reads: the registry, the settings, moves computed from the bars, the company's
    news up to a time with each article's extraction, and peers' last closes. ``movedesk.desk.Desk`` is
    one; explain never reaches past these methods into a store."""

    registry: Registry
    settings: Settings

    def move(self, symbol: str, session: dt.date) -> Move: ...

    def moves_of(self, company: Company, session: dt.date) -> list[Move]: ...

    def company_news(self, company_id: str, since: dt.datetime, until: dt.datetime) -> list[Article]: ...

    def extractions(self, articles: Sequence[Article]) -> list[Extraction]: ...

    def last_closes(self, symbols: Sequence[str], start: dt.date, end: dt.date, *, n: int = 2) -> pd.DataFrame: ...

#: Peers must move this much on average (same direction) for a "sector-wide" verdict.
SECTOR_MIN_PCT = 2.0


def _require_session(company: Company, session: dt.date) -> list[dt.datetime]:
    """Closes of the company's listings that trade on the session; NotATradingSession if none does."""
    closes: list[dt.datetime] = []
    unknown: list[CalendarHorizon] = []
    for x in company.listings:
        try:
            if calendars.is_session(x.mic, session):
                closes.append(calendars.session_close(x.mic, session))
        except CalendarHorizon as exc:  # one exchange's calendar ends earlier; the others may still know
            log.warning("%s: %s", x.symbol, exc)
            unknown.append(exc)
    if not closes:
        if unknown:
            raise unknown[0]
        raise NotATradingSession(f"{session} is not a session on any exchange where {company.name} trades")
    return closes


def explain(
    desk: ExplainSource,
    company: Company | str,
    session: dt.date,
    *,
    cutoff: dt.datetime | None = None,
    now: dt.datetime | None = None,
) -> Explanation:
    """Explain the company's move on the session from bars and news known at ``cutoff`` (by default the
    next session's open of the company's primary listing, or ``now`` when that is earlier: see
    :func:`default_cutoff`).

    >>> # desk = Desk.open("movedesk.duckdb"); explain(desk, "SMIC", dt.date(2024, 12, 23))
    """
    if isinstance(company, str):
        company = desk.registry.lookup(company)
    closes = _require_session(company, session)
    if cutoff is not None:
        cutoff, cutoff_rule = cutoff.astimezone(dt.UTC), "given"
    else:
        cutoff, cutoff_rule = default_cutoff(company, session, closes, now=now)
    moves = desk.moves_of(company, session)
    if not moves:
        raise InsufficientData(f"no bars for any listing of {company.name} on {session}; ingest prices first")
    bench_moves = _benchmark_moves(desk, company, session)
    since = cutoff - dt.timedelta(days=desk.settings.lookback_days)
    articles = desk.company_news(company.id, since=since, until=cutoff)
    docs = [_with_relays(a, x) for a, x in zip(articles, desk.extractions(articles), strict=True)]
    direction = int(np.sign(sum(m.close_pct or 0.0 for m in moves)))
    ranked = rank_drivers(
        company.id,
        docs,
        cutoff=cutoff,
        session_close=min(max(closes), cutoff),
        direction=direction,
        labels=theme_labels(),
        market_themes=market_themes(),
        market_share=_market_share(moves),
        categories=theme_categories(),
    )
    drivers = select_drivers(ranked)
    verdict, confidence, inputs = _verdict(desk, company, session, moves, drivers)
    return Explanation(
        company=company,
        session=session,
        cutoff=cutoff,
        cutoff_rule=cutoff_rule,
        moves=tuple(moves),
        benchmark_moves=tuple(bench_moves),
        verdict=verdict,
        confidence=confidence,
        confidence_inputs=inputs,
        drivers=tuple(drivers) if verdict == "stock-specific" else tuple(drivers[:2]),
        analysts=tuple(_analysts(company, docs)),
        verifications=tuple(_verifications(desk, company, session, docs, moves)),
        articles=tuple(_citation(a) for a, _ in sorted(docs, key=lambda d: (d[0].published, d[0].id))),
    )


def news_window(
    company: Company,
    session: dt.date,
    *,
    lookback_days: int,
    cutoff: dt.datetime | None = None,
    now: dt.datetime | None = None,
) -> tuple[dt.datetime, dt.datetime]:
    """(since, until): the publication times of the news :func:`explain` reads for the session (a scheduler
    extracts them ahead, ``movedesk.jobs.distributed``). NotATradingSession when no listing trades then."""
    closes = _require_session(company, session)
    until = cutoff.astimezone(dt.UTC) if cutoff is not None else default_cutoff(company, session, closes, now=now)[0]
    return until - dt.timedelta(days=lookback_days), until


def default_cutoff(
    company: Company, session: dt.date, closes: Sequence[dt.datetime], *, now: dt.datetime | None = None
) -> tuple[dt.datetime, str]:
    """The news window's end for a session: the next session's open of the company's primary listing (the
    first listed one trading that day). Most stories about a day's move are filed after the close — the
    evening wrap, after-hours results — and belong to it; the next day's news does not. For a session still
    in progress or just closed, ``now`` ends the window. Returns (cutoff, rule) with rule "next open" or
    "now" ("close" when the calendar does not know the next session yet)."""
    now = (now or dt.datetime.now(dt.UTC)).astimezone(dt.UTC)
    primary = next(
        (x for x in company.listings if _trades(x.mic, session)), company.listings[0] if company.listings else None
    )
    try:
        if primary is None:
            raise CalendarHorizon("no listing")
        next_open = calendars.next_session_open(primary.mic, session)
    except CalendarHorizon:
        return min(max(closes), now), "close"
    return (now, "now") if now < next_open else (next_open, "next open")


def _trades(mic: str, session: dt.date) -> bool:
    try:
        return calendars.is_session(mic, session)
    except CalendarHorizon:
        return False


def _with_relays(article: Article, extraction: Extraction) -> tuple[Article, Extraction]:
    """Outlets the text relays count as provenance even when the source gave none at ingest."""
    relays = tuple(dict.fromkeys((*article.relays, *extraction.relays)))
    if relays != article.relays:
        article = article.model_copy(update={"relays": relays})
    return article, extraction


def theme_labels() -> dict[str, str]:
    from movedesk.extract.themes import theme_labels as labels

    return labels()


def theme_categories() -> dict[str, str]:
    from movedesk.extract.themes import theme_categories as categories

    return categories()


def market_themes() -> frozenset[str]:
    from movedesk.extract.themes import market_themes as themes

    return themes()


def _market_share(moves: Sequence[Move]) -> float:
    """How much of the stock's move its benchmark shared (0…1, mean over listings; 1 when unknown)."""
    shares = [
        min(1.0, max(0.0, m.benchmark_pct / m.close_pct))
        for m in moves
        if m.benchmark_pct is not None and m.close_pct
    ]
    return float(np.mean(shares)) if shares else 1.0


def _benchmark_moves(desk: ExplainSource, company: Company, session: dt.date) -> list[Move]:
    out: list[Move] = []
    seen: set[str] = set()
    for listing in company.listings:
        for symbol in listing.benchmarks:
            if symbol in seen:
                continue
            seen.add(symbol)
            try:
                out.append(desk.move(symbol, session))
            except MovedeskError as exc:
                log.info("no benchmark move for %s on %s: %s", symbol, session, exc)
    return out


def _verdict(
    desk: ExplainSource, company: Company, session: dt.date, moves: Sequence[Move], drivers: Sequence[Driver]
) -> tuple[Verdict, float, dict[str, float]]:
    """Market-wide when the benchmark moved abnormally and the stock did not beyond it; sector-wide when
    peers moved alike; stock-specific when drivers have enough evidence; else unexplained."""
    min_z = desk.settings.min_abs_z
    zs = [abs(m.z) for m in moves if m.z is not None]
    max_z = max(zs) if zs else 0.0
    market_day = any(m.market_day for m in moves)
    same_way = all(
        (m.close_pct or 0) * (m.benchmark_pct or 0) > 0 for m in moves if m.benchmark_pct is not None
    )
    peer = _peer_mean(desk, company, session)
    own = float(np.mean([m.close_pct for m in moves if m.close_pct is not None] or [0.0]))
    top = max((d.score for d in drivers), default=0.0)
    inputs = {
        "max_abs_z": round(max_z, 3),
        "market_day": float(market_day),
        "top_driver_score": round(top, 4),
        "drivers": float(len(drivers)),
    }
    if peer is not None:  # absent, not NaN, when there are too few peers: JSON has no NaN
        inputs["peer_mean_pct"] = round(peer, 3)
    if market_day and same_way and max_z < min_z:
        return "market-wide", round(min(1.0, 0.5 + 0.5 * (1 - max_z / min_z)), 3), inputs
    if peer is not None and abs(peer) >= SECTOR_MIN_PCT and peer * own > 0 and abs(peer) >= 0.5 * abs(own):
        return "sector-wide", round(min(1.0, abs(peer) / max(abs(own), 1e-9)), 3), inputs
    if drivers:
        significance = min(1.0, max_z / min_z) if min_z > 0 else 1.0
        return "stock-specific", round(top * (0.5 + 0.5 * significance), 3), inputs
    return "unexplained", 0.0, inputs


def _peer_mean(desk: ExplainSource, company: Company, session: dt.date) -> float | None:
    """Mean close-to-close change of the company's sector peers on the same exchange, or None."""
    if not company.sector or not company.listings:
        return None
    mic = company.listings[0].mic
    peers = [
        x.symbol
        for c in desk.registry
        if c.sector == company.sector and c.id != company.id and not c.is_index
        for x in c.listings
        if x.mic == mic
    ]
    if not peers:
        return None
    # per peer the last two clean closes (newest first): a change counts when the newer one is the session's
    closes = desk.last_closes(peers[:200], session - dt.timedelta(days=14), session, n=2)
    latest: dict[str, list[tuple[dt.date, float]]] = {}
    for symbol, day, close in closes.itertuples(index=False, name=None):
        latest.setdefault(symbol, []).append((day, close))
    changes = [(p[0][1] / p[1][1] - 1) * 100 for p in latest.values() if len(p) == 2 and p[0][0] == session]
    return float(np.mean(changes)) if len(changes) >= 3 else None


def _analysts(company: Company, docs: Sequence[tuple[Article, Extraction]]) -> list[AnalystView]:
    """One ledger row per (firm, stance) of a firm's view on this company: the same view reported by several
    articles is listed once, preferring the earliest report that names the analyst. A view that names no
    company (an economist on the economy, a sector call) and a rating agency's action (a capital event) are
    not ledger rows."""
    from movedesk.extract.analysts import rating_agencies

    agencies = rating_agencies()
    best: dict[tuple[str, str], tuple[tuple[bool, bool, dt.datetime, str], AnalystView]] = {}
    # English-language reports first: the brief is written in English
    for article, extraction in docs:
        for view in extraction.analysts:
            if view.company_id != company.id or view.firm in agencies:
                continue
            rank = (article.language != "en", view.analyst is None, article.published, article.id)
            key = (view.firm, view.stance)
            if key not in best or rank < best[key][0]:
                best[key] = (rank, view)
    views = [v for _, v in best.values()]
    order = {"positive": 0, "neutral": 1, "cautious": 2, "negative": 3}
    return sorted(views, key=lambda v: (order.get(v.stance, 9), v.firm))


def _verifications(
    desk: ExplainSource,
    company: Company,
    session: dt.date,
    docs: Sequence[tuple[Article, Extraction]],
    moves: Sequence[Move] = (),
) -> list[Verification]:
    # the session's own moves are already computed (desk.move, same arguments): claims about them reuse them
    cache: dict[tuple[str, dt.date], Move | None] = {(m.symbol, session): m for m in moves}

    def lookup(symbol: str, day: dt.date) -> Move | None:
        if (symbol, day) not in cache:
            try:
                cache[symbol, day] = desk.move(symbol, day)
            except MovedeskError:
                cache[symbol, day] = None
        return cache[symbol, day]

    def close_time(symbol: str, day: dt.date) -> dt.datetime:
        return calendars.session_close(desk.registry.listing(symbol).mic, day)

    out = []
    for article, extraction in docs:
        for claim in extraction.claims:
            if claim.claim_type == "price" and claim.company_id not in (None, company.id):
                continue
            if claim.claim_type == "metric" and not _near_company(extraction, company.id):
                continue
            out.append(
                verify_claim(
                    claim,
                    company,
                    lookup,
                    default_session=session,
                    published=article.published,
                    published_inferred=article.published_inferred,
                    close_time=close_time,
                    tolerance=desk.settings.tolerance_pct,
                )
            )
    return out


def _near_company(extraction: Extraction, company_id: str) -> bool:
    """A metric counts for the company when the article mentions it at all (metrics are context)."""
    return any(m.company_id == company_id for m in extraction.mentions)


def _citation(article: Article) -> Citation:
    return Citation(
        article_id=article.id,
        source=article.source,
        url=article.url,
        title=article.title,
        published=article.published,
        relays=article.relays,
    )
