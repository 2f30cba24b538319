"""Public helpers for testing movedesk plugins and briefs (like ``polars.testing``).

>>> from movedesk.testing import FakePriceProvider
>>> bars = FakePriceProvider({"AAA": [10.0, 11.0]}).load("AAA")
>>> list(bars["close"])
[10.0, 11.0]
"""

from __future__ import annotations

import datetime as dt
import difflib
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import pandas as pd

from movedesk.models import Article, Brief


class FakePriceProvider:
    """Bars from closes given in code, one per weekday from ``start``; follows the provider contract."""

    name = "fake"

    def __init__(self, closes: Mapping[str, Sequence[float]], start: dt.date = dt.date(2024, 1, 1)) -> None:
        self.closes = closes
        self.start = start

    def fetch(self, query: Any) -> Mapping[str, Sequence[float]]:
        return {query: self.closes[query]} if isinstance(query, str) else self.closes

    def normalise(self, raw: Mapping[str, Sequence[float]]) -> pd.DataFrame:
        rows = []
        for symbol, closes in raw.items():
            days = pd.bdate_range(self.start, periods=len(closes))
            for day, close in zip(days, closes, strict=True):
                rows.append(
                    {
                        "symbol": symbol,
                        "session": day.date(),
                        "open": close,
                        "high": close,
                        "low": close,
                        "close": close,
                        "volume": 1000.0,
                        "flags": None,
                    }
                )
        return pd.DataFrame(rows)

    def validate(self, bars: pd.DataFrame) -> pd.DataFrame:
        return bars

    def load(self, query: Any) -> pd.DataFrame:
        return self.validate(self.normalise(self.fetch(query)))


class FakeNewsSource:
    """Articles given in code; follows the NewsSource contract."""

    name = "fake"

    def __init__(self, articles: Iterable[Article]) -> None:
        self.articles = list(articles)

    def fetch(self, query: Any) -> list[Article]:
        return self.articles

    def normalise(self, raw: list[Article]) -> Iterable[Article]:
        return raw

    def validate(self, articles: Iterable[Article]) -> Iterable[Article]:
        return articles


def assert_brief_equal(left: Brief, right: Brief) -> None:
    """Raise AssertionError with a unified diff of the Markdown when two briefs differ."""
    if left.markdown != right.markdown or left.explanation != right.explanation:
        diff = "\n".join(
            difflib.unified_diff(left.markdown.splitlines(), right.markdown.splitlines(), "left", "right", lineterm="")
        )
        raise AssertionError(f"briefs differ:\n{diff or '(same text, different explanation)'}")


__all__ = ["FakeNewsSource", "FakePriceProvider", "assert_brief_equal"]
