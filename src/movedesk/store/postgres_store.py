"""The shared store: PostgreSQL through a psycopg 3 connection pool, with the same numbered migrations, the
same idempotent upserts and point-in-time reads as the DuckDB file, and many writers at once.

Selected by a ``postgresql://`` URL (``--db`` or ``MOVEDESK_DB``); needs ``pip install "movedesk[postgres]"``.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from movedesk.errors import StoreBusy, StoreError
from movedesk.store.base import SCHEMA_VERSION
from movedesk.store.migrations_list import META, current_version, migrations
from movedesk.store.postgres_derived import PostgresDerivedTables
from movedesk.store.postgres_news import PostgresNewsTables
from movedesk.store.postgres_newsletter import PostgresNewsletterTables
from movedesk.store.postgres_prices import PostgresPriceTables
from movedesk.store.postgres_runs import PostgresRunTables
from movedesk.store.postgres_sources import PostgresSourceTables

log = logging.getLogger(__name__)

_META = META
#: Advisory-lock keys (pg_advisory_*(MOVEDESK, key)): migrations, and each named job (hashtext of its name).
_MOVEDESK = 0x6D6F7665  # "move"
_MIGRATION = 1


def redacted(url: str) -> str:
    """The URL without its password, for messages and logs."""
    from psycopg.conninfo import conninfo_to_dict

    try:
        parts = conninfo_to_dict(url)
    except Exception:
        return url.split("@")[-1]
    where = f"{parts.get('host', 'localhost')}:{parts.get('port', 5432)}/{parts.get('dbname', '')}"
    return f"postgresql://{parts['user']}@{where}" if parts.get("user") else f"postgresql://{where}"


class PostgresStore(
    PostgresPriceTables,
    PostgresNewsTables,
    PostgresDerivedTables,
    PostgresNewsletterTables,
    PostgresSourceTables,
    PostgresRunTables,
):
    """A movedesk store in a PostgreSQL database (its current schema): the pool, migrations, transactions
    and the job lock here; the tables by concern in ``postgres_prices``, ``postgres_news``, ``postgres_derived``,
    ``postgres_newsletter``, ``postgres_sources`` and ``postgres_runs``."""

    def __init__(self, url: str, *, read_only: bool = False, max_size: int = 8, timeout: float = 10.0) -> None:
        import psycopg  # the [postgres] extra; open_store says what to install when it is missing
        from psycopg.conninfo import conninfo_to_dict, make_conninfo
        from psycopg_pool import ConnectionPool, PoolTimeout

        self.url = redacted(url)
        self.path: Path | None = None  # a server holds the data, not a file
        self._local = threading.local()
        options = conninfo_to_dict(url).get("options") or ""
        options = f"{options} -c TimeZone=UTC" + (" -c default_transaction_read_only=on" if read_only else "")
        self._conninfo = make_conninfo(url, options=options.strip())
        try:  # one direct attempt first: a refused connection, a bad password or no such database fails
            # at once with the server's reason, instead of the pool retrying until its timeout
            psycopg.connect(self._conninfo, connect_timeout=max(1, int(timeout))).close()
        except psycopg.OperationalError as exc:
            reason = " ".join(str(exc).split())
            raise StoreError(
                f"cannot connect to the PostgreSQL store {self.url}: {reason}",
                hint="check that the server runs and the URL (host, port, user, password, database) is right",
            ) from exc
        self.pool = ConnectionPool(
            self._conninfo, min_size=1, max_size=max_size, open=False, timeout=timeout, name="movedesk"
        )
        try:
            self.pool.open(wait=True, timeout=timeout)
        except PoolTimeout as exc:
            self.pool.close()
            raise StoreError(
                f"cannot connect to the PostgreSQL store {self.url} within {timeout:g} s",
                hint="check that the server runs and the URL (host, port, user, database) is right",
            ) from exc
        try:
            self._migrate(read_only=read_only)
        except BaseException:
            self.pool.close()
            raise

    # -- lifecycle -------------------------------------------------------------------------------------
    def close(self) -> None:
        self.pool.close()

    def __enter__(self) -> PostgresStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def schema_version(self) -> int:
        row = self._one(f"SELECT value FROM {_META} WHERE key = 'schema_version'")
        return int(row[0]) if row else 0

    def _tables(self) -> set[str]:
        rows = self._rows(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema()"
        )
        return {str(r[0]) for r in rows}

    def _migrate(self, *, read_only: bool) -> None:
        with self.transaction():
            if not read_only:  # two processes opening a new database at once: one migrates, the other waits
                self._run("SELECT pg_advisory_xact_lock(%s, %s)", [_MOVEDESK, _MIGRATION])
            current = current_version(self.url, "a PostgreSQL database", self._tables(), self.schema_version,
                                      hint="give movedesk a database (or schema) of its own")  # fmt: skip
            if read_only or current == SCHEMA_VERSION:
                return
            self._run(f"CREATE TABLE IF NOT EXISTS {_META} (key VARCHAR PRIMARY KEY, value VARCHAR)")
            for number, sql in migrations():
                if number > current:
                    log.info("applying migration %04d to %s", number, self.url)
                    with self._conn() as conn:
                        conn.execute(sql.encode())  # several statements: sent as one simple query
            self._run(
                f"INSERT INTO {_META} VALUES ('schema_version', %s) "
                "ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                [str(SCHEMA_VERSION)],
            )

    @contextmanager
    def job_lock(self, name: str) -> Iterator[None]:
        """Hold the database-wide lock of job ``name`` (say ``run-hk``) for the block: a second process asking
        for it gets :class:`StoreBusy` at once. A session-level advisory lock on a connection of its own, so
        it is released even if this process dies."""
        import psycopg

        conn: Any = psycopg.connect(self._conninfo, autocommit=True)
        try:
            got = conn.execute("SELECT pg_try_advisory_lock(%s, hashtext(%s))", [_MOVEDESK, name]).fetchone()
            if not (got and got[0]):
                raise StoreBusy(f"another movedesk process is running {name!r} on {self.url}")
            yield
        finally:
            conn.close()
