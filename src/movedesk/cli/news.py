"""News verbs: ``ingest news`` (on the shared ``ingest_app``), ``news list`` and ``news show``.

Each parses its options, calls the gather layer or the store through a :class:`~movedesk.desk.Desk`,
and renders a table or ``--json``. Progress goes to stderr, so ``--json`` output stays clean.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

import typer
from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn
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
)
from movedesk.cli.markets import ingest_app
from movedesk.errors import ConfigError, DataValidationError
from movedesk.models import Article
from movedesk.providers.prices.files import parse_column_map  # one --column syntax for every ingest

news_app = typer.Typer(help="List and show stored news articles.", no_args_is_help=True)



def _when(value: str | None, option: str) -> dt.datetime | None:
    if value is None:
        return None
    from movedesk.gather.timestamps import parse_timestamp

    try:
        return parse_timestamp(value)
    except DataValidationError as exc:
        raise ConfigError(f"{option} {value!r}: not a date or time (try 2024-12-23 or 2024-12-23T08:00Z)") from exc


@ingest_app.command("news")
def ingest_news_cmd(
    ctx: typer.Context,
    sources: Annotated[list[str], typer.Argument(help="Files, folders, feed or page URLs", metavar="PATH_OR_URL...")],
    allow_private: Annotated[
        bool, typer.Option("--allow-private", help="Allow URLs on private/loopback addresses (trusted hosts only)")
    ] = False,
    tz: Annotated[
        str | None, typer.Option("--tz", help="Zone of times that carry none, e.g. Asia/Shanghai (default UTC)")
    ] = None,
    source: Annotated[str | None, typer.Option("--source", help="Outlet name when the input names none")] = None,
    column: Annotated[
        list[str] | None, typer.Option("--column", help="Bulk files: map a column, e.g. --column headline=title")
    ] = None,
    workers: Annotated[
        int, typer.Option("--workers", min=1, help="Bulk files: processes parsing rows (helps on idle cores)")
    ] = 1,
    extract: Annotated[
        bool,
        typer.Option(
            "--extract", help="Also extract the new articles that name a company now (faster first explain)"
        ),
    ] = False,
    scheduler: Annotated[str | None, SchedulerOption] = None,
    json_out: Annotated[bool, typer.Option("--json", help="Print machine-readable JSON")] = False,
) -> None:
    """Ingest news (feeds, web pages, JSONL/CSV/Parquet, front-matter text), de-duplicated, once each."""
    from movedesk.gather.ingest import Progress as Step
    from movedesk.jobs.distributed import ingest_news

    column_map = parse_column_map(column or [])
    if tz is not None:
        from movedesk.gather.timestamps import zone

        zone(tz)  # fail on a bad zone before any work
    with open_desk(ctx) as desk, Progress(
        SpinnerColumn(),
        TextColumn("[bold]ingest news[/bold] {task.description}"),
        TimeElapsedColumn(),
        console=err_console,
        transient=True,
        disable=json_out and not err_console.is_terminal,
    ) as bar:
        task = bar.add_task("starting", total=None)

        def show(step: Step) -> None:
            r = step.report
            bar.update(
                task,
                description=f"{step.query[-60:]} · {step.items:,} items · {r.new:,} new · "
                f"{r.duplicates:,} duplicate · {len(r.rejected):,} rejected",
            )

        def linking(done: int, total: int) -> None:
            bar.update(task, description=f"linking the new articles to companies · {done:,} of {total:,}")

        report = ingest_news(
            desk,
            sources,
            link_progress=linking,
            scheduler=scheduler or desk.settings.scheduler,
            extract=extract,
            allow_private=allow_private or desk.settings.allow_private,
            default_tz=tz,
            source=source,
            column_map=column_map or None,
            workers=workers,
            progress=show,
        )
    status = ingest_status(report)
    payload = {"status": status.name.lower(), **report.to_dict()}
    if json_out:
        print_json(payload)
        finish(status)
        return
    console.print(
        f"news: [bold]{report.new}[/bold] new, {report.duplicates} duplicate, {report.unchanged} already stored, "
        f"{len(report.rejected)} rejected" + (f", {report.not_modified} not modified" if report.not_modified else "")
    )
    for reason, count in payload["rejection_reasons"].items():
        console.print(f"  rejected ×{count}: {reason}", highlight=False)
    for ref, reason in report.rejected[:10]:
        console.print(f"    {ref}: {reason}", highlight=False, soft_wrap=True)
    if len(report.rejected) > 10:
        console.print(f"    … and {len(report.rejected) - 10} more (use --json for all)")
    for ref, warning in report.warnings:
        console.print(f"  [yellow]warning[/yellow] {ref}: {warning}", highlight=False, soft_wrap=True)
    if status:
        err_console.print(
            "nothing was stored: every input was refused or failed" if status == Exit.REFUSED
            else f"{len(report.rejected)} inputs were refused or failed; the others were stored",
            highlight=False,
        )
    finish(status)


def _row(a: Article) -> dict[str, Any]:
    return {
        "id": a.id,
        "published": a.published.isoformat(),
        "published_inferred": a.published_inferred,
        "source": a.source,
        "language": a.language,
        "title": a.title,
        "url": a.url,
        "relays": list(a.relays),
        "cluster_id": a.cluster_id,
    }


@news_app.command("list")
def list_news(
    ctx: typer.Context,
    company: Annotated[str | None, typer.Option("--company", help="Company name, id or symbol")] = None,
    since: Annotated[str | None, typer.Option("--since", help="Published at or after (date or time, UTC)")] = None,
    until: Annotated[
        str | None, typer.Option("--until", help="As known at this time: published at or before it (UTC)")
    ] = None,
    limit: Annotated[int, typer.Option("--limit", help="At most this many, newest first")] = 50,
    json_out: Annotated[bool, typer.Option("--json", help="Print machine-readable JSON")] = False,
) -> None:
    """List stored articles, newest first; --until gives the news as known at that time."""
    start, end = _when(since, "--since"), _when(until, "--until")
    with open_desk(ctx) as desk:
        company_id = desk.company(company).id if company else None
        articles = desk.articles(company=company_id, since=start, until=end, limit=limit)
    if json_out:
        print_json({"company": company_id, "since": start, "until": end, "articles": [_row(a) for a in articles]})
        return
    table = Table(title=f"{len(articles)} article(s)" + (f" about {company_id}" if company_id else ""))
    for col in ("published (UTC)", "source", "lang", "title", "id"):
        table.add_column(col)
    for a in articles:
        stamp = a.published.strftime("%Y-%m-%d %H:%M") + ("*" if a.published_inferred else "")
        table.add_row(stamp, a.source, a.language, a.title[:80], a.id)
    console.print(table)
    if any(a.published_inferred for a in articles):
        console.print("* publish time inferred (date only, or first seen)")


@news_app.command("show")
def show_news(
    ctx: typer.Context,
    article_id: Annotated[str, typer.Argument(help="Article id (from `movedesk news list`)", metavar="ID")],
    json_out: Annotated[bool, typer.Option("--json", help="Print machine-readable JSON")] = False,
) -> None:
    """Show one article with its provenance and the duplicates recorded for it."""
    with open_desk(ctx) as desk:
        view = desk.article_with_duplicates(article_id)
    article, members, member = view.article, view.duplicates, view.requested
    payload: dict[str, Any] = {"article": article.to_json_dict() if article else None, "duplicates": members}
    if member is not None:
        payload["requested"] = member
    if json_out:
        print_json(payload)
        return
    if member is not None:
        console.print(
            f"[yellow]{article_id}[/yellow] is a {member['relation']} duplicate "
            f"(similarity {member['similarity']}) of {member['original_id']}; showing the original.\n"
        )
    if article is None:
        return
    console.print(f"[bold]{article.title}[/bold]", highlight=False)
    inferred = " (inferred)" if article.published_inferred else ""
    console.print(f"{article.source} · {article.published:%Y-%m-%d %H:%M} UTC{inferred} · {article.language}")
    if article.url:
        console.print(article.url, highlight=False)
    if article.authors:
        console.print("by " + ", ".join(article.authors), highlight=False)
    if article.relays:
        console.print("relays: " + ", ".join(article.relays), highlight=False)
    console.print(f"id {article.id} · first seen {article.first_seen:%Y-%m-%d %H:%M} UTC")
    console.print()
    console.print(article.body, highlight=False, markup=False)
    if members:
        console.print()
        table = Table(title=f"{len(members)} duplicate(s) in cluster {article.cluster_id}")
        for col in ("published (UTC)", "relation", "similarity", "source", "title", "id"):
            table.add_column(col)
        for m in members:
            table.add_row(
                f"{m['published']:%Y-%m-%d %H:%M}", m["relation"], f"{m['similarity']:.2f}", str(m["source"]),
                str(m["title"])[:60], m["member_id"],
            )
        console.print(table)
