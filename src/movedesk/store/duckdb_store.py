"""The default store: one embedded DuckDB file, numbered migrations, idempotent upserts."""

from __future__ import annotations

import fcntl
import logging
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import duckdb

from movedesk.errors import StoreBusy, StoreCorrupt, StoreError
from movedesk.store.base import SCHEMA_VERSION
from movedesk.store.duckdb_derived import DerivedTables
from movedesk.store.duckdb_news import NewsTables
from movedesk.store.duckdb_newsletter import NewsletterTables
from movedesk.store.duckdb_prices import PriceTables
from movedesk.store.duckdb_runs import RunTables
from movedesk.store.duckdb_sources import SourceTables
from movedesk.store.migrations_list import META, current_version, migrations

log = logging.getLogger(__name__)

_META = META


class DuckDBStore(PriceTables, NewsTables, DerivedTables, NewsletterTables, SourceTables, RunTables):
    """A movedesk store in one DuckDB file (or ``:memory:``): the connection, its migrations and
    transactions here; the tables by concern in ``duckdb_prices``, ``duckdb_news``, ``duckdb_derived``,
    ``duckdb_newsletter``, ``duckdb_sources`` and ``duckdb_runs``."""

    def __init__(self, path: str | Path, *, read_only: bool = False) -> None:
        self.url = str(path)
        self.path = Path(path) if str(path) != ":memory:" else None
        if self.path is not None and self.path.exists():
            _check_is_duckdb(self.path)
        try:
            self.con = duckdb.connect(self.url, read_only=read_only)
        except duckdb.Error as exc:
            if "lock" in str(exc).lower():
                # another process holds the file (a running `movedesk run` or `serve`): not corruption
                raise StoreBusy(f"the store {self.url} is locked by another movedesk process") from exc
            raise StoreCorrupt(f"cannot open {self.url} as a DuckDB store: {_first_line(exc)}") from exc
        self.con.execute("SET TimeZone = 'UTC'")
        self._migrate(read_only=read_only)

    # -- lifecycle -------------------------------------------------------------------------------------
    def close(self) -> None:
        self.con.close()

    def __enter__(self) -> DuckDBStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def schema_version(self) -> int:
        row = self.con.execute(f"SELECT value FROM {_META} WHERE key = 'schema_version'").fetchone()
        return int(row[0]) if row else 0

    def _migrate(self, *, read_only: bool) -> None:
        tables = {r[0] for r in self.con.execute("SELECT table_name FROM information_schema.tables").fetchall()}
        current = current_version(self.url, "a DuckDB file", tables, self.schema_version)
        if read_only or current == SCHEMA_VERSION:
            return
        with self.transaction():
            self.con.execute(f"CREATE TABLE IF NOT EXISTS {_META} (key VARCHAR PRIMARY KEY, value VARCHAR)")
            for number, sql in migrations():
                if number > current:
                    log.info("applying migration %04d to %s", number, self.url)
                    self.con.execute(sql)
            self.con.execute(
                f"INSERT OR REPLACE INTO {_META} VALUES ('schema_version', ?)", [str(SCHEMA_VERSION)]
            )


    @contextmanager
    def job_lock(self, name: str) -> Iterator[None]:
        """Hold the lock of job ``name`` (say ``run-hk``) for the block: a second process asking for it gets
        :class:`StoreBusy` at once. An flock on a file beside the store, released if this process dies."""
        if self.path is None:
            yield  # an in-memory store has no other process
            return
        lock_path = self.path.with_name(f"{self.path.name}.{name}.lock")
        fd = os.open(lock_path, os.O_CREAT | os.O_RDWR, 0o644)
        try:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError as exc:
                raise StoreBusy(f"another movedesk process is running {name!r} on {self.url}") from exc
            yield
        finally:
            os.close(fd)


def _check_is_duckdb(path: Path) -> None:
    """Refuse a file that is not DuckDB before duckdb.connect can touch it."""
    if path.is_dir():
        raise StoreError(f"{path} is a folder, not a store file")
    size = path.stat().st_size
    if size == 0:
        return
    with path.open("rb") as fh:
        head = fh.read(16)
    # DuckDB files carry the magic "DUCK" at byte 8.
    if len(head) < 12 or head[8:12] != b"DUCK":
        raise StoreCorrupt(f"{path} is not a DuckDB file (it is {size} bytes of something else)")


def _first_line(exc: BaseException) -> str:
    return str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
