"""Bars in PostgreSQL: idempotent upserts through ``COPY``, reads by symbol and date range, last closes.

Unlike the DuckDB file, a PostgreSQL store has other writers (workers, the daily job), so reads are never
served from a per-process cache."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

import pandas as pd

from movedesk.errors import DataValidationError, MissingColumn
from movedesk.store.base import BAR_COLUMNS, UpsertReport
from movedesk.store.postgres_base import PostgresTables, frame_rows

_BAR_TYPES = (
    ("symbol", "varchar"), ("session", "date"), ("open", "double precision"), ("high", "double precision"),
    ("low", "double precision"), ("close", "double precision"), ("volume", "double precision"),
    ("flags", "varchar"), ("adj_ratio", "double precision"), ("action", "varchar"),
)  # fmt: skip
_NUMERIC = ("open", "high", "low", "close", "volume", "adj_ratio")


class PostgresPriceTables(PostgresTables):
    def upsert_bars(self, bars: pd.DataFrame) -> UpsertReport:
        """Insert new (symbol, session) bars and update changed ones; identical rows are left alone."""
        missing = [c for c in ("symbol", "session", "close") if c not in bars.columns]
        if missing:
            raise MissingColumn(f"bars are missing required column {missing[0]!r}")
        frame = bars.reindex(columns=list(BAR_COLUMNS)).copy()
        frame["session"] = pd.to_datetime(frame["session"]).dt.date
        if frame.duplicated(["symbol", "session"]).any():
            dup = frame[frame.duplicated(["symbol", "session"])].iloc[0]
            raise DataValidationError(f"duplicate bar for {dup['symbol']} on {dup['session']}")
        frame["adj_ratio"] = pd.to_numeric(frame["adj_ratio"], errors="coerce")
        with self.transaction(), self._conn() as conn:
            self._copy_temp(conn, "incoming_bars", _BAR_TYPES, frame_rows(frame, BAR_COLUMNS))
            new = conn.execute(
                "SELECT count(*) FROM incoming_bars i WHERE NOT EXISTS "
                "(SELECT 1 FROM bars b WHERE b.symbol = i.symbol AND b.session = i.session)"
            ).fetchone()
            changed = conn.execute(
                """SELECT count(*) FROM incoming_bars i JOIN bars b USING (symbol, session)
                   WHERE i.open IS DISTINCT FROM b.open OR i.high IS DISTINCT FROM b.high
                      OR i.low IS DISTINCT FROM b.low OR i.close IS DISTINCT FROM b.close
                      OR i.volume IS DISTINCT FROM b.volume OR i.flags IS DISTINCT FROM b.flags
                      OR i.adj_ratio IS DISTINCT FROM b.adj_ratio OR i.action IS DISTINCT FROM b.action"""
            ).fetchone()
            conn.execute(
                """INSERT INTO bars (symbol, session, open, high, low, close, volume, flags, adj_ratio, action)
                   SELECT symbol, session, open, high, low, close, volume, flags, adj_ratio, action
                   FROM incoming_bars ON CONFLICT (symbol, session) DO UPDATE SET
                   open = excluded.open, high = excluded.high, low = excluded.low,
                   close = excluded.close, volume = excluded.volume, flags = excluded.flags,
                   adj_ratio = excluded.adj_ratio, action = excluded.action"""
            )
        n_new = int(new[0]) if new else 0
        n_changed = int(changed[0]) if changed else 0
        return UpsertReport(new=n_new, updated=n_changed, unchanged=len(frame) - n_new - n_changed)

    def bars(
        self,
        symbols: Sequence[str] | None = None,
        start: dt.date | None = None,
        end: dt.date | None = None,
    ) -> pd.DataFrame:
        """Bars of ``symbols`` (all when None) between ``start`` and ``end``, ordered by symbol, session."""
        where: list[str] = []
        params: list[object] = []
        if symbols is not None:
            symbols = list(dict.fromkeys(symbols))
            if not symbols:
                return _typed(pd.DataFrame(columns=list(BAR_COLUMNS)))
            where.append("symbol = ANY(%s)")
            params.append(symbols)
        if start is not None:
            where.append("session >= %s")
            params.append(start)
        if end is not None:
            where.append("session <= %s")
            params.append(end)
        sql = f"SELECT {', '.join(BAR_COLUMNS)} FROM bars" + (" WHERE " + " AND ".join(where) if where else "")
        return _typed(self._frame(sql + " ORDER BY symbol, session", params))

    def symbols(self) -> list[str]:
        return [r[0] for r in self._rows("SELECT DISTINCT symbol FROM bars ORDER BY 1")]

    def last_sessions(self, symbols: Sequence[str] | None = None) -> dict[str, dt.date]:
        sql, params = "SELECT symbol, max(session) FROM bars", []
        if symbols is not None:
            symbols = list(dict.fromkeys(symbols))
            if not symbols:
                return {}
            sql += " WHERE symbol = ANY(%s)"
            params = [symbols]
        return {str(symbol): day for symbol, day in self._rows(sql + " GROUP BY symbol", params)}

    def last_closes(self, symbols: Sequence[str], start: dt.date, end: dt.date, *, n: int = 2) -> pd.DataFrame:
        """The last ``n`` clean closes (no flag) of each symbol in [start, end]: columns symbol, session, close,
        newest first per symbol."""
        symbols = list(dict.fromkeys(symbols))
        if not symbols:
            return pd.DataFrame(columns=["symbol", "session", "close"])
        frame = self._frame(
            """SELECT symbol, session, close FROM (
                 SELECT symbol, session, close,
                        row_number() OVER (PARTITION BY symbol ORDER BY session DESC) AS k
                 FROM bars WHERE symbol = ANY(%s) AND session BETWEEN %s AND %s AND flags IS NULL) ranked
               WHERE k <= %s ORDER BY symbol, session DESC""",
            [symbols, start, end, n],
        )
        frame["close"] = frame["close"].astype(float)
        return frame


def _typed(frame: pd.DataFrame) -> pd.DataFrame:
    """The column types DuckDB's reader gives: floats for prices, dates for sessions, text or NaN."""
    frame = frame.reindex(columns=list(BAR_COLUMNS))
    for column in _NUMERIC:
        frame[column] = frame[column].astype(float)
    for column in ("symbol", "flags", "action"):  # pandas' text dtype, NULL as NaN, as DuckDB's reader gives
        frame[column] = frame[column].astype("str" if len(frame) else object)
    return frame
