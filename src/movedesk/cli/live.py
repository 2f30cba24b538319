"""The live desk's verbs: ``movedesk run --market M`` (one market's daily job) and ``movedesk schedule``
(the loop that runs each market after its close, or ``--once`` for cron, or ``--show`` the run times)."""

from __future__ import annotations

import datetime as dt
import logging
import signal
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from types import FrameType
from typing import Annotated, Any
from zoneinfo import ZoneInfo

import typer
from rich.table import Table

from movedesk.cli._common import (
    Exit,
    console,
    delivery_rows,
    err_console,
    exit_code,
    finish,
    open_desk_waiting,
    print_deliveries,
    print_json,
    settings,
)
from movedesk.errors import ConfigError

log = logging.getLogger(__name__)


def run_market_verb(
    ctx: typer.Context,
    name: str,
    date: dt.date | None,
    config: Path | None,
    news: list[str],
    top: int | None,
    no_send: bool,
    as_json: bool,
) -> None:
    """``movedesk run --market M [--date D]``: exits 5 when symbols are missing (the edition is published from
    what is stored), 3 when the provider failed for every symbol (nothing published; run again)."""
    from movedesk.jobs.daily import load_run_config
    from movedesk.jobs.market_run import run_market
    from movedesk.jobs.markets import market

    cfg = load_run_config(config)
    cfg.news += news
    if top is not None:
        cfg.top = top
        for table in cfg.markets.values():
            table.top = top
    if no_send:
        cfg.send = False
    chosen = market(name)
    from movedesk.jobs.distributed import client_for

    s = settings(ctx)
    with open_desk_waiting(s) as desk, client_for(s.scheduler) as client:  # MOVEDESK_SCHEDULER (docs/dask.md)
        report = run_market(desk, chosen, date, cfg, client=client)
    status = Exit.PARTIAL if report.status == "partial" else Exit.OK
    payload: dict[str, Any] = {
        "schema_version": 1,
        "kind": "market_run",
        "status": report.status,
        "market": report.market,
        "session": report.session.isoformat(),
        "attempt": report.attempt,
        "edition": report.edition,
        "briefs": report.briefs,
        "symbols": len(report.symbols),
        "fetched": len(report.fetched),
        "skipped": len(report.skipped),
        "missing": [{"symbol": s, "reason": r} for s, r in sorted(report.missing.items())],
        "prices_new": report.prices.new,
        "news_new": report.news.new,
        "rejected": [{"ref": ref, "reason": reason} for ref, reason in report.news.rejected],
        "sources": report.sources.summary() if report.sources is not None else None,
        "sources_failed": [{"source": n, "reason": r} for n, r in sorted(report.sources_failed.items())],
        "deliveries": delivery_rows(report.deliveries),
    }
    if as_json:
        print_json(payload)
        finish(status)
        return
    console.print(
        f"{report.market} {report.session}: edition {report.edition}, {len(report.briefs)} briefs; prices of "
        f"{len(report.symbols)} symbols: {len(report.fetched)} fetched ({report.prices.new} new bars), "
        f"{len(report.skipped)} up to date, {len(report.missing)} missing",
        highlight=False,
    )
    print_deliveries(payload["deliveries"])
    for item in payload["missing"]:
        err_console.print(f"[yellow]missing[/yellow] {item['symbol']}: {item['reason']}", highlight=False,
                          soft_wrap=True)
    for item in payload["rejected"]:
        err_console.print(f"[red]refused[/red] {item['ref']}: {item['reason']}", highlight=False, soft_wrap=True)
    for item in payload["sources_failed"]:
        err_console.print(f"[yellow]source failed[/yellow] {item['source']}: {item['reason']}", highlight=False,
                          soft_wrap=True)
    finish(status)


@contextmanager
def _stop_on_signals(stop: Any) -> Iterator[None]:
    """SIGTERM (systemd, kill) and SIGINT (Ctrl-C) stop the loop after the run in progress; a second one
    interrupts at once."""
    previous: dict[int, Any] = {}

    def handler(signum: int, frame: FrameType | None) -> None:
        err_console.print(f"movedesk schedule: {signal.Signals(signum).name}, stopping after the current step",
                          highlight=False)
        stop()
        for number, old in previous.items():  # the next signal acts as before (KeyboardInterrupt, exit)
            signal.signal(number, old)

    for signum in (signal.SIGTERM, signal.SIGINT):
        previous[int(signum)] = signal.signal(signum, handler)
    try:
        yield
    finally:
        for number, old in previous.items():
            signal.signal(number, old)


