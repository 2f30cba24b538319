"""The desk's news sources in DuckDB: the list (with removals that stick), polling state, article events."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from typing import Any

from movedesk.store.duckdb_base import DuckDBTables
from movedesk.store.rows import POLL_COLUMNS, SOURCE_COLUMNS, poll_from_row

_SOURCE_COLUMNS = SOURCE_COLUMNS


class SourceTables(DuckDBTables):
    def source_rows(self, *, include_removed: bool = False) -> list[dict[str, Any]]:
        """The desk's sources as rows (``removed`` included), by name."""
        where = "" if include_removed else " WHERE NOT removed"
        cols = ", ".join((*_SOURCE_COLUMNS, "removed"))
        rows = self.con.execute(f"SELECT {cols} FROM news_sources{where} ORDER BY name").fetchall()
        return [dict(zip((*_SOURCE_COLUMNS, "removed"), r, strict=True)) for r in rows]

    def seed_sources(self, rows: Sequence[Mapping[str, Any]]) -> int:
        """Insert the rows whose names the desk has never had (removed ones included); returns how many."""
        if not rows:
            return 0
        known = {r[0] for r in self.con.execute("SELECT name FROM news_sources").fetchall()}
        fresh = [r for r in rows if r["name"] not in known]
        for row in fresh:
            self._write_source(row)
        return len(fresh)

    def put_source(self, row: Mapping[str, Any]) -> None:
        """Add or replace a source (a removed one comes back)."""
        self._write_source(row)

    def _write_source(self, row: Mapping[str, Any]) -> None:
        values = [row[c] for c in _SOURCE_COLUMNS]
        marks = ", ".join("?" * (len(values) + 2))
        self.con.execute(
            f"INSERT OR REPLACE INTO news_sources VALUES ({marks})", [*values, False, dt.datetime.now(dt.UTC)]
        )

    def remove_source_row(self, name: str) -> bool:
        """Mark a source removed (its row stays, so seeding does not bring it back); False if none is listed."""
        row = self.con.execute("SELECT removed FROM news_sources WHERE name = ?", [name]).fetchone()
        if row is None or row[0]:
            return False
        self.con.execute(
            "UPDATE news_sources SET removed = true, changed_at = ? WHERE name = ?", [dt.datetime.now(dt.UTC), name]
        )
        return True

    def source_polls(self) -> dict[str, dict[str, Any]]:
        """The last poll of each source: when, its status and error, new articles, the newest item's time."""
        rows = self.con.execute(f"SELECT {', '.join(POLL_COLUMNS)} FROM source_polls").fetchall()
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
        self.con.execute(
            """INSERT INTO source_polls VALUES (?, ?, ?, ?, ?, ?, ?)
               ON CONFLICT (name) DO UPDATE SET
                 attempted_at = excluded.attempted_at,
                 succeeded_at = COALESCE(excluded.succeeded_at, source_polls.succeeded_at),
                 status = excluded.status, error = excluded.error, new_articles = excluded.new_articles,
                 newest_item = GREATEST(excluded.newest_item, source_polls.newest_item)""",
            [name, attempted_at, attempted_at if ok else None, status, error, new_articles, newest_item],
        )

    def put_article_events(self, rows: Sequence[Mapping[str, Any]]) -> int:
        """Store events (article_id, scheme, code, category, label, company_id); idempotent by the first three."""
        for r in rows:
            self.con.execute(
                "INSERT OR REPLACE INTO article_events VALUES (?, ?, ?, ?, ?, ?)",
                [r["article_id"], r["scheme"], r["code"], r.get("category"), r["label"], r.get("company_id")],
            )
        return len(rows)

    def article_events(self, article_ids: Sequence[str]) -> dict[str, list[dict[str, Any]]]:
        """Events of the given articles, by article id (codes in order)."""
        ids = list(dict.fromkeys(article_ids))
        if not ids:
            return {}
        marks = ", ".join("?" * len(ids))
        rows = self.con.execute(
            "SELECT article_id, scheme, code, category, label, company_id FROM article_events "
            f"WHERE article_id IN ({marks}) ORDER BY article_id, scheme, code",
            ids,
        ).fetchall()
        out: dict[str, list[dict[str, Any]]] = {}
        for aid, scheme, code, category, label, company in rows:
            out.setdefault(aid, []).append(
                {"scheme": scheme, "code": code, "category": category, "label": label, "company_id": company}
            )
        return out
