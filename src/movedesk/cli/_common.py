"""Shared CLI plumbing: the store option, JSON output, and error → exit code mapping."""

from __future__ import annotations

import json
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from enum import IntEnum
from typing import TYPE_CHECKING, Any

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from movedesk.config import Settings
from movedesk.errors import (
    ConfigError,
    DataValidationError,
    FetchRefused,
    MovedeskError,
    OutputNotWritable,
    ProviderError,
    StoreBusy,
    UnknownCommand,
    UnknownProvider,
)

if TYPE_CHECKING:
    from movedesk.desk import Desk
    from movedesk.store import UpsertReport

console = Console()
err_console = Console(stderr=True)

DbOption = typer.Option(None, "--db", help="Store path (DuckDB file); default MOVEDESK_DB or the user data dir")
JsonOption = typer.Option(False, "--json", help="Print machine-readable JSON on stdout")
SchedulerOption = typer.Option(
    "--scheduler",
    help="Run on Dask: tcp://host:port (a cluster) or local[:N] (N local worker processes); default "
    "MOVEDESK_SCHEDULER, else this process alone (docs/dask.md)",
)


@dataclass
class RootOptions:
    """Options of the top-level command (``movedesk --db PATH --debug VERB``), kept on the click context."""

    debug: bool = False
    db: str | None = None


def root_options(ctx: typer.Context) -> RootOptions:
    obj = ctx.find_root().obj
    return obj if isinstance(obj, RootOptions) else RootOptions()


def settings(ctx: typer.Context, db: str | None = None) -> Settings:
    """The settings of this run: ``MOVEDESK_*`` variables, with the store from ``db`` or the root ``--db``."""
    chosen = db or root_options(ctx).db
    return Settings(db=chosen) if chosen else Settings()


def open_desk(ctx: typer.Context) -> Desk:
    """The desk on this run's store, with this run's settings."""
    from movedesk.desk import Desk

    s = settings(ctx)
    return Desk.open(s.db, s)


def open_desk_waiting(s: Settings, *, wait: float = 60.0) -> Desk:
    """Open the desk, waiting while another process (``movedesk serve`` between two requests) holds the
    DuckDB file's lock; DuckDB allows one writing process at a time."""
    from movedesk.desk import Desk
    from movedesk.errors import StoreBusy

    deadline = time.monotonic() + wait
    while True:
        try:
            return Desk.open(s.db, s)
        except StoreBusy:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.05)


def print_json(payload: Any) -> None:
    sys.stdout.write(json.dumps(payload, ensure_ascii=False, indent=2, default=str) + "\n")


class Exit(IntEnum):
    """The exit statuses of every verb (the README's table; a test keeps the two in step)."""

    OK = 0  #: success
    ERROR = 1  #: the request could not be carried out (unknown company, not a session, too little data…)
    USAGE = 2  #: unknown verb or option, or a bad option value or setting
    PROVIDER = 3  #: a price or news provider, or the network, failed
    REFUSED = 4  #: the input was refused or invalid; nothing from it was stored
    PARTIAL = 5  #: some inputs were stored, others were refused or failed (the output lists them)
    BUSY = 6  #: another movedesk process holds the store; try again later


def exit_code(exc: MovedeskError) -> int:
    """The exit status of an error (most specific first)."""
    if isinstance(exc, StoreBusy):
        return Exit.BUSY
    if isinstance(exc, OutputNotWritable):
        return Exit.ERROR
    if isinstance(exc, ConfigError | UnknownCommand | UnknownProvider):  # a name or value the user got wrong
        return Exit.USAGE
    if isinstance(exc, DataValidationError | FetchRefused):
        return Exit.REFUSED
    if isinstance(exc, ProviderError):
        return Exit.PROVIDER
    return Exit.ERROR


def ingest_status(report: UpsertReport) -> Exit:
    """OK when nothing was rejected; REFUSED when every input was refused or failed (nothing landed, not
    even as already stored); PARTIAL otherwise."""
    if not report.rejected:
        return Exit.OK
    landed = report.new + report.unchanged + report.updated
    # a news ingest also counts articles filed as duplicates and feeds that had not changed
    landed += getattr(report, "duplicates", 0) + getattr(report, "not_modified", 0)
    return Exit.PARTIAL if landed else Exit.REFUSED


def finish(status: int) -> None:
    """End the verb with ``status`` (after its output is printed)."""
    if status:
        raise typer.Exit(int(status))


@contextmanager
def progress_bar(what: str, *, quiet: bool = False) -> Iterator[Callable[[int, int], None]]:
    """A rich progress bar on stderr for a long fetch; yields ``advance(done, total)``. Hidden under
    ``--json`` when stderr is not a terminal, so machine output stays clean."""
    with Progress(
        TextColumn(f"[bold]{what}[/bold]"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=err_console,
        transient=True,
        disable=quiet and not err_console.is_terminal,
    ) as bar:
        task = bar.add_task(what, total=None)

        def advance(done: int, total: int) -> None:
            bar.update(task, completed=done, total=total)

        yield advance


def delivery_rows(deliveries: Any) -> list[dict[str, Any]]:
    """A run's mailings as JSON rows: audience, sent, already sent (the send log), failed."""
    return [
        {"mailing": d.mailing, "audience": d.audience, "already_sent": d.already_sent, "sent": d.sent,
         "failed": len(d.failed)}
        for d in deliveries
    ]


def print_deliveries(rows: list[dict[str, Any]]) -> None:
    for d in rows:
        console.print(
            f"  {d['mailing']}: sent {d['sent']}, already sent {d['already_sent']}, failed {d['failed']}",
            highlight=False,
        )
