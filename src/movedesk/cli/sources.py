"""News-source verbs: ``sources list|add|remove|check|poll`` and ``doctor``. Each parses, calls one Desk (or
doctor) function and renders a rich table or ``--json``; progress goes to stderr."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from movedesk.cli._common import Exit, console, err_console, finish, open_desk, print_json, settings

sources_app = typer.Typer(help="The desk's news sources: list, add, remove, check and poll them.", no_args_is_help=True)

_STATUS_STYLE = {"ok": "green", "warn": "yellow", "fail": "red", "skip": "dim"}


def _age(when: dt.datetime | None) -> str:
    if when is None:
        return "—"
    hours = (dt.datetime.now(dt.UTC) - when).total_seconds() / 3600
    return f"{hours:.0f} h" if hours < 48 else f"{hours / 24:.0f} d"


@sources_app.command("list")
def list_sources(
    ctx: typer.Context,
    removed: Annotated[bool, typer.Option("--removed", help="Also list the sources removed from the desk")] = False,
    json_out: Annotated[bool, typer.Option("--json", help="Print machine-readable JSON")] = False,
) -> None:
    """List the desk's news sources with their last poll."""
    with open_desk(ctx) as desk:
        sources = desk.sources(include_removed=removed)
        current = {s.name for s in desk.sources()} if removed else None
        polls = desk.source_polls()
    if json_out:
        rows = []
        for s in sources:
            last = polls.get(s.name) or {}
            rows.append({**s.to_dict(), "removed": current is not None and s.name not in current,
                         "last_poll": {k: (v.isoformat() if isinstance(v, dt.datetime) else v)
                                       for k, v in last.items()}})  # fmt: skip
        print_json({"sources": rows})
        return
    table = Table(title=f"{len(sources)} news source(s)")
    for col in ("name", "kind", "lang", "markets", "every", "enabled", "last poll", "newest", "url"):
        table.add_column(col, overflow="fold" if col == "url" else "ellipsis")
    for s in sources:
        last = polls.get(s.name) or {}
        state = "removed" if current is not None and s.name not in current else ("yes" if s.enabled else "no")
        status = f"{last['status']} {_age(last['attempted_at'])} ago" if last else "never"
        table.add_row(s.name, s.kind, s.language, ",".join(s.markets), f"{s.interval_minutes} min", state,
                      status, _age(last.get("newest_item")), s.url)  # fmt: skip
    console.print(table)


@sources_app.command("add")
def add_source(
    ctx: typer.Context,
    name: Annotated[str, typer.Argument(help="A name for the source, e.g. my-outlet")],
    url: Annotated[str, typer.Argument(help="Feed URL, or a template with {cik} or {symbol}")],
    kind: Annotated[str, typer.Option("--kind", help="feed, edgar or hkexnews")] = "feed",
    language: Annotated[str, typer.Option("--language", help="en or zh")] = "en",
    tz: Annotated[str, typer.Option("--tz", help="Zone of times that carry none, e.g. Asia/Hong_Kong")] = "UTC",
    every: Annotated[int, typer.Option("--every", help="Polling interval in minutes")] = 60,
    markets: Annotated[str, typer.Option("--markets", help="Markets it covers: us,hk,cn")] = "",
    rate: Annotated[float | None, typer.Option("--rate", help="Most requests a second its host allows")] = None,
    targets: Annotated[
        str, typer.Option("--for", help="Template targets: companies, symbols or universe:NAME, comma-separated")
    ] = "",
    licence: Annotated[str, typer.Option("--licence", help="Terms of use, as a note")] = "",
    replace: Annotated[bool, typer.Option("--replace", help="Replace a source of that name")] = False,
    json_out: Annotated[bool, typer.Option("--json", help="Print machine-readable JSON")] = False,
) -> None:
    """Add a news source to the desk's list (kept in the store)."""
    with open_desk(ctx) as desk:
        source = desk.add_source(
            name, url, kind=kind, language=language, timezone=tz, interval_minutes=every, markets=markets,
            rate_per_second=rate, targets=targets, licence=licence, replace=replace,
        )  # fmt: skip
    if json_out:
        print_json({"added": source.to_dict()})
        return
    console.print(f"added [bold]{source.name}[/bold] ({source.kind}, every {source.interval_minutes} min)")


@sources_app.command("remove")
def remove_source(
    ctx: typer.Context,
    name: Annotated[str, typer.Argument(help="The source's name (see `movedesk sources list`)")],
    json_out: Annotated[bool, typer.Option("--json", help="Print machine-readable JSON")] = False,
) -> None:
    """Remove a news source from the desk's list (a shipped one stays removed)."""
    with open_desk(ctx) as desk:
        source = desk.remove_source(name)
    if json_out:
        print_json({"removed": source.to_dict()})
        return
    console.print(f"removed [bold]{source.name}[/bold]")


