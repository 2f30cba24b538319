"""The desk's news sources in PostgreSQL: the list (with removals that stick), polling state, article events."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from typing import Any

from movedesk.store.postgres_base import PostgresTables
from movedesk.store.rows import POLL_COLUMNS, SOURCE_COLUMNS, poll_from_row

_SOURCE_COLUMNS = SOURCE_COLUMNS


class PostgresSourceTables(PostgresTables):
    def source_rows(self, *, include_removed: bool = False) -> list[dict[str, Any]]:
        """The desk's sources as rows (``removed`` included), by name."""
        where = "" if include_removed else " WHERE NOT removed"
        cols = (*_SOURCE_COLUMNS, "removed")
        rows = self._rows(f"SELECT {', '.join(cols)} FROM news_sources{where} ORDER BY name")
        return [dict(zip(cols, r, strict=True)) for r in rows]

    def seed_sources(self, rows: Sequence[Mapping[str, Any]]) -> int:
        """Insert the rows whose names the desk has never had (removed ones included); returns how many."""
        if not rows:
            return 0
        seeded = 0
        with self.transaction():
            for row in rows:
                seeded += self._write_source(row, replace=False)
        return seeded

    def put_source(self, row: Mapping[str, Any]) -> None:
        """Add or replace a source (a removed one comes back)."""
        self._write_source(row, replace=True)

    def _write_source(self, row: Mapping[str, Any], *, replace: bool) -> int:
        values = [list(row[c]) if c in ("markets", "targets") else row[c] for c in _SOURCE_COLUMNS]
        cols = (*_SOURCE_COLUMNS, "removed", "changed_at")
        update = ", ".join(f"{c} = excluded.{c}" for c in cols[1:])
        return self._run(
            f"INSERT INTO news_sources ({', '.join(cols)}) VALUES ({', '.join(['%s'] * len(cols))}) "
            + (f"ON CONFLICT (name) DO UPDATE SET {update}" if replace else "ON CONFLICT (name) DO NOTHING"),
            [*values, False, dt.datetime.now(dt.UTC)],
        )

    def remove_source_row(self, name: str) -> bool:
        """Mark a source removed (its row stays, so seeding does not bring it back); False if none is listed."""
        return bool(
            self._run(
                "UPDATE news_sources SET removed = true, changed_at = %s WHERE name = %s AND NOT removed",
                [dt.datetime.now(dt.UTC), name],
            )
        )

    def source_polls(self) -> dict[str, dict[str, Any]]:
        """The last poll of each source: when, its status and error, new articles, the newest item's time."""
        rows = self._rows(f"SELECT {', '.join(POLL_COLUMNS)} FROM source_polls")
        return {row["name"]: row for row in (poll_from_row(r) for r in rows)}

    def record_poll(
        self,
        name: str,
        *,
        attempted_at: dt.datetime,
        status: str,
        error: str | None = None,
        new_articles: int = 0,
        newest_item: dt.datetime | None = None,
    ) -> None:
        """Record a poll; a failed one keeps the last success time and the newest item seen before."""
        ok = status != "failed"
        self._run(
            """INSERT INTO source_polls VALUES (%s, %s, %s, %s, %s, %s, %s)
               ON CONFLICT (name) DO UPDATE SET
                 attempted_at = excluded.attempted_at,
                 succeeded_at = COALESCE(excluded.succeeded_at, source_polls.succeeded_at),
                 status = excluded.status, error = excluded.error, new_articles = excluded.new_articles,
                 newest_item = GREATEST(excluded.newest_item, source_polls.newest_item)""",
            [name, attempted_at, attempted_at if ok else None, status, error, new_articles, newest_item],
        )

    def put_article_events(self, rows: Sequence[Mapping[str, Any]]) -> int:
        """Store events (article_id, scheme, code, category, label, company_id); idempotent by the first three."""
        with self.transaction():
            for r in rows:
                self._run(
                    """INSERT INTO article_events VALUES (%s, %s, %s, %s, %s, %s)
                       ON CONFLICT (article_id, scheme, code) DO UPDATE SET category = excluded.category,
                       label = excluded.label, company_id = excluded.company_id""",
                    [r["article_id"], r["scheme"], r["code"], r.get("category"), r["label"], r.get("company_id")],
                )
        return len(rows)

    def article_events(self, article_ids: Sequence[str]) -> dict[str, list[dict[str, Any]]]:
        """Events of the given articles, by article id (codes in order)."""
        ids = list(dict.fromkeys(article_ids))
        if not ids:
            return {}
        rows = self._rows(
            "SELECT article_id, scheme, code, category, label, company_id FROM article_events "
            "WHERE article_id = ANY(%s) ORDER BY article_id, scheme, code",
            [ids],
        )
        out: dict[str, list[dict[str, Any]]] = {}
        for aid, scheme, code, category, label, company in rows:
            out.setdefault(aid, []).append(
                {"scheme": scheme, "code": code, "category": category, "label": label, "company_id": company}
            )
        return out
