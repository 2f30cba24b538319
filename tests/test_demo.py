"""`movedesk demo`: the SMIC brief from shipped data, with every key figure checked independently."""

from __future__ import annotations

import csv
import json
from importlib import resources
from pathlib import Path

import pytest

from movedesk.demo import DemoResult, run_demo


def _closes(symbol: str) -> dict[str, dict[str, float]]:
    """Raw rows of the shipped CSV, read with the csv module only (not the code under test)."""
    path = Path(str(resources.files("movedesk") / "data" / "demo" / "bars.csv"))
    out = {}
    with path.open() as fh:
        for row in csv.DictReader(fh):
            if row["symbol"] == symbol:
                out[row["session"]] = {k: float(row[k]) for k in ("open", "high", "low", "close")}
    return out


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> DemoResult:
    return run_demo(tmp_path_factory.mktemp("demo") / "out")


def _move(demo: DemoResult, symbol: str):  # type: ignore[no-untyped-def]
    return next(m for m in demo.explanation.moves if m.symbol == symbol)


def test_demo_writes_three_formats(demo: DemoResult) -> None:
    for ext in ("md", "html", "json"):
        path = demo.paths[ext]
        assert path.name == f"SMIC-2024-12-23.{ext}"
        assert path.stat().st_size > 500
    payload = json.loads(demo.paths["json"].read_text())
    assert payload["schema_version"] == 1
    assert payload["explanation"]["company"]["id"] == "SMIC"


def test_shanghai_figures_match_the_bars(demo: DemoResult) -> None:
    a = _closes("688981.SS")
    fri = (a["2024-12-20"]["close"] / a["2024-12-19"]["close"] - 1) * 100
    mon = (a["2024-12-23"]["close"] / a["2024-12-20"]["close"] - 1) * 100
    high = (a["2024-12-23"]["high"] / a["2024-12-20"]["close"] - 1) * 100
    assert fri == pytest.approx(10.35, abs=0.01)
    m = _move(demo, "688981.SS")
    assert m.prev_pct == pytest.approx(fri, abs=1e-9)
    assert m.close_pct == pytest.approx(mon, abs=1e-9)
    assert m.high_pct == pytest.approx(high, abs=1e-9)
    assert f"{mon:.2f}%" in demo.lede and f"{high:.2f}%" in demo.lede and f"{fri:.2f}%" in demo.lede


def test_hong_kong_figures_match_the_bars(demo: DemoResult) -> None:
    h = _closes("0981.HK")
    mon = (h["2024-12-23"]["close"] / h["2024-12-20"]["close"] - 1) * 100
    four = (h["2024-12-23"]["close"] / h["2024-12-17"]["close"] - 1) * 100
    assert four == pytest.approx(15.25, abs=0.01)
    m = _move(demo, "0981.HK")
    assert m.close_pct == pytest.approx(mon, abs=1e-9)
    assert m.cum_pct[4] == pytest.approx(four, abs=1e-9)
    assert f"{mon:.2f}%" in demo.lede and f"{four:.2f}%" in demo.lede


def test_demo_figures_match_the_shared_prices(demo: DemoResult, shared_dir: Path) -> None:
    import pandas as pd

    raw = pd.read_parquet(shared_dir / "data/prices/smic.parquet")
    a = raw[raw.symbol == "688981.SS"].set_index(raw[raw.symbol == "688981.SS"]["date"].astype(str))["close"]
    assert _move(demo, "688981.SS").close == pytest.approx(a["2024-12-23"], rel=1e-6)
    assert _move(demo, "688981.SS").prev_pct == pytest.approx((a["2024-12-20"] / a["2024-12-19"] - 1) * 100, abs=1e-3)


def test_post_cutoff_item_is_never_used(demo: DemoResult) -> None:
    expl = demo.explanation
    assert all(c.published <= expl.cutoff for c in expl.articles)
    text = demo.paths["md"].read_text() + demo.paths["html"].read_text() + demo.paths["json"].read_text()
    assert "placement" not in text.lower()
    assert demo.news.new == 7  # the post-cutoff item is in the store, just not in the brief


def test_demo_names_the_drivers_and_analysts(demo: DemoResult) -> None:
    expl = demo.explanation
    assert expl.verdict == "stock-specific"
    themes = [d.theme for d in expl.drivers]
    assert "ai_demand" in themes[:3] and "chip_localization" in themes[:3]
    stances = {v.firm: v.stance for v in expl.analysts}
    assert stances.get("DBS") == "positive"
    assert stances.get("Daiwa") == "cautious"
    assert demo.headline.startswith("SMIC extends rally in Shanghai and Hong Kong on ")
