"""``movedesk extract`` (one JSON line per article) and ``movedesk eval extract`` (scores per component)."""

from __future__ import annotations

import datetime as dt
import json
import sys
from typing import Annotated

import typer

from movedesk.cli._common import console, print_json
from movedesk.errors import ConfigError

eval_app = typer.Typer(help="Evaluate movedesk's layers on labelled dev sets", no_args_is_help=True)


def extract(
    files: Annotated[
        list[str], typer.Argument(help="News files (front matter or plain text), folders, or - for stdin")
    ],
    component: Annotated[
        list[str] | None, typer.Option("--component", "-c", help="Run only these components (and what they need)")
    ] = None,
    published: Annotated[
        str | None,
        typer.Option("--published", help="Publish time (ISO 8601; a bare date means the time is unknown)"),
    ] = None,
) -> None:
    """Extract companies, price and metric claims, analyst views, drivers and sentiment: one JSON line per article."""
    from movedesk.extract.pipeline import run
    from movedesk.extract.reader import read_articles

    when = None
    if published:
        from movedesk.errors import ConfigError

        try:
            when = dt.datetime.fromisoformat(published.replace("Z", "+00:00"))
        except ValueError as exc:
            raise ConfigError(f"--published {published!r} is not an ISO 8601 time") from exc
        if when.tzinfo is None:
            when = when.replace(tzinfo=dt.UTC)
    inferred = published is not None and len(published.strip()) <= 10  # a date without a time of day
    stdin_text = sys.stdin.read() if "-" in files else None
    for target in files:
        for article in read_articles(target, stdin_text=stdin_text, published=when, inferred=inferred):
            doc = run(article, components=component or None)
            payload = doc.to_extraction().to_json_dict()
            payload["title"] = article.title
            payload["published"] = article.published.isoformat()
            payload["language"] = doc.lang
            payload["tokens"] = doc.tokens  # (start, end) pairs; not part of the stored Extraction
            sys.stdout.write(json.dumps(payload, ensure_ascii=False, default=str) + "\n")


@eval_app.command("extract")
def eval_extract(
    component: Annotated[
        str | None, typer.Option("--component", "-c", help="Evaluate one component (default: all)")
    ] = None,
    sample: Annotated[
        int | None, typer.Option("--sample", help="Evaluate on a fixed sample of N items per set")
    ] = None,
    shared: Annotated[str | None, typer.Option("--shared", help="Path of the shared data folder")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print machine-readable JSON")] = False,
) -> None:
    """Precision / recall / F1 per extraction component (accuracy for sentiment) on the dev sets."""
    from movedesk.eval.extract import evaluate, render_table

    results = evaluate(component=component, sample=sample, shared=shared)
    if as_json:
        print_json([r.as_dict() for r in results])
    else:
        console.print(render_table(results))


@eval_app.command("explain")
def eval_explain(
    which: Annotated[
        str,
        typer.Option("--set", help="read: reasons labelled by reading (default); keyword: the old keyword-built set"),
    ] = "read",
    sample: Annotated[
        int | None, typer.Option("--sample", help="Evaluate a fixed sample of N cases (default: all)")
    ] = None,
    seed: Annotated[int, typer.Option("--seed", help="Seed of the sample")] = 0,
    shared: Annotated[str | None, typer.Option("--shared", help="Path of the shared data folder")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print machine-readable JSON")] = False,
    cases: Annotated[bool, typer.Option("--cases", help="With --json: include every case's result")] = False,
) -> None:
    """Top-1 accuracy of explain's drivers against the reasons Reuters gave for S&P 500 moves, beside the
    always-earnings baseline."""
    if which == "read":
        from movedesk.eval.explain_read import evaluate_read, render_read

        read = evaluate_read(sample=sample, seed=seed, shared=shared)
        if as_json:
            print_json(read.as_dict(with_cases=cases))
        else:
            console.print(render_read(read))
        return
    if which != "keyword":
        raise ConfigError(f"--set {which!r}: use read or keyword")
    from movedesk.eval.explain_eval import evaluate, render_table

    report = evaluate(sample=sample, seed=seed, shared=shared)
    if as_json:
        print_json(report.as_dict(with_cases=cases))
    else:
        console.print(render_table(report))
