"""The newsletter in PostgreSQL: subscribers, watch-lists, one-time tokens and the crash-safe send log.

Several web workers and the mailer share these tables, so each check-and-write is one statement or one
transaction with the row locked (``use_token``), never a read followed by a separate write."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from movedesk.store.postgres_base import PostgresTables

_SUBSCRIBER_COLUMNS = ("id", "email", "status", "frequency", "created", "confirmed", "unsubscribed")


class PostgresNewsletterTables(PostgresTables):
    def upsert_subscriber(self, *, subscriber_id: str, email: str, frequency: str, status: str = "pending") -> str:
        """Create a subscriber by e-mail (lower-cased), or return the existing one's id unchanged."""
        email = email.strip().lower()
        with self.transaction():
            self._run(
                "INSERT INTO subscribers VALUES (%s, %s, %s, %s, %s, NULL, NULL) ON CONFLICT (email) DO NOTHING",
                [subscriber_id, email, status, frequency, dt.datetime.now(dt.UTC)],
            )
            row = self._one("SELECT id FROM subscribers WHERE email = %s", [email])
        return str(row[0]) if row else subscriber_id

    def subscriber(self, subscriber_id: str | None = None, *, email: str | None = None) -> dict[str, Any] | None:
        if subscriber_id is not None:
            sql, param = "id = %s", subscriber_id
        elif email is not None:
            sql, param = "email = %s", email.strip().lower()
        else:
            return None
        row = self._one(f"SELECT {', '.join(_SUBSCRIBER_COLUMNS)} FROM subscribers WHERE {sql}", [param])
        return dict(zip(_SUBSCRIBER_COLUMNS, row, strict=True)) if row else None

    def subscribers(
        self, *, status: str | None = "active", frequencies: Sequence[str] | None = None, watching: str | None = None
    ) -> list[dict[str, Any]]:
        """Subscribers (by default the active ones), optionally by frequency and watched company, by id."""
        where: list[str] = []
        params: list[object] = []
        if status is not None:
            where.append("status = %s")
            params.append(status)
        if frequencies is not None:
            where.append("frequency = ANY(%s)")
            params.append(list(frequencies))
        if watching is not None:
            where.append("id IN (SELECT subscriber_id FROM watchlists WHERE company_id = %s)")
            params.append(watching)
        sql = f"SELECT {', '.join(_SUBSCRIBER_COLUMNS)} FROM subscribers"
        if where:
            sql += " WHERE " + " AND ".join(where)
        return [dict(zip(_SUBSCRIBER_COLUMNS, r, strict=True)) for r in self._rows(sql + " ORDER BY id", params)]

    def count_subscribers(self, *, status: str | None = "active") -> int:
        sql = "SELECT count(*) FROM subscribers" + (" WHERE status = %s" if status else "")
        row = self._one(sql, [status] if status else [])
        return int(row[0]) if row else 0

    def set_subscriber(
        self, subscriber_id: str, *, status: str, frequency: str | None = None, watchlist: Sequence[str] | None = None
    ) -> None:
        """Change a subscriber's status (and, when given, frequency and whole watch-list) atomically."""
        now = dt.datetime.now(dt.UTC)
        with self.transaction():
            self._run(
                """UPDATE subscribers SET status = %s, frequency = coalesce(%s, frequency),
                   confirmed = CASE WHEN %s = 'active' THEN %s ELSE confirmed END,
                   unsubscribed = CASE WHEN %s = 'unsubscribed' THEN %s ELSE NULL END
                   WHERE id = %s""",
                [status, frequency, status, now, status, now, subscriber_id],
            )
            if watchlist is not None:
                self._run("DELETE FROM watchlists WHERE subscriber_id = %s", [subscriber_id])
                for company_id in dict.fromkeys(watchlist):
                    self._run("INSERT INTO watchlists VALUES (%s, %s)", [subscriber_id, company_id])

    def add_subscribers(self, rows: Sequence[tuple[str, str, str, str]]) -> int:
        """Bulk insert (id, email, status, frequency) rows, skipping e-mails already present (for loads)."""
        if not rows:
            return 0
        now = dt.datetime.now(dt.UTC)
        cols = (("id", "varchar"), ("email", "varchar"), ("status", "varchar"), ("frequency", "varchar"))
        with self.transaction(), self._conn() as conn:
            self._copy_temp(conn, "incoming_subscribers", cols,
                            ([i, e.strip().lower(), s, f] for i, e, s, f in rows))  # fmt: skip
            cur = conn.execute(
                """INSERT INTO subscribers SELECT DISTINCT ON (email) id, email, status, frequency, %s, NULL, NULL
                   FROM incoming_subscribers ON CONFLICT DO NOTHING""",
                [now],
            )
            return max(cur.rowcount, 0)

    def watchlist(self, subscriber_id: str) -> list[str]:
        rows = self._rows(
            "SELECT company_id FROM watchlists WHERE subscriber_id = %s ORDER BY company_id", [subscriber_id]
        )
        return [str(r[0]) for r in rows]

    def watched_companies(self, *, frequencies: Sequence[str] = ("instant", "both")) -> set[str]:
        """Company ids on the watch-lists of active subscribers with those frequencies."""
        rows = self._rows(
            """SELECT DISTINCT w.company_id FROM watchlists w JOIN subscribers s ON s.id = w.subscriber_id
               WHERE s.status = 'active' AND s.frequency = ANY(%s)""",
            [list(frequencies)],
        )
        return {str(r[0]) for r in rows}

    def put_token(self, jti: str, subscriber_id: str, purpose: str) -> None:
        self._run(
            "INSERT INTO tokens VALUES (%s, %s, %s, %s, NULL) ON CONFLICT DO NOTHING",
            [jti, subscriber_id, purpose, dt.datetime.now(dt.UTC)],
        )

    def use_token(self, jti: str, subscriber_id: str, purpose: str) -> bool:
        """Mark a one-time token used; False when unknown, for another subscriber/purpose, or already used.
        One conditional UPDATE: of two workers given the same link, exactly one succeeds."""
        return bool(
            self._run(
                """UPDATE tokens SET used = %s
                   WHERE jti = %s AND subscriber_id = %s AND purpose = %s AND used IS NULL""",
                [dt.datetime.now(dt.UTC), jti, subscriber_id, purpose],
            )
        )

    def sent_to(self, mailing: str) -> set[str]:
        """Subscriber ids the mailing was delivered to (SMTP accepted it)."""
        rows = self._rows("SELECT subscriber_id FROM send_log WHERE mailing = %s AND status = 'sent'", [mailing])
        return {str(r[0]) for r in rows}

    def log_sends(self, rows: Sequence[tuple[str, str, str, int, str, str | None]]) -> None:
        """Upsert (mailing, subscriber_id, status, attempts, message_id, error) rows in one transaction.

        A 'sent' row is never downgraded: a late 'failed' for an already delivered mail is ignored.
        """
        if not rows:
            return
        latest = {(r[0], r[1]): r for r in rows}  # the last row of a (mailing, subscriber) wins, as on DuckDB
        now = dt.datetime.now(dt.UTC)
        cols = (
            ("mailing", "varchar"), ("subscriber_id", "varchar"), ("status", "varchar"), ("attempts", "integer"),
            ("message_id", "varchar"), ("error", "varchar"),
        )  # fmt: skip
        with self.transaction(), self._conn() as conn:
            self._copy_temp(conn, "incoming_sends", cols, (list(r) for r in latest.values()))
            conn.execute(
                """INSERT INTO send_log
                   SELECT mailing, subscriber_id, status, attempts, message_id, %s, error FROM incoming_sends
                   ON CONFLICT (mailing, subscriber_id) DO UPDATE SET
                     status = CASE WHEN send_log.status = 'sent' THEN 'sent' ELSE excluded.status END,
                     attempts = greatest(send_log.attempts, excluded.attempts),
                     message_id = excluded.message_id, updated = excluded.updated,
                     error = CASE WHEN send_log.status = 'sent' THEN send_log.error ELSE excluded.error END""",
                [now],
            )

    def send_log(self, mailing: str) -> list[dict[str, Any]]:
        keys = ("subscriber_id", "status", "attempts", "message_id", "updated", "error")
        rows = self._rows(
            f"SELECT {', '.join(keys)} FROM send_log WHERE mailing = %s ORDER BY subscriber_id", [mailing]
        )
        return [dict(zip(keys, r, strict=True)) for r in rows]
