"""The shipped demo: SMIC on 2024-12-23 from bundled bars and news, end to end, offline.

detect (scan the demo listings) → gather (the demo news) → extract → explain → publish.
"""

from __future__ import annotations

import datetime as dt
import tempfile
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from movedesk.config import Settings
from movedesk.desk import Desk
from movedesk.explain.explain import explain
from movedesk.models import Explanation, Move
from movedesk.publish.writer import check_writable, write_brief
from movedesk.store import UpsertReport

DEMO_COMPANY = "SMIC"
DEMO_SESSION = dt.date(2024, 12, 23)


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

    @property
    def moves(self) -> tuple[Move, ...]:
        return self.explanation.moves


def run_demo(out: str | Path = "movedesk-demo", *, db: str | Path | None = None) -> DemoResult:
    """Build the demo brief into ``out``. The store is a fresh file in a temporary folder unless ``db``."""
    out = Path(out)
    check_writable(out)  # fail before doing any work
    tmp = None
    if db is None:
        tmp = tempfile.TemporaryDirectory(prefix="movedesk-demo-")
        db = Path(tmp.name) / "demo.duckdb"
    try:
        with Desk.open(db, Settings(db=str(db))) as desk:
            prices = desk.ingest_prices([demo_data() / "bars.csv"])
            news = desk.ingest_news([demo_data() / "news"])
            expl = explain(desk, DEMO_COMPANY, DEMO_SESSION)
            paths = write_brief(desk, expl, out)
            from movedesk.publish.brief import Footnotes, headline, lede

            return DemoResult(
                headline=headline(expl),
                lede=lede(expl, Footnotes()),
                paths=paths,
                explanation=expl,
                prices=prices,
                news=news,
                db=str(db),
            )
    finally:
        if tmp is not None:
            tmp.cleanup()
