"""Where movedesk keeps bars, articles and results: a DuckDB file by default, PostgreSQL for a shared
store (``open_store``)."""

from __future__ import annotations

from pathlib import Path

from movedesk.config import is_server_url
from movedesk.errors import StoreError
from movedesk.store.base import SCHEMA_VERSION, Store, UpsertReport
from movedesk.store.duckdb_store import DuckDBStore

__all__ = ["SCHEMA_VERSION", "DuckDBStore", "Store", "UpsertReport", "is_server_url", "open_store"]


def open_store(url: str | Path, *, read_only: bool = False) -> Store:
    """Open (creating or migrating if needed) the store at ``url``: a DuckDB file path, ``:memory:``, or a
    ``postgresql://user@host:port/database`` URL (``pip install "movedesk[postgres]"``).

    >>> store = open_store(":memory:")
    >>> store.schema_version() == SCHEMA_VERSION
    True
    """
    text = str(url)
    if is_server_url(text):
        try:
            from movedesk.store.postgres_store import PostgresStore
        except ImportError as exc:
            raise StoreError(
                f"PostgreSQL stores need psycopg 3 and its pool ({exc.name} is missing)",
                hint='pip install "movedesk[postgres]"',
            ) from exc
        return PostgresStore(text, read_only=read_only)
    if text != ":memory:":
        parent = Path(text).expanduser().parent
        if not parent.exists():
            try:
                parent.mkdir(parents=True)
            except OSError as exc:
                raise StoreError(f"cannot create the folder {parent} for the store: {exc.strerror}") from exc
    return DuckDBStore(Path(text).expanduser() if text != ":memory:" else text, read_only=read_only)
