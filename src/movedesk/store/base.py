"""The Store interface: narrow enough that DuckDB and PostgreSQL can both implement it.

Writes are idempotent upserts by natural key (re-running an ingest changes nothing); reads of news are
point-in-time (``until=`` a cutoff), which the explain layer relies on to never look ahead.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

import pandas as pd

from movedesk.models import Article

#: The schema version this movedesk writes; a store with a higher one is refused (StoreTooNew).
SCHEMA_VERSION = 3

BAR_COLUMNS = ("symbol", "session", "open", "high", "low", "close", "volume", "flags")


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


class Store(Protocol):
    """What every backend offers. Frames use the columns in ``BAR_COLUMNS``."""

    url: str

    def close(self) -> None: ...

    def schema_version(self) -> int: ...

    # prices
    def upsert_bars(self, bars: pd.DataFrame) -> UpsertReport: ...

    def bars(
        self,
        symbols: Sequence[str] | None = None,
        start: dt.date | None = None,
        end: dt.date | None = None,
    ) -> pd.DataFrame: ...

    def symbols(self) -> list[str]: ...

    # news
    def upsert_articles(self, articles: Iterable[Article]) -> UpsertReport: ...

    def link_companies(self, links: Iterable[tuple[str, str]]) -> int: ...

    def article(self, article_id: str) -> Article | None: ...

    def articles(
        self,
        *,
        company: str | None = None,
        since: dt.datetime | None = None,
        until: dt.datetime | None = None,
        limit: int | None = None,
    ) -> list[Article]: ...

    def count_articles(self) -> int: ...

    # derived results
    def put_extraction(self, article_id: str, pipeline: str, payload: dict[str, Any]) -> None: ...

    def extraction(self, article_id: str, pipeline: str) -> dict[str, Any] | None: ...

    def extractions(self, article_ids: Sequence[str], pipeline: str) -> dict[str, dict[str, Any]]: ...

    def last_closes(
        self, symbols: Sequence[str], start: dt.date, end: dt.date, *, n: int = 2
    ) -> pd.DataFrame: ...

    def put_brief(self, slug: str, company_id: str, session: dt.date, payload: dict[str, Any]) -> None: ...

    def brief(self, slug: str) -> dict[str, Any] | None: ...

    def briefs(self, *, company_id: str | None = None, limit: int = 50) -> list[dict[str, Any]]: ...

    # news de-duplication and fetching (schema 2; see movedesk.gather.ingest)
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
    ) -> int: ...

    def news_members(
        self, *, cluster_id: str | None = None, member_id: str | None = None
    ) -> list[dict[str, Any]]: ...

    def news_counts(self) -> dict[str, int]: ...

    def get_validators(self, url: str) -> tuple[str | None, str | None] | None: ...

    def put_validators(self, url: str, etag: str | None, last_modified: str | None) -> None: ...
