"""Where movedesk keeps bars, articles and results: DuckDB by default (``open_store``)."""

from __future__ import annotations

from pathlib import Path

from movedesk.errors import StoreError
from movedesk.store.base import SCHEMA_VERSION, Store, UpsertReport
from movedesk.store.duckdb_store import DuckDBStore

__all__ = ["SCHEMA_VERSION", "DuckDBStore", "Store", "UpsertReport", "open_store"]


def open_store(url: str | Path, *, read_only: bool = False) -> DuckDBStore:
    """Open (creating if needed) the store at ``url``: a DuckDB file path or ``:memory:``.

    >>> store = open_store(":memory:")
    >>> store.schema_version() == SCHEMA_VERSION
    True
    """
    text = str(url)
    if text.startswith(("postgres://", "postgresql://")):
        raise StoreError(
            f"PostgreSQL stores are not available in this build: {text.split('@')[-1]}",
            hint="use a DuckDB file path for --db",
        )
    if text != ":memory:":
        parent = Path(text).expanduser().parent
        if not parent.exists():
            try:
                parent.mkdir(parents=True)
            except OSError as exc:
                raise StoreError(f"cannot create the folder {parent} for the store: {exc.strerror}") from exc
    return DuckDBStore(Path(text).expanduser() if text != ":memory:" else text, read_only=read_only)
