"""What every group of DuckDB tables shares: the connection, and registering frames for set queries."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

import duckdb
import pandas as pd

from movedesk.store.base import utc

__all__ = ["DuckDBTables", "utc"]


class DuckDBTables:
    """Base of the table groups :class:`~movedesk.store.duckdb_store.DuckDBStore` is made of; each group
    (prices, news, derived results, newsletter) is a module of its own and a Protocol in ``store.base``."""

    con: duckdb.DuckDBPyConnection
    url: str

    @contextmanager
    def transaction(self) -> Iterator[None]:
        """All-or-nothing: a failed ingest leaves the store exactly as it was."""
        self.con.execute("BEGIN TRANSACTION")
        try:
            yield
        except BaseException:
            self.con.execute("ROLLBACK")
            raise
        self.con.execute("COMMIT")

    def _register(self, name: str, frame: pd.DataFrame) -> None:
        # DuckDB refuses register() while an earlier result is unfinished (e.g. after fetchone()).
        self.con.execute("SELECT 1").fetchall()
        self.con.register(name, frame)

    def _probe(self, name: str, column: str, values: Sequence[Any]) -> None:
        self._register(name, pd.DataFrame({column: list(values)}))