def schedule(
    ctx: typer.Context,
    market: Annotated[
        list[str] | None, typer.Option("--market", help="Market to schedule (repeatable; default: us, hk, cn)")
    ] = None,
    once: Annotated[bool, typer.Option("--once", help="Run what is due (catching up) and exit: for cron")] = False,
    show: Annotated[bool, typer.Option("--show", help="Print the run times from --from to --to, and exit")] = False,
    start: Annotated[
        dt.datetime | None, typer.Option("--from", help="With --show: first date (default today)", formats=["%Y-%m-%d"])
    ] = None,
    end: Annotated[
        dt.datetime | None,
        typer.Option("--to", help="With --show: last date (default two weeks on)", formats=["%Y-%m-%d"]),
    ] = None,
    config: Annotated[Path | None, typer.Option("--config", help="TOML run configuration (run.toml)")] = None,
    no_send: Annotated[bool, typer.Option("--no-send", help="Publish but do not mail")] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print machine-readable JSON on stdout")] = False,
) -> None:
    """Run each market's daily job after its close (the session's close from the exchange calendar plus the
    market's delay), catching up missed runs first; stops cleanly on SIGTERM/SIGINT. --once runs what is due
    and exits (cron); --show prints the run times."""
    from movedesk.jobs.daily import load_run_config
    from movedesk.jobs.markets import market as market_named
    from movedesk.jobs.markets import market_names

    cfg = load_run_config(config)
    if no_send:
        cfg.send = False
    markets = [market_named(m) for m in (market or market_names())]
    if show:
        _show(ctx, markets, cfg, start, end, as_json)
        return
    if start is not None or end is not None:
        raise ConfigError("--from and --to go with --show")
    _loop(ctx, markets, cfg, once=once, as_json=as_json)


def _show(ctx: typer.Context, markets: list[Any], cfg: Any, start: dt.datetime | None, end: dt.datetime | None,
          as_json: bool) -> None:
    from movedesk.jobs.market_run import schedule_rows

    first = start.date() if start else dt.datetime.now(dt.UTC).date()
    last = end.date() if end else first + dt.timedelta(days=14)
    if last < first:
        raise ConfigError(f"--to {last} is before --from {first}")
    with open_desk_waiting(settings(ctx)) as desk:
        rows = schedule_rows(desk, markets, cfg, first, last)
    if as_json:
        print_json({"schema_version": 1, "kind": "schedule", "from": first.isoformat(), "to": last.isoformat(),
                    "runs": rows})
        return
    table = Table("market", "session", "close", "run at", "run at (UTC)", "half-day", "status")
    for row in rows:
        tz = ZoneInfo(row["timezone"])
        close = dt.datetime.fromisoformat(row["close"]).astimezone(tz)
        run_at = dt.datetime.fromisoformat(row["run_at"]).astimezone(tz)
        utc = dt.datetime.fromisoformat(row["run_at_utc"])
        table.add_row(
            row["market"], row["session"], f"{close:%H:%M %Z}", _on(run_at, row["session"], "%H:%M %Z"),
            _on(utc, row["session"], "%H:%M"), "yes" if row["early_close"] else "", row["status"] or "",
        )  # fmt: skip
    console.print(table)
    console.print(f"{len(rows)} runs from {first} to {last}", highlight=False)


def _on(moment: dt.datetime, session: str, fmt: str) -> str:
    """A time of the session's day, with its date only when it falls on another day."""
    return f"{moment:{fmt}}" if moment.date().isoformat() == session else f"{moment:%Y-%m-%d {fmt}}"


def _loop(ctx: typer.Context, markets: list[Any], cfg: Any, *, once: bool, as_json: bool) -> None:
    from movedesk.jobs.market_run import desk_scheduler

    s = settings(ctx)
    handler = logging.StreamHandler()  # progress of a long-running loop: stderr, one line an event
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger("movedesk")
    root.addHandler(handler)
    level = root.level
    root.setLevel(logging.INFO)
    try:
        catchup = dt.timedelta(days=s.catchup_days)
        scheduler = desk_scheduler(lambda: open_desk_waiting(s), markets, cfg, catchup=catchup,
                                   scheduler=s.scheduler)  # fmt: skip
        with _stop_on_signals(scheduler.stop):
            outcomes = scheduler.run_due() if once else scheduler.loop()
    finally:
        root.removeHandler(handler)
        root.setLevel(level)
    # a failure says more than a partial run: the first error's status, else 1 for a market not scheduled
    status = Exit.PARTIAL if any(state == "partial" for _, state in outcomes) else Exit.OK
    if scheduler.problems:
        status = Exit.ERROR
    for (name, session), error in reversed(scheduler.errors.items()):
        status = Exit(exit_code(error))
        err_console.print(f"[red]failed[/red] {name} {session}: {error}", highlight=False, soft_wrap=True)
    for problem in scheduler.problems:
        err_console.print(f"[red]error[/red] {problem}", highlight=False, soft_wrap=True)
    if as_json:
        print_json({
            "schema_version": 1, "kind": "schedule_runs",
            "runs": [{**run.as_dict(), "status": state} for run, state in outcomes],
            "problems": scheduler.problems,
        })  # fmt: skip
    else:
        for run, state in outcomes:
            console.print(f"{run.market} {run.session}: {state}", highlight=False)
        if not outcomes:
            console.print("nothing due", highlight=False)
    finish(status)
