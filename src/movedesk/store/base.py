"""The store interfaces, one Protocol per concern (prices, news, derived results, newsletter, sources,
runs) and
``Store`` for all of them: what a DuckDB or a PostgreSQL backend implements.

Writes are idempotent upserts by natural key (re-running an ingest changes nothing); reads of news are
point-in-time (``until=`` a cutoff), which the explain layer relies on to never look ahead.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

import pandas as pd

from movedesk.models import Article

#: The schema version this movedesk writes; a store with a higher one is refused (StoreTooNew).
SCHEMA_VERSION = 6

#: Bars are prices as traded; ``adj_ratio`` and ``action`` mark ex-dates (store/migrations/0004_bar_actions.sql)
BAR_COLUMNS = ("symbol", "session", "open", "high", "low", "close", "volume", "flags", "adj_ratio", "action")


@dataclass
class UpsertReport:
    """What an ingest did: counts, and a reason per rejected item."""

    new: int = 0
    unchanged: int = 0
    updated: int = 0
    rejected: list[tuple[str, str]] = field(default_factory=list)

    def merge(self, other: UpsertReport) -> UpsertReport:
        return UpsertReport(
            self.new + other.new,
            self.unchanged + other.unchanged,
            self.updated + other.updated,
            self.rejected + other.rejected,
        )


def utc(value: dt.datetime) -> dt.datetime:
    """A stored time as an aware UTC datetime (DuckDB returns naive UTC or local-zone values)."""
    return value.replace(tzinfo=dt.UTC) if value.tzinfo is None else value.astimezone(dt.UTC)


class PriceStore(Protocol):
    """Bars: idempotent upserts by (symbol, session); reads by symbol and date range."""

    def upsert_bars(self, bars: pd.DataFrame) -> UpsertReport: ...

    def bars(
        self, symbols: Sequence[str] | None = None, start: dt.date | None = None, end: dt.date | None = None
    ) -> pd.DataFrame: ...

    def symbols(self) -> list[str]: ...

    def last_sessions(self, symbols: Sequence[str] | None = None) -> dict[str, dt.date]:
        """The newest stored session of each symbol that has bars (all symbols when None)."""
        ...

    def last_closes(self, symbols: Sequence[str], start: dt.date, end: dt.date, *, n: int = 2) -> pd.DataFrame: ...


class NewsStore(Protocol):
    """Articles: upserts, company links, point-in-time reads (``until=``), and the de-duplication and
    fetching tables of the gather layer."""

    def upsert_articles(self, articles: Iterable[Article]) -> UpsertReport: ...

    def link_companies(self, links: Iterable[tuple[str, str]]) -> int: ...

    def article(self, article_id: str) -> Article | None: ...

    def articles_by_id(self, article_ids: Sequence[str]) -> list[Article]:
        """The stored ones of ``article_ids``, in the order given (one query, not one per id)."""
        ...

    def articles(
        self,
        *,
        company: str | None = None,
        since: dt.datetime | None = None,
        until: dt.datetime | None = None,
        limit: int | None = None,
    ) -> list[Article]: ...

    def count_articles(self) -> int: ...

    def bulk_news_writes(self, threshold: str = "256MB") -> AbstractContextManager[None]: ...

    def known_news_ids(self, ids: Sequence[str]) -> set[str]: ...

    def originals_by_hash(self, hashes: Sequence[str]) -> dict[str, tuple[str, dt.datetime, str]]: ...

    def news_originals_between(
        self, since: dt.datetime, until: dt.datetime
    ) -> list[tuple[str, str, str, str, dt.datetime, str]]: ...

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
    ) -> int: ...

    def write_news_arrow(
        self,
        table: Any,
        fingerprints: Sequence[tuple[str, str, dt.datetime]],
        members: Sequence[dict[str, Any]],
        *,
        demoted: Sequence[str] = (),
        reassign: Sequence[tuple[str, str]] = (),
    ) -> int: ...

    def news_members(self, *, cluster_id: str | None = None, member_id: str | None = None) -> list[dict[str, Any]]: ...

    def news_counts(self) -> dict[str, int]: ...

    def get_validators(self, url: str) -> tuple[str | None, str | None] | None: ...

    def put_validators(self, url: str, etag: str | None, last_modified: str | None) -> None: ...


class DerivedStore(Protocol):
    """Results computed from prices and news: extractions by pipeline version, briefs, editions."""

    def put_extraction(self, article_id: str, pipeline: str, payload: dict[str, Any]) -> None: ...

    def put_extractions(self, rows: Sequence[tuple[str, dict[str, Any]]], pipeline: str) -> None:
        """Many (article id, payload) rows under ``pipeline`` in one statement (a bulk extraction)."""
        ...

    def extraction(self, article_id: str, pipeline: str) -> dict[str, Any] | None: ...

    def extractions(self, article_ids: Sequence[str], pipeline: str) -> dict[str, dict[str, Any]]: ...

    def put_brief(self, slug: str, company_id: str, session: dt.date, payload: dict[str, Any]) -> None: ...

    def brief(self, slug: str) -> dict[str, Any] | None: ...

    def briefs(self, *, company_id: str | None = None, limit: int = 50) -> list[dict[str, Any]]: ...

    def put_edition(self, slug: str, session: dt.date, payload: dict[str, Any]) -> None: ...

    def edition(self, slug: str | None = None) -> dict[str, Any] | None: ...

    def editions(self, *, limit: int = 50, offset: int = 0) -> list[dict[str, Any]]: ...


class NewsletterStore(Protocol):
    """Readers: subscribers, watch-lists, one-time tokens, and the send log that makes sending crash-safe."""

    def upsert_subscriber(self, *, subscriber_id: str, email: str, frequency: str, status: str = "pending") -> str: ...

    def subscriber(self, subscriber_id: str | None = None, *, email: str | None = None) -> dict[str, Any] | None: ...

    def subscribers(
        self, *, status: str | None = "active", frequencies: Sequence[str] | None = None, watching: str | None = None
    ) -> list[dict[str, Any]]: ...

    def count_subscribers(self, *, status: str | None = "active") -> int: ...

    def set_subscriber(
        self, subscriber_id: str, *, status: str, frequency: str | None = None, watchlist: Sequence[str] | None = None
    ) -> None: ...

    def add_subscribers(self, rows: Sequence[tuple[str, str, str, str]]) -> int: ...

    def watchlist(self, subscriber_id: str) -> list[str]: ...

    def watched_companies(self, *, frequencies: Sequence[str] = ("instant", "both")) -> set[str]: ...

    def put_token(self, jti: str, subscriber_id: str, purpose: str) -> None: ...

    def use_token(self, jti: str, subscriber_id: str, purpose: str) -> bool: ...

    def sent_to(self, mailing: str) -> set[str]: ...

    def log_sends(self, rows: Sequence[tuple[str, str, str, int, str, str | None]]) -> None: ...

    def send_log(self, mailing: str) -> list[dict[str, Any]]: ...


#: Statuses of a run that published its edition: the scheduler does not run that session again.
RUN_DONE = ("ok", "partial")


class RunStore(Protocol):
    """The runs log of the scheduled market jobs: one row per (market, session) with its latest attempt, so a
    rerun is recognised and a missed run is caught up."""

    def start_run(self, market: str, session: dt.date, started: dt.datetime) -> int:
        """Record an attempt as running (counting attempts); returns the attempt's number."""
        ...

    def finish_run(
        self, market: str, session: dt.date, finished: dt.datetime, status: str, detail: dict[str, Any] | None = None
    ) -> None: ...

    def runs(
        self, market: str | None = None, *, since: dt.date | None = None, until: dt.date | None = None
    ) -> list[dict[str, Any]]: ...

    def done_sessions(self, market: str, since: dt.date) -> set[dt.date]:
        """Sessions from ``since`` whose run published its edition (status in ``RUN_DONE``)."""
        ...




