"""``movedesk extract FILE|-``: one JSON line per article with every component's output and offsets."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from movedesk.cli.main import app

runner = CliRunner()


def _lines(output: str) -> list[dict]:  # type: ignore[type-arg]
    return [json.loads(line) for line in output.splitlines() if line.strip()]


def test_extract_a_folder_of_front_matter_files(tmp_path: Path) -> None:
    (tmp_path / "a.md").write_text(
        "---\ntitle: SMIC jumps\npublished: 2024-12-20T08:05:00Z\n---\nSMIC rose 10.4% in Shanghai on Friday.\n",
        encoding="utf-8",
    )
    (tmp_path / "b.txt").write_text(
        "Plain headline\nHua Hong Semiconductor gained 4.6% in Hong Kong.\n", encoding="utf-8"
    )
    result = runner.invoke(app, ["extract", str(tmp_path)])
    assert result.exit_code == 0, result.output
    rows = _lines(result.stdout)
    assert len(rows) == 2
    first = rows[0]
    assert first["kind"] == "extraction" and first["schema_version"] >= 1
    for key in ("sentences", "tokens", "mentions", "claims", "analysts", "themes", "sentiment", "relays", "warnings"):
        assert key in first
    tokens = [tuple(t) for t in first["tokens"]]
    assert (11, 15) in tokens  # "SMIC" at the start of the body
    claim = first["claims"][0]
    text = "SMIC jumps\nSMIC rose 10.4% in Shanghai on Friday."
    assert text[claim["start"] : claim["end"]] == claim["text"]
    assert (claim["listing"], claim["value"], claim["session"]) == ("688981.SS", 10.4, "2024-12-20")
    assert rows[1]["claims"][0]["company_id"] == "HUAHONG"


def test_extract_from_stdin_with_a_component_and_a_date() -> None:
    result = runner.invoke(
        app,
        ["extract", "-", "--component", "price_claims", "--published", "2024-12-23"],
        input="SMIC rallies\nSMIC's Hong Kong-listed shares rose 3.7% on Monday.",
    )
    assert result.exit_code == 0, result.output
    (row,) = _lines(result.stdout)
    assert row["claims"][0]["listing"] == "0981.HK" and row["themes"] == []


def test_extract_empty_stdin_prints_a_warning_line() -> None:
    result = runner.invoke(app, ["extract", "-"], input="")
    assert result.exit_code == 0
    (row,) = _lines(result.stdout)
    assert row["claims"] == [] and row["warnings"]


@pytest.mark.shared
def test_extract_the_shared_case_file(shared_dir: Path) -> None:
    path = shared_dir / "cases" / "smic-2024-12-23" / "article.txt"
    result = runner.invoke(app, ["extract", str(path), "--published", "2024-12-23"])
    assert result.exit_code == 0, result.output
    (row,) = _lines(result.stdout)
    values = {(c["listing"], c["value"]) for c in row["claims"] if c["claim_type"] == "price"}
    assert {("688981.SS", 5.2), ("688981.SS", 2.7), ("688981.SS", 10.0), ("0981.HK", 3.7), ("0981.HK", 16.0)} <= values
