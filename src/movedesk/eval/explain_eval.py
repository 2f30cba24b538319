"""``movedesk eval explain``: does explain's top driver match the reason Reuters gave for an S&P 500 move?

The dev set is ``data/eval/explain_cases.csv`` (built by ``scripts/build_explain_cases.py``: company,
session, cutoff and a reason label per case; ids only, no text). For the cases evaluated, a temporary
DuckDB store is filled from ``../shared``:

- bars of every listing of each case's company (about 650 days up to the session, enough for the
  400-session estimation window of the abnormal return), bars of every S&P member over the 20 days
  before each session (sector peers for the "sector-wide" verdict), and the S&P 500 equal-weight proxy
  ``^SP500EW`` built from the whole panel with :func:`movedesk.detect.scan.equal_weight_index` — the
  same series the markets layer stores;
- the Reuters articles published in ``[cutoff − lookback_days, cutoff]`` of any case, normalised with
  :func:`movedesk.gather.normalise.build_article` and linked to companies with ``Desk.link_articles``.

Then ``explain(desk, company, session, cutoff=case cutoff)`` runs per case (extraction cold: the store
is new) and the report gives top-1 / top-3 driver accuracy against the label, the verdict mix (how
often "unexplained"), per-theme precision and recall of the top driver, the majority-label baseline,
and whether the labelled article reached explain at all (linked to the company).
"""

from __future__ import annotations

import csv
import datetime as dt
import json
import logging
import random
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from movedesk.config import Settings
from movedesk.errors import DataValidationError, MovedeskError

log = logging.getLogger(__name__)

#: Always in every sample: the issue's reference case (Google's results, 2006-10-20).
ANCHOR_CASE = "GOOGL-2006-10-20"
#: Days of bars before a session loaded for each case's company (400 sessions ≈ 580 days, plus margin).
HISTORY_DAYS = 650
#: Days of bars before a session loaded for every panel member (sector peers).
PEER_DAYS = 20
NEWS_FILE = Path("data") / "news" / "reuters_2006_2013.parquet"
#: Themes the keyword-built labels do not tell apart from another
LUMPED = {"guidance": "earnings"}
PRICES_FILE = Path("data") / "prices" / "us_sp500.parquet"


@dataclass(frozen=True)
class ExplainCase:
    case_id: str
    company_id: str
    symbol: str
    session: dt.date
    cutoff: dt.datetime
    label: str
    close_pct: float
    reuters_ids: tuple[str, ...]


@dataclass
class CaseResult:
    case_id: str
    label: str
    verdict: str | None
    top: list[str]
    confidence: float | None
    articles: int
    evidence_linked: bool
    error: str | None = None

    @property
    def top1(self) -> bool:
        return bool(self.top) and self.top[0] == self.label

    @property
    def top3(self) -> bool:
        return self.label in self.top[:3]


@dataclass
class ExplainEvalReport:
    """Scores of one run; ``as_dict`` is what ``--json`` prints."""

    n: int
    top1: float
    top3: float
    top1_stock_specific: float
    unexplained: float
    verdicts: dict[str, int]
    per_theme: dict[str, dict[str, float]]
    baseline_top1: float
    baseline_label: str
    evidence_linked: float
    errors: int
    seconds: float
    cases: list[CaseResult] = field(default_factory=list)

    def as_dict(self, *, with_cases: bool = False) -> dict[str, Any]:
        out = {k: v for k, v in asdict(self).items() if k != "cases"}
        if with_cases:
            out["cases"] = [asdict(c) for c in self.cases]
        return out


def cases_path() -> Path:
    return Path(str(resources.files("movedesk") / "data" / "eval" / "explain_cases.csv"))


def load_cases(path: str | Path | None = None) -> list[ExplainCase]:
    """The dev set, validated: a malformed row raises DataValidationError naming its line."""
    path = Path(path) if path else cases_path()
    out = []
    with path.open(encoding="utf-8", newline="") as fh:
        for line, row in enumerate(csv.DictReader(fh), start=2):
            try:
                out.append(
                    ExplainCase(
                        case_id=row["case_id"],
                        company_id=row["company_id"],
                        symbol=row["symbol"],
                        session=dt.date.fromisoformat(row["session"]),
                        cutoff=dt.datetime.fromisoformat(row["cutoff_utc"].replace("Z", "+00:00")),
                        label=row["label"],
                        close_pct=float(row["close_pct"]),
                        reuters_ids=tuple(x for x in row["article_ids"].split(";") if x),
                    )
                )
            except (KeyError, ValueError, AttributeError) as exc:
                raise DataValidationError(f"{path.name} line {line}: {exc}") from exc
    return out


