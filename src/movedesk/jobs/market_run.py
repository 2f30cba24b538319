"""One market's daily job (``movedesk run --market hk``): update the universe's prices, ingest the market's
news, then detect → explain → publish the market's edition → mail it; logged in the store's runs log.

Safe to rerun: prices and news are upserts, the edition keeps its slug (``edition-hk-2027-03-01``) and the
send log mails each reader once. A provider that fails for some symbols does not stop the run: it goes on
with what is stored and the report lists the symbols missing (status ``partial``). A provider that fails
for every symbol stops it before anything is published (status ``failed``, so the schedule tries again):
an edition without the day's prices would be empty news. Nothing stored is lost either way.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from movedesk.errors import InsufficientData, NotATradingSession, ProviderError, UnknownProvider
from movedesk.jobs.daily import MarketConfig, RunConfig, publish_and_send
from movedesk.jobs.markets import Market
from movedesk.jobs.schedule import ScheduledRun, Scheduler, latest_due, run_times, utc_now
from movedesk.store import UpsertReport

if TYPE_CHECKING:
    from movedesk.desk import Desk
    from movedesk.gather.poll import PollReport
    from movedesk.providers.base import PriceProvider
    from movedesk.publish.mailer import DeliveryReport, SmtpMailer

log = logging.getLogger(__name__)


@dataclass
class MarketRunReport:
    """What a market's run did: prices fetched, skipped (up to date) and missing (with the reason), news,
    the edition and its deliveries, and the run's status (``ok`` or ``partial``)."""

    market: str
    session: dt.date
    attempt: int = 1
    symbols: list[str] = field(default_factory=list)
    prices: UpsertReport = field(default_factory=UpsertReport)
    fetched: dict[str, tuple[dt.date, dt.date]] = field(default_factory=dict)
    skipped: list[str] = field(default_factory=list)
    missing: dict[str, str] = field(default_factory=dict)
    news: UpsertReport = field(default_factory=UpsertReport)
    sources: PollReport | None = None
    #: news sources that failed to poll (name → why): reported, not counted against the run (`movedesk doctor`)
    sources_failed: dict[str, str] = field(default_factory=dict)
    edition: str = ""
    briefs: list[str] = field(default_factory=list)
    deliveries: list[DeliveryReport] = field(default_factory=list)

    @property
    def status(self) -> str:
        return "partial" if self.missing or self.news.rejected else "ok"

    def detail(self) -> dict[str, Any]:
        """What the runs log keeps of it."""
        return {
            "edition": self.edition,
            "briefs": len(self.briefs),
            "symbols": len(self.symbols),
            "missing": self.missing,
            "news_rejected": [ref for ref, _ in self.news.rejected],
            "sources_failed": self.sources_failed,
        }


def scheduled_run(market: Market, session: dt.date) -> ScheduledRun:
    """The run of ``session``; NotATradingSession when no exchange of the market trades that day."""
    found = run_times(market, session, session)
    if not found:
        raise NotATradingSession(
            f"{session} is not a session of the {market.name} market ({', '.join(market.exchanges)})",
            hint="pick a trading day, or leave --date out for the latest session whose run time has passed",
        )
    return found[0]


def effective_market(market: Market, config: RunConfig) -> tuple[Market, MarketConfig]:
    """The market as run.toml's ``[markets.NAME]`` amends it, and that table."""
    chosen = config.markets.get(market.name, MarketConfig())
    return market.with_overrides(chosen.overrides), chosen


def run_market(
    desk: Desk,
    market: Market,
    session: dt.date | None,
    config: RunConfig,
    *,
    provider: str | PriceProvider | None = None,
    mailer: SmtpMailer | None = None,
    now: Callable[[], dt.datetime] = utc_now,
    client: Any = None,
) -> MarketRunReport:
    """Run ``market``'s daily job for ``session`` (None: the latest session whose run time has passed) and log
    it in the store's runs log (``market`` as amended by ``config.markets``; ``provider`` replaces the market's
    price provider, e.g. a test's). Refuses a session that has not closed yet: its bars would be intraday,
    and the run would count as done."""
    market, table = effective_market(market, config)
    scheduled = latest_due(market, now()) if session is None else scheduled_run(market, session)
    session = scheduled.session
    if now() < scheduled.close:
        raise InsufficientData(
            f"the {market.name} session of {session} closes at {scheduled.local_close:%Y-%m-%d %H:%M %Z}; "
            "its prices are not final yet",
            hint=f"its run is due at {scheduled.local_run_at:%H:%M %Z} (`movedesk schedule --show` lists run times)",
        )
    # a second `run --market` of this market (another machine, a manual rerun) is refused, not interleaved
    with desk.store.job_lock(f"run-{market.name}"):
        return _run_locked(desk, market, table, session, config, provider=provider, mailer=mailer, now=now,
                           client=client)  # fmt: skip


