"""The runs log in PostgreSQL: one row per (market, session), the latest attempt of its scheduled job."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from psycopg.types.json import Json

from movedesk.store.base import RUN_DONE, utc
from movedesk.store.postgres_base import PostgresTables


class PostgresRunTables(PostgresTables):
    def start_run(self, market: str, session: dt.date, started: dt.datetime) -> int:
        row = self._one(
            """INSERT INTO runs VALUES (%s, %s, %s, NULL, 'running', 1, NULL)
               ON CONFLICT (market, session) DO UPDATE SET started = excluded.started, finished = NULL,
               status = 'running', attempts = runs.attempts + 1, detail = NULL
               RETURNING attempts""",
            [market, session, utc(started)],
        )
        return int(row[0]) if row else 1

    def finish_run(
        self, market: str, session: dt.date, finished: dt.datetime, status: str, detail: dict[str, Any] | None = None
    ) -> None:
        self._run(
            "UPDATE runs SET finished = %s, status = %s, detail = %s WHERE market = %s AND session = %s",
            [utc(finished), status, Json(detail or {}, dumps=lambda o: json.dumps(o, default=str)), market, session],
        )

    def runs(
        self, market: str | None = None, *, since: dt.date | None = None, until: dt.date | None = None
    ) -> list[dict[str, Any]]:
        sql, params = "SELECT market, session, started, finished, status, attempts, detail FROM runs WHERE true", []
        for clause, value in (("market = %s", market), ("session >= %s", since), ("session <= %s", until)):
            if value is not None:
                sql += f" AND {clause}"
                params.append(value)
        return [
            {
                "market": r[0],
                "session": r[1],
                "started": utc(r[2]),
                "finished": utc(r[3]) if r[3] is not None else None,
                "status": r[4],
                "attempts": int(r[5]),
                "detail": r[6] or {},
            }
            for r in self._rows(sql + " ORDER BY session, market", params)
        ]

    def done_sessions(self, market: str, since: dt.date) -> set[dt.date]:
        rows = self._rows(
            "SELECT session FROM runs WHERE market = %s AND session >= %s AND status = ANY(%s)",
            [market, since, list(RUN_DONE)],
        )
        return {r[0] for r in rows}
