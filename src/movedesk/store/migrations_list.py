"""The numbered migrations shipped in ``store/migrations``: plain SQL that both DuckDB and PostgreSQL run."""

from __future__ import annotations

from importlib import resources


def migrations() -> list[tuple[int, str]]:
    """Numbered SQL files as (number, sql), in order."""
    folder = resources.files("movedesk.store") / "migrations"
    out = []
    for item in folder.iterdir():
        name = item.name
        if name.endswith(".sql") and name[:4].isdigit():
            out.append((int(name[:4]), item.read_text(encoding="utf-8")))
    return sorted(out)