class SourceStore(Protocol):
    """The desk's news sources: the list (seeded from the shipped one; removals stick), the last poll of each
    (interval and freshness), and the events primary sources attach to articles (an 8-K's items)."""

    def source_rows(self, *, include_removed: bool = False) -> list[dict[str, Any]]: ...

    def seed_sources(self, rows: Sequence[Mapping[str, Any]]) -> int: ...

    def put_source(self, row: Mapping[str, Any]) -> None: ...

    def remove_source_row(self, name: str) -> bool: ...

    def source_polls(self) -> dict[str, dict[str, Any]]: ...

    def record_poll(
        self,
        name: str,
        *,
        attempted_at: dt.datetime,
        status: str,
        error: str | None = None,
        new_articles: int = 0,
        newest_item: dt.datetime | None = None,
    ) -> None: ...

    def put_article_events(self, rows: Sequence[Mapping[str, Any]]) -> int: ...

    def article_events(self, article_ids: Sequence[str]) -> dict[str, list[dict[str, Any]]]: ...


class Store(PriceStore, NewsStore, DerivedStore, NewsletterStore, SourceStore, RunStore, Protocol):
    """Every concern at once: what ``open_store`` returns, whatever the backend. Code that needs one
    concern types its argument to that concern's Protocol (the newsletter to ``NewsletterStore``)."""

    url: str
    #: the store's file, or None for ``:memory:`` or a database server
    path: Path | None

    def close(self) -> None: ...

    def schema_version(self) -> int: ...

    def transaction(self) -> AbstractContextManager[None]: ...

    def job_lock(self, name: str) -> AbstractContextManager[None]:
        """Exclusive across processes for the block (two daily jobs never run at once); StoreBusy if held."""
        ...
