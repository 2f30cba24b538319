"""`movedesk serve` (the web app), `movedesk run` (the daily job) and `movedesk send` (mail an edition)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from movedesk.cli._common import (
    Exit,
    SchedulerOption,
    console,
    delivery_rows,
    err_console,
    finish,
    ingest_status,
    open_desk_waiting,
    print_deliveries,
    print_json,
    settings,
)

if TYPE_CHECKING:
    from movedesk.config import Settings


def serve(
    ctx: typer.Context,
    host: Annotated[str, typer.Option("--host", help="Address to listen on")] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port", help="Port to listen on")] = 8000,
    log_level: Annotated[str, typer.Option("--log-level", help="uvicorn log level")] = "info",
    workers: Annotated[
        int, typer.Option("--workers", min=1, help="Worker processes (more than one needs a PostgreSQL store)")
    ] = 1,
) -> None:
    """Serve the web app: front page, briefs, companies, search, sign-up, and the JSON API (/api/v1)."""
    try:
        import uvicorn

        from movedesk.web.app import create_app
    except ImportError as exc:  # the [web] extra is not installed
        from movedesk.errors import ConfigError

        raise ConfigError(
            f"the web app needs the [web] extra ({exc.name} is missing)", hint='pip install "movedesk[web]"'
        ) from exc
    s = settings(ctx)
    if workers > 1:
        _serve_workers(s, host, port, log_level, workers)
        return
    app = create_app(s)
    err_console.print(f"movedesk serving on http://{host}:{port}", highlight=False)
    uvicorn.run(app, host=host, port=port, log_level=log_level, proxy_headers=False)


def _serve_workers(s: Settings, host: str, port: int, log_level: str, workers: int) -> None:
    """Several worker processes, each building the app from the environment (uvicorn spawns them)."""
    import secrets

    import uvicorn

    from movedesk.config import export_settings, is_server_url
    from movedesk.errors import ConfigError

    if not is_server_url(s.db):
        raise ConfigError(
            f"--workers {workers} needs a PostgreSQL store: a DuckDB file has one writing process at a time",
            hint="serve with --db postgresql://… (docs/deploy.md), or with one worker",
        )
    if not s.secret_key:  # every worker must sign and check links with the same key
        err_console.print("[yellow]MOVEDESK_SECRET_KEY is not set: a random key for this server's lifetime; "
                          "links in mails die with it[/yellow]", highlight=False)  # fmt: skip
        s = s.model_copy(update={"secret_key": secrets.token_urlsafe(32)})
    export_settings(s, "db", "secret_key")
    err_console.print(f"movedesk serving on http://{host}:{port} with {workers} workers", highlight=False)
    uvicorn.run("movedesk.web.app:app_from_env", factory=True, host=host, port=port, log_level=log_level,
                workers=workers, proxy_headers=False)  # fmt: skip


def run(
    ctx: typer.Context,
    date: Annotated[
        dt.datetime | None,
        typer.Option("--date", help="Session date (with --market, default: its latest session due)",
                     formats=["%Y-%m-%d"]),
    ] = None,
    market: Annotated[
        str | None, typer.Option("--market", help="Run one market's job: us, hk or cn (docs/live.md)")
    ] = None,
    config: Annotated[Path | None, typer.Option("--config", help="TOML run configuration (prices, news, top…)")] = None,
    prices: Annotated[list[Path] | None, typer.Option("--prices", help="Price file to ingest (repeatable)")] = None,
    news: Annotated[
        list[str] | None, typer.Option("--news", help="News file, folder or feed/page URL (repeatable)")
    ] = None,
    top: Annotated[int | None, typer.Option("--top", help="Movers per edition")] = None,
    universe: Annotated[
        str | None, typer.Option("--universe", help="Universe to scan (default: all, every listing with bars)")
    ] = None,
    no_send: Annotated[bool, typer.Option("--no-send", help="Publish but do not mail")] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print machine-readable JSON on stdout")] = False,
    scheduler: Annotated[str | None, SchedulerOption] = None,
) -> None:
    """The daily job: ingest → detect → explain → publish the edition → send; safe to rerun. Exits 5 when
    some of the inputs to ingest were refused (the edition is still published from the rest). With --market,
    one market's job: fetch its prices, its news, its edition (exits 5 when symbols are missing)."""
    from movedesk.errors import ConfigError
    from movedesk.jobs.daily import load_run_config, run_daily

    if market is not None:
        from movedesk.cli.live import run_market_verb

        if prices or universe:
            raise ConfigError("--prices and --universe do not go with --market: the market's provider fetches "
                              "its universe", hint="set a market's universe or provider in run.toml [markets.NAME]")
        run_market_verb(ctx, market, date.date() if date else None, config, list(news or []), top, no_send, as_json)
        return
    if date is None:
        raise ConfigError("--date is required", hint="movedesk run --date YYYY-MM-DD, or movedesk run --market M")
    cfg = load_run_config(config)
    cfg.prices += list(prices or [])
    cfg.news += list(news or [])
    if top is not None:
        cfg.top = top
    if universe is not None:
        cfg.universe = universe
    if no_send:
        cfg.send = False
    s = settings(ctx)
    from movedesk.jobs.distributed import client_for

    # with a scheduler, the news files, the scan and the movers' news run on its workers (docs/dask.md)
    with open_desk_waiting(s) as desk, client_for(scheduler or s.scheduler) as client:
        report = run_daily(desk, date.date(), cfg, client=client)
    status = max(ingest_status(report.prices), ingest_status(report.news))
    status = Exit.PARTIAL if status or report.missing else Exit.OK  # the edition was published all the same
    payload: dict[str, Any] = {
        "schema_version": 1,
        "kind": "daily_run",
        "status": status.name.lower(),
        "session": report.session.isoformat(),
        "edition": report.edition,
        "briefs": report.briefs,
        "prices_new": report.prices.new,
        "news_new": report.news.new,
        "rejected": [{"ref": ref, "reason": reason} for ref, reason in report.prices.rejected + report.news.rejected],
        "missing": [{"symbol": symbol, "reason": reason} for symbol, reason in sorted(report.missing.items())],
        "deliveries": delivery_rows(report.deliveries),
    }
    if as_json:
        print_json(payload)
        finish(status)
        return
    console.print(f"edition {report.edition}: {len(report.briefs)} briefs", highlight=False)
    print_deliveries(payload["deliveries"])
    for item in payload["rejected"]:
        err_console.print(f"[red]refused[/red] {item['ref']}: {item['reason']}", highlight=False, soft_wrap=True)
    for item in payload["missing"]:
        err_console.print(f"[yellow]missing[/yellow] {item['symbol']}: {item['reason']}", highlight=False,
                          soft_wrap=True)
    finish(status)


def send(
    ctx: typer.Context,
    edition: Annotated[str | None, typer.Option("--edition", help="Edition slug (default: the latest)")] = None,
    connections: Annotated[int, typer.Option("--connections", help="Parallel SMTP connections")] = 4,
) -> None:
    """Mail a stored edition to its readers; rerun after a crash to send only the remaining mails."""
    from movedesk.jobs.daily import send_edition
    from movedesk.publish.mailer import SmtpMailer

    s = settings(ctx)
    with open_desk_waiting(s) as desk:
        report = send_edition(desk, SmtpMailer(s), edition, connections=connections)
    console.print(
        f"{report.mailing}: sent {report.sent}, already sent {report.already_sent}, failed {len(report.failed)}",
        highlight=False,
    )
