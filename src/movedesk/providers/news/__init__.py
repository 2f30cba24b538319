"""News sources: feeds (RSS/Atom), web pages, bulk files (JSONL/CSV/Parquet) and front-matter text files.

Each is registered under the ``movedesk.news_sources`` entry-point group; :func:`source_class` loads a
source by name through the entry points (third-party ones included) and falls back to the built-ins when
the package metadata is stale. :func:`kind_for` picks a source for a path by its suffix.
"""

from __future__ import annotations

from importlib import import_module
from importlib.metadata import entry_points
from pathlib import Path
from typing import Any

from movedesk.errors import UnknownProvider

BUILTIN: dict[str, str] = {
    "feed": "movedesk.providers.news.feeds:FeedSource",
    "web": "movedesk.providers.news.web:WebPageSource",
    "bulk": "movedesk.providers.news.bulk:BulkSource",
    "frontmatter": "movedesk.providers.news.frontmatter:FrontMatterSource",
}
SUFFIX_KIND: dict[str, str] = {
    ".xml": "feed",
    ".rss": "feed",
    ".atom": "feed",
    ".html": "web",
    ".htm": "web",
    ".md": "frontmatter",
    ".markdown": "frontmatter",
    ".txt": "frontmatter",
    ".parquet": "bulk",
    ".pq": "bulk",
    ".jsonl": "bulk",
    ".ndjson": "bulk",
    ".json": "bulk",
    ".csv": "bulk",
    ".tsv": "bulk",
}


def source_class(name: str) -> Any:
    """The class of the news source registered as ``name``."""
    for ep in entry_points(group="movedesk.news_sources"):
        if ep.name == name:
            return ep.load()
    if name in BUILTIN:
        module, attr = BUILTIN[name].split(":")
        return getattr(import_module(module), attr)
    raise UnknownProvider(f"no news source {name!r}; available: {', '.join(sorted(BUILTIN))}")


def kind_for(path: str | Path) -> str | None:
    """The source kind for a local path by its suffix, or None when the suffix says nothing."""
    return SUFFIX_KIND.get(Path(path).suffix.lower())
