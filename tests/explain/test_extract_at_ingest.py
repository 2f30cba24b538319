"""Extraction at ingest (``Desk.ingest_news(extract=True)``, ``movedesk ingest news --extract``): the
articles that name a company are extracted once, up front, and explaining a move then reads only the
cache — with the same result as extracting at query time."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest

from movedesk.cli.main import main
from movedesk.demo import demo_data
from movedesk.desk import Desk
from movedesk.explain.explain import explain
from movedesk.extract import pipeline
from movedesk.extract.cache import pipeline_key

MON = dt.date(2024, 12, 23)


def _desk(path: Path, *, extract: bool) -> Desk:
    desk = Desk.open(path)
    desk.ingest_prices([demo_data() / "bars.csv"])
    desk.ingest_news([demo_data() / "news"], extract=extract)
    return desk


def _linked(desk: Desk) -> set[str]:
    return {r[0] for r in desk.store.con.execute("SELECT DISTINCT article_id FROM article_companies").fetchall()}


def _cached(desk: Desk) -> set[str]:
    rows = desk.store.con.execute("SELECT article_id FROM extractions WHERE pipeline = ?", [pipeline_key()])
    return {r[0] for r in rows.fetchall()}


def test_linked_articles_are_extracted_at_ingest_and_explain_reads_only_the_cache(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    lazy = _desk(tmp_path / "lazy.duckdb", extract=False)
    assert _cached(lazy) == set()
    expected = explain(lazy, "SMIC", MON)

    eager = _desk(tmp_path / "eager.duckdb", extract=True)
    linked = _linked(eager)
    all_ids = {a.id for a in eager.store.articles()}
    assert linked and linked < all_ids  # the demo has news that names no registry company
    assert _cached(eager) == linked
    assert eager.extract_articles(eager.store.articles(company="SMIC")) == 0  # nothing left to do

    def no_extraction(*args: object, **kwargs: object) -> None:
        raise AssertionError("explain extracted an article at query time")

    monkeypatch.setattr(pipeline, "extract_article", no_extraction)
    got = explain(eager, "SMIC", MON)
    assert got.model_dump(exclude={"generated_at"}) == expected.model_dump(exclude={"generated_at"})


def test_cli_ingest_news_extract_flag(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    db = tmp_path / "cli.duckdb"
    try:
        main(["--db", str(db), "ingest", "news", str(demo_data() / "news"), "--extract", "--json"])
    except SystemExit as exc:
        assert not exc.code
    assert json.loads(capsys.readouterr().out)["new"] > 0
    desk = Desk.open(db)
    try:
        assert _cached(desk) == _linked(desk) != set()
    finally:
        desk.close()
