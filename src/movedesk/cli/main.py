"""The ``movedesk`` command: typer verbs that parse, call one library function, and render."""

from __future__ import annotations

import sys
import traceback
from typing import Annotated

import typer
from rich.markup import escape

from movedesk import __version__
from movedesk.cli import _common
from movedesk.cli._common import RootOptions, err_console, exit_code
from movedesk.cli.demo import demo
from movedesk.cli.explain import brief, explain
from movedesk.cli.extract import eval_app, extract
from movedesk.cli.live import schedule
from movedesk.cli.markets import companies, ingest_app, move, moves
from movedesk.cli.news import news_app
from movedesk.cli.sources import doctor, sources_app
from movedesk.cli.web import run, send, serve
from movedesk.errors import MovedeskError, UnknownCommand

app = typer.Typer(
    name="movedesk",
    help="A market-move news desk: detect unusual moves, gather the news, explain, verify, publish briefs.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


@app.callback()
def _root(
    ctx: typer.Context,
    debug: Annotated[bool, typer.Option("--debug", help="Show tracebacks on errors")] = False,
    db: Annotated[str | None, typer.Option("--db", help="Store path (DuckDB file)")] = None,
) -> None:
    ctx.obj = RootOptions(debug=debug, db=db)


@app.command()
def version() -> None:
    """Print movedesk's version."""
    _common.console.print(f"movedesk {__version__}")


app.command()(demo)
app.command()(move)
app.command()(moves)
app.command()(companies)
app.command()(extract)
app.command()(explain)
app.command()(brief)
app.command()(serve)
app.command()(run)
app.command()(send)
app.command()(schedule)
app.command()(doctor)
app.add_typer(ingest_app, name="ingest")
app.add_typer(news_app, name="news")
app.add_typer(sources_app, name="sources")
app.add_typer(eval_app, name="eval")


def main(argv: list[str] | None = None) -> None:
    """Entry point: run the app, print movedesk errors as one line with their code."""
    args = sys.argv[1:] if argv is None else argv
    try:
        code = app(args=args, standalone_mode=False)
    except MovedeskError as exc:
        if "--debug" in args:
            traceback.print_exc()
        # escaped: messages and hints hold brackets ('pip install "movedesk[web]"', lists) that are not markup
        err_console.print(f"[red]error[/red] {escape(str(exc))}", highlight=False, soft_wrap=True)
        raise SystemExit(exit_code(exc)) from None
    except Exception as exc:
        # click (vendored by typer) usage errors: they know how to show themselves and their exit code
        show, status = getattr(exc, "show", None), getattr(exc, "exit_code", None)
        if not callable(show) or not isinstance(status, int):
            raise
        if "No such command" in str(exc):
            name = str(exc).split("'")[1] if "'" in str(exc) else "?"
            err = UnknownCommand(f"unknown command {name!r}")
            err_console.print(f"[red]error[/red] {escape(str(err))}", highlight=False, soft_wrap=True)
        else:
            show()
        raise SystemExit(status) from None
    if isinstance(code, int) and code:
        raise SystemExit(code)
