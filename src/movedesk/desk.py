"""The library object the CLI and the web app drive: a store, a registry and settings.

>>> from movedesk.desk import Desk
>>> desk = Desk.open(":memory:")
>>> desk.registry.lookup("0981.HK").id
'SMIC'
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from movedesk import plugins
from movedesk.calendars import (
    is_session,
    last_closed_session,
    load_closures,
    load_holidays,
    mic_from_suffix,
    require_session,
)
from movedesk.config import Settings
from movedesk.detect.descriptors import describe
from movedesk.errors import (
    CalendarHorizon,
    ConfigError,
    DataValidationError,
    InsufficientData,
    MovedeskError,
    ProviderError,
    UnknownCompany,
)
from movedesk.extract.cache import ExtractionCache
from movedesk.extract.options import ExtractOptions
from movedesk.models import Article, ArticleEvent, Company, Explanation, Extraction, Move
from movedesk.registry import Registry, default_registry
from movedesk.store import Store, UpsertReport, open_store

if TYPE_CHECKING:
    from movedesk.detect.partition import Mapper
    from movedesk.detect.scan import ScanResult
    from movedesk.gather.fetch import Fetcher
    from movedesk.gather.ingest import IngestReport
    from movedesk.gather.poll import CheckResult, Poller, PollReport, PollStep
    from movedesk.gather.sources import Source
    from movedesk.providers.base import PriceProvider
    from movedesk.providers.prices.update import Politeness, PriceUpdate
    from movedesk.providers.prices.validate import ValidationReport
    from movedesk.publish.newsletter import Newsletter


log = logging.getLogger(__name__)

#: articles read and linked at a time after an ingest (memory stays flat as archives grow)
_LINK_CHUNK = 2_000


class Desk:
    """One news desk: open it on a store, then ingest, detect, explain and publish."""

    def __init__(self, store: Store, settings: Settings, registry: Registry | None = None) -> None:
        self.store = store
        self.settings = settings
        self.registry = registry or default_registry()
        self.extraction_cache = ExtractionCache(store, self.registry, ExtractOptions.from_settings(settings))

    @classmethod
    def open(cls, db: str | Path | None = None, settings: Settings | None = None) -> Desk:
        settings = settings or Settings()
        if settings.holidays:  # holidays the desk lists past exchange_calendars' release (README, Calendars)
            load_holidays(settings.holidays)
        if settings.closures:  # typhoon days, days of mourning, ad hoc half-days (docs/live.md)
            load_closures(settings.closures)
        return cls(open_store(db if db is not None else settings.db), settings)

    def close(self) -> None:
        self.store.close()

    def __enter__(self) -> Desk:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- ingest ----------------------------------------------------------------------------------------
    def ingest_prices(self, paths: Iterable[str | Path]) -> UpsertReport:
        """Load price files (CSV/Parquet, long format) into the store; each file is all-or-nothing.

        Bad bars are kept and flagged (see ``ingest_price_files`` for the validation report)."""
        return self.ingest_price_files(paths)[0]

    def ingest_news(
        self,
        paths: Iterable[str | Path],
        *,
        extract: bool = False,
        link: bool = True,
        link_progress: Callable[[int, int], None] | None = None,
        **options: Any,
    ) -> IngestReport:
        """Load news (files, folders, feed/page URLs) into the store, de-duplicated, and link each article
        to the companies it mentions. ``options`` are ``movedesk.gather.ingest.IngestOptions`` fields; the
        SSRF guard and the near-duplicate threshold default to the desk's settings. ``extract`` also runs
        the extraction pipeline on the new articles that name a company (:meth:`extract_articles`).
        ``link=False`` leaves linking and extraction of ``report.new_ids`` to the caller (a scheduler's
        workers, ``movedesk.jobs.distributed``); ``link_progress(done, total)`` follows the linking."""
        from movedesk.gather.ingest import ingest_news

        options.setdefault("allow_private", self.settings.allow_private)
        options.setdefault("near_dup_threshold", self.settings.near_dup_threshold)
        report = ingest_news(self.store, paths, **options)
        if link:  # only what this run stored: earlier articles are linked already
            self.link_articles(report.new_ids, extract=extract, progress=link_progress)
        return report

    def link_articles(
        self,
        article_ids: Sequence[str] | None = None,
        *,
        extract: bool = False,
        progress: Callable[[int, int], None] | None = None,
    ) -> int:
        """Record which companies each article mentions (used for fast point-in-time company news);
        with ``extract``, also extract the articles that name one. Returns the number of new links.
        Articles are read, linked and stored in chunks, so memory stays flat however many were ingested;
        ``progress(done, total)`` follows the chunks."""
        from movedesk.extract.entities import link_companies

        options = self.extraction_cache.options
        ids = list(article_ids) if article_ids is not None else None
        total = len(ids) if ids is not None else self.store.count_articles()
        chunks = (
            (self.store.articles_by_id(ids[i : i + _LINK_CHUNK]) for i in range(0, len(ids), _LINK_CHUNK))
            if ids is not None
            else iter([self.store.articles()])
        )
        added = done = 0
        for articles in chunks:
            links = [(a.id, cid) for a in articles for cid in link_companies(a, self.registry, options)]
            added += self.store.link_companies(links)
            if extract:
                linked = {aid for aid, _ in links}
                self.extract_articles([a for a in articles if a.id in linked])
            done += len(articles)
            if progress is not None:
                progress(done, total)
        return added

    def extract_articles(self, articles: Sequence[Article]) -> int:
        """Run the extraction pipeline on ``articles`` now and cache the results in the store, so that the
        first explanation of a move reads them instead of extracting at query time. Articles already
        extracted by the current pipeline are skipped. Returns how many were extracted."""
        return self.extraction_cache.fill(articles)

    def extractions(self, articles: Sequence[Article]) -> list[Extraction]:
        """Each article's extraction, from the cache or computed once and cached."""
        return self.extraction_cache.get_many(articles)

    def company_news(self, company_id: str, since: dt.datetime, until: dt.datetime) -> list[Article]:
        """Articles that name the company, published in [since, until] (point in time), newest first."""
        return self.store.articles(company=company_id, since=since, until=until)

    def last_closes(self, symbols: Sequence[str], start: dt.date, end: dt.date, *, n: int = 2) -> pd.DataFrame:
        """The last ``n`` clean closes of each symbol in [start, end], newest first per symbol."""
        return self.store.last_closes(symbols, start, end, n=n)

    def explain(self, company: Company | str, session: dt.date, *, cutoff: dt.datetime | None = None) -> Explanation:
        """Why ``company`` moved on ``session``, from the bars and the news known at ``cutoff``."""
        from movedesk.explain.explain import explain

        return explain(self, company, session, cutoff=cutoff)

    # -- news sources (the desk's list, polling) --------------------------------------------------------
    def sources(self, *, include_removed: bool = False) -> list[Source]:
        """The desk's news sources, seeded from the shipped list (``data/sources.csv``) on first use."""
        from movedesk.gather.source_list import list_sources

        return list_sources(self.store, include_removed=include_removed)

    def add_source(self, name: str, url: str, *, replace: bool = False, **fields: Any) -> Source:
        """Add a news source to the desk's list: ``kind`` (feed, edgar, hkexnews), ``language``, ``timezone``,
        ``interval_minutes``, ``markets``, ``rate_per_second``, ``targets`` (for a ``{cik}``/``{symbol}``
        template), ``enabled``, ``licence``. It persists in the store."""
        from movedesk.gather.source_list import add_source

        return add_source(self.store, name, url, replace=replace, **fields)

    def remove_source(self, name: str) -> Source:
        """Remove a source from the desk's list; a shipped source stays removed (it is not seeded again)."""
        from movedesk.gather.source_list import remove_source

        return remove_source(self.store, name)

    def source_polls(self) -> dict[str, dict[str, Any]]:
        """The last poll of each source: time, status, error, new articles, the newest item's time."""
        return self.store.source_polls()

    def check_source(self, name: str, *, fetcher: Fetcher | None = None) -> CheckResult:
        """Fetch one source once, parse it, store nothing: reachable, parseable, newest item (freshness)."""
        from movedesk.gather.source_list import get_source

        return self._poller(fetcher).check(get_source(self.store, name))

    def poll_sources(
        self,
        names: Sequence[str] | None = None,
        *,
        market: str | None = None,
        force: bool = False,
        progress: Callable[[PollStep], None] | None = None,
        fetcher: Fetcher | None = None,
    ) -> PollReport:
        """Poll the desk's sources (all enabled ones, ``names``, or those of ``market``: us, hk, cn) into the
        store: conditional GET, each source's interval (``force`` ignores it), per-host pace, the desk's
        contact in the User-Agent (required for SEC sources), the SSRF guard. New articles are linked to the
        companies they name, as ``ingest_news`` does."""
        from movedesk.gather.source_list import get_source, list_sources
        from movedesk.gather.sources import MARKETS

        if market is not None and market not in MARKETS:
            raise ConfigError(f"market {market!r} is not one of {', '.join(MARKETS)}")
        if names:
            chosen = [get_source(self.store, n) for n in dict.fromkeys(names)]
        else:
            chosen = [s for s in list_sources(self.store) if s.enabled and s.pollable]
        if market is not None:
            chosen = [s for s in chosen if market in s.markets]
        report = self._poller(fetcher).poll(chosen, force=force, progress=progress)
        self.link_articles(report.ingest.new_ids)
        return report

    def _poller(self, fetcher: Fetcher | None) -> Poller:
        from movedesk.detect.universe import index_members
        from movedesk.gather.poll import Poller

        return Poller(
            self.store,
            self.registry,
            contact=self.settings.contact,
            allow_private=self.settings.allow_private,
            near_dup_threshold=self.settings.near_dup_threshold,
            universe=lambda name: index_members().get(name.lower(), frozenset()),
            fetcher=fetcher,
        )

    def article_events(self, article_ids: Sequence[str]) -> dict[str, list[ArticleEvent]]:
        """What primary sources say the articles are (an 8-K's items and their move-reason categories)."""
        return {
            aid: [ArticleEvent(article_id=aid, **row) for row in rows]
            for aid, rows in self.store.article_events(article_ids).items()
        }

    # -- detect ----------------------------------------------------------------------------------------
    def company(self, name_or_symbol: str) -> Company:
        return self.registry.lookup(name_or_symbol)

    def move(self, symbol: str, session: dt.date, *, history: int = 400) -> Move:
        """All descriptors of one listing on one session, with its abnormal return vs its benchmark."""
        company = self.registry.lookup(symbol)
        listing = company.listing(symbol) or (company.listings[0] if company.listings else None)
        if listing is None:
            raise UnknownCompany(f"{symbol!r} has no listing")
        require_session(listing.mic, session)
        start = session - dt.timedelta(days=int(history * 1.6))
        bench_symbol = listing.benchmarks[0] if listing.benchmarks else None
        # one symbol per read: the store serves each from its per-symbol cache without filtering a concat
        bars = self.store.bars([listing.symbol], start, session)
        if bars.empty:
            raise InsufficientData(f"no bars for {listing.symbol} up to {session}; ingest prices first")
        bench = self.store.bars([bench_symbol], start, session) if bench_symbol else pd.DataFrame()
        return describe(bars, listing, session, bench if not bench.empty else None, bench_symbol)

    def moves_of(self, company: Company, session: dt.date) -> list[Move]:
        """Moves of every listing of a company that traded on the session."""
        out = []
        for listing in company.listings:
            try:
                if not is_session(listing.mic, session):
                    continue
            except CalendarHorizon:  # that exchange's calendar ends earlier (explain logs it)
                continue
            try:
                out.append(self.move(listing.symbol, session))
            except InsufficientData:
                continue
        return out

    # -- detect: validated ingest, S&P proxy, market-wide scan (markets layer) ----------------------------
    def ingest_price_files(
        self,
        paths: Iterable[str | Path],
        *,
        column_map: dict[str, str] | None = None,
        wide: bool = False,
        strict: bool = False,
        keep_going: bool = False,
    ) -> tuple[UpsertReport, ValidationReport]:
        """Like ingest_prices, with column maps, wide files and the validation report; rebuilds the
        S&P 500 equal-weight proxy when S&P members were ingested. Each file is stored whole or not at all;
        a bad or missing file raises, or with ``keep_going`` is listed in ``rejected`` while the others land."""
        from movedesk.providers.prices.files import load_price_file_with_report
        from movedesk.providers.prices.validate import ValidationReport

        report, validation = UpsertReport(), ValidationReport()
        symbols: set[str] = set()
        for path in paths:
            try:
                bars, checked = load_price_file_with_report(path, wide=wide, column_map=column_map, strict=strict)
            except (DataValidationError, ProviderError) as exc:
                if not keep_going:
                    raise
                report.rejected.append((str(path), str(exc)))
                continue
            report = report.merge(self.store.upsert_bars(bars))
            validation = validation.merge(checked)
            symbols.update(bars["symbol"].unique().tolist())
        self._refresh_sp500_proxy(symbols)
        return report, validation

    def ingest_from(self, provider: str | PriceProvider, query: Any) -> UpsertReport:
        """Fetch bars from a price provider — registered under ``movedesk.price_providers`` by name
        (``yfinance``, ``akshare``, ``csv``…) or given as an object — normalise and validate them, and
        store them (an idempotent upsert; nothing is stored when the provider fails)."""

        source: PriceProvider = (
            plugins.load(plugins.PRICE_PROVIDERS, provider)() if isinstance(provider, str) else provider
        )
        bars = source.validate(source.normalise(source.fetch(query)))
        report = self.store.upsert_bars(bars)
        self._refresh_sp500_proxy(set(bars["symbol"].unique().tolist()))
        return report

    def update_prices(
        self,
        provider: str | PriceProvider,
        symbols: Sequence[str] | None = None,
        *,
        universe: str | None = None,
        since: dt.date | None = None,
        until: dt.date | None = None,
        now: dt.datetime | None = None,
        politeness: Politeness | None = None,
        progress: Callable[[int, int], None] | None = None,
    ) -> PriceUpdate:
        """Bring ``symbols`` (or a ``universe``'s listings and their benchmarks) up to date from a live
        provider (``yfinance``, ``akshare`` or any registered one): only the sessions the store lacks are
        asked for, up to ``until`` or each listing's last closed session at ``now``; each batch is stored as it
        arrives, so a provider failing mid-run loses nothing fetched, and the failures are in ``failed``.
        ``since`` backfills from that date. ``progress(done, total)`` is called after each request."""
        from movedesk.providers.prices.update import (
            Politeness,
            PriceUpdate,
            fetch_batches,
            new_rows,
            plan_requests,
        )

        source: PriceProvider = (
            plugins.load(plugins.PRICE_PROVIDERS, provider)() if isinstance(provider, str) else provider
        )
        wanted = list(symbols or []) + (self.universe_symbols(universe) if universe else [])
        if not wanted:
            raise ConfigError("nothing to update: give symbols or a universe", hint="e.g. --universe hsi")
        now = now or dt.datetime.now(dt.UTC)
        update = PriceUpdate(provider=source.name)
        ends: dict[str, dt.date] = {}
        for symbol in dict.fromkeys(wanted):
            try:
                ends[symbol] = until or last_closed_session(self._mic_of(symbol), now)
            except MovedeskError as exc:  # a calendar past its horizon: say so for that symbol, go on
                update.failed[symbol] = str(exc)
        last = self.store.last_sessions(list(ends))
        queries, update.skipped = plan_requests(
            list(ends), last, ends, since=since, batch_size=int(getattr(source, "batch_size", 1))
        )
        stored = self.store.last_closes(list(last), min(last.values()), max(last.values()), n=1) if last else None
        stored_close = {} if stored is None else {
            symbol: float(close)
            for symbol, session, close in zip(stored["symbol"], stored["session"], stored["close"], strict=True)
            if session == last.get(symbol)
        }
        polite = politeness or Politeness(min_interval=float(getattr(source, "min_interval", 1.0)))
        touched: set[str] = set()
        for done, (query, result) in enumerate(fetch_batches(source, queries, polite), start=1):
            update.requests.append(query)
            if isinstance(result, MovedeskError):
                for symbol in query.symbols:
                    update.failed[symbol] = str(result)
            else:
                parts = []
                for symbol in query.symbols:
                    rows, changed = new_rows(
                        result, symbol, last.get(symbol), ends[symbol], stored_close.get(symbol)
                    )
                    if changed:
                        update.changed_history.append(symbol)
                        log.warning("%s: %s's close for %s differs from the stored one (split or restatement?)",
                                    symbol, source.name, last.get(symbol))
                    if rows.empty:
                        if last.get(symbol) is None or last[symbol] < ends[symbol]:
                            update.failed[symbol] = f"{source.name} returned no bars up to {ends[symbol]}"
                        continue
                    update.fetched[symbol] = (rows["session"].min(), rows["session"].max())
                    parts.append(rows)
                if parts:
                    update.report = update.report.merge(self.store.upsert_bars(pd.concat(parts, ignore_index=True)))
                    touched.update(s for s in query.symbols if s in update.fetched)
            if progress is not None:
                progress(done, len(queries))
        self._refresh_sp500_proxy(touched)
        return update

    def universe_symbols(self, universe: str) -> list[str]:
        """The symbols of a universe's listings (whether or not the store has bars) and their benchmarks."""
        from movedesk.detect.universe import resolve_universe

        known = {x.symbol for c in self.registry for x in c.listings}
        listings = resolve_universe(self.registry, universe, known)
        benchmarks = [b for x in listings for b in x.benchmarks if b in known and not b.startswith("^SP500EW")]
        return list(dict.fromkeys([x.symbol for x in listings] + benchmarks))

    def _mic_of(self, symbol: str) -> str:
        try:
            return self.registry.listing(symbol).mic
        except UnknownCompany:
            return mic_from_suffix(symbol)

    def _refresh_sp500_proxy(self, symbols: set[str]) -> None:
        """Rebuild ^SP500EW when S&P members were stored; with too few members for it yet, leave it (the
        scan then uses the panel's own equal-weight proxy) instead of failing an ingest that succeeded."""
        from movedesk.detect.universe import proxy_members

        if not symbols & set(proxy_members(self.registry)):
            return
        try:
            self.rebuild_sp500_proxy()
        except InsufficientData as exc:
            log.info("S&P 500 proxy not rebuilt: %s", exc)

    def rebuild_sp500_proxy(self) -> int:
        """(Re)store ^SP500EW, the equal-weight proxy of the S&P members in the store; returns bars."""
        from movedesk.detect.scan import SP500_PROXY, equal_weight_index
        from movedesk.detect.universe import proxy_members

        members = proxy_members(self.registry)
        bars = self.store.bars(members)
        if bars.empty:
            return 0
        proxy = equal_weight_index(bars, SP500_PROXY)
        self.store.upsert_bars(proxy)
        return len(proxy)

    def scan(
        self,
        start: dt.date,
        end: dt.date | None = None,
        *,
        universe: str | Sequence[str] | None = None,
        min_z: float | None = None,
        model: str = "market-model",
        parts: int = 1,
        mapper: Mapper | None = None,
    ) -> ScanResult:
        """Significant abnormal moves of a universe on a date or range, ranked, with market verdicts.

        ``parts``/``mapper``: each panel cut into listing partitions scanned by ``mapper`` (a scheduler's
        workers, ``movedesk.jobs.distributed.scan``), with the same result."""
        from movedesk.detect.universe import scan_store

        threshold = self.settings.min_abs_z if min_z is None else min_z
        return scan_store(self.store, self.registry, start, end, universe=universe, min_z=threshold, model=model,
                          parts=parts, mapper=mapper)  # fmt: skip

    def top_movers(
        self,
        session: dt.date,
        *,
        universe: str | Sequence[str] | None = None,
        min_z: float | None = None,
        parts: int = 1,
        mapper: Mapper | None = None,
    ) -> tuple[list[Company], ScanResult]:
        """Companies with a significant abnormal move on ``session``, by their largest |z| first (one entry a
        company, indices left out), with the scan they come from (its market verdicts); ``parts``/``mapper``
        as in :meth:`scan`."""
        result = self.scan(session, None, universe=universe, min_z=min_z, parts=parts, mapper=mapper)
        frame = result.moves.sort_values("z", key=lambda s: -s.abs()) if not result.moves.empty else result.moves
        companies: list[Company] = []
        seen: set[str] = set()
        for symbol in frame.get("symbol", []):
            try:
                company = self.registry.lookup(str(symbol))
            except MovedeskError:
                continue
            if company.id not in seen and not company.is_index:
                seen.add(company.id)
                companies.append(company)
        return companies, result

    def move_with_premium(self, symbol: str, session: dt.date, *, fx_symbol: str = "HKDCNY=X") -> Move:
        """``move`` plus the A/H premium when the company has an A and an H line and the store holds the
        FX series ``fx_symbol`` (close = CNY per HKD); without them it equals ``move``."""
        company = self.registry.lookup(symbol)
        listing = company.listing(symbol) or (company.listings[0] if company.listings else None)
        if listing is None:
            raise UnknownCompany(f"{symbol!r} has no listing")
        peer = next((x for x in company.listings if {x.currency, listing.currency} == {"CNY", "HKD"}), None)
        fx = self.store.bars([fx_symbol], session - dt.timedelta(days=14), session) if peer else pd.DataFrame()
        if peer is None or fx.empty:
            return self.move(symbol, session)
        require_session(listing.mic, session)
        start = session - dt.timedelta(days=640)
        bars = self.store.bars([listing.symbol], start, session)
        if bars.empty:
            raise InsufficientData(f"no bars for {listing.symbol} up to {session}; ingest prices first")
        bench_symbol = listing.benchmarks[0] if listing.benchmarks else None
        bench = self.store.bars([bench_symbol], start, session) if bench_symbol else pd.DataFrame()
        peer_bars = self.store.bars([peer.symbol], session - dt.timedelta(days=14), session)
        return describe(
            bars, listing, session, bench if not bench.empty else None, bench_symbol,
            fx=fx, peer=peer_bars, peer_listing=peer,
        )  # fmt: skip

    # -- read: what the CLI and the web app show (they never reach into the store) ------------------------
    def bars(self, symbols: Sequence[str], start: dt.date | None = None, end: dt.date | None = None) -> pd.DataFrame:
        """Stored bars of ``symbols`` in [start, end] (long format, flags kept)."""
        return self.store.bars(symbols, start, end)

    def chart_bars(self, expl: Explanation, days: int = 60) -> tuple[list[str], pd.DataFrame]:
        """(symbols, bars) a brief's chart draws: its listings and their benchmarks, ``days`` back."""
        from movedesk.publish.charts import chart_symbols

        symbols = chart_symbols(expl)
        return symbols, self.store.bars(symbols, expl.session - dt.timedelta(days=days), expl.session)

    def recent_moves(self, company: Company, sessions: int = 10) -> list[dict[str, Any]]:
        """Close-to-close changes of each listing of ``company`` over its last ``sessions`` bars, newest first."""
        from movedesk.detect.descriptors import recent_changes

        symbols = [x.symbol for x in company.listings]
        return recent_changes(self.store.bars(symbols), sessions) if symbols else []

    def articles(
        self,
        *,
        company: str | None = None,
        since: dt.datetime | None = None,
        until: dt.datetime | None = None,
        limit: int | None = None,
    ) -> list[Article]:
        """Stored articles, newest first; ``until`` gives the news as known at that time (point in time)."""
        return self.store.articles(company=company, since=since, until=until, limit=limit)

    def article(self, article_id: str) -> Article | None:
        return self.store.article(article_id)

    def article_with_duplicates(self, article_id: str) -> ArticleView:
        """An article with the duplicates recorded for it; the id of a duplicate gives its original.
        Raises InsufficientData when nothing is stored under ``article_id``."""
        article = self.store.article(article_id)
        requested = None
        if article is None:
            found = self.store.news_members(member_id=article_id)
            if not found:
                raise InsufficientData(
                    f"no article or duplicate with id {article_id!r}", hint="list ids with `movedesk news list`"
                )
            requested = found[0]
            article = self.store.article(str(requested["original_id"]))
        members = self.store.news_members(cluster_id=article.cluster_id or article.id) if article else []
        return ArticleView(article=article, duplicates=members, requested=requested)

    def brief(self, slug: str) -> dict[str, Any] | None:
        """A published brief's JSON payload."""
        return self.store.brief(slug)

    def briefs(self, *, company_id: str | None = None, limit: int = 50) -> list[dict[str, Any]]:
        """Published briefs, newest session first."""
        return self.store.briefs(company_id=company_id, limit=limit)

    def edition(self, slug: str | None = None) -> dict[str, Any] | None:
        """A published edition's payload (the latest when ``slug`` is None)."""
        return self.store.edition(slug)

    def editions(self, *, limit: int = 50, offset: int = 0) -> list[dict[str, Any]]:
        return self.store.editions(limit=limit, offset=offset)

    def newsletter(self) -> Newsletter:
        """The newsletter (sign-up, confirmation, watch-lists, audiences) over this desk's store."""
        from movedesk.publish.newsletter import Newsletter

        return Newsletter(self.store, self.settings, self.registry)

    def watchlist(self, subscriber_id: str) -> list[str]:
        """Company ids a newsletter reader watches."""
        return self.store.watchlist(subscriber_id)


@dataclass
class ArticleView:
    """An article as ``news show`` and the API present it: the original, its duplicates, and the member
    that was asked for when the id given was a duplicate's."""

    article: Article | None
    duplicates: list[dict[str, Any]]
    requested: dict[str, Any] | None = None
