"""Golden briefs: the demo brief in three formats, rendered without the chart (its SVG bytes depend on
the matplotlib version, not on movedesk)."""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path
from typing import Any

GOLDEN = Path(__file__).resolve().parent / "golden"


def golden_outputs(db: str | None = None) -> dict[str, str]:
    """The demo brief's three renderings, built in a new DuckDB file (or in the store ``db``)."""
    from movedesk.demo import DEMO_COMPANY, DEMO_SESSION, demo_data
    from movedesk.desk import Desk
    from movedesk.explain.explain import explain
    from movedesk.publish.brief import brief_json, render_brief

    # the dictionary baseline: a sentiment model trained locally into the user cache must not change goldens
    before = os.environ.get("MOVEDESK_SENTIMENT")
    os.environ["MOVEDESK_SENTIMENT"] = "lm"
    try:
        with tempfile.TemporaryDirectory() as tmp, Desk.open(db or Path(tmp) / "g.duckdb") as desk:
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


def rounded(value: Any) -> Any:
    """Floats to 10 significant digits: the JSON's full-precision z, p and CAR figures move in their last
    digits with the numpy/scipy build (summation order), which is not a change of the brief."""
    if isinstance(value, float):
        return float(f"{value:.10g}")
    if isinstance(value, dict):
        return {k: rounded(v) for k, v in value.items()}
    if isinstance(value, list):
        return [rounded(v) for v in value]
    return value
