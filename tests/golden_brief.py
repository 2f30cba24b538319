"""Golden briefs: the demo brief in three formats, rendered without the chart (its SVG bytes depend on
the matplotlib version, not on movedesk)."""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path

GOLDEN = Path(__file__).resolve().parent / "golden"


def golden_outputs() -> dict[str, str]:
    from movedesk.demo import DEMO_COMPANY, DEMO_SESSION, demo_data
    from movedesk.desk import Desk
    from movedesk.explain.explain import explain
    from movedesk.publish.brief import brief_json, render_brief

    # the dictionary baseline: a sentiment model trained locally into the user cache must not change goldens
    before = os.environ.get("MOVEDESK_SENTIMENT")
    os.environ["MOVEDESK_SENTIMENT"] = "lm"
    try:
        with tempfile.TemporaryDirectory() as tmp, Desk.open(Path(tmp) / "g.duckdb") as desk:
            desk.ingest_prices([demo_data() / "bars.csv"])
            desk.ingest_news([demo_data() / "news"])
            brief = render_brief(explain(desk, DEMO_COMPANY, DEMO_SESSION))
    finally:
        if before is None:
            del os.environ["MOVEDESK_SENTIMENT"]
        else:
            os.environ["MOVEDESK_SENTIMENT"] = before
    stem = brief.slug
    return {
        f"{stem}.md": brief.markdown,
        f"{stem}.html": brief.html,
        f"{stem}.json": json.dumps(brief_json(brief), ensure_ascii=False, indent=2) + "\n",
    }
