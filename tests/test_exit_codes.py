"""Exit statuses, as a script or cron job sees them: the README's table, and each status from a real run."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from movedesk.cli._common import Exit, exit_code, ingest_status
from movedesk.demo import demo_data
from movedesk.errors import (
    ConfigError,
    DataValidationError,
    FetchRefused,
    MissingColumn,
    NotATradingSession,
    OutputNotWritable,
    ProviderError,
    StoreBusy,
    UnknownCommand,
    UnknownCompany,
    UnknownProvider,
)
from movedesk.store import UpsertReport

ROOT = Path(__file__).resolve().parents[1]
BARS = demo_data() / "bars.csv"


def run(*args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "COLUMNS": "200"}
    return subprocess.run([sys.executable, "-m", "movedesk", *args], capture_output=True, text=True, env=env,
                          timeout=300)


def test_readme_table_lists_every_status() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("## Exit codes", 1)[1].split("\n## ", 1)[0]
    rows = dict(re.findall(r"^\| (\d+) \| ([^|]+) \|", section, flags=re.M))
    assert {int(k) for k in rows} == {int(e) for e in Exit}
    words = {Exit.OK: "success", Exit.USAGE: "usage", Exit.PROVIDER: "provider", Exit.REFUSED: "refused",
             Exit.PARTIAL: "partial", Exit.BUSY: "busy", Exit.ERROR: "error"}
    for status, word in words.items():
        assert word in rows[str(int(status))].lower(), (status, rows[str(int(status))])


def test_each_error_class_maps_to_its_status() -> None:
    assert exit_code(StoreBusy("x")) == Exit.BUSY
    for usage in (ConfigError("x"), UnknownCommand("x"), UnknownProvider("x")):
        assert exit_code(usage) == Exit.USAGE
    assert exit_code(OutputNotWritable("x")) == Exit.ERROR  # a folder problem, not a usage error
    assert exit_code(DataValidationError("x")) == exit_code(MissingColumn("x")) == Exit.REFUSED
    assert exit_code(FetchRefused("x")) == Exit.REFUSED
    assert exit_code(ProviderError("x")) == Exit.PROVIDER
    assert exit_code(UnknownCompany("x")) == exit_code(NotATradingSession("x")) == Exit.ERROR


def test_ingest_status_counts_what_landed() -> None:
    assert ingest_status(UpsertReport(new=3)) == Exit.OK
    assert ingest_status(UpsertReport()) == Exit.OK  # nothing given, nothing refused
    assert ingest_status(UpsertReport(unchanged=5, rejected=[("a", "bad")])) == Exit.PARTIAL
    assert ingest_status(UpsertReport(rejected=[("a", "bad"), ("b", "bad")])) == Exit.REFUSED


def test_price_ingest_refused_partial_and_ok(tmp_path: Path) -> None:
    db = str(tmp_path / "s.duckdb")
    bad = tmp_path / "bad.csv"
    bad.write_text("symbol,day,price\nAAPL,2024-12-23,1\n", encoding="utf-8")
    refused = run("--db", db, "ingest", "prices", str(bad), str(tmp_path / "missing.csv"), "--json")
    assert refused.returncode == Exit.REFUSED, refused.stderr
    payload = json.loads(refused.stdout)
    assert payload["status"] == "refused" and payload["new"] == 0
    assert [r["ref"] for r in payload["rejected"]] == [str(bad), str(tmp_path / "missing.csv")]
    assert "[W031]" in payload["rejected"][0]["reason"]

    partial = run("--db", db, "ingest", "prices", str(bad), str(BARS))
    assert partial.returncode == Exit.PARTIAL
    assert "refused" in partial.stderr and str(bad) in partial.stderr
    assert re.search(r"bars: \d+ new", partial.stdout)

    again = run("--db", db, "ingest", "prices", str(BARS), "--json")  # all already stored: success
    assert again.returncode == Exit.OK and json.loads(again.stdout)["status"] == "ok"


def test_news_ingest_where_every_input_is_refused_does_not_exit_0(tmp_path: Path) -> None:
    db = str(tmp_path / "s.duckdb")
    result = run("--db", db, "ingest", "news", "http://127.0.0.1:9/feed.xml", str(tmp_path / "nothing.xml"))
    assert result.returncode == Exit.REFUSED
    assert "every input was refused" in result.stderr


def test_usage_errors_exit_2(tmp_path: Path) -> None:
    assert run("frobnicate").returncode == Exit.USAGE
    assert run("moves", "--date", "not-a-date").returncode == Exit.USAGE
    bad_model = run("--db", str(tmp_path / "s.duckdb"), "moves", "--date", "2024-12-23", "--model", "magic")
    assert bad_model.returncode == Exit.USAGE and "[W001]" in bad_model.stderr


def test_a_busy_store_exits_6(locked_store: Path) -> None:
    result = run("--db", str(locked_store), "move", "688981.SS", "--date", "2024-12-23")
    assert result.returncode == Exit.BUSY and "[W013]" in result.stderr


@pytest.mark.slow
def test_daily_run_with_a_refused_input_is_partial(tmp_path: Path) -> None:
    db = str(tmp_path / "s.duckdb")
    result = run("--db", db, "run", "--date", "2024-12-20", "--prices", str(BARS), "--news", str(demo_data() / "news"),
                 "--news", "http://127.0.0.1:9/feed.xml", "--no-send", "--json")
    assert result.returncode == Exit.PARTIAL, result.stderr
    payload = json.loads(result.stdout)
    assert payload["status"] == "partial" and payload["edition"] == "edition-2024-12-20" and payload["briefs"]
    assert payload["rejected"][0]["ref"] == "http://127.0.0.1:9/feed.xml"
