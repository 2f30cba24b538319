"""The default store: one embedded DuckDB file, numbered migrations, idempotent upserts."""

from __future__ import annotations

import datetime as dt
import json
import logging
from collections import OrderedDict
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from importlib import resources
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd

from movedesk.errors import DataValidationError, MissingColumn, StoreBusy, StoreCorrupt, StoreError, StoreTooNew
from movedesk.models import Article
from movedesk.store.base import BAR_COLUMNS, SCHEMA_VERSION, UpsertReport

log = logging.getLogger(__name__)

_META = "movedesk_meta"
#: bars() of at most this many symbols is served from the per-symbol cache, which keeps this many series
_CACHED_READ_MAX = 8
_BAR_CACHE_SYMBOLS = 64
_ARTICLE_COLUMNS = (
    "id, source, url, title, body, language, authors, published, published_inferred, first_seen, "
    "relays, cluster_id, tickers"
)


def _migrations() -> list[tuple[int, str]]:
    """Numbered SQL files shipped in ``store/migrations`` as (number, sql), in order."""
    folder = resources.files("movedesk.store") / "migrations"
    out = []
    for item in folder.iterdir():
        name = item.name
        if name.endswith(".sql") and name[:4].isdigit():
            out.append((int(name[:4]), item.read_text(encoding="utf-8")))
    return sorted(out)