@sources_app.command("check")
def check_source(
    ctx: typer.Context,
    names: Annotated[list[str] | None, typer.Argument(help="Source names (default: every enabled one)")] = None,
    json_out: Annotated[bool, typer.Option("--json", help="Print machine-readable JSON")] = False,
) -> None:
    """Fetch each source once and say whether it is reachable, readable and fresh (stores nothing)."""
    with open_desk(ctx) as desk:
        chosen = names or [s.name for s in desk.sources() if s.enabled and s.pollable]
        results = [desk.check_source(n) for n in chosen]
    bad = sum(1 for r in results if not (r.reachable and r.parseable))
    status = Exit.OK if not bad else (Exit.PROVIDER if bad == len(results) else Exit.PARTIAL)
    if json_out:
        print_json({"status": status.name.lower(), "checks": [r.to_dict() for r in results]})
        finish(status)
        return
    table = Table(title=f"{len(results)} source(s) checked")
    for col in ("name", "reachable", "readable", "items", "newest", "error"):
        table.add_column(col)
    for r in results:
        table.add_row(r.name, "yes" if r.reachable else "[red]no[/red]", "yes" if r.parseable else "[red]no[/red]",
                      str(r.items), _age(r.newest), r.error or "")  # fmt: skip
    console.print(table)
    finish(status)


@sources_app.command("poll")
def poll_sources(
    ctx: typer.Context,
    names: Annotated[list[str] | None, typer.Argument(help="Source names (default: every enabled one)")] = None,
    market: Annotated[str | None, typer.Option("--market", help="Only the sources of us, hk or cn")] = None,
    force: Annotated[bool, typer.Option("--force", help="Poll even sources whose interval is not up")] = False,
    json_out: Annotated[bool, typer.Option("--json", help="Print machine-readable JSON")] = False,
) -> None:
    """Poll the news sources into the store (conditional GET, intervals, per-host pace)."""
    with open_desk(ctx) as desk, Progress(
        TextColumn("[bold]poll[/bold] {task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=err_console,
        transient=True,
        disable=json_out and not err_console.is_terminal,
    ) as bar:
        task = bar.add_task("sources", total=None)

        def show(step: Any) -> None:
            last = f" · {step.outcome.name}: {step.outcome.status}" if step.outcome else ""
            bar.update(task, total=step.total, completed=step.done, description=f"sources{last}")

        report = desk.poll_sources(names, market=market, force=force, progress=show)
    status = {"ok": Exit.OK, "partial": Exit.PARTIAL, "failed": Exit.PROVIDER}[report.status]
    if json_out:
        print_json(report.to_dict())
        finish(status)
        return
    s = report.summary()
    console.print(
        f"sources: {s['fetched']} fetched, {s['not_modified']} not modified, {s['skipped']} skipped, "
        f"{s['failed']} failed · news: [bold]{s['new']}[/bold] new, {s['duplicates']} duplicate"
    )
    for o in report.outcomes:
        if o.status in ("failed", "fetched") or o.failed:
            style = "red" if o.status == "failed" else "green"
            console.print(f"  [{style}]{o.status}[/{style}] {o.name}: {o.detail}", highlight=False, soft_wrap=True)
    finish(status)


def doctor(
    ctx: typer.Context,
    offline: Annotated[bool, typer.Option("--offline", help="Skip the checks that need the network")] = False,
    timeout: Annotated[float, typer.Option("--timeout", help="Seconds for the SMTP check")] = 5.0,
    json_out: Annotated[bool, typer.Option("--json", help="Print machine-readable JSON")] = False,
) -> None:
    """Check the store, price providers, news sources, SMTP and the secret key; say what to fix."""
    from movedesk.jobs.doctor import doctor as run_doctor

    report = run_doctor(settings(ctx), offline=offline, timeout=timeout)
    status = Exit.OK if report.green else (Exit.ERROR if report.store_failed else Exit.PARTIAL)
    if json_out:
        print_json(report.to_dict())
        finish(status)
        return
    table = Table(title="movedesk doctor")
    for col in ("", "area", "check", "found", "to fix"):
        table.add_column(col)
    for c in report.checks:
        style = _STATUS_STYLE.get(c.status, "")
        table.add_row(f"[{style}]{c.status}[/{style}]", c.area, c.name, c.detail, c.fix)
    console.print(table)
    if report.green:
        console.print("[green]green[/green]: nothing to fix" + (" (see the warnings)" if any(
            c.status == "warn" for c in report.checks) else ""))  # fmt: skip
    else:
        console.print(f"[red]{len(report.failed)} to fix[/red]:")
        for c in report.failed:
            console.print(f"  {c.area} {c.name}: {c.fix or c.detail}", highlight=False, soft_wrap=True)
    finish(status)
