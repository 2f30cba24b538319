"""Derived results in DuckDB: cached extractions, published briefs and editions."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Sequence
from typing import Any

import pandas as pd

from movedesk.store.duckdb_base import DuckDBTables, utc


class DerivedTables(DuckDBTables):
    def put_extraction(self, article_id: str, pipeline: str, payload: dict[str, Any]) -> None:
        self.con.execute(
            "INSERT OR REPLACE INTO extractions VALUES (?, ?, ?)", [article_id, pipeline, json.dumps(payload)]
        )

    def put_extractions(self, rows: Sequence[tuple[str, dict[str, Any]]], pipeline: str) -> None:
        """Many payloads in one statement: about 0.1 ms a row against 2 ms for one ``put_extraction`` each."""
        latest = {article_id: payload for article_id, payload in rows}
        if not latest:
            return
        frame = pd.DataFrame(
            [(aid, pipeline, json.dumps(payload)) for aid, payload in latest.items()],
            columns=["article_id", "pipeline", "payload"],
        )
        with self.transaction():
            self._register("incoming_extractions", frame)
            try:
                self.con.execute(
                    "INSERT OR REPLACE INTO extractions SELECT article_id, pipeline, payload FROM incoming_extractions"
                )
            finally:
                self.con.unregister("incoming_extractions")

    def extraction(self, article_id: str, pipeline: str) -> dict[str, Any] | None:
        row = self.con.execute(
            "SELECT payload FROM extractions WHERE article_id = ? AND pipeline = ?", [article_id, pipeline]
        ).fetchone()
        return json.loads(row[0]) if row else None

    def extractions(self, article_ids: Sequence[str], pipeline: str) -> dict[str, dict[str, Any]]:
        """Cached extractions of many articles in one query: {article id: payload} for those stored."""
        ids = list(dict.fromkeys(article_ids))
        if not ids:
            return {}
        marks = ", ".join("?" * len(ids))
        rows = self.con.execute(
            f"SELECT article_id, payload FROM extractions WHERE pipeline = ? AND article_id IN ({marks})",
            [pipeline, *ids],
        ).fetchall()
        return {r[0]: json.loads(r[1]) for r in rows}

    def put_brief(self, slug: str, company_id: str, session: dt.date, payload: dict[str, Any]) -> None:
        self.con.execute(
            "INSERT OR REPLACE INTO briefs VALUES (?, ?, ?, ?, ?)",
            [slug, company_id, session, dt.datetime.now(dt.UTC), json.dumps(payload)],
        )

    def brief(self, slug: str) -> dict[str, Any] | None:
        row = self.con.execute("SELECT payload FROM briefs WHERE slug = ?", [slug]).fetchone()
        return json.loads(row[0]) if row else None

    def briefs(self, *, company_id: str | None = None, limit: int = 50) -> list[dict[str, Any]]:
        sql, params = "SELECT payload FROM briefs", []
        if company_id is not None:
            sql += " WHERE company_id = ?"
            params.append(company_id)
        sql += f" ORDER BY session DESC, slug LIMIT {int(limit)}"
        return [json.loads(r[0]) for r in self.con.execute(sql, params).fetchall()]

    def put_edition(self, slug: str, session: dt.date, payload: dict[str, Any]) -> None:
        self.con.execute(
            "INSERT OR REPLACE INTO editions VALUES (?, ?, ?, ?)",
            [slug, session, dt.datetime.now(dt.UTC), json.dumps(payload, default=str)],
        )

    def edition(self, slug: str | None = None) -> dict[str, Any] | None:
        """One edition by slug, or the latest one (by session) when ``slug`` is None."""
        if slug is None:
            row = self.con.execute(
                "SELECT payload FROM editions ORDER BY session DESC, created DESC LIMIT 1"
            ).fetchone()
        else:
            row = self.con.execute("SELECT payload FROM editions WHERE slug = ?", [slug]).fetchone()
        return json.loads(row[0]) if row else None

    def editions(self, *, limit: int = 50, offset: int = 0) -> list[dict[str, Any]]:
        rows = self.con.execute(
            "SELECT slug, session, created FROM editions ORDER BY session DESC LIMIT ? OFFSET ?",
            [int(limit), int(offset)],
        ).fetchall()
        return [{"slug": r[0], "session": r[1], "created": utc(r[2])} for r in rows]
