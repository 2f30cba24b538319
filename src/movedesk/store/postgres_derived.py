"""Derived results in PostgreSQL: cached extractions, published briefs and editions (JSON payloads)."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Sequence
from typing import Any

from psycopg.types.json import Json

from movedesk.store.postgres_base import PostgresTables


def _json(payload: Any) -> Json:
    return Json(payload, dumps=lambda obj: json.dumps(obj, default=str))


class PostgresDerivedTables(PostgresTables):
    def put_extraction(self, article_id: str, pipeline: str, payload: dict[str, Any]) -> None:
        self._run(
            """INSERT INTO extractions VALUES (%s, %s, %s) ON CONFLICT (article_id) DO UPDATE
               SET pipeline = excluded.pipeline, payload = excluded.payload""",
            [article_id, pipeline, _json(payload)],
        )

    def put_extractions(self, rows: Sequence[tuple[str, dict[str, Any]]], pipeline: str) -> None:
        """Many payloads through ``COPY`` and one upsert."""
        latest = {article_id: payload for article_id, payload in rows}
        if not latest:
            return
        dumps = [(aid, pipeline, json.dumps(payload, default=str)) for aid, payload in latest.items()]
        columns = (("article_id", "varchar"), ("pipeline", "varchar"), ("payload", "json"))
        with self.transaction(), self._conn() as conn:
            self._copy_temp(conn, "incoming_extractions", columns, dumps)
            conn.execute(
                """INSERT INTO extractions SELECT article_id, pipeline, payload FROM incoming_extractions
                   ON CONFLICT (article_id) DO UPDATE SET pipeline = excluded.pipeline, payload = excluded.payload"""
            )

    def extraction(self, article_id: str, pipeline: str) -> dict[str, Any] | None:
        row = self._one(
            "SELECT payload FROM extractions WHERE article_id = %s AND pipeline = %s", [article_id, pipeline]
        )
        return row[0] if row else None

    def extractions(self, article_ids: Sequence[str], pipeline: str) -> dict[str, dict[str, Any]]:
        """Cached extractions of many articles in one query: {article id: payload} for those stored."""
        ids = list(dict.fromkeys(article_ids))
        if not ids:
            return {}
        rows = self._rows(
            "SELECT article_id, payload FROM extractions WHERE pipeline = %s AND article_id = ANY(%s)",
            [pipeline, ids],
        )
        return {r[0]: r[1] for r in rows}

    def put_brief(self, slug: str, company_id: str, session: dt.date, payload: dict[str, Any]) -> None:
        self._run(
            """INSERT INTO briefs VALUES (%s, %s, %s, %s, %s) ON CONFLICT (slug) DO UPDATE
               SET company_id = excluded.company_id, session = excluded.session, created = excluded.created,
                   payload = excluded.payload""",
            [slug, company_id, session, dt.datetime.now(dt.UTC), _json(payload)],
        )

    def brief(self, slug: str) -> dict[str, Any] | None:
        row = self._one("SELECT payload FROM briefs WHERE slug = %s", [slug])
        return row[0] if row else None

    def briefs(self, *, company_id: str | None = None, limit: int = 50) -> list[dict[str, Any]]:
        sql, params = "SELECT payload FROM briefs", []
        if company_id is not None:
            sql += " WHERE company_id = %s"
            params.append(company_id)
        sql += f" ORDER BY session DESC, slug LIMIT {int(limit)}"
        return [r[0] for r in self._rows(sql, params)]

    def put_edition(self, slug: str, session: dt.date, payload: dict[str, Any]) -> None:
        self._run(
            """INSERT INTO editions VALUES (%s, %s, %s, %s) ON CONFLICT (slug) DO UPDATE
               SET session = excluded.session, created = excluded.created, payload = excluded.payload""",
            [slug, session, dt.datetime.now(dt.UTC), _json(payload)],
        )

    def edition(self, slug: str | None = None) -> dict[str, Any] | None:
        """One edition by slug, or the latest one (by session) when ``slug`` is None."""
        if slug is None:
            row = self._one("SELECT payload FROM editions ORDER BY session DESC, created DESC LIMIT 1")
        else:
            row = self._one("SELECT payload FROM editions WHERE slug = %s", [slug])
        return row[0] if row else None

    def editions(self, *, limit: int = 50, offset: int = 0) -> list[dict[str, Any]]:
        rows = self._rows(
            "SELECT slug, session, created FROM editions ORDER BY session DESC LIMIT %s OFFSET %s",
            [int(limit), int(offset)],
        )
        return [{"slug": r[0], "session": r[1], "created": r[2]} for r in rows]
