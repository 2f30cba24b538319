"""The market verbs through typer, as main.py wires them (app.command()(move) …)."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import typer
from typer.testing import CliRunner

from movedesk.cli import _common
from movedesk.cli.markets import companies, ingest_app, move, moves


def _app() -> typer.Typer:
    app = typer.Typer()

    @app.callback()
    def root(ctx: typer.Context, db: str = typer.Option(None, "--db")) -> None:
        ctx.obj = _common.RootOptions(db=db)

    app.command()(move)
    app.command()(moves)
    app.command()(companies)
    app.add_typer(ingest_app, name="ingest")
    return app


def test_companies_json() -> None:
    result = CliRunner().invoke(_app(), ["companies", "中芯國際", "--json"])
    assert result.exit_code == 0, result.output
    rows = json.loads(result.stdout)
    assert rows[0]["id"] == "SMIC" and rows[0]["listings"] == "688981.SS, 0981.HK"


def test_ingest_move_and_moves(tmp_path: Path, prices_dir: Path) -> None:
    db = str(tmp_path / "cli.duckdb")
    runner = CliRunner()
    files = [str(prices_dir / "smic.parquet"), str(prices_dir / "cn_indices.parquet")]
    result = runner.invoke(_app(), ["--db", db, "ingest", "prices", *files, "--json"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert report["new"] == 6618 + 9527 and report["flagged"]["high_lt_low"] == 3
    result = runner.invoke(_app(), ["--db", db, "move", "688981.SS", "--date", "2024-12-20", "--json"])
    assert result.exit_code == 0, result.output
    payload = json.loads(result.stdout)
    assert payload["close"] == 94.28 and round(payload["close_pct"], 2) == 10.35
    table = runner.invoke(_app(), ["--db", db, "move", "0981.HK", "--date", "2024-12-23"])
    assert table.exit_code == 0 and "cum_pct" in table.stdout and "+15.25" in table.stdout
    result = runner.invoke(
        _app(),
        ["--db", db, "moves", "--date", "2024-12-20", "--universe", "688981.SS,0981.HK", "--min-z", "0", "--json"],
    )
    assert result.exit_code == 0, result.output
    scan = json.loads(result.stdout)
    # ^HSI is not in this store and one listing is too few for a proxy: 0981.HK gets no AR, not a guess
    assert {m["symbol"] for m in scan["moves"]} == {"688981.SS"}
    verdicts = {m["benchmark"]: m["verdict"] for m in scan["market"]}
    assert "has no return" in verdicts["equal-weight(XHKG)"]
    assert "no market-wide move (^STAR50 +1.83%" in verdicts["^STAR50"]
    # the same through the Python API (the Desk)
    from movedesk.desk import Desk
    from movedesk.detect.api import companies_frame

    with Desk.open(db) as desk:
        one = desk.move("688981.SS", dt.date(2024, 12, 20))
        assert one.close == 94.28 and round(one.cum_pct[4], 2) == 15.68
        ranked = desk.scan(dt.date(2024, 12, 20), universe="star", min_z=2.0)
    assert list(ranked.moves["symbol"].astype(str)) == ["688981.SS"]
    assert ranked.market.loc[0, "benchmark"] == "^STAR50"
    found = companies_frame("alphabet")
    assert found.loc[0, "id"] == "GOOGL" and "GOOG" in found.loc[0, "listings"]


def test_errors_surface_as_movedesk_errors(tmp_path: Path) -> None:
    from movedesk.errors import NotATradingSession, UnknownCompany

    db = str(tmp_path / "e.duckdb")
    result = CliRunner().invoke(_app(), ["--db", db, "move", "NOSUCH", "--date", "2024-12-20"])
    assert isinstance(result.exception, UnknownCompany)
    result = CliRunner().invoke(_app(), ["--db", db, "move", "0981.HK", "--date", "2024-12-25"])
    assert isinstance(result.exception, NotATradingSession)
