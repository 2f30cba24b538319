"""The shipped demo: SMIC on 2024-12-23 from bundled bars and news, end to end, offline.

detect (scan the demo listings) → gather (the demo news) → extract → explain → publish: the brief's
files, and the brief and the day's edition in the store, which the web app then serves.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

from movedesk.config import Settings
from movedesk.desk import Desk
from movedesk.explain.explain import explain
from movedesk.models import Explanation, Move
from movedesk.publish.writer import check_writable, write_brief_files
from movedesk.store import UpsertReport

DEMO_COMPANY = "SMIC"
DEMO_SESSION = dt.date(2024, 12, 23)
DEMO_DB_NAME = "demo.duckdb"


def demo_data() -> Path:
    return Path(str(resources.files("movedesk") / "data" / "demo"))


@dataclass
class DemoResult:
    headline: str
    lede: str
    paths: dict[str, Path]
    explanation: Explanation
    prices: UpsertReport
    news: UpsertReport
    db: str
    edition: str = ""
    edition_briefs: list[str] = field(default_factory=list)

    @property
    def moves(self) -> tuple[Move, ...]:
        return self.explanation.moves


def default_demo_db(out: str | Path) -> Path:
    """Where the demo keeps its store when no ``--db`` is given: beside the brief files it writes."""
    return Path(out) / DEMO_DB_NAME


def run_demo(out: str | Path = "movedesk-demo", *, db: str | Path | None = None) -> DemoResult:
    """Build the demo brief into ``out`` and publish it, with the day's edition, in the store ``db``
    (default ``out/demo.duckdb``), so that ``movedesk --db <that store> serve`` shows them. Rerunning
    on the same store adds nothing twice."""
    from movedesk.jobs.daily import store_edition
    from movedesk.publish.brief import Footnotes, headline, lede
    from movedesk.publish.edition import edition_of

    out = Path(out)
    check_writable(out)  # fail before doing any work
    db = str(db) if db is not None else str(default_demo_db(out))
    with Desk.open(db, Settings(db=db)) as desk:
        prices = desk.ingest_prices([demo_data() / "bars.csv"])
        news = desk.ingest_news([demo_data() / "news"])
        expl = explain(desk, DEMO_COMPANY, DEMO_SESSION)
        brief, paths = write_brief_files(desk, expl, out)
        # the demo's edition is the SMIC brief (its move is not among the day's |z| ≥ 2 movers)
        edition = edition_of(desk, DEMO_SESSION, [brief])
        store_edition(desk, edition)
        return DemoResult(
            headline=headline(expl),
            lede=lede(expl, Footnotes()),
            paths=paths,
            explanation=expl,
            prices=prices,
            news=news,
            db=db,
            edition=edition.slug,
            edition_briefs=[b.slug for b in edition.briefs],
        )
