"""Stored rows as the values the store Protocols return, shared by the DuckDB and PostgreSQL backends (their
SQL differs; what a row means does not)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from movedesk.models import Article
from movedesk.store.base import utc

#: the articles table's columns, in its order
ARTICLE_COLUMNS = (
    "id", "source", "url", "title", "body", "language", "authors", "published", "published_inferred",
    "first_seen", "relays", "cluster_id", "tickers",
)  # fmt: skip
SOURCE_COLUMNS = (
    "name", "kind", "url", "language", "timezone", "interval_minutes", "markets", "rate_per_second", "targets",
    "enabled", "licence", "verified", "origin",
)  # fmt: skip
POLL_COLUMNS = ("name", "attempted_at", "succeeded_at", "status", "error", "new_articles", "newest_item")


def article_from_row(r: Sequence[Any]) -> Article:
    """An Article from a row of :data:`ARTICLE_COLUMNS`."""
    return Article(
        id=r[0], source=r[1], url=r[2], title=r[3], body=r[4], language=r[5], authors=tuple(r[6] or ()),
        published=utc(r[7]), published_inferred=bool(r[8]), first_seen=utc(r[9]), relays=tuple(r[10] or ()),
        cluster_id=r[11], tickers=tuple(r[12] or ()),
    )  # fmt: skip


def poll_from_row(r: Sequence[Any]) -> dict[str, Any]:
    """A source's last poll from a row of :data:`POLL_COLUMNS`, its times in UTC."""
    row = dict(zip(POLL_COLUMNS, r, strict=True))
    for key in ("attempted_at", "succeeded_at", "newest_item"):
        if row[key] is not None:
            row[key] = utc(row[key])
    return row