def sample_cases(cases: Sequence[ExplainCase], n: int | None, seed: int = 0) -> list[ExplainCase]:
    """A fixed sample of ``n`` cases (always with the anchor case), in session order; all when n is None."""
    if n is None or n >= len(cases):
        return sorted(cases, key=lambda c: (c.session, c.case_id))
    anchor = [c for c in cases if c.case_id == ANCHOR_CASE]
    rest = sorted((c for c in cases if c.case_id != ANCHOR_CASE), key=lambda c: c.case_id)
    picked = anchor + random.Random(seed).sample(rest, max(0, n - len(anchor)))
    return sorted(picked, key=lambda c: (c.session, c.case_id))


def shared_path(shared: str | Path | None = None) -> Path:
    """``--shared``, else the ``shared`` setting (MOVEDESK_SHARED), else ``../shared`` next to the checkout
    or the cwd."""
    candidates = [shared, Settings().shared or None]
    candidates += [Path(__file__).resolve().parents[3].parent / "shared", Path.cwd().parent / "shared"]
    for c in candidates:
        if c and (Path(c) / NEWS_FILE).is_file():
            return Path(c)
    raise DataValidationError(
        "the shared data folder (with data/news/reuters_2006_2013.parquet) was not found",
        hint="pass --shared PATH or set MOVEDESK_SHARED",
    )


# -- building the store -----------------------------------------------------------------------------------
def _panel_bars(prices: Path, start: dt.date, end: dt.date) -> pd.DataFrame:
    table = pq.read_table(
        prices,
        columns=["symbol", "date", "open", "high", "low", "close", "volume", "flag"],
        filters=[("date", ">=", start), ("date", "<=", end)],
    )
    frame = table.to_pandas()
    return frame.rename(columns={"date": "session", "flag": "flags"})


def bars_for(cases: Sequence[ExplainCase], prices: Path, registry: Any) -> pd.DataFrame:
    """Company histories, peer windows and the ^SP500EW proxy for the cases, as store bars."""
    from movedesk.detect.scan import SP500_PROXY, equal_weight_index

    start = min(c.session for c in cases) - dt.timedelta(days=HISTORY_DAYS)
    end = max(c.session for c in cases)
    panel = _panel_bars(prices, start, end)
    panel["session"] = pd.to_datetime(panel["session"]).dt.date
    keep = pd.Series(False, index=panel.index)
    for case in cases:
        symbols = [x.symbol for x in registry.lookup(case.company_id).listings]
        lo_hist = case.session - dt.timedelta(days=HISTORY_DAYS)
        lo_peer = case.session - dt.timedelta(days=PEER_DAYS)
        in_hist = panel["symbol"].isin(symbols) & (panel["session"] >= lo_hist) & (panel["session"] <= case.session)
        in_peer = (panel["session"] >= lo_peer) & (panel["session"] <= case.session)
        keep |= in_hist | in_peer
    proxy = equal_weight_index(panel, SP500_PROXY)
    return pd.concat([panel[keep], proxy], ignore_index=True)


def articles_for(cases: Sequence[ExplainCase], news: Path, lookback_days: int) -> tuple[list[Any], dict[str, str]]:
    """Reuters articles in any case's window, as Articles; and Reuters id → stored article id."""
    from movedesk.gather.normalise import build_article

    table = pq.read_table(news)
    stamps = table["published"]
    mask = None
    for case in cases:
        lo = pa.scalar(pd.Timestamp(case.cutoff - dt.timedelta(days=lookback_days)), stamps.type)
        hi = pa.scalar(pd.Timestamp(case.cutoff), stamps.type)
        m = pc.and_(pc.greater_equal(stamps, lo), pc.less_equal(stamps, hi))
        mask = m if mask is None else pc.or_(mask, m)
    rows = table.filter(mask).to_pylist() if mask is not None else []
    articles, ids = [], {}
    for r in rows:
        try:
            article = build_article(
                title=r["title"], body=r["body"] or "", url=r["url"], published=r["published"],
                source=r["source"], authors=r["author"], tickers=r["tickers"],
            )  # fmt: skip
        except MovedeskError as exc:
            log.info("skipped Reuters row %s: %s", r["id"], exc)
            continue
        articles.append(article)
        ids[r["id"]] = article.id
    return articles, ids


# -- running ----------------------------------------------------------------------------------------------
def evaluate(
    *,
    sample: int | None = None,
    seed: int = 0,
    shared: str | Path | None = None,
    cases_file: str | Path | None = None,
    settings: Settings | None = None,
    db: str | Path = ":memory:",
) -> ExplainEvalReport:
    """Run explain on the (sampled) dev set and score its drivers against the labels."""
    from movedesk.desk import Desk
    from movedesk.explain.explain import explain

    started = time.perf_counter()
    base = shared_path(shared)
    cases = sample_cases(load_cases(cases_file), sample, seed)
    if not cases:
        raise DataValidationError("no explain cases to evaluate")
    settings = settings or Settings(db=str(db))
    desk = Desk.open(db, settings)
    try:
        desk.store.upsert_bars(bars_for(cases, base / PRICES_FILE, desk.registry))
        articles, ids = articles_for(cases, base / NEWS_FILE, settings.lookback_days)
        desk.store.upsert_articles(articles)
        desk.link_articles([a.id for a in articles])
        log.info("explain eval store: %d cases, %d articles", len(cases), len(articles))
        results = [_run_case(desk, explain, case, ids) for case in cases]
    finally:
        desk.close()
    return score(results, time.perf_counter() - started)


