"""Incremental price updates from a live provider: ask only for the sessions the store lacks, politely.

For each symbol the plan starts at its newest stored session (that bar is fetched again, as an overlap: it
gives the first new session its previous close, so an ex-date on that session gets its ratio, and it shows
whether the provider's history moved under us) and ends at the newest session whose close has passed.
Symbols already up to date cost no request. Requests go in the provider's batch size, one at a time at
least ``min_interval`` apart, each retried with exponential back-off; a batch that still fails is reported
per symbol and the others go on. Nothing is stored here: :meth:`movedesk.desk.Desk.update_prices` stores
each batch as it arrives, so a provider that fails mid-run loses nothing already fetched.
"""

from __future__ import annotations

import datetime as dt
import functools
import logging
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from movedesk.errors import DataValidationError, MovedeskError, ProviderError
from movedesk.providers.prices.live import PriceQuery
from movedesk.store import UpsertReport

log = logging.getLogger(__name__)

#: History fetched for a symbol the store has never seen, when no ``since`` is given: enough sessions for
#: the estimation window of the abnormal-return model (250 sessions) and the year's context.
FIRST_FETCH_DAYS = 800
#: A stored close and the provider's close for the same session that differ by more than this (relative)
#: mean the provider's history changed (a split or a restatement since we stored it).
HISTORY_CHANGED = 0.02


@dataclass
class PriceUpdate:
    """What an update did, per symbol."""

    provider: str
    report: UpsertReport = field(default_factory=UpsertReport)
    fetched: dict[str, tuple[dt.date, dt.date]] = field(default_factory=dict)  # symbol → (first, last) new session
    skipped: list[str] = field(default_factory=list)  # already up to date: no request
    failed: dict[str, str] = field(default_factory=dict)  # symbol → reason
    changed_history: list[str] = field(default_factory=list)  # overlap close differs from the stored one
    requests: list[PriceQuery] = field(default_factory=list)  # every request made, in order

    @property
    def ok(self) -> bool:
        return not self.failed

    def summary(self) -> dict[str, Any]:
        return {
            "provider": self.provider,
            "fetched": len(self.fetched),
            "skipped": len(self.skipped),
            "failed": dict(self.failed),
            "new": self.report.new,
            "updated": self.report.updated,
            "unchanged": self.report.unchanged,
            "requests": len(self.requests),
            "changed_history": list(self.changed_history),
        }


def plan_requests(
    symbols: Sequence[str],
    last: Mapping[str, dt.date],
    until: Mapping[str, dt.date],
    *,
    since: dt.date | None = None,
    batch_size: int = 1,
) -> tuple[list[PriceQuery], list[str]]:
    """The requests that bring every symbol up to its ``until`` session, and the symbols already there.

    A symbol with bars starts at its newest stored session (the overlap), or at ``since`` when that is
    earlier (a backfill); a new symbol starts at ``since`` or ``FIRST_FETCH_DAYS`` before its ``until``.
    Symbols sharing a range share a request, up to ``batch_size`` symbols each."""
    ranges: dict[tuple[dt.date, dt.date], list[str]] = {}
    skipped: list[str] = []
    for symbol in dict.fromkeys(symbols):
        end = until[symbol]
        have = last.get(symbol)
        if have is not None and have >= end and (since is None or since >= have):
            skipped.append(symbol)
            continue
        if have is None:
            start = since or end - dt.timedelta(days=FIRST_FETCH_DAYS)
        else:
            start = min(have, since) if since is not None else have
        ranges.setdefault((start, end), []).append(symbol)
    queries = []
    size = max(1, batch_size)
    for (start, end), group in sorted(ranges.items()):
        for i in range(0, len(group), size):
            queries.append(PriceQuery(tuple(group[i : i + size]), start, end))
    return queries, skipped


@dataclass
class Politeness:
    """Retries with exponential back-off and a least interval between requests (injectable for tests)."""

    retries: int = 3
    backoff: float = 2.0
    min_interval: float = 1.0
    sleep: Callable[[float], None] = time.sleep
    clock: Callable[[], float] = time.monotonic
    _last: float | None = None

    def call(self, what: str, fn: Callable[[], Any]) -> Any:
        attempt = 0
        while True:
            if self._last is not None:
                wait = self.min_interval - (self.clock() - self._last)
                if wait > 0:
                    self.sleep(wait)
            self._last = self.clock()
            try:
                return fn()
            except ProviderError as exc:
                if attempt >= self.retries:
                    raise
                delay = self.backoff * 2**attempt
                attempt += 1
                log.info("%s failed (%s); retry %d in %.1fs", what, exc, attempt, delay)
                self.sleep(delay)


def fetch_batches(
    provider: Any, queries: Sequence[PriceQuery], politeness: Politeness
) -> Iterator[tuple[PriceQuery, pd.DataFrame | MovedeskError]]:
    """Each request's validated bars, or the error that ended it (after the retries)."""
    for query in queries:
        what = f"{provider.name} {', '.join(query.symbols)} {query.start}..{query.end}"
        try:
            raw = politeness.call(what, functools.partial(provider.fetch, query))
            bars = provider.validate(provider.normalise(raw))
        except (ProviderError, DataValidationError) as exc:
            yield query, exc
            continue
        yield query, bars


def new_rows(
    bars: pd.DataFrame, symbol: str, last: dt.date | None, until: dt.date, stored_close: float | None
) -> tuple[pd.DataFrame, bool]:
    """The rows of ``symbol`` after its stored session and up to ``until`` (a bar of a session that has not
    closed yet is never stored), and whether the overlap bar's close disagrees with the stored one."""
    rows = bars[bars["symbol"] == symbol]
    sessions = rows["session"]
    changed = False
    if last is not None and stored_close is not None:
        overlap = rows[sessions == last]
        if len(overlap):
            theirs = float(overlap["close"].iloc[0])
            changed = abs(theirs / stored_close - 1.0) > HISTORY_CHANGED
    keep = (sessions <= until) & ((sessions > last) if last is not None else True)
    return rows[keep], changed
