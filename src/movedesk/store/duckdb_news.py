"""Articles in DuckDB: upserts, company links, point-in-time reads, and the de-duplication and fetching
tables the gather layer drives (fingerprints, cluster members, HTTP validators)."""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from importlib import resources
from typing import Any

import duckdb
import pandas as pd

from movedesk.models import Article
from movedesk.store.base import UpsertReport
from movedesk.store.duckdb_base import DuckDBTables, utc
from movedesk.store.rows import ARTICLE_COLUMNS, article_from_row

log = logging.getLogger(__name__)

_ARTICLE_COLUMNS = ", ".join(ARTICLE_COLUMNS)


class NewsTables(DuckDBTables):
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
        return article_from_row(rows[0]) if rows else None

    def articles_by_id(self, article_ids: Sequence[str]) -> list[Article]:
        """The stored ones of ``article_ids``, in the order given (one query, not one per id)."""
        ids = list(dict.fromkeys(article_ids))
        if not ids:
            return []
        self._probe("probe_article_ids", "id", ids)
        try:
            rows = self.con.execute(
                f"SELECT {', '.join('a.' + c.strip() for c in _ARTICLE_COLUMNS.split(','))} "
                "FROM probe_article_ids p JOIN articles a ON a.id = p.id"
            ).fetchall()
        finally:
            self.con.unregister("probe_article_ids")
        found = {r[0]: article_from_row(r) for r in rows}
        return [found[i] for i in ids if i in found]

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
        return [article_from_row(r) for r in self.con.execute(sql, params).fetchall()]

    def count_articles(self) -> int:
        row = self.con.execute("SELECT count(*) FROM articles").fetchone()
        return int(row[0]) if row else 0

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
    def bulk_news_writes(self, threshold: str = "256MB") -> Iterator[None]:
        """Raise DuckDB's ``checkpoint_threshold`` for a bulk ingest, then checkpoint once at the end.

        With the default (16 MB) nearly every batch commit of full-text articles triggers a checkpoint that
        rewrites the growing tables and their indexes; deferring it turns that quadratic cost into a few
        checkpoints. Not further: what the log holds until a checkpoint stays in memory, so 1 GB made an
        ingest's memory grow with the archive (1.6 GB peak at 200k articles against 1.25 GB at 256 MB, as
        fast). Durability is unchanged: every committed batch is in the write-ahead log, which a reopened
        store replays (a run killed with SIGKILL loses only its uncommitted batch).
        """
        old = self.con.execute("SELECT current_setting('checkpoint_threshold')").fetchall()[0][0]
        self.con.execute(f"SET checkpoint_threshold = '{threshold}'")
        try:
            yield
        finally:
            self.con.execute(f"SET checkpoint_threshold = '{old}'")
            self.con.execute("CHECKPOINT")


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
        return {str(r[0]): (str(r[1]), utc(r[2]), str(r[3])) for r in rows}

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
        return [(str(r[0]), str(r[1]), str(r[2]), str(r[3]), utc(r[4]), str(r[5])) for r in rows]

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
            item["published"] = utc(item["published"])
            item["first_seen"] = utc(item["first_seen"])
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