def _run_case(desk: Any, explain: Any, case: ExplainCase, ids: dict[str, str]) -> CaseResult:
    stored = {ids[r] for r in case.reuters_ids if r in ids}
    linked = {
        a.id
        for a in desk.store.articles(
            company=case.company_id,
            until=case.cutoff,
            since=case.cutoff - dt.timedelta(days=desk.settings.lookback_days),
        )
    }
    try:
        ex = explain(desk, case.company_id, case.session, cutoff=case.cutoff)
    except MovedeskError as exc:
        return CaseResult(case.case_id, case.label, None, [], None, len(linked), bool(stored & linked), str(exc))
    return CaseResult(
        case_id=case.case_id,
        label=case.label,
        verdict=ex.verdict,
        # the keyword-built labels lump an outlook change in with results (its "earnings" lexicon has
        # "forecast" and "outlook"): the guidance theme scores as earnings here
        top=[LUMPED.get(d.theme, d.theme) for d in ex.drivers[:3]],
        confidence=ex.confidence,
        articles=len(ex.articles),
        evidence_linked=bool(stored & linked),
    )


def score(results: Sequence[CaseResult], seconds: float = 0.0) -> ExplainEvalReport:
    """Accuracy, verdict mix, per-theme precision/recall of the top driver, and the majority baseline."""
    n = len(results)
    labels = Counter(r.label for r in results)
    majority, majority_n = labels.most_common(1)[0] if labels else ("", 0)
    themes = sorted(set(labels) | {r.top[0] for r in results if r.top})
    per_theme = {}
    for theme in themes:
        predicted = sum(1 for r in results if r.top and r.top[0] == theme)
        actual = labels.get(theme, 0)
        hit = sum(1 for r in results if r.top1 and r.label == theme)
        per_theme[theme] = {
            "support": float(actual),
            "predicted": float(predicted),
            "precision": round(hit / predicted, 3) if predicted else 0.0,
            "recall": round(hit / actual, 3) if actual else 0.0,
        }
    verdicts = Counter(r.verdict or "error" for r in results)

    def rate(k: int) -> float:
        return round(k / n, 4) if n else 0.0

    return ExplainEvalReport(
        n=n,
        top1=rate(sum(r.top1 for r in results)),
        top3=rate(sum(r.top3 for r in results)),
        top1_stock_specific=rate(sum(r.top1 and r.verdict == "stock-specific" for r in results)),
        unexplained=rate(verdicts.get("unexplained", 0)),
        verdicts=dict(verdicts.most_common()),
        per_theme=per_theme,
        baseline_top1=rate(majority_n),
        baseline_label=majority,
        evidence_linked=rate(sum(r.evidence_linked for r in results)),
        errors=verdicts.get("error", 0),
        seconds=round(seconds, 1),
        cases=list(results),
    )


# -- floors and rendering ---------------------------------------------------------------------------------
def floors_path() -> Path:
    return Path(str(resources.files("movedesk") / "eval" / "explain_floors.json"))


def load_floors() -> dict[str, Any]:
    """The CI floors (``explain_floors.json``): the sample, the measured figures, the floors, epsilon."""
    data: dict[str, Any] = json.loads(floors_path().read_text(encoding="utf-8"))
    return data


def render_table(report: ExplainEvalReport) -> Any:
    """A rich table of the headline figures and the per-theme precision/recall."""
    from rich.table import Table

    table = Table(title=f"explain vs Reuters reasons — {report.n} cases ({report.seconds:.0f} s)")
    table.add_column("measure")
    table.add_column("value", justify="right")
    rows = [
        ("top-1 driver accuracy", f"{report.top1:.1%}"),
        ("top-3 driver accuracy", f"{report.top3:.1%}"),
        ("top-1 and verdict stock-specific", f"{report.top1_stock_specific:.1%}"),
        ("verdict unexplained", f"{report.unexplained:.1%}"),
        ("verdicts", ", ".join(f"{k} {v}" for k, v in report.verdicts.items())),
        (f"baseline: always '{report.baseline_label}'", f"{report.baseline_top1:.1%}"),
        ("labelled article linked to the company", f"{report.evidence_linked:.1%}"),
        ("errors", str(report.errors)),
    ]
    for name, value in rows:
        table.add_row(name, value)
    for theme, s in report.per_theme.items():
        table.add_row(
            f"  {theme}",
            f"P {s['precision']:.2f}  R {s['recall']:.2f}  (n={s['support']:.0f}, predicted {s['predicted']:.0f})",
        )
    return table
