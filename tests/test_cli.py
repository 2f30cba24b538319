"""The CLI as a user meets it: help, version, one-line errors with codes, stores left untouched."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from movedesk import __version__


def run(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "COLUMNS": "200"}
    return subprocess.run(
        [sys.executable, "-m", "movedesk", *args], capture_output=True, text=True, cwd=cwd, env=env, timeout=300
    )


def test_help_lists_the_verbs() -> None:
    result = run("--help")
    assert result.returncode == 0
    for verb in ("demo", "ingest", "moves", "move", "extract", "explain", "brief", "eval", "version"):
        assert verb in result.stdout


def test_version() -> None:
    result = run("version")
    assert result.returncode == 0 and __version__ in result.stdout


def test_unknown_verb_is_one_line_with_code() -> None:
    result = run("frobnicate")
    assert result.returncode == 2
    assert "[W050]" in result.stderr and "frobnicate" in result.stderr
    assert "Traceback" not in result.stderr


def test_unknown_symbol(tmp_path: Path) -> None:
    result = run("--db", str(tmp_path / "s.duckdb"), "move", "NOSUCHCO", "--date", "2024-12-23")
    assert result.returncode == 1
    assert "[W040]" in result.stderr and "NOSUCHCO" in result.stderr
    assert "Traceback" not in result.stderr


def test_debug_shows_traceback(tmp_path: Path) -> None:
    result = run("--debug", "--db", str(tmp_path / "s.duckdb"), "move", "NOSUCHCO", "--date", "2024-12-23")
    assert result.returncode == 1 and "Traceback" in result.stderr


def test_corrupt_store_is_refused_and_unchanged(tmp_path: Path) -> None:
    db = tmp_path / "broken.duckdb"
    db.write_bytes(b"\x00garbage" * 1000)
    before = db.read_bytes()
    result = run("--db", str(db), "move", "688981.SS", "--date", "2024-12-23")
    assert result.returncode == 1
    assert "[W011]" in result.stderr and len(result.stderr.strip().splitlines()) == 1
    assert db.read_bytes() == before


def _counts(db: Path) -> tuple[int, int, int]:
    import duckdb

    con = duckdb.connect(str(db), read_only=True)
    try:
        return tuple(  # type: ignore[return-value]
            con.execute(f"SELECT count(*) FROM {t}").fetchone()[0]  # type: ignore[index]
            for t in ("bars", "articles", "briefs")
        )
    finally:
        con.close()


def test_unwritable_out_fails_cleanly_and_store_is_unchanged(tmp_path: Path) -> None:
    db = tmp_path / "demo.duckdb"
    ok = run("demo", "--db", str(db), "--out", str(tmp_path / "out"))
    assert ok.returncode == 0, ok.stderr
    before = _counts(db)
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    bad = run("demo", "--db", str(db), "--out", str(blocker / "sub"))
    assert bad.returncode == 1
    assert "[W002]" in bad.stderr and "Traceback" not in bad.stderr
    assert _counts(db) == before


@pytest.mark.skipif(hasattr(os, "geteuid") and os.geteuid() == 0, reason="root can write a read-only folder")
def test_read_only_out(tmp_path: Path) -> None:
    out = tmp_path / "ro"
    out.mkdir()
    out.chmod(0o555)
    result = run("demo", "--out", str(out))
    assert result.returncode == 1 and "[W002]" in result.stderr


def test_demo_prints_headline_and_figures(tmp_path: Path) -> None:
    result = run("demo", "--out", str(tmp_path / "o"))
    assert result.returncode == 0, result.stderr
    assert "SMIC" in result.stdout and "688981.SS" in result.stdout and "0981.HK" in result.stdout
    assert (tmp_path / "o" / "SMIC-2024-12-23.html").exists()


def test_explain_formats_and_non_session(tmp_path: Path) -> None:
    import json

    db = tmp_path / "demo.duckdb"
    assert run("demo", "--db", str(db), "--out", str(tmp_path / "o")).returncode == 0
    out = run("--db", str(db), "explain", "中芯国际", "--date", "2024-12-23", "--format", "json")
    assert out.returncode == 0, out.stderr
    payload = json.loads(out.stdout)
    assert payload["kind"] == "brief" and payload["explanation"]["verdict"] == "stock-specific"
    md = run("--db", str(db), "explain", "0981.HK", "--date", "2024-12-23")
    assert md.returncode == 0 and md.stdout.startswith("# SMIC extends rally")
    early = run("--db", str(db), "explain", "SMIC", "--date", "2024-12-23", "--cutoff", "2024-12-19T00:00:00Z",
                "--format", "json")
    assert early.returncode == 0
    assert json.loads(early.stdout)["explanation"]["verdict"] == "unexplained"
    sunday = run("--db", str(db), "explain", "SMIC", "--date", "2024-12-22")
    assert sunday.returncode == 1 and "[W041]" in sunday.stderr
    bad = run("--db", str(db), "explain", "SMIC", "--date", "2024-12-23", "--format", "pdf")
    assert bad.returncode == 2 and "[W050]" in bad.stderr  # an unknown format is a usage error


def test_verbs_without_a_universe_work_on_the_demo_store(tmp_path: Path) -> None:
    """`--db X demo`, then moves, brief and run with no --universe: "all", every listing with bars."""
    import json

    db = str(tmp_path / "s.duckdb")
    assert run("--db", db, "demo", "--out", str(tmp_path / "o")).returncode == 0
    for universe in ((), ("--universe", "all")):
        moves = run("--db", db, "moves", "--date", "2024-12-23", "--min-z", "0", "--json", *universe)
        assert moves.returncode == 0, moves.stderr
        symbols = {m["symbol"] for m in json.loads(moves.stdout)["moves"]}
        assert symbols == {"688981.SS", "0981.HK", "1347.HK"}  # the indices are benchmarks, not movers
    brief = run("--db", db, "brief", "--date", "2024-12-20", "--out", str(tmp_path / "ed"))
    assert brief.returncode == 0, brief.stderr
    assert "SMIC" in (tmp_path / "ed" / "edition-2024-12-20.md").read_text(encoding="utf-8")
    daily = run("--db", db, "run", "--date", "2024-12-20", "--no-send", "--json")
    assert daily.returncode == 0, daily.stderr
    assert "SMIC-2024-12-20" in json.loads(daily.stdout)["briefs"]


def test_an_empty_store_says_to_ingest_prices(tmp_path: Path) -> None:
    result = run("--db", str(tmp_path / "empty.duckdb"), "moves", "--date", "2024-12-23")
    assert result.returncode == 1 and "[W043]" in result.stderr and "ingest prices" in result.stderr
