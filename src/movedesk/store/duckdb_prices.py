"""Bars in DuckDB: idempotent upserts, point-in-time reads with a per-symbol cache, last closes."""

from __future__ import annotations

import datetime as dt
from collections import OrderedDict
from collections.abc import Sequence

import pandas as pd

from movedesk.errors import DataValidationError, MissingColumn
from movedesk.store.base import BAR_COLUMNS, UpsertReport
from movedesk.store.duckdb_base import DuckDBTables

#: bars() of at most this many symbols is served from the per-symbol cache, which keeps this many series
_CACHED_READ_MAX = 8
_BAR_CACHE_SYMBOLS = 64


class PriceTables(DuckDBTables):
    def upsert_bars(self, bars: pd.DataFrame) -> UpsertReport:
        """Insert new (symbol, session) bars and update changed ones; identical rows are left alone."""
        self.__dict__.pop("_bar_cache", None)  # every write of bars passes here
        missing = [c for c in ("symbol", "session", "close") if c not in bars.columns]
        if missing:
            raise MissingColumn(f"bars are missing required column {missing[0]!r}")
        frame = bars.reindex(columns=list(BAR_COLUMNS)).copy()
        frame["session"] = pd.to_datetime(frame["session"]).dt.date
        if frame.duplicated(["symbol", "session"]).any():
            dup = frame[frame.duplicated(["symbol", "session"])].iloc[0]
            raise DataValidationError(f"duplicate bar for {dup['symbol']} on {dup['session']}")
        for text in ("flags", "action"):
            frame[text] = frame[text].astype(object).where(frame[text].notna(), None)
        frame["adj_ratio"] = pd.to_numeric(frame["adj_ratio"], errors="coerce")
        with self.transaction():
            self._register("incoming", frame)
            try:
                new = self.con.execute(
                    "SELECT count(*) FROM incoming i ANTI JOIN bars b USING (symbol, session)"
                ).fetchone()
                changed = self.con.execute(
                    """SELECT count(*) FROM incoming i JOIN bars b USING (symbol, session)
                       WHERE i.open IS DISTINCT FROM b.open OR i.high IS DISTINCT FROM b.high
                          OR i.low IS DISTINCT FROM b.low OR i.close IS DISTINCT FROM b.close
                          OR i.volume IS DISTINCT FROM b.volume OR i.flags IS DISTINCT FROM b.flags
                          OR i.adj_ratio IS DISTINCT FROM b.adj_ratio OR i.action IS DISTINCT FROM b.action"""
                ).fetchone()
                self.con.execute(
                    """INSERT INTO bars (symbol, session, open, high, low, close, volume, flags, adj_ratio, action)
                       SELECT symbol, session, open, high, low, close, volume, flags, adj_ratio, action
                       FROM incoming ON CONFLICT (symbol, session) DO UPDATE SET
                       open = excluded.open, high = excluded.high, low = excluded.low,
                       close = excluded.close, volume = excluded.volume, flags = excluded.flags,
                       adj_ratio = excluded.adj_ratio, action = excluded.action"""
                )
            finally:
                self.con.unregister("incoming")
        n_new = int(new[0]) if new else 0
        n_changed = int(changed[0]) if changed else 0
        return UpsertReport(new=n_new, updated=n_changed, unchanged=len(frame) - n_new - n_changed)

    def bars(
        self,
        symbols: Sequence[str] | None = None,
        start: dt.date | None = None,
        end: dt.date | None = None,
    ) -> pd.DataFrame:
        """Bars of ``symbols`` (all when None) between ``start`` and ``end``, ordered by symbol, session.

        Reads of a few symbols are served from a per-connection cache of each symbol's whole series
        (this process is the only writer of the file, and every write goes through ``upsert_bars``, which
        clears it): a warm store answers a descriptor query without a round trip to DuckDB."""
        if symbols is not None and 0 < len(set(symbols)) <= _CACHED_READ_MAX:
            return self._cached_bars(list(dict.fromkeys(symbols)), start, end)
        where: list[str] = []
        params: list[object] = []
        if symbols is not None:
            symbols = list(dict.fromkeys(symbols))
            if not symbols:
                return pd.DataFrame(columns=list(BAR_COLUMNS))
            # an IN list of constants lets DuckDB skip row groups by their min/max symbol
            where.append(f"symbol IN ({', '.join('?' * len(symbols))})")
            params.extend(symbols)
        if start is not None:
            where.append("session >= ?")
            params.append(start)
        if end is not None:
            where.append("session <= ?")
            params.append(end)
        sql = "SELECT * FROM bars" + (" WHERE " + " AND ".join(where) if where else "")
        frame = self.con.execute(sql + " ORDER BY symbol, session", params).df()
        frame["session"] = pd.to_datetime(frame["session"]).dt.date
        return frame

    def _cached_bars(self, symbols: list[str], start: dt.date | None, end: dt.date | None) -> pd.DataFrame:
        cache = self.__dict__.setdefault("_bar_cache", OrderedDict())
        parts = []
        for symbol in symbols:
            series = cache.get(symbol)
            if series is None:
                series = self.con.execute(
                    "SELECT * FROM bars WHERE symbol = ? ORDER BY session", [symbol]
                ).df()
                series["session"] = pd.to_datetime(series["session"]).dt.date
                cache[symbol] = series
                while len(cache) > _BAR_CACHE_SYMBOLS:
                    cache.popitem(last=False)
            cache.move_to_end(symbol)
            days = series["session"]
            lo = 0 if start is None else int(days.searchsorted(start, side="left"))
            hi = len(series) if end is None else int(days.searchsorted(end, side="right"))
            parts.append(series.iloc[lo:hi])
        # sorted by symbol like the SQL path; a copy, so callers may change their frame freely
        found = sorted((p for p in parts if len(p)), key=lambda p: str(p["symbol"].iloc[0]))
        if not found:
            return parts[0].copy()
        return found[0].reset_index(drop=True) if len(found) == 1 else pd.concat(found, ignore_index=True)

    def symbols(self) -> list[str]:
        return [r[0] for r in self.con.execute("SELECT DISTINCT symbol FROM bars ORDER BY 1").fetchall()]

    def last_sessions(self, symbols: Sequence[str] | None = None) -> dict[str, dt.date]:
        sql, params = "SELECT symbol, max(session) FROM bars", []
        if symbols is not None:
            symbols = list(dict.fromkeys(symbols))
            if not symbols:
                return {}
            sql += f" WHERE symbol IN ({', '.join('?' * len(symbols))})"
            params = symbols
        rows = self.con.execute(sql + " GROUP BY symbol", params).fetchall()
        return {str(symbol): pd.Timestamp(day).date() for symbol, day in rows}

    def last_closes(self, symbols: Sequence[str], start: dt.date, end: dt.date, *, n: int = 2) -> pd.DataFrame:
        """The last ``n`` clean closes (no flag) of each symbol in [start, end]: columns symbol, session, close,
        newest first per symbol. One aggregate query instead of every bar of every symbol."""
        symbols = list(dict.fromkeys(symbols))
        if not symbols:
            return pd.DataFrame(columns=["symbol", "session", "close"])
        frame = self.con.execute(
            f"""SELECT symbol, session, close FROM bars
                WHERE symbol IN ({', '.join('?' * len(symbols))}) AND session BETWEEN ? AND ? AND flags IS NULL
                QUALIFY row_number() OVER (PARTITION BY symbol ORDER BY session DESC) <= ?
                ORDER BY symbol, session DESC""",
            [*symbols, start, end, n],
        ).df()
        frame["session"] = pd.to_datetime(frame["session"]).dt.date
        return frame
