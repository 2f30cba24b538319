"""Run news sources over paths and store what they yield, idempotently, with a per-item report."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from movedesk.errors import MovedeskError
from movedesk.models import Article
from movedesk.providers.news.frontmatter import FrontMatterSource
from movedesk.store import Store, UpsertReport


def read_news_files(paths: Iterable[str | Path]) -> tuple[list[Article], list[tuple[str, str]]]:
    """Articles from front-matter files (folders are walked for *.md / *.txt); bad files are rejected."""
    source = FrontMatterSource()
    articles: list[Article] = []
    rejected: list[tuple[str, str]] = []
    for path in _expand(paths):
        try:
            articles.extend(source.validate(source.normalise(source.fetch(path))))
        except (MovedeskError, OSError, UnicodeError) as exc:
            rejected.append((str(path), str(exc)))
    return articles, rejected


def ingest_news(store: Store, paths: Iterable[str | Path]) -> UpsertReport:
    articles, rejected = read_news_files(paths)
    report = store.upsert_articles(articles)
    report.rejected.extend(rejected)
    return report


def _expand(paths: Iterable[str | Path]) -> list[Path]:
    out: list[Path] = []
    for p in map(Path, paths):
        if p.is_dir():
            out.extend(sorted(x for x in p.rglob("*") if x.suffix in (".md", ".txt")))
        else:
            out.append(p)
    return out
