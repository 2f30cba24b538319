"""The runs log in DuckDB: one row per (market, session), the latest attempt of its scheduled job."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pandas as pd

from movedesk.store.base import RUN_DONE
from movedesk.store.duckdb_base import DuckDBTables, utc


class RunTables(DuckDBTables):
    def start_run(self, market: str, session: dt.date, started: dt.datetime) -> int:
        self.con.execute(
            """INSERT INTO runs VALUES (?, ?, ?, NULL, 'running', 1, NULL)
               ON CONFLICT (market, session) DO UPDATE SET started = excluded.started, finished = NULL,
               status = 'running', attempts = runs.attempts + 1, detail = NULL""",
            [market, session, utc(started)],
        )
        row = self.con.execute(
            "SELECT attempts FROM runs WHERE market = ? AND session = ?", [market, session]
        ).fetchone()
        return int(row[0]) if row else 1

    def finish_run(
        self, market: str, session: dt.date, finished: dt.datetime, status: str, detail: dict[str, Any] | None = None
    ) -> None:
        self.con.execute(
            "UPDATE runs SET finished = ?, status = ?, detail = ? WHERE market = ? AND session = ?",
            [utc(finished), status, json.dumps(detail or {}, default=str), market, session],
        )

    def runs(
        self, market: str | None = None, *, since: dt.date | None = None, until: dt.date | None = None
    ) -> list[dict[str, Any]]:
        sql, params = "SELECT market, session, started, finished, status, attempts, detail FROM runs WHERE true", []
        for clause, value in (("market = ?", market), ("session >= ?", since), ("session <= ?", until)):
            if value is not None:
                sql += f" AND {clause}"
                params.append(value)
        rows = self.con.execute(sql + " ORDER BY session, market", params).fetchall()
        return [
            {
                "market": r[0],
                "session": pd.Timestamp(r[1]).date(),
                "started": utc(r[2]),
                "finished": utc(r[3]) if r[3] is not None else None,
                "status": r[4],
                "attempts": int(r[5]),
                "detail": json.loads(r[6]) if r[6] else {},
            }
            for r in rows
        ]

    def done_sessions(self, market: str, since: dt.date) -> set[dt.date]:
        marks = ", ".join("?" * len(RUN_DONE))
        rows = self.con.execute(
            f"SELECT session FROM runs WHERE market = ? AND session >= ? AND status IN ({marks})",
            [market, since, *RUN_DONE],
        ).fetchall()
        return {pd.Timestamp(r[0]).date() for r in rows}
