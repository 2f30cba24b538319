"""Market verbs: ``ingest prices``, ``move``, ``moves`` and ``companies``.

Each verb parses its options, calls one library function on a :class:`~movedesk.desk.Desk`, and renders
a table or ``--json``. ``ingest_app`` is shared: the news verbs add ``ingest news`` to it.
"""

from __future__ import annotations

import datetime as dt
import math
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table

from movedesk.cli._common import (
    Exit,
    SchedulerOption,
    console,
    err_console,
    finish,
    ingest_status,
    open_desk,
    print_json,
    progress_bar,
)
from movedesk.errors import ConfigError

ingest_app = typer.Typer(help="Load prices or news into the store.", no_args_is_help=True)



_SIGNED = ("_pct", "ar", "z", "car_z", "benchmark_z")


def _fmt(value: Any, key: str = "") -> str:
    """Percent-like figures signed with 2 decimals, p-values in 2 significant digits, None as a dash."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "—"
    if isinstance(value, bool) or not isinstance(value, float | int):
        return str(value)
    if key == "p":
        return f"{value:.2g}"
    if key.endswith(_SIGNED) or key in _SIGNED:
        return f"{value:+.2f}"
    return f"{value:,.2f}" if isinstance(value, float) else str(value)


@ingest_app.command("prices")
def ingest_prices(
    ctx: typer.Context,
    paths: Annotated[list[Path] | None, typer.Argument(help="Price files (.csv/.parquet, long format)")] = None,
    provider: Annotated[
        str | None, typer.Option("--provider", help="A registered price provider instead of files: yfinance, akshare…")
    ] = None,
    symbols: Annotated[str | None, typer.Option("--symbols", help="With --provider: symbols, comma-separated")] = None,
    universe: Annotated[
        str | None, typer.Option("--universe", help="With --provider: a universe's listings and benchmarks (hsi…)")
    ] = None,
    since: Annotated[
        dt.datetime | None,
        typer.Option(
            "--since", help="With --provider: backfill from this date (default: only what the store lacks)",
            formats=["%Y-%m-%d"],
        ),
    ] = None,
    until: Annotated[
        dt.datetime | None,
        typer.Option("--until", help="With --provider: last session (default: the last closed one)",
                     formats=["%Y-%m-%d"]),
    ] = None,
    column: Annotated[
        list[str] | None, typer.Option("--column", help="Map a source column: --column Date=session")
    ] = None,
    wide: Annotated[
        bool, typer.Option("--wide", help="Wide files: a date column and one column of closes per symbol")
    ] = False,
    strict: Annotated[
        bool, typer.Option("--strict", help="Refuse unsorted or duplicated dates instead of flagging them")
    ] = False,
    json_out: Annotated[bool, typer.Option("--json", help="Print machine-readable JSON")] = False,
) -> None:
    """Load price files, or bars from a price provider, into the store; each input is validated and stored
    all-or-nothing."""
    from movedesk.providers.prices.files import parse_column_map

    if provider is not None:
        _ingest_from_provider(ctx, provider, symbols, universe, since, until, paths, json_out)
        return
    if not paths:
        raise ConfigError("give price files, or --provider with --symbols and --since")
    column_map = parse_column_map(column or [])
    with open_desk(ctx) as desk:
        report, validation = desk.ingest_price_files(
            paths, column_map=column_map, wide=wide, strict=strict, keep_going=True
        )
    status = ingest_status(report)
    payload = {
        "status": status.name.lower(),
        "new": report.new,
        "updated": report.updated,
        "unchanged": report.unchanged,
        "flagged": validation.counts(),
        "examples": _records(validation.to_frame().groupby("code").head(5)),
        "rejected": [{"ref": ref, "reason": reason} for ref, reason in report.rejected],
    }
    if json_out:
        print_json(payload)
        finish(status)
        return
    console.print(f"bars: {report.new} new, {report.updated} updated, {report.unchanged} unchanged", highlight=False)
    for ref, reason in report.rejected:
        err_console.print(f"[red]refused[/red] {ref}: {reason}", highlight=False, soft_wrap=True)
    issues = validation.to_frame()
    for code, count in sorted(validation.counts().items()):
        examples = issues[issues["code"] == code].head(3)
        shown = ", ".join(f"{r.symbol} {r.session}" for r in examples.itertuples()) if len(examples) else ""
        console.print(f"  flagged {code}: {count}" + (f" (e.g. {shown})" if shown else ""), highlight=False)
    finish(status)


def _ingest_from_provider(
    ctx: typer.Context,
    provider: str,
    symbols: str | None,
    universe: str | None,
    since: dt.datetime | None,
    until: dt.datetime | None,
    paths: list[Path] | None,
    json_out: bool,
) -> None:
    if paths:
        raise ConfigError("give either price files or --provider, not both")
    wanted = [s.strip() for s in (symbols or "").split(",") if s.strip()]
    if not wanted and not universe:
        raise ConfigError("--provider needs --symbols or --universe", hint="e.g. --provider yfinance --universe hsi")
    with open_desk(ctx) as desk, progress_bar(f"prices from {provider}", quiet=json_out) as advance:
        update = desk.update_prices(
            provider,
            wanted,
            universe=universe,
            since=since.date() if since else None,
            until=until.date() if until else None,
            progress=advance,
        )
    payload = {"status": "partial" if update.failed else "ok", **update.summary()}
    if json_out:
        print_json(payload)
    else:
        console.print(
            f"bars from {provider}: {len(update.fetched)} symbols fetched ({update.report.new} new bars, "
            f"{update.report.updated} updated), {len(update.skipped)} up to date, {len(update.failed)} failed",
            highlight=False,
        )
        for symbol, reason in sorted(update.failed.items()):
            err_console.print(f"[yellow]missing[/yellow] {symbol}: {reason}", highlight=False, soft_wrap=True)
    if update.failed:
        raise typer.Exit(Exit.PARTIAL if update.fetched or update.skipped else Exit.PROVIDER)


def _records(frame: Any) -> list[dict[str, Any]]:
    """Frame rows as JSON-safe dicts: NaN → null, categories → str."""
    out = frame.astype(object).where(frame.notna(), None)
    return list(out.to_dict(orient="records"))


def move(
    ctx: typer.Context,
    symbol: Annotated[str, typer.Argument(help="Symbol or company name, e.g. 688981.SS, 0981.HK, AAPL")],
    date: Annotated[dt.datetime, typer.Option("--date", help="Session date", formats=["%Y-%m-%d"])],
    json_out: Annotated[bool, typer.Option("--json", help="Print machine-readable JSON")] = False,
) -> None:
    """All descriptors of one listing on one session: change, range, gap, streak, limit, volume, AR."""
    with open_desk(ctx) as desk:
        result = desk.move(symbol, date.date())
    if json_out:
        print_json(result.model_dump(mode="json"))
        return
    table = Table(title=f"{result.symbol} on {result.session}", show_header=False)
    for key, value in result.model_dump().items():
        if key in ("schema_version",):
            continue
        if isinstance(value, dict):
            text = ", ".join(f"{k}: {_fmt(v, 'cum_pct')}" for k, v in value.items()) or "—"
        elif isinstance(value, tuple | list):
            text = ", ".join(map(str, value)) or "—"
        else:
            text = _fmt(value, key)
        table.add_row(key, text)
    console.print(table)


def moves(
    ctx: typer.Context,
    date: Annotated[dt.datetime, typer.Option("--date", help="Session date (or range start)", formats=["%Y-%m-%d"])],
    end: Annotated[
        dt.datetime | None, typer.Option("--end", help="Last session of a range", formats=["%Y-%m-%d"])
    ] = None,
    universe: Annotated[
        str | None,
        typer.Option("--universe", help="sp500, hsi, hsci, us, hk, cn, star, chinext, symbols a,b or @file"),
    ] = None,
    min_z: Annotated[float | None, typer.Option("--min-z", help="Minimum |z| (default: settings)")] = None,
    model: Annotated[str, typer.Option("--model", help="market-model or market-adjusted")] = "market-model",
    limit: Annotated[int, typer.Option("--limit", help="Rows to show")] = 50,
    scheduler: Annotated[str | None, SchedulerOption] = None,
    json_out: Annotated[bool, typer.Option("--json", help="Print machine-readable JSON")] = False,
) -> None:
    """Every listing with a significant abnormal move on a date (or range), ranked by |z|."""
    from movedesk.jobs.distributed import scan

    with open_desk(ctx) as desk:
        threshold = min_z if min_z is not None else desk.settings.min_abs_z
        result = scan(desk, date.date(), end.date() if end else None, scheduler=scheduler or desk.settings.scheduler,
                      universe=universe, min_z=threshold, model=model)  # fmt: skip
    frame = result.moves.head(limit)
    if json_out:
        print_json(
            {
                "market": _records(result.market),
                "moves": _records(frame),
                "gaps": _records(result.gaps),
            }
        )
        return
    for row in result.market.itertuples():
        console.print(f"market {row.benchmark} {row.session}: {row.verdict}", highlight=False)
    table = Table(title=f"abnormal moves, |z| ≥ {threshold:g}")
    cols = ["symbol", "session", "ret_pct", "bench_pct", "ar_pct", "z", "p", "volume_ratio"]
    for col in cols:
        table.add_column(col)
    for rec in frame.to_dict(orient="records"):
        table.add_row(*[_fmt(rec.get(c), c) for c in cols])
    console.print(table)


def companies(
    query: Annotated[str, typer.Argument(help="Name, alias or ticker (any case/width)")],
    limit: Annotated[int, typer.Option("--limit", help="Maximum rows")] = 20,
    json_out: Annotated[bool, typer.Option("--json", help="Print machine-readable JSON")] = False,
) -> None:
    """Search the company registry by name, alias or ticker."""
    from movedesk.detect.api import companies_frame

    frame = companies_frame(query, limit=limit)
    if json_out:
        print_json(frame.to_dict(orient="records"))
        return
    table = Table(title=f"companies matching {query!r}")
    for col in ("id", "name", "sector", "listings"):
        table.add_column(col)
    for rec in frame.to_dict(orient="records"):
        table.add_row(rec["id"], rec["name"], rec["sector"], rec["listings"])
    console.print(table)
