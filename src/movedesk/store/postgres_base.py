"""What every group of PostgreSQL tables shares: the connection pool, the transaction of this thread, and
``COPY`` into a temporary table for set operations (PostgreSQL's answer to DuckDB's registered frames)."""

from __future__ import annotations

import math
import threading
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

import pandas as pd

if TYPE_CHECKING:
    import psycopg
    from psycopg_pool import ConnectionPool


class PostgresTables:
    """Base of the table groups :class:`~movedesk.store.postgres_store.PostgresStore` is made of; one module per
    concern, each a Protocol in ``store.base`` (as the DuckDB groups are).

    Each call takes a connection from the pool and commits when done, unless the thread is inside
    :meth:`transaction`, whose one connection every call of the block then uses."""

    pool: ConnectionPool
    url: str
    _local: threading.local

    @contextmanager
    def transaction(self) -> Iterator[None]:
        """All-or-nothing on one connection; a nested block is a savepoint."""
        held = getattr(self._local, "conn", None)
        if held is not None:
            with held.transaction():
                yield
            return
        with self.pool.connection() as conn:
            self._local.conn = conn
            try:
                with conn.transaction():
                    yield
            finally:
                self._local.conn = None

    @contextmanager
    def _conn(self) -> Iterator[psycopg.Connection[Any]]:
        held = getattr(self._local, "conn", None)
        if held is not None:
            yield held
            return
        with self.pool.connection() as conn:  # commits at the end of the block, rolls back on an error
            yield conn

    def _rows(self, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        with self._conn() as conn:
            cur = conn.execute(sql, params)
            return cur.fetchall() if cur.description else []

    def _one(self, sql: str, params: Sequence[Any] = ()) -> tuple[Any, ...] | None:
        rows = self._rows(sql, params)
        return rows[0] if rows else None

    def _run(self, sql: str, params: Sequence[Any] = ()) -> int:
        """Execute a statement; returns the number of rows it touched."""
        with self._conn() as conn:
            return conn.execute(sql, params).rowcount

    def _frame(self, sql: str, params: Sequence[Any] = ()) -> pd.DataFrame:
        with self._conn() as conn:
            cur = conn.execute(sql, params)
            names = [d.name for d in cur.description or ()]
            return pd.DataFrame(cur.fetchall(), columns=names)

    def _copy_temp(
        self,
        conn: psycopg.Connection[Any],
        name: str,
        columns: Sequence[tuple[str, str]],
        rows: Iterable[Sequence[Any]],
    ) -> None:
        """A temporary table ``name`` (dropped at commit) filled by ``COPY`` with ``rows``."""
        conn.execute(f"DROP TABLE IF EXISTS {name}")
        conn.execute(f"CREATE TEMP TABLE {name} ({', '.join(f'{c} {t}' for c, t in columns)}) ON COMMIT DROP")
        with conn.cursor().copy(f"COPY {name} ({', '.join(c for c, _ in columns)}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)


def plain(value: Any) -> Any:
    """A frame's cell as the Python value psycopg adapts: NaN and NaT are NULL, numpy scalars plain."""
    if value is None or value is pd.NaT:
        return None
    if isinstance(value, float) and math.isnan(value):
        return None
    if hasattr(value, "item") and not isinstance(value, (str, bytes)):
        return value.item()
    return value


def frame_rows(frame: pd.DataFrame, columns: Sequence[str]) -> Iterator[list[Any]]:
    for row in frame[list(columns)].itertuples(index=False, name=None):
        yield [plain(v) for v in row]
