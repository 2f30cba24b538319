"""``movedesk eval explain --set read``: explain against reasons labelled by reading.

The set is ``eval/data/moves_read.jsonl``: Reuters sentences stating a percentage move, drawn by
``scripts/label_candidates.py`` and labelled by reading the article, before movedesk was run on them, with
``shared/eval-protocols/move-reasons.md`` (whose move it is, over which period, why, how surely). Stored are
ids, offsets and labels only; the text is read from ``../shared``.

A *case* is one (company, session) with a tagged-company share move over the session (``session``,
``intraday`` or ``premarket``; an ``after_hours`` move is the next session's case). Its reason is that of
its surest row. The scored cases are those the protocol scores: a reason other than ``none`` and
``other``, confidence above ``low``. No category may hold more than ``MAX_SHARE`` of them: the commonest
is thinned (fixed seed) when it does, and the mix is reported. For every case ``explain`` runs with its
default cutoff (the next session's open) on a store holding the S&P bars and the Reuters articles of
the case's window; the report gives top-1 category accuracy overall and by category beside the
always-earnings baseline, the confusion matrix, how often "unexplained" agrees with ``none``, and the
verifier's figure: the share of labelled tagged-company session claims found among the checks with a
consistent verdict.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import random
import time
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

from movedesk import calendars
from movedesk.config import Settings
from movedesk.errors import DataValidationError, MovedeskError
from movedesk.eval.explain_eval import NEWS_FILE, PRICES_FILE, ExplainCase, articles_for, bars_for, shared_path
from movedesk.models import Company

log = logging.getLogger(__name__)

READ_SET = "moves_read.jsonl"
#: No category may hold more than this share of the scored cases (the issue's rule for the dev set).
MAX_SHARE = 0.45
CONFIDENCE = {"low": 0, "medium": 1, "high": 2}
SESSION_PERIODS = ("session", "intraday", "premarket")
CONSISTENT = ("true", "roughly true", "consistent with intraday")
BASELINE = "earnings"


@dataclass(frozen=True)
class ReadCase:
    case_id: str
    company_id: str
    symbol: str
    session: dt.date
    reason: str
    confidence: str
    scored: bool
    reuters_ids: tuple[str, ...]
    claims: tuple[tuple[str, float, str], ...]  # (Reuters id, value, direction) of the labelled session claims


@dataclass
class ReadResult:
    case_id: str
    reason: str
    scored: bool
    predicted: str  # the top driver's category, or "none" when explain says unexplained or has no driver
    verdict: str | None
    claims: int
    claims_confirmed: int
    error: str | None = None


@dataclass
class ReadReport:
    n_cases: int
    n_scored: int
    mix: dict[str, int]
    top1: float
    baseline_top1: float
    by_category: dict[str, dict[str, float]]
    confusion: dict[str, dict[str, int]]
    unexplained_recall_of_none: float | None  # of the cases labelled none, how many explain calls unexplained
    unexplained_precision: float | None  # of the cases explain calls unexplained, how many are labelled none
    verifier: float | None
    errors: int
    seconds: float
    thinned: dict[str, int] = field(default_factory=dict)
    no_bars: list[str] = field(default_factory=list)  # cases whose ticker has no bar then (another company)
    results: list[ReadResult] = field(default_factory=list)

    def as_dict(self, *, with_cases: bool = False) -> dict[str, Any]:
        out = {k: v for k, v in asdict(self).items() if k != "results"}
        if with_cases:
            out["cases"] = [asdict(r) for r in self.results]
        return out


def read_set_path() -> Path:
    return Path(str(resources.files("movedesk.eval") / "data" / READ_SET))


def load_rows(path: Path | None = None) -> list[dict[str, Any]]:
    rows = []
    p = path or read_set_path()
    for n, line in enumerate(p.read_text(encoding="utf-8").splitlines(), start=1):
        if line.strip():
            try:
                rows.append(json.loads(line))
            except json.JSONDecodeError as exc:
                raise DataValidationError(f"{p.name} line {n}: {exc}") from exc
    return rows


def build_cases(
    rows: Sequence[dict[str, Any]], registry: Any, *, seed: int = 0
) -> tuple[list[ReadCase], dict[str, int]]:
    """The (company, session) cases of the labelled rows, and how many of each category were thinned."""
    grouped: dict[tuple[str, dt.date], list[dict[str, Any]]] = defaultdict(list)
    for row in rows:
        if row.get("subject_ok") != "yes" or row.get("measure") != "share_price" or not row.get("session"):
            continue
        period = row.get("period")
        if period not in (*SESSION_PERIODS, "after_hours"):
            continue
        company = registry.by_symbol.get(str(row["ticker"]))
        if company is None:
            continue
        session = dt.date.fromisoformat(str(row["session"]))
        mic = company.listings[0].mic
        try:
            if period == "after_hours":  # the move shows in the next session's bar
                session = calendars.next_session(mic, session)
            elif not calendars.is_session(mic, session):
                continue
        except MovedeskError:
            continue
        grouped[(company.id, session)].append(row)
    cases = []
    for (company_id, session), group in sorted(grouped.items()):
        best = max(group, key=_surest)
        reason, confidence = str(best["reason"] or "none"), str(best["confidence"])
        company = registry.lookup(company_id)
        claims = tuple(
            (str(r["article_id"]), float(r["value"]), str(r.get("direction") or ""))
            for r in group
            if r.get("period") in SESSION_PERIODS and r.get("value") is not None
        )
        cases.append(
            ReadCase(
                case_id=f"{company_id}-{session.isoformat()}",
                company_id=company_id,
                symbol=company.listings[0].symbol,
                session=session,
                reason=reason,
                confidence=confidence,
                scored=reason not in ("none", "other") and confidence != "low",
                reuters_ids=tuple(sorted({str(r["article_id"]) for r in group})),
                claims=claims,
            )
        )
    return _thin(cases, seed)


def _surest(row: dict[str, Any]) -> tuple[bool, int]:
    """A row with a reason beats one without; then the surer label."""
    return row.get("reason") not in ("none", "other", ""), CONFIDENCE.get(str(row.get("confidence")), 0)


def _thin(cases: list[ReadCase], seed: int) -> tuple[list[ReadCase], dict[str, int]]:
    """Drop scored cases of the commonest category (fixed seed) until it holds at most MAX_SHARE."""
    scored = [c for c in cases if c.scored]
    counts = Counter(c.reason for c in scored)
    if not counts:
        return cases, {}
    top, n = counts.most_common(1)[0]
    others = len(scored) - n
    if others == 0:  # a one-category set (a test's few rows) cannot be balanced: leave it
        return cases, {}
    keep_n = min(n, int(MAX_SHARE * others / (1 - MAX_SHARE)))
    if keep_n >= n:
        return cases, {}
    pool = sorted((c for c in scored if c.reason == top), key=lambda c: c.case_id)
    drop = {c.case_id for c in random.Random(seed).sample(pool, n - keep_n)}
    return [c for c in cases if c.case_id not in drop], {top: n - keep_n}


def evaluate_read(
    *,
    shared: str | Path | None = None,
    sample: int | None = None,
    seed: int = 0,
    settings: Settings | None = None,
    db: str | Path = ":memory:",
) -> ReadReport:
    from movedesk.desk import Desk
    from movedesk.explain.explain import explain

    started = time.perf_counter()
    base = shared_path(shared)
    settings = settings or Settings(db=str(db))
    desk = Desk.open(db, settings)
    try:
        cases, thinned = build_cases(load_rows(), desk.registry, seed=seed)
        if sample is not None and sample < len(cases):
            cases = sorted(random.Random(seed).sample(cases, sample), key=lambda c: c.case_id)
        windows = [_window(c, desk.registry.lookup(c.company_id)) for c in cases]
        bars = bars_for(windows, base / PRICES_FILE, desk.registry)
        desk.store.upsert_bars(bars)
        # a ticker that named another company then (Dow Chemical, the old GM) has no bar in the panel on the
        # session: such cases are counted, not scored (point-in-time tickers are a known gap)
        have = set(zip(bars["symbol"], bars["session"], strict=True))
        no_bars = [c.case_id for c in cases if (c.symbol, c.session) not in have]
        cases = [c for c in cases if (c.symbol, c.session) in have]
        windows = [w for w in windows if w.case_id not in set(no_bars)]
        articles, ids = articles_for(windows, base / NEWS_FILE, settings.lookback_days)
        desk.store.upsert_articles(articles)
        desk.link_articles([a.id for a in articles])
        far = dt.datetime.now(dt.UTC)
        results = [_run(desk, explain, c, ids, far) for c in cases]
    finally:
        desk.close()
    report = score_read(results, time.perf_counter() - started, thinned)
    report.no_bars = no_bars
    return report


def _window(case: ReadCase, company: Company) -> ExplainCase:
    """The case as the loaders of explain_eval see it: its news window ends where explain's own does (the
    next session's open of the company's primary listing)."""
    from movedesk.explain.explain import default_cutoff

    later = dt.datetime.combine(case.session + dt.timedelta(days=30), dt.time(), dt.UTC)  # the window is over
    try:
        close = calendars.session_close(company.listings[0].mic, case.session)
        cutoff, _ = default_cutoff(company, case.session, [close], now=later)
    except MovedeskError:
        cutoff = dt.datetime.combine(case.session + dt.timedelta(days=1), dt.time(14, 30), dt.UTC)
    return ExplainCase(case.case_id, case.company_id, case.symbol, case.session, cutoff, case.reason, 0.0,
                       case.reuters_ids)  # fmt: skip


def _run(desk: Any, explain: Any, case: ReadCase, ids: dict[str, str], now: dt.datetime) -> ReadResult:
    try:
        ex = explain(desk, case.company_id, case.session, now=now)
    except MovedeskError as exc:
        return ReadResult(case.case_id, case.reason, case.scored, "error", None, len(case.claims), 0, str(exc))
    predicted = ex.drivers[0].category if ex.drivers and ex.verdict != "unexplained" else "none"
    confirmed = 0
    for reuters_id, value, direction in case.claims:
        stored = ids.get(reuters_id)
        if any(
            v.claim.article_id == stored
            and v.claim.value is not None
            and abs(abs(v.claim.value) - value) < 0.051
            and (not direction or v.claim.direction == direction)
            and v.verdict in CONSISTENT
            for v in ex.verifications
        ):
            confirmed += 1
    return ReadResult(case.case_id, case.reason, case.scored, predicted, ex.verdict, len(case.claims), confirmed)


def score_read(
    results: Sequence[ReadResult], seconds: float = 0.0, thinned: dict[str, int] | None = None
) -> ReadReport:
    scored = [r for r in results if r.scored]
    mix = Counter(r.reason for r in scored)
    confusion: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for r in scored:
        confusion[r.reason][r.predicted] += 1
    by_category = {
        reason: {
            "n": float(n),
            "top1": round(sum(r.predicted == reason for r in scored if r.reason == reason) / n, 4),
            "predicted": float(sum(r.predicted == reason for r in scored)),
        }
        for reason, n in mix.most_common()
    }
    nones = [r for r in results if r.reason == "none"]
    unexplained = [r for r in results if r.predicted == "none" and r.error is None]
    claims = sum(r.claims for r in results if r.reason != "none")
    confirmed = sum(r.claims_confirmed for r in results if r.reason != "none")

    def rate(k: int, n: int) -> float:
        return round(k / n, 4) if n else 0.0

    return ReadReport(
        n_cases=len(results),
        n_scored=len(scored),
        mix=dict(mix.most_common()),
        top1=rate(sum(r.predicted == r.reason for r in scored), len(scored)),
        baseline_top1=rate(mix.get(BASELINE, 0), len(scored)),
        by_category=by_category,
        confusion={k: dict(v) for k, v in confusion.items()},
        unexplained_recall_of_none=rate(sum(r.predicted == "none" for r in nones), len(nones)) if nones else None,
        unexplained_precision=rate(sum(r.reason == "none" for r in unexplained), len(unexplained))
        if unexplained else None,
        verifier=rate(confirmed, claims) if claims else None,
        errors=sum(r.error is not None for r in results),
        seconds=round(seconds, 1),
        thinned=dict(thinned or {}),
        results=list(results),
    )


def render_read(report: ReadReport) -> Any:
    from rich.table import Table

    table = Table(title=f"explain vs reasons labelled by reading — {report.n_scored} scored of {report.n_cases} "
                  f"cases ({report.seconds:.0f} s)")
    table.add_column("measure")
    table.add_column("value", justify="right")
    table.add_row("top-1 category accuracy", f"{report.top1:.1%}")
    table.add_row(f"baseline: always '{BASELINE}'", f"{report.baseline_top1:.1%}")
    for reason, s in report.by_category.items():
        table.add_row(f"  {reason} (n={s['n']:.0f})", f"{s['top1']:.1%}  (predicted {s['predicted']:.0f})")
    if report.verifier is not None:
        table.add_row("verifier: labelled claims confirmed", f"{report.verifier:.1%}")
    if report.unexplained_recall_of_none is not None:
        table.add_row("'none' cases called unexplained", f"{report.unexplained_recall_of_none:.1%}")
    if report.unexplained_precision is not None:
        table.add_row("unexplained verdicts labelled 'none'", f"{report.unexplained_precision:.1%}")
    table.add_row("errors", str(report.errors))
    if report.no_bars:
        table.add_row("not scored: the ticker has no bar on the session", str(len(report.no_bars)))
    if report.thinned:
        table.add_row("thinned (45% cap)", ", ".join(f"{k} −{v}" for k, v in report.thinned.items()))
    return table
