"""Layering rules that a reader of the code relies on: the shells go through the Desk."""

from __future__ import annotations

import ast
from pathlib import Path

import movedesk

PACKAGE = Path(movedesk.__file__).resolve().parent


def _store_reads(folder: Path) -> list[str]:
    """Every ``<something>.store`` attribute read in the modules under ``folder``."""
    found = []
    for path in sorted(folder.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Attribute) and node.attr == "store":
                found.append(f"{path.relative_to(folder)}:{node.lineno}")
    return found


def test_the_cli_and_the_web_app_never_reach_into_the_store() -> None:
    for shell in ("cli", "web"):
        assert _store_reads(PACKAGE / shell) == [], f"{shell}/ must call Desk methods, not desk.store"


def test_the_check_sees_a_store_read(tmp_path: Path) -> None:
    (tmp_path / "sample.py").write_text("def f(desk):\n    return desk.store.bars(['A'])\n", encoding="utf-8")
    assert _store_reads(tmp_path) == ["sample.py:2"]


def test_settings_are_read_only_at_the_edge() -> None:
    """Every knob is a Settings field: below config.py nothing reads the environment (the encoders only set
    the Hugging Face libraries' offline switches)."""
    readers = []
    for path in sorted(PACKAGE.rglob("*.py")):
        if path == PACKAGE / "config.py":  # the edge: Settings, and the cache of them keyed by MOVEDESK_*
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Attribute) and node.attr in ("environ", "getenv"):
                line = path.read_text(encoding="utf-8").splitlines()[node.lineno - 1]
                if "setdefault" not in line:
                    readers.append(f"{path.relative_to(PACKAGE)}:{node.lineno}")
    assert readers == []


def test_the_desk_hands_its_sentiment_setting_to_the_extraction(tmp_path: Path) -> None:
    import datetime as dt

    from movedesk.config import Settings
    from movedesk.desk import Desk
    from movedesk.models import Article

    when = dt.datetime(2024, 12, 23, 2, 0, tzinfo=dt.UTC)
    article = Article(id="a1", source="test", title="SMIC shares jump 5%",
                      body="SMIC shares jumped 5% after strong orders. Analysts were upbeat.",
                      published=when, first_seen=when)
    keys = set()
    for method in ("lm", "linear"):
        settings = Settings(db=str(tmp_path / f"{method}.duckdb"), sentiment=method, cache=str(tmp_path / "cache"))
        with Desk.open(settings.db, settings) as desk:
            assert desk.extraction_cache.options is not None
            assert desk.extraction_cache.options.sentiment == method
            keys.add(desk.extraction_cache.version())
            desk.store.upsert_articles([article])
            assert desk.extractions([article])[0].sentiment  # the pipeline ran with that method
    assert len(keys) == 2  # a different method is a different cache version
