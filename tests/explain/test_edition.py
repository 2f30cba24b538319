"""The daily edition: top abnormal movers with their explanations, one brief per company."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from movedesk.demo import demo_data
from movedesk.desk import Desk
from movedesk.publish.edition import build_edition, write_edition

FRI, MON = dt.date(2024, 12, 20), dt.date(2024, 12, 23)
UNIVERSE = "688981.SS,0981.HK,1347.HK"


@pytest.fixture(scope="module")
def desk(module_store_url: str) -> Iterator[Desk]:
    with Desk.open(module_store_url) as d:  # once on DuckDB, once on PostgreSQL
        d.ingest_prices([demo_data() / "bars.csv"])
        d.ingest_news([demo_data() / "news"])
        yield d


def test_one_brief_per_company_ranked_by_z(desk: Desk, tmp_path: Path) -> None:
    scan = desk.scan(MON, None, universe=UNIVERSE, min_z=0.3)
    edition = build_edition(desk, MON, universe=UNIVERSE, top=5, min_z=0.3)
    ids = [b.explanation.company.id for b in edition.briefs]
    assert len(ids) == len(set(ids))  # SMIC's two listings make one brief
    first = desk.registry.lookup(str(scan.moves["symbol"].iloc[0])).id
    assert ids[0] == first
    smic = next(b for b in edition.briefs if b.explanation.company.id == "SMIC")
    assert smic.explanation.verdict == "stock-specific"
    paths = write_edition(desk, MON, tmp_path / "out", universe=UNIVERSE, top=5, min_z=0.3)
    payload = json.loads(paths["json"].read_text())
    assert payload["kind"] == "edition" and len(payload["briefs"]) >= 1
    assert smic.headline in paths["md"].read_text()


def test_the_evening_story_explains_the_day_and_the_next_days_news_does_not(desk: Desk) -> None:
    # Friday's story was published at 08:05 UTC, after the Hong Kong close (08:00 UTC): it is the day's
    # story, read by Friday's brief, whose news runs to Monday's Shanghai open (01:30 UTC); Monday's
    # stories (05:30 UTC on) are not
    edition = build_edition(desk, FRI, universe=UNIVERSE, top=5, min_z=1.0)
    smic = next(b for b in edition.briefs if b.explanation.company.id == "SMIC")
    expl = smic.explanation
    assert expl.cutoff == dt.datetime(2024, 12, 23, 1, 30, tzinfo=dt.UTC) and expl.cutoff_rule == "next open"
    assert [a.published for a in expl.articles] == [dt.datetime(2024, 12, 20, 8, 5, tzinfo=dt.UTC)]
    assert expl.verdict == "stock-specific" and expl.drivers
    assert "the next session's open" in smic.markdown
    # a cutoff at the close reads nothing: the story came five minutes later
    at_close = desk.explain("SMIC", FRI, cutoff=dt.datetime(2024, 12, 20, 8, 0, tzinfo=dt.UTC))
    assert at_close.articles == () and at_close.verdict == "unexplained" and at_close.cutoff_rule == "given"
