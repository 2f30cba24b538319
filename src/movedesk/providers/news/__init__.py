"""News sources: feeds (RSS/Atom), web pages, bulk files (JSONL/CSV/Parquet) and front-matter text files.

Each is registered under the ``movedesk.news_sources`` entry-point group; :func:`source_class` loads a
source by name through :mod:`movedesk.plugins` (third-party ones included). :func:`kind_for` picks a
source for a path by its suffix.
"""

from __future__ import annotations

from typing import Any

from movedesk import plugins
from movedesk.gather.documents import SUFFIX_KIND as SUFFIX_KIND
from movedesk.gather.documents import kind_for as kind_for


def source_class(name: str) -> Any:
    """The class of the news source registered as ``name``."""
    return plugins.load(plugins.NEWS_SOURCES, name)
