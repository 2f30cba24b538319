"""The newsletter in DuckDB: subscribers, watch-lists, one-time tokens and the crash-safe send log."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

import pandas as pd

from movedesk.store.duckdb_base import DuckDBTables


class NewsletterTables(DuckDBTables):
    # Additive block owned by the publish/web layer; rows are plain dicts so the web layer needs no models.
    _SUBSCRIBER_COLUMNS = "id, email, status, frequency, created, confirmed, unsubscribed"

    def upsert_subscriber(self, *, subscriber_id: str, email: str, frequency: str, status: str = "pending") -> str:
        """Create a subscriber by e-mail (lower-cased), or return the existing one's id unchanged."""
        email = email.strip().lower()
        row = self.con.execute("SELECT id FROM subscribers WHERE email = ?", [email]).fetchone()
        if row:
            return str(row[0])
        self.con.execute(
            "INSERT INTO subscribers VALUES (?, ?, ?, ?, ?, NULL, NULL)",
            [subscriber_id, email, status, frequency, dt.datetime.now(dt.UTC)],
        )
        return subscriber_id

    def subscriber(self, subscriber_id: str | None = None, *, email: str | None = None) -> dict[str, Any] | None:
        if subscriber_id is not None:
            sql, param = "id = ?", subscriber_id
        elif email is not None:
            sql, param = "email = ?", email.strip().lower()
        else:
            return None
        row = self.con.execute(f"SELECT {self._SUBSCRIBER_COLUMNS} FROM subscribers WHERE {sql}", [param]).fetchone()
        return self._subscriber_row(row) if row else None

    def subscribers(
        self, *, status: str | None = "active", frequencies: Sequence[str] | None = None, watching: str | None = None
    ) -> list[dict[str, Any]]:
        """Subscribers (by default the active ones), optionally by frequency and watched company, by id."""
        where: list[str] = []
        params: list[object] = []
        if status is not None:
            where.append("status = ?")
            params.append(status)
        if frequencies is not None:
            where.append("list_contains(?, frequency)")
            params.append(list(frequencies))
        if watching is not None:
            where.append("id IN (SELECT subscriber_id FROM watchlists WHERE company_id = ?)")
            params.append(watching)
        sql = f"SELECT {self._SUBSCRIBER_COLUMNS} FROM subscribers"
        if where:
            sql += " WHERE " + " AND ".join(where)
        rows = self.con.execute(sql + " ORDER BY id", params).fetchall()
        return [self._subscriber_row(r) for r in rows]

    def count_subscribers(self, *, status: str | None = "active") -> int:
        sql = "SELECT count(*) FROM subscribers" + (" WHERE status = ?" if status else "")
        rows = self.con.execute(sql, [status] if status else []).fetchall()
        return int(rows[0][0]) if rows else 0

    def set_subscriber(
        self, subscriber_id: str, *, status: str, frequency: str | None = None, watchlist: Sequence[str] | None = None
    ) -> None:
        """Change a subscriber's status (and, when given, frequency and whole watch-list) atomically."""
        now = dt.datetime.now(dt.UTC)
        with self.transaction():
            self.con.execute(
                """UPDATE subscribers SET status = ?, frequency = coalesce(?, frequency),
                   confirmed = CASE WHEN ? = 'active' THEN ? ELSE confirmed END,
                   unsubscribed = CASE WHEN ? = 'unsubscribed' THEN ? ELSE NULL END
                   WHERE id = ?""",
                [status, frequency, status, now, status, now, subscriber_id],
            )
            if watchlist is not None:
                self.con.execute("DELETE FROM watchlists WHERE subscriber_id = ?", [subscriber_id])
                for company_id in dict.fromkeys(watchlist):
                    self.con.execute("INSERT INTO watchlists VALUES (?, ?)", [subscriber_id, company_id])

    def add_subscribers(self, rows: Sequence[tuple[str, str, str, str]]) -> int:
        """Bulk insert (id, email, status, frequency) rows, skipping e-mails already present (for loads)."""
        if not rows:
            return 0
        frame = pd.DataFrame(list(rows), columns=["id", "email", "status", "frequency"])
        frame["email"] = frame["email"].str.strip().str.lower()
        frame["created"] = pd.Timestamp.now(tz="UTC")
        with self.transaction():
            self.con.register("incoming_subscribers", frame)
            try:
                before = self.count_subscribers(status=None)
                self.con.execute(
                    """INSERT INTO subscribers SELECT id, email, status, frequency, created, NULL, NULL
                       FROM incoming_subscribers ON CONFLICT DO NOTHING"""
                ).fetchall()
                after = self.count_subscribers(status=None)
            finally:
                self.con.unregister("incoming_subscribers")
        return after - before

    def watchlist(self, subscriber_id: str) -> list[str]:
        rows = self.con.execute(
            "SELECT company_id FROM watchlists WHERE subscriber_id = ? ORDER BY company_id", [subscriber_id]
        ).fetchall()
        return [str(r[0]) for r in rows]

    def watched_companies(self, *, frequencies: Sequence[str] = ("instant", "both")) -> set[str]:
        """Company ids on the watch-lists of active subscribers with those frequencies."""
        rows = self.con.execute(
            """SELECT DISTINCT w.company_id FROM watchlists w JOIN subscribers s ON s.id = w.subscriber_id
               WHERE s.status = 'active' AND list_contains(?, s.frequency)""",
            [list(frequencies)],
        ).fetchall()
        return {str(r[0]) for r in rows}

    def put_token(self, jti: str, subscriber_id: str, purpose: str) -> None:
        self.con.execute(
            "INSERT INTO tokens VALUES (?, ?, ?, ?, NULL) ON CONFLICT DO NOTHING",
            [jti, subscriber_id, purpose, dt.datetime.now(dt.UTC)],
        )

    def use_token(self, jti: str, subscriber_id: str, purpose: str) -> bool:
        """Mark a one-time token used; False when unknown, for another subscriber/purpose, or already used."""
        with self.transaction():
            row = self.con.execute(
                "SELECT used FROM tokens WHERE jti = ? AND subscriber_id = ? AND purpose = ?",
                [jti, subscriber_id, purpose],
            ).fetchone()
            if row is None or row[0] is not None:
                return False
            self.con.execute("UPDATE tokens SET used = ? WHERE jti = ?", [dt.datetime.now(dt.UTC), jti])
        return True

    def sent_to(self, mailing: str) -> set[str]:
        """Subscriber ids the mailing was delivered to (SMTP accepted it)."""
        rows = self.con.execute(
            "SELECT subscriber_id FROM send_log WHERE mailing = ? AND status = 'sent'", [mailing]
        ).fetchall()
        return {str(r[0]) for r in rows}

    def log_sends(self, rows: Sequence[tuple[str, str, str, int, str, str | None]]) -> None:
        """Upsert (mailing, subscriber_id, status, attempts, message_id, error) rows in one transaction.

        A 'sent' row is never downgraded: a late 'failed' for an already delivered mail is ignored.
        """
        if not rows:
            return
        frame = pd.DataFrame(
            list(rows), columns=["mailing", "subscriber_id", "status", "attempts", "message_id", "error"]
        ).drop_duplicates(["mailing", "subscriber_id"], keep="last")
        frame["updated"] = pd.Timestamp.now(tz="UTC")
        with self.transaction():
            self.con.register("incoming_sends", frame)
            try:
                self.con.execute(
                    """INSERT INTO send_log
                       SELECT mailing, subscriber_id, status, attempts, message_id, updated, error
                       FROM incoming_sends
                       ON CONFLICT (mailing, subscriber_id) DO UPDATE SET
                         status = CASE WHEN send_log.status = 'sent' THEN 'sent' ELSE excluded.status END,
                         attempts = greatest(send_log.attempts, excluded.attempts),
                         message_id = excluded.message_id, updated = excluded.updated,
                         error = CASE WHEN send_log.status = 'sent' THEN send_log.error ELSE excluded.error END"""
                ).fetchall()
            finally:
                self.con.unregister("incoming_sends")

    def send_log(self, mailing: str) -> list[dict[str, Any]]:
        rows = self.con.execute(
            """SELECT subscriber_id, status, attempts, message_id, updated, error FROM send_log
               WHERE mailing = ? ORDER BY subscriber_id""",
            [mailing],
        ).fetchall()
        keys = ("subscriber_id", "status", "attempts", "message_id", "updated", "error")
        return [dict(zip(keys, r, strict=True)) for r in rows]

    @staticmethod
    def _subscriber_row(row: tuple[Any, ...]) -> dict[str, Any]:
        keys = ("id", "email", "status", "frequency", "created", "confirmed", "unsubscribed")
        return dict(zip(keys, row, strict=True))