class DuckDBStore:
    """A movedesk store in one DuckDB file (or ``:memory:``)."""

    def __init__(self, path: str | Path, *, read_only: bool = False) -> None:
        self.url = str(path)
        self.path = Path(path) if str(path) != ":memory:" else None
        if self.path is not None and self.path.exists():
            _check_is_duckdb(self.path)
        try:
            self.con = duckdb.connect(self.url, read_only=read_only)
        except duckdb.Error as exc:
            if "lock" in str(exc).lower():
                # another process holds the file (a running `movedesk run` or `serve`): not corruption
                raise StoreBusy(f"the store {self.url} is locked by another movedesk process") from exc
            raise StoreCorrupt(f"cannot open {self.url} as a DuckDB store: {_first_line(exc)}") from exc
        self.con.execute("SET TimeZone = 'UTC'")
        self._migrate(read_only=read_only)

    # -- lifecycle -------------------------------------------------------------------------------------
    def close(self) -> None:
        self.con.close()

    def __enter__(self) -> DuckDBStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def schema_version(self) -> int:
        row = self.con.execute(f"SELECT value FROM {_META} WHERE key = 'schema_version'").fetchone()
        return int(row[0]) if row else 0

    def _migrate(self, *, read_only: bool) -> None:
        tables = {r[0] for r in self.con.execute("SELECT table_name FROM information_schema.tables").fetchall()}
        if tables and _META not in tables:
            # Somebody else's database: refuse rather than write our tables into it.
            raise StoreCorrupt(
                f"{self.url} is a DuckDB file but not a movedesk store (it has tables {sorted(tables)[:5]})"
            )
        current = self.schema_version() if _META in tables else 0
        if current > SCHEMA_VERSION:
            raise StoreTooNew(
                f"{self.url} has schema version {current}; this movedesk understands up to {SCHEMA_VERSION}"
            )
        if read_only or current == SCHEMA_VERSION:
            return
        with self.transaction():
            self.con.execute(f"CREATE TABLE IF NOT EXISTS {_META} (key VARCHAR PRIMARY KEY, value VARCHAR)")
            for number, sql in _migrations():
                if number > current:
                    log.info("applying migration %04d to %s", number, self.url)
                    self.con.execute(sql)
            self.con.execute(
                f"INSERT OR REPLACE INTO {_META} VALUES ('schema_version', ?)", [str(SCHEMA_VERSION)]
            )

    @contextmanager
    def transaction(self) -> Iterator[None]:
        """All-or-nothing: a failed ingest leaves the store exactly as it was."""
        self.con.execute("BEGIN TRANSACTION")
        try:
            yield
        except BaseException:
            self.con.execute("ROLLBACK")
            raise
        self.con.execute("COMMIT")

    # -- prices ----------------------------------------------------------------------------------------
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
        frame["flags"] = frame["flags"].where(frame["flags"].notna(), None)
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
                          OR i.volume IS DISTINCT FROM b.volume OR i.flags IS DISTINCT FROM b.flags"""
                ).fetchone()
                self.con.execute(
                    """INSERT INTO bars SELECT symbol, session, open, high, low, close, volume, flags
                       FROM incoming ON CONFLICT (symbol, session) DO UPDATE SET
                       open = excluded.open, high = excluded.high, low = excluded.low,
                       close = excluded.close, volume = excluded.volume, flags = excluded.flags"""
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

    # -- news ------------------------------------------------------------------------------------------
    def upsert_articles(self, articles: Iterable[Article]) -> UpsertReport:
        """Store articles once by id; an id already stored is counted as unchanged, never duplicated."""
        rows = [_article_row(a) for a in articles]
        report = UpsertReport()
        if not rows:
            return report
        frame = pd.DataFrame(rows).drop_duplicates("id")
        with self.transaction():
            self._register("incoming", frame)
            try:
                new = self.con.execute("SELECT count(*) FROM incoming ANTI JOIN articles USING (id)").fetchone()
                self.con.execute(
                    f"INSERT INTO articles SELECT {_ARTICLE_COLUMNS} FROM incoming ON CONFLICT (id) DO NOTHING"
                )
            finally:
                self.con.unregister("incoming")
        report.new = int(new[0]) if new else 0
        report.unchanged = len(rows) - report.new
        return report

    def link_companies(self, links: Iterable[tuple[str, str]]) -> int:
        """Record (article_id, company_id) pairs so company news is one indexed lookup."""
        frame = pd.DataFrame(list(links), columns=["article_id", "company_id"]).drop_duplicates()
        if frame.empty:
            return 0
        with self.transaction():
            self._register("incoming", frame)
            try:
                self.con.execute(
                    """INSERT INTO article_companies
                       SELECT i.article_id, i.company_id, a.published FROM incoming i
                       JOIN articles a ON a.id = i.article_id
                       ON CONFLICT DO NOTHING"""
                )
            finally:
                self.con.unregister("incoming")
        return len(frame)

    def article(self, article_id: str) -> Article | None:
        rows = self.con.execute(f"SELECT {_ARTICLE_COLUMNS} FROM articles WHERE id = ?", [article_id]).fetchall()
        return _row_article(rows[0]) if rows else None

    def articles(
        self,
        *,
        company: str | None = None,
        since: dt.datetime | None = None,
        until: dt.datetime | None = None,
        limit: int | None = None,
    ) -> list[Article]:
        """Articles as known at ``until`` (published at or before it), newest first."""
        where: list[str] = []
        params: list[object] = []
        if since is not None:
            where.append("published >= ?")
            params.append(since)
        if until is not None:
            where.append("published <= ?")
            params.append(until)
        if company is not None:
            # ids from the small link table (it keeps each article's publish time) first, then the articles
            # by key: the wide articles table is never scanned, so the cost stays flat as the store grows
            ids = [
                r[0]
                for r in self.con.execute(
                    "SELECT article_id FROM article_companies WHERE " + " AND ".join(["company_id = ?", *where]),
                    [company, *params],
                ).fetchall()
            ]
            if not ids:
                return []
            where = [f"id IN ({', '.join('?' * len(ids))})"]
            params = list(ids)
        sql = f"SELECT {_ARTICLE_COLUMNS} FROM articles"
        if where:
            sql += " WHERE " + " AND ".join(where)
        sql += " ORDER BY published DESC, id"
        if limit is not None:
            sql += f" LIMIT {int(limit)}"
        return [_row_article(r) for r in self.con.execute(sql, params).fetchall()]

    def count_articles(self) -> int:
        row = self.con.execute("SELECT count(*) FROM articles").fetchone()
        return int(row[0]) if row else 0

    # -- derived ---------------------------------------------------------------------------------------
    def put_extraction(self, article_id: str, pipeline: str, payload: dict[str, Any]) -> None:
        self.con.execute(
            "INSERT OR REPLACE INTO extractions VALUES (?, ?, ?)", [article_id, pipeline, json.dumps(payload)]
        )

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

    # -- newsletter (schema 3): subscribers, watch-lists, one-time tokens, editions, send log ------------
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
        return [{"slug": r[0], "session": r[1], "created": _utc(r[2])} for r in rows]

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

    # -- news de-duplication and fetching (schema 2): fingerprints, cluster members, HTTP validators ----
    # Additive block owned by the gather layer (movedesk.gather.ingest drives it).
    def _news_schema(self) -> None:
        """Create the schema-2 news tables if this store predates them (idempotent, once per connection)."""
        if getattr(self, "_news_ready", False):
            return
        have = {r[0] for r in self.con.execute("SELECT table_name FROM information_schema.tables").fetchall()}
        if not {"article_fingerprints", "news_members", "fetch_validators"} <= have:
            folder = resources.files("movedesk.store") / "migrations"
            self.con.execute((folder / "0002_news.sql").read_text(encoding="utf-8"))
        self._news_ready = True

    @contextmanager
    def bulk_news_writes(self, threshold: str = "1GB") -> Iterator[None]:
        """Raise DuckDB's ``checkpoint_threshold`` for a bulk ingest, then checkpoint once at the end.

        With the default (16 MB) nearly every batch commit of full-text articles triggers a checkpoint that
        rewrites the growing tables and their indexes; deferring it turns that quadratic cost into one
        checkpoint. Durability is unchanged: every committed batch is in the write-ahead log, which a
        reopened store replays (a run killed with SIGKILL loses only its uncommitted batch).
        """
        old = self.con.execute("SELECT current_setting('checkpoint_threshold')").fetchall()[0][0]
        self.con.execute(f"SET checkpoint_threshold = '{threshold}'")
        try:
            yield
        finally:
            self.con.execute(f"SET checkpoint_threshold = '{old}'")
            self.con.execute("CHECKPOINT")

    def _register(self, name: str, frame: pd.DataFrame) -> None:
        # DuckDB refuses register() while an earlier result is unfinished (e.g. after fetchone()).
        self.con.execute("SELECT 1").fetchall()
        self.con.register(name, frame)

    def _probe(self, name: str, column: str, values: Sequence[Any]) -> None:
        self._register(name, pd.DataFrame({column: list(values)}))

    def known_news_ids(self, ids: Sequence[str]) -> set[str]:
        """The ids among ``ids`` already stored, as an article or as a duplicate member of one."""
        self._news_schema()
        if not ids:
            return set()
        self._probe("probe_ids", "id", ids)
        try:
            rows = self.con.execute(
                """SELECT id FROM probe_ids SEMI JOIN articles USING (id)
                   UNION SELECT p.id FROM probe_ids p JOIN news_members m ON m.member_id = p.id"""
            ).fetchall()
        finally:
            self.con.unregister("probe_ids")
        return {str(r[0]) for r in rows}

    def originals_by_hash(self, hashes: Sequence[str]) -> dict[str, tuple[str, dt.datetime, str]]:
        """{text hash: (article id, published, cluster id)} for stored articles with one of ``hashes``."""
        self._news_schema()
        if not hashes:
            return {}
        self._probe("probe_hashes", "h", hashes)
        try:
            rows = self.con.execute(
                """SELECT f.text_hash, a.id, a.published, coalesce(a.cluster_id, a.id)
                   FROM probe_hashes p JOIN article_fingerprints f ON f.text_hash = p.h
                   JOIN articles a ON a.id = f.article_id ORDER BY a.published DESC, a.id DESC"""
            ).fetchall()
        finally:
            self.con.unregister("probe_hashes")
        return {str(r[0]): (str(r[1]), _utc(r[2]), str(r[3])) for r in rows}

    def news_originals_between(
        self, since: dt.datetime, until: dt.datetime
    ) -> list[tuple[str, str, str, str, dt.datetime, str]]:
        """(id, title, body, language, published, cluster id) of stored articles published in [since, until]."""
        self._news_schema()
        rows = self.con.execute(
            """SELECT id, title, body, language, published, coalesce(cluster_id, id) FROM articles
               WHERE published >= ? AND published <= ? ORDER BY published, id""",
            [since, until],
        ).fetchall()
        return [(str(r[0]), str(r[1]), str(r[2]), str(r[3]), _utc(r[4]), str(r[5])) for r in rows]

    def write_news_batch(
        self,
        articles: Sequence[Article],
        fingerprints: Sequence[tuple[str, str, dt.datetime]],
        members: Sequence[dict[str, Any]],
        *,
        demoted: Sequence[str] = (),
        reassign: Sequence[tuple[str, str]] = (),
        clusters: Mapping[str, str] | None = None,
        new_only: bool = False,
    ) -> int:
        """Store one ingest batch atomically; returns how many articles were new.

        ``fingerprints`` are (article id, text hash, published); ``members`` are duplicate records (keys of
        the news_members table); ``demoted`` ids leave the articles table because an earlier-published
        member of their cluster replaces them (they are in ``members`` too); ``reassign`` is
        (cluster id, new original id); ``clusters`` sets articles' cluster ids (article id -> cluster id).
        ``new_only`` says no article id is stored yet (a plain INSERT, which raises if one is).
        """
        self._news_schema()
        with self.transaction():
            for old in demoted:
                self.con.execute("DELETE FROM article_companies WHERE article_id = ?", [old])
                self.con.execute("DELETE FROM article_fingerprints WHERE article_id = ?", [old])
                self.con.execute("DELETE FROM articles WHERE id = ?", [old])
            new = 0
            if articles:
                table = _article_frame(articles, clusters)
                self.con.execute("SELECT 1").fetchall()  # as _register: no unfinished result may be open
                self.con.register("incoming_articles", table)
                try:
                    # ids are unique in the table, so the count DuckDB returns is the number of new rows
                    inserted = self.con.execute(
                        f"INSERT INTO articles SELECT {_ARTICLE_COLUMNS} FROM incoming_articles "
                        + ("" if new_only else "ON CONFLICT (id) DO NOTHING")
                    ).fetchall()
                    new = int(inserted[0][0])
                finally:
                    self.con.unregister("incoming_articles")
            if fingerprints:
                prints = pd.DataFrame(list(fingerprints), columns=["article_id", "text_hash", "published"])
                prints["published"] = pd.to_datetime(prints["published"], utc=True)
                self._register("incoming_prints", prints.drop_duplicates("article_id"))
                try:
                    self.con.execute(
                        "INSERT INTO article_fingerprints SELECT article_id, text_hash, published "
                        "FROM incoming_prints ON CONFLICT DO NOTHING"
                    )
                finally:
                    self.con.unregister("incoming_prints")
            if members:
                cols = [
                    "member_id", "cluster_id", "original_id", "relation", "similarity", "source", "url", "title",
                    "published", "first_seen",
                ]
                frame = pd.DataFrame([{c: m.get(c) for c in cols} for m in members]).drop_duplicates("member_id")
                for c in ("published", "first_seen"):
                    frame[c] = pd.to_datetime(frame[c], utc=True)
                self._register("incoming_members", frame)
                try:
                    self.con.execute(
                        f"INSERT INTO news_members SELECT {', '.join(cols)} FROM incoming_members "
                        "ON CONFLICT DO NOTHING"
                    )
                finally:
                    self.con.unregister("incoming_members")
            for cluster_id, original_id in reassign:
                self.con.execute(
                    "UPDATE news_members SET original_id = ? WHERE cluster_id = ?", [original_id, cluster_id]
                )
        return new

    def write_news_arrow(
        self,
        table: Any,
        fingerprints: Sequence[tuple[str, str, dt.datetime]],
        members: Sequence[dict[str, Any]],
        *,
        demoted: Sequence[str] = (),
        reassign: Sequence[tuple[str, str]] = (),
    ) -> int:
        """As :meth:`write_news_batch`, with the articles already a ``pyarrow.Table`` in the articles table's
        column order, cluster ids set and ids unique (bulk ingest builds its batches column-wise) and, as
        the caller checked, not stored yet: they go in with a plain INSERT (no conflict check), and the
        whole batch again with the check if one was stored after all."""
        batch = (table, fingerprints, members)
        try:
            return self.write_news_batch(*batch, demoted=demoted, reassign=reassign, new_only=True)
        except (duckdb.ConstraintException, duckdb.TransactionException):  # the latter: raised while unwinding
            return self.write_news_batch(*batch, demoted=demoted, reassign=reassign)

    def news_members(self, *, cluster_id: str | None = None, member_id: str | None = None) -> list[dict[str, Any]]:
        """Duplicate records of a cluster (or the one record of a member id), earliest first."""
        self._news_schema()
        cols = (
            "member_id", "cluster_id", "original_id", "relation", "similarity", "source", "url", "title",
            "published", "first_seen",
        )
        where, param = ("cluster_id = ?", cluster_id) if cluster_id is not None else ("member_id = ?", member_id)
        rows = self.con.execute(
            f"SELECT {', '.join(cols)} FROM news_members WHERE {where} ORDER BY published, member_id", [param]
        ).fetchall()
        out = []
        for r in rows:
            item = dict(zip(cols, r, strict=True))
            item["published"] = _utc(item["published"])
            item["first_seen"] = _utc(item["first_seen"])
            out.append(item)
        return out

    def news_counts(self) -> dict[str, int]:
        """articles, duplicate members, clusters with a duplicate, and clusters with a near duplicate."""
        self._news_schema()
        row = self.con.execute(
            """SELECT (SELECT count(*) FROM articles), count(*), count(DISTINCT cluster_id),
                      count(DISTINCT cluster_id) FILTER (WHERE relation = 'near') FROM news_members"""
        ).fetchall()[0]
        keys = ("articles", "members", "clusters", "near_clusters")
        return dict(zip(keys, (int(x or 0) for x in row), strict=True))

    def get_validators(self, url: str) -> tuple[str | None, str | None] | None:
        """(ETag, Last-Modified) last seen for ``url``, for a conditional GET."""
        self._news_schema()
        rows = self.con.execute("SELECT etag, last_modified FROM fetch_validators WHERE url = ?", [url]).fetchall()
        return (rows[0][0], rows[0][1]) if rows else None

    def put_validators(self, url: str, etag: str | None, last_modified: str | None) -> None:
        self._news_schema()
        self.con.execute(
            "INSERT OR REPLACE INTO fetch_validators VALUES (?, ?, ?, ?)",
            [url, etag, last_modified, dt.datetime.now(dt.UTC)],
        )


def _check_is_duckdb(path: Path) -> None:
    """Refuse a file that is not DuckDB before duckdb.connect can touch it."""
    if path.is_dir():
        raise StoreError(f"{path} is a folder, not a store file")
    size = path.stat().st_size
    if size == 0:
        return
    with path.open("rb") as fh:
        head = fh.read(16)
    # DuckDB files carry the magic "DUCK" at byte 8.
    if len(head) < 12 or head[8:12] != b"DUCK":
        raise StoreCorrupt(f"{path} is not a DuckDB file (it is {size} bytes of something else)")


def _first_line(exc: BaseException) -> str:
    return str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__


def _article_row(a: Article) -> dict[str, Any]:
    return {
        "id": a.id,
        "source": a.source,
        "url": a.url,
        "title": a.title,
        "body": a.body,
        "language": a.language,
        "authors": list(a.authors),
        "published": pd.Timestamp(a.published),
        "published_inferred": a.published_inferred,
        "first_seen": pd.Timestamp(a.first_seen),
        "relays": list(a.relays),
        "cluster_id": a.cluster_id,
        "tickers": list(a.tickers),
    }


def _row_article(r: tuple[Any, ...]) -> Article:
    return Article(
        id=r[0],
        source=r[1],
        url=r[2],
        title=r[3],
        body=r[4],
        language=r[5],
        authors=tuple(r[6] or ()),
        published=_utc(r[7]),
        published_inferred=bool(r[8]),
        first_seen=_utc(r[9]),
        relays=tuple(r[10] or ()),
        cluster_id=r[11],
        tickers=tuple(r[12] or ()),
    )


def _utc(value: dt.datetime) -> dt.datetime:
    return value.replace(tzinfo=dt.UTC) if value.tzinfo is None else value.astimezone(dt.UTC)


def _article_frame(articles: Sequence[Article], clusters: Mapping[str, str] | None = None) -> Any:
    """Articles as an Arrow table in the articles table's column order, built column-wise (DuckDB scans
    Arrow without converting Python objects); the first of repeated ids is kept."""
    import pyarrow as pa

    from movedesk.store.arrow import articles_table

    if isinstance(articles, pa.Table):  # already columns (write_news_arrow)
        return articles
    seen: set[str] = set()
    rows = [a for a in articles if not (a.id in seen or seen.add(a.id))]  # type: ignore[func-returns-value]
    return articles_table(rows, clusters)
