"""The articles table as Arrow: its schema and the column-wise builder that the store and the bulk news
path both use (DuckDB scans Arrow without converting Python objects)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import pyarrow as pa

from movedesk.models import Article

TEXT = pa.string()
TEXTS = pa.list_(pa.string())
STAMP = pa.timestamp("us", tz="UTC")
#: The articles table's columns, in its order (the store writes tables with this schema as they are).
ARTICLE_SCHEMA = pa.schema(
    [
        ("id", TEXT),
        ("source", TEXT),
        ("url", TEXT),
        ("title", TEXT),
        ("body", TEXT),
        ("language", TEXT),
        ("authors", TEXTS),
        ("published", STAMP),
        ("published_inferred", pa.bool_()),
        ("first_seen", STAMP),
        ("relays", TEXTS),
        ("cluster_id", TEXT),
        ("tickers", TEXTS),
    ]
)


def articles_table(articles: Sequence[Article], clusters: Mapping[str, str] | None = None) -> pa.Table:
    """Articles as a table with :data:`ARTICLE_SCHEMA` (the stored form of each field); ``clusters``
    (article id -> cluster id) overrides the articles' own cluster ids."""
    cluster_of = clusters or {}
    return pa.table(
        {
            "id": pa.array([a.id for a in articles], TEXT),
            "source": pa.array([a.source for a in articles], TEXT),
            "url": pa.array([a.url for a in articles], TEXT),
            "title": pa.array([a.title for a in articles], TEXT),
            "body": pa.array([a.body for a in articles], TEXT),
            "language": pa.array([a.language for a in articles], TEXT),
            "authors": pa.array([a.authors for a in articles], TEXTS),
            "published": pa.array([a.published for a in articles], STAMP),
            "published_inferred": pa.array([a.published_inferred for a in articles], pa.bool_()),
            "first_seen": pa.array([a.first_seen for a in articles], STAMP),
            "relays": pa.array([a.relays for a in articles], TEXTS),
            "cluster_id": pa.array([cluster_of.get(a.id, a.cluster_id) for a in articles], TEXT),
            "tickers": pa.array([a.tickers for a in articles], TEXTS),
        },
        schema=ARTICLE_SCHEMA,
    )
