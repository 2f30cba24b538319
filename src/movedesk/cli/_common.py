"""Shared CLI plumbing: the store option, JSON output, and error → exit code mapping."""

from __future__ import annotations

import json
import sys
from typing import Any

import typer
from rich.console import Console

from movedesk.config import Settings
from movedesk.errors import MovedeskError, ProviderError

console = Console()
err_console = Console(stderr=True)

DbOption = typer.Option(None, "--db", help="Store path (DuckDB file); default MOVEDESK_DB or the user data dir")
JsonOption = typer.Option(False, "--json", help="Print machine-readable JSON on stdout")


class State:
    """Options of the top-level command, visible to every verb."""

    debug: bool = False
    db: str | None = None


state = State()


def settings(db: str | None = None) -> Settings:
    chosen = db or state.db
    return Settings(db=chosen) if chosen else Settings()


def print_json(payload: Any) -> None:
    sys.stdout.write(json.dumps(payload, ensure_ascii=False, indent=2, default=str) + "\n")


def exit_code(exc: MovedeskError) -> int:
    return 3 if isinstance(exc, ProviderError) else 1
