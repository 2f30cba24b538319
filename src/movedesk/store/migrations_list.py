"""The numbered migrations shipped in ``store/migrations``: plain SQL that both DuckDB and PostgreSQL run."""

from __future__ import annotations

from collections.abc import Callable
from importlib import resources

from movedesk.errors import StoreCorrupt, StoreTooNew
from movedesk.store.base import SCHEMA_VERSION

#: the table holding the store's schema version (and nothing of anyone else's)
META = "movedesk_meta"


def migrations() -> list[tuple[int, str]]:
    """Numbered SQL files as (number, sql), in order."""
    folder = resources.files("movedesk.store") / "migrations"
    out = []
    for item in folder.iterdir():
        name = item.name
        if name.endswith(".sql") and name[:4].isdigit():
            out.append((int(name[:4]), item.read_text(encoding="utf-8")))
    return sorted(out)


def current_version(
    url: str, what: str, tables: set[str], read_version: Callable[[], int], hint: str | None = None
) -> int:
    """The schema version of the store at ``url`` whose tables are ``tables`` (0 for an empty one), refusing
    somebody else's database (``what``: "a DuckDB file") and a store a newer movedesk wrote."""
    if tables and META not in tables:  # refuse rather than write our tables into it
        raise StoreCorrupt(f"{url} is {what} but not a movedesk store (it has tables {sorted(tables)[:5]})", hint=hint)
    current = read_version() if META in tables else 0
    if current > SCHEMA_VERSION:
        raise StoreTooNew(f"{url} has schema version {current}; this movedesk understands up to {SCHEMA_VERSION}")
    return current
