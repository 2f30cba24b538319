"""`movedesk explain` (one company, one session) and `movedesk brief` (the day's edition)."""

from __future__ import annotations

import datetime as dt
import json
import sys
from pathlib import Path
from typing import Annotated

import typer

from movedesk.cli._common import console, err_console, open_desk
from movedesk.errors import UnknownCommand

FORMATS = ("md", "html", "json")


def _cutoff(text: str | None) -> dt.datetime | None:
    if text is None:
        return None
    try:
        stamp = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError as exc:
        raise UnknownCommand(
            f"cannot read --cutoff {text!r}", hint="use ISO time, e.g. 2024-12-23T08:00:00Z"
        ) from exc
    return stamp if stamp.tzinfo else stamp.replace(tzinfo=dt.UTC)


def explain(
    ctx: typer.Context,
    company: Annotated[str, typer.Argument(help="Symbol or company name, e.g. SMIC, 0981.HK, 中芯国际")],
    date: Annotated[dt.datetime, typer.Option("--date", help="Session date", formats=["%Y-%m-%d"])],
    cutoff: Annotated[
        str | None, typer.Option("--cutoff", help="Use only news published up to this UTC time (ISO)")
    ] = None,
    fmt: Annotated[str, typer.Option("--format", help="md, html or json")] = "md",
    out: Annotated[Path | None, typer.Option("--out", help="Also write all formats and the chart here")] = None,
) -> None:
    """Explain a company's move on a session: drivers with citations, analysts, checked numbers."""
    from movedesk.publish.brief import brief_json
    from movedesk.publish.writer import build_brief, html_page, write_brief_files

    if fmt not in FORMATS:
        raise UnknownCommand(f"unknown format {fmt!r}; choose one of {', '.join(FORMATS)}")
    with open_desk(ctx) as desk:
        expl = desk.explain(company, date.date(), cutoff=_cutoff(cutoff))
        if out is not None:
            brief, paths = write_brief_files(desk, expl, out)
            for path in paths.values():
                err_console.print(f"wrote {path}", highlight=False)
        else:
            brief = build_brief(desk, expl)[0]
    if fmt == "md":
        sys.stdout.write(brief.markdown)
    elif fmt == "html":
        sys.stdout.write(html_page(brief))
    else:
        sys.stdout.write(json.dumps(brief_json(brief), ensure_ascii=False, indent=2) + "\n")


def brief(
    ctx: typer.Context,
    date: Annotated[dt.datetime, typer.Option("--date", help="Session date", formats=["%Y-%m-%d"])],
    universe: Annotated[str | None, typer.Option("--universe", help="Universe to scan (default: all)")] = None,
    top: Annotated[int, typer.Option("--top", help="How many movers")] = 5,
    min_z: Annotated[float | None, typer.Option("--min-z", help="Minimum |z| (default: settings)")] = None,
    out: Annotated[Path, typer.Option("--out", help="Folder for the edition files")] = Path("movedesk-edition"),
) -> None:
    """The day's edition: top abnormal movers with their explanations, in one document."""
    from movedesk.publish.edition import write_edition

    with open_desk(ctx) as desk:
        paths = write_edition(desk, date.date(), out, universe=universe, top=top, min_z=min_z)
    for path in paths.values():
        console.print(f"wrote {path}", highlight=False)
