"""Articles in PostgreSQL: upserts through ``COPY``, company links, point-in-time reads, and the
de-duplication and fetching tables the gather layer drives (fingerprints, cluster members, HTTP validators)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import Any

import pandas as pd

from movedesk.models import Article
from movedesk.store.base import UpsertReport, utc
from movedesk.store.postgres_base import PostgresTables
from movedesk.store.rows import article_from_row

_ARTICLE_TYPES = (
    ("id", "varchar"), ("source", "varchar"), ("url", "varchar"), ("title", "varchar"), ("body", "varchar"),
    ("language", "varchar"), ("authors", "varchar[]"), ("published", "timestamptz"),
    ("published_inferred", "boolean"), ("first_seen", "timestamptz"), ("relays", "varchar[]"),
    ("cluster_id", "varchar"), ("tickers", "varchar[]"),
)  # fmt: skip
_ARTICLE_COLUMNS = ", ".join(c for c, _ in _ARTICLE_TYPES)
_MEMBER_TYPES = (
    ("member_id", "varchar"), ("cluster_id", "varchar"), ("original_id", "varchar"), ("relation", "varchar"),
    ("similarity", "double precision"), ("source", "varchar"), ("url", "varchar"), ("title", "varchar"),
    ("published", "timestamptz"), ("first_seen", "timestamptz"),
)  # fmt: skip


class PostgresNewsTables(PostgresTables):
    def upsert_articles(self, articles: Iterable[Article]) -> UpsertReport:
        """Store articles once by id; an id already stored is counted as unchanged, never duplicated."""
        given = list(articles)
        total = len(given)
        rows = list({a.id: _article_row(a) for a in reversed(given)}.values())  # the first of a repeated id
        report = UpsertReport()
        if not rows:
            return report
        with self.transaction(), self._conn() as conn:
            report.new = self._insert_articles(conn, rows, new_only=False)
        report.unchanged = total - report.new
        return report

    def _insert_articles(self, conn: Any, rows: Iterable[Sequence[Any]], *, new_only: bool) -> int:
        self._copy_temp(conn, "incoming_articles", _ARTICLE_TYPES, rows)
        cur = conn.execute(
            f"INSERT INTO articles SELECT {_ARTICLE_COLUMNS} FROM incoming_articles "
            + ("" if new_only else "ON CONFLICT (id) DO NOTHING")
        )
        return max(int(cur.rowcount), 0)

    def link_companies(self, links: Iterable[tuple[str, str]]) -> int:
        """Record (article_id, company_id) pairs so company news is one indexed lookup."""
        pairs = list(dict.fromkeys((str(a), str(c)) for a, c in links))
        if not pairs:
            return 0
        with self.transaction(), self._conn() as conn:
            self._copy_temp(conn, "incoming_links", (("article_id", "varchar"), ("company_id", "varchar")), pairs)
            conn.execute(
                """INSERT INTO article_companies
                   SELECT i.article_id, i.company_id, a.published FROM incoming_links i
                   JOIN articles a ON a.id = i.article_id
                   ON CONFLICT DO NOTHING"""
            )
        return len(pairs)

    def article(self, article_id: str) -> Article | None:
        row = self._one(f"SELECT {_ARTICLE_COLUMNS} FROM articles WHERE id = %s", [article_id])
        return article_from_row(row) if row else None

    def articles_by_id(self, article_ids: Sequence[str]) -> list[Article]:
        """The stored ones of ``article_ids``, in the order given (one query, not one per id)."""
        ids = list(dict.fromkeys(article_ids))
        if not ids:
            return []
        found = {r[0]: article_from_row(r) for r in self._rows(
            f"SELECT {_ARTICLE_COLUMNS} FROM articles WHERE id = ANY(%s)", [ids])}  # fmt: skip
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
            where.append("published >= %s")
            params.append(since)
        if until is not None:
            where.append("published <= %s")
            params.append(until)
        if company is not None:
            # the link table keeps each article's publish time: the point-in-time filter runs on it
            where = ["id IN (SELECT article_id FROM article_companies WHERE "
                     + " AND ".join(["company_id = %s", *where]) + ")"]  # fmt: skip
            params = [company, *params]
        sql = f"SELECT {_ARTICLE_COLUMNS} FROM articles"
        if where:
            sql += " WHERE " + " AND ".join(where)
        sql += " ORDER BY published DESC, id"
        if limit is not None:
            sql += f" LIMIT {int(limit)}"
        return [article_from_row(r) for r in self._rows(sql, params)]

    def count_articles(self) -> int:
        row = self._one("SELECT count(*) FROM articles")
        return int(row[0]) if row else 0

    @contextmanager
    def bulk_news_writes(self, threshold: str = "256MB") -> Iterator[None]:
        """Nothing to tune on a server: each batch is its own transaction and ``COPY`` is already bulk."""
        yield

    def known_news_ids(self, ids: Sequence[str]) -> set[str]:
        """The ids among ``ids`` already stored, as an article or as a duplicate member of one."""
        if not ids:
            return set()
        wanted = list(dict.fromkeys(ids))
        rows = self._rows(
            "SELECT id FROM articles WHERE id = ANY(%s) "
            "UNION SELECT member_id FROM news_members WHERE member_id = ANY(%s)",
            [wanted, wanted],
        )
        return {str(r[0]) for r in rows}

    def originals_by_hash(self, hashes: Sequence[str]) -> dict[str, tuple[str, dt.datetime, str]]:
        """{text hash: (article id, published, cluster id)} for stored articles with one of ``hashes``."""
        if not hashes:
            return {}
        rows = self._rows(
            """SELECT f.text_hash, a.id, a.published, coalesce(a.cluster_id, a.id)
               FROM article_fingerprints f JOIN articles a ON a.id = f.article_id
               WHERE f.text_hash = ANY(%s) ORDER BY a.published DESC, a.id DESC""",
            [list(dict.fromkeys(hashes))],
        )
        return {str(r[0]): (str(r[1]), utc(r[2]), str(r[3])) for r in rows}

    def news_originals_between(
        self, since: dt.datetime, until: dt.datetime
    ) -> list[tuple[str, str, str, str, dt.datetime, str]]:
        """(id, title, body, language, published, cluster id) of stored articles published in [since, until]."""
        rows = self._rows(
            """SELECT id, title, body, language, published, coalesce(cluster_id, id) FROM articles
               WHERE published >= %s AND published <= %s ORDER BY published, id""",
            [since, until],
        )
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
        """Store one ingest batch atomically; returns how many articles were new (see the DuckDB store's
        ``write_news_batch`` for the arguments)."""
        cluster_of = clusters or {}
        seen: set[str] = set()
        rows = []
        for a in articles:
            if a.id not in seen:
                seen.add(a.id)
                row = _article_row(a)
                row[11] = cluster_of.get(a.id, a.cluster_id)
                rows.append(row)
        with self.transaction(), self._conn() as conn:
            return self._write_batch(conn, rows, fingerprints, members, demoted, reassign, new_only=new_only)

    def write_news_arrow(
        self,
        table: Any,
        fingerprints: Sequence[tuple[str, str, dt.datetime]],
        members: Sequence[dict[str, Any]],
        *,
        demoted: Sequence[str] = (),
        reassign: Sequence[tuple[str, str]] = (),
    ) -> int:
        """As :meth:`write_news_batch`, with the articles as a ``pyarrow.Table`` in the articles table's column
        order (the bulk ingest path), not stored yet as the caller checked: a plain INSERT, and the whole
        batch again with the conflict check if one was stored after all (a concurrent ingest)."""
        import psycopg

        rows = [list(r.values()) for r in table.to_pylist()]
        batch = (rows, fingerprints, members, demoted, reassign)
        try:
            with self.transaction(), self._conn() as conn:
                return self._write_batch(conn, *batch, new_only=True)
        except psycopg.errors.UniqueViolation:
            with self.transaction(), self._conn() as conn:
                return self._write_batch(conn, *batch, new_only=False)

    def _write_batch(
        self,
        conn: Any,
        rows: Sequence[Sequence[Any]],
        fingerprints: Sequence[tuple[str, str, dt.datetime]],
        members: Sequence[dict[str, Any]],
        demoted: Sequence[str],
        reassign: Sequence[tuple[str, str]],
        *,
        new_only: bool,
    ) -> int:
        if demoted:
            for table, key in (("article_companies", "article_id"), ("article_fingerprints", "article_id"),
                               ("articles", "id")):  # fmt: skip
                conn.execute(f"DELETE FROM {table} WHERE {key} = ANY(%s)", [list(demoted)])
        new = self._insert_articles(conn, rows, new_only=new_only) if rows else 0
        if fingerprints:
            prints = list({p[0]: [p[0], p[1], _stamp(p[2])] for p in reversed(list(fingerprints))}.values())
            self._copy_temp(conn, "incoming_prints",
                            (("article_id", "varchar"), ("text_hash", "varchar"), ("published", "timestamptz")),
                            prints)  # fmt: skip
            conn.execute(
                "INSERT INTO article_fingerprints SELECT article_id, text_hash, published FROM incoming_prints "
                "ON CONFLICT DO NOTHING"
            )
        if members:
            first: dict[str, list[Any]] = {}
            for m in members:
                row = [m.get(c) for c, _ in _MEMBER_TYPES]
                row[8], row[9] = _stamp(row[8]), _stamp(row[9])
                first.setdefault(str(row[0]), row)
            self._copy_temp(conn, "incoming_members", _MEMBER_TYPES, first.values())
            cols = ", ".join(c for c, _ in _MEMBER_TYPES)
            conn.execute(f"INSERT INTO news_members SELECT {cols} FROM incoming_members ON CONFLICT DO NOTHING")
        for cluster_id, original_id in reassign:
            conn.execute("UPDATE news_members SET original_id = %s WHERE cluster_id = %s", [original_id, cluster_id])
        return new

    def news_members(self, *, cluster_id: str | None = None, member_id: str | None = None) -> list[dict[str, Any]]:
        """Duplicate records of a cluster (or the one record of a member id), earliest first."""
        cols = [c for c, _ in _MEMBER_TYPES]
        where, param = ("cluster_id = %s", cluster_id) if cluster_id is not None else ("member_id = %s", member_id)
        rows = self._rows(
            f"SELECT {', '.join(cols)} FROM news_members WHERE {where} ORDER BY published, member_id", [param]
        )
        out = []
        for r in rows:
            item = dict(zip(cols, r, strict=True))
            item["published"] = utc(item["published"])
            item["first_seen"] = utc(item["first_seen"])
            out.append(item)
        return out

    def news_counts(self) -> dict[str, int]:
        """articles, duplicate members, clusters with a duplicate, and clusters with a near duplicate."""
        row = self._one(
            """SELECT (SELECT count(*) FROM articles), count(*), count(DISTINCT cluster_id),
                      count(DISTINCT cluster_id) FILTER (WHERE relation = 'near') FROM news_members"""
        )
        keys = ("articles", "members", "clusters", "near_clusters")
        return dict(zip(keys, (int(x or 0) for x in (row or (0, 0, 0, 0))), strict=True))

    def get_validators(self, url: str) -> tuple[str | None, str | None] | None:
        """(ETag, Last-Modified) last seen for ``url``, for a conditional GET."""
        row = self._one("SELECT etag, last_modified FROM fetch_validators WHERE url = %s", [url])
        return (row[0], row[1]) if row else None

    def put_validators(self, url: str, etag: str | None, last_modified: str | None) -> None:
        self._run(
            """INSERT INTO fetch_validators VALUES (%s, %s, %s, %s) ON CONFLICT (url) DO UPDATE SET
               etag = excluded.etag, last_modified = excluded.last_modified, fetched_at = excluded.fetched_at""",
            [url, etag, last_modified, dt.datetime.now(dt.UTC)],
        )


def _article_row(a: Article) -> list[Any]:
    return [
        a.id, a.source, a.url, a.title, a.body, a.language, list(a.authors), utc(a.published),
        a.published_inferred, utc(a.first_seen), list(a.relays), a.cluster_id, list(a.tickers),
    ]  # fmt: skip


def _stamp(value: Any) -> dt.datetime | None:
    """A time given as datetime, Timestamp or ISO text, as aware UTC (naive means UTC)."""
    if value is None:
        return None
    stamp = pd.Timestamp(value)
    return (stamp.tz_localize("UTC") if stamp.tzinfo is None else stamp.tz_convert("UTC")).to_pydatetime()
