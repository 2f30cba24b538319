"""`movedesk demo`: the SMIC brief from shipped data, offline."""

from __future__ import annotations

import re
import shlex
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from movedesk.cli._common import JsonOption, console, print_json, root_options


def demo(
    ctx: typer.Context,
    out: Annotated[Path, typer.Option("--out", help="Folder for the brief files")] = Path("movedesk-demo"),
    db: Annotated[
        str | None, typer.Option("--db", help="Store for the demo (default: the top-level --db, else OUT/demo.duckdb)")
    ] = None,
    as_json: bool = JsonOption,
) -> None:
    """Build the SMIC 2024-12-23 brief from shipped bars and news (no network needed) and publish it, with
    its edition, in a store that `movedesk serve` then shows."""
    from movedesk.demo import run_demo

    result = run_demo(out, db=db or root_options(ctx).db)
    if as_json:
        print_json(
            {
                "headline": result.headline,
                "files": {k: str(v) for k, v in result.paths.items()},
                "moves": [m.to_json_dict() for m in result.moves],
                "verdict": result.explanation.verdict,
                "db": result.db,
                "edition": result.edition,
                "briefs": result.edition_briefs,
            }
        )
        return
    console.print(f"[bold]{result.headline}[/bold]")
    console.print(re.sub(r"\[\^\d+\]", "", result.lede), highlight=False)
    table = Table("listing", "session", "close", "change", "intraday high", "prev session", "4 sessions")
    for m in result.moves:
        table.add_row(
            m.symbol,
            str(m.session),
            f"{m.close:g}",
            f"{m.close_pct:+.2f}%" if m.close_pct is not None else "n/a",
            f"{m.high_pct:+.2f}%" if m.high_pct is not None else "n/a",
            f"{m.prev_pct:+.2f}%" if m.prev_pct is not None else "n/a",
            f"{m.cum_pct[4]:+.2f}%" if 4 in m.cum_pct else "n/a",
        )
    console.print(table)
    console.print(f"verdict: {result.explanation.verdict} · drivers: "
                  + (", ".join(d.label for d in result.explanation.drivers) or "none"))
    for path in result.paths.values():
        console.print(f"wrote {path}", highlight=False)
    console.print(f"published {result.edition} with {', '.join(result.edition_briefs)} in {result.db}", highlight=False)
    console.print(f"read it in your browser: movedesk --db {shlex.quote(result.db)} serve", highlight=False)
