"""Provider contracts (fetch → normalise → validate) and their discovery through entry points.

Built-in providers are registered through the same entry-point groups as third-party ones
(``movedesk.price_providers``, ``movedesk.news_sources``), and loaded lazily on first use.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, Protocol, runtime_checkable

import pandas as pd

from movedesk import plugins
from movedesk.models import Article

PRICE_GROUP = plugins.PRICE_PROVIDERS
NEWS_GROUP = plugins.NEWS_SOURCES


@runtime_checkable
class PriceProvider(Protocol):
    """Turns a query (a path, a symbol list…) into validated bars in the store's long format."""

    name: str

    def fetch(self, query: Any) -> Any: ...

    def normalise(self, raw: Any) -> pd.DataFrame: ...

    def validate(self, bars: pd.DataFrame) -> pd.DataFrame: ...


@runtime_checkable
class NewsSource(Protocol):
    """Turns a query (a path or URL) into Articles; items it cannot read become rejections, not crashes."""

    name: str

    def fetch(self, query: Any) -> Any: ...

    def normalise(self, raw: Any) -> Iterable[Article]: ...

    def validate(self, articles: Iterable[Article]) -> Iterable[Article]: ...


def provider_names(group: str) -> list[str]:
    return plugins.names(group)


def load_provider(group: str, name: str) -> Any:
    """Instantiate the provider registered under ``name`` in ``group``."""
    return plugins.load(group, name)()