def _run_locked(
    desk: Desk,
    market: Market,
    table: MarketConfig,
    session: dt.date,
    config: RunConfig,
    *,
    provider: str | PriceProvider | None,
    mailer: SmtpMailer | None,
    now: Callable[[], dt.datetime],
    client: Any = None,
) -> MarketRunReport:
    report = MarketRunReport(market=market.name, session=session)
    report.attempt = desk.store.start_run(market.name, session, now())
    try:
        _update_prices(desk, market, session, report, provider)
        news = table.news if table.news is not None else config.news
        if news:
            report.news = desk.ingest_news(news)
        if config.sources:  # the desk's news sources of this market (`movedesk sources`), each when it is due
            report.sources = desk.poll_sources(market=market.name)
            for outcome in report.sources.outcomes:
                if outcome.status == "failed" or outcome.failed:
                    report.sources_failed[outcome.name] = outcome.detail or "failed"
        report.edition, report.briefs, report.deliveries = publish_and_send(
            desk, session, universe=market.universe, top=table.top or config.top, send=config.send,
            connections=config.connections, mailer=mailer, scope=market.name, scope_label=market.label,
            client=client,
        )  # fmt: skip
    except BaseException as exc:
        desk.store.finish_run(market.name, session, now(), "failed", {**report.detail(), "error": str(exc)})
        raise
    desk.store.finish_run(market.name, session, now(), report.status, report.detail())
    return report


def _update_prices(
    desk: Desk, market: Market, session: dt.date, report: MarketRunReport, provider: str | PriceProvider | None
) -> None:
    """Fetch the sessions the store lacks for the market's symbols; a symbol that fails is listed in
    ``report.missing`` and the run goes on, unless every one failed (ProviderError)."""
    report.symbols = desk.universe_symbols(market.universe)  # its listings and their benchmarks
    source = provider if provider is not None else market.provider
    try:  # only the sessions the store lacks, up to this one (a backfill is `ingest prices --since`)
        update = desk.update_prices(source, report.symbols, until=session)
    except UnknownProvider:
        raise
    except ProviderError as exc:  # down altogether: nothing was fetched, nothing stored is touched
        update = None
        report.missing = {symbol: str(exc) for symbol in report.symbols}
    if update is not None:
        report.prices = update.report
        report.fetched = dict(update.fetched)
        report.skipped = list(update.skipped)
        report.missing = {str(k): str(v) for k, v in dict(update.failed).items()}
    if report.symbols and len(report.missing) == len(report.symbols):
        name = source if isinstance(source, str) else getattr(source, "name", type(source).__name__)
        first = next(iter(report.missing.values()))
        raise ProviderError(
            f"the {name} provider failed for all {len(report.symbols)} symbols of the {market.name} market "
            f"({first}); nothing was published",
            hint="check the network and the provider; the schedule tries again, or rerun "
            f"`movedesk run --market {market.name} --date {session}`",
        )
    if report.missing:
        log.warning("%s %s: %d symbols missing: %s", market.name, session, len(report.missing),
                    ", ".join(sorted(report.missing)[:10]))


def desk_scheduler(
    open_desk: Callable[[], Desk],
    markets: list[Market],
    config: RunConfig,
    *,
    catchup: dt.timedelta,
    provider: str | PriceProvider | None = None,
    mailer: SmtpMailer | None = None,
    now: Callable[[], dt.datetime] = utc_now,
    sleep: Callable[[float], object] | None = None,
    scheduler: str | None = None,
) -> Scheduler:
    """The scheduler of ``movedesk schedule`` over a store: each run and each look at the runs log opens the
    desk (``open_desk``) and closes it after, so ``movedesk serve`` shares the store between runs. With a
    Dask ``scheduler`` (docs/dask.md), each run's scan and its movers' news go to its workers."""
    from movedesk.jobs.dask_cluster import client_for

    chosen = {m.name: effective_market(m, config)[0] for m in markets}

    def run(scheduled: ScheduledRun) -> str:
        with open_desk() as desk, client_for(scheduler) as client:
            report = run_market(desk, chosen[scheduled.market], scheduled.session, config,
                                provider=provider, mailer=mailer, now=now, client=client)
        return report.status

    def done(market: str, since: dt.date) -> set[dt.date]:
        with open_desk() as desk:
            return desk.store.done_sessions(market, since)

    return Scheduler(markets=list(chosen.values()), run=run, done=done, catchup=catchup, now=now, sleep=sleep)


def schedule_rows(desk: Desk | None, markets: list[Market], config: RunConfig, start: dt.date,
                  end: dt.date) -> list[dict[str, Any]]:
    """The run times of ``markets`` in [start, end], by run time, each with its runs-log status when a
    ``desk`` is given (``ok``, ``partial``, ``failed``, ``running``; None: not run)."""
    rows: list[dict[str, Any]] = []
    for market in markets:
        chosen = effective_market(market, config)[0]
        logged = {r["session"]: r for r in desk.store.runs(chosen.name, since=start, until=end)} if desk else {}
        for run in run_times(chosen, start, end):
            entry = logged.get(run.session)
            rows.append({**run.as_dict(), "status": entry["status"] if entry else None})
    return sorted(rows, key=lambda r: (r["run_at_utc"], r["market"]))
