"""Article-derived text in the written HTML brief and edition is escaped; Markdown is left as written."""

from __future__ import annotations

from pathlib import Path

from movedesk.demo import DEMO_SESSION, demo_data
from movedesk.desk import Desk
from movedesk.explain.explain import explain
from movedesk.publish.writer import write_brief

HOSTILE = """---
title: "SMIC shares rise <script>alert('x')</script> on AI chip demand"
published: 2024-12-23T07:30:00Z
source: "<img src=x onerror=alert(1)>"
url: "javascript:alert(2)"
language: en
---
SMIC's Shanghai-listed shares rose as much as 5.2% on Monday <script>alert(3)</script> as investors bet on China's
artificial intelligence boom and chip localization.
"""


def test_hostile_article_renders_inert(tmp_path: Path) -> None:
    news = tmp_path / "news"
    news.mkdir()
    (news / "hostile.md").write_text(HOSTILE, encoding="utf-8")
    with Desk.open(tmp_path / "x.duckdb") as desk:
        desk.ingest_prices([demo_data() / "bars.csv"])
        desk.ingest_news([news])
        expl = explain(desk, "SMIC", DEMO_SESSION)
        assert expl.articles, "the hostile article should be used as a source"
        paths = write_brief(desk, expl, tmp_path / "out")
    html = paths["html"].read_text(encoding="utf-8")
    assert "<script>" not in html and "<img" not in html
    assert "&lt;script&gt;" in html
    assert 'href="javascript:' not in html
    markdown = paths["md"].read_text(encoding="utf-8")
    assert "&lt;" not in markdown  # Markdown keeps the text as written
