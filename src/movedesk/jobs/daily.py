"""The daily job: ingest → detect → explain → publish the edition → send it; idempotent, safe to rerun.

Every step is an upsert or is guarded by the send log: rerunning the same date re-ingests nothing new,
re-publishes the same edition, and mails only readers who did not get it yet.

Configuration is a small TOML file (``movedesk run --config run.toml``)::

    prices = ["data/bars.csv"]        # price files (CSV/Parquet, long format)
    news = ["data/news/", "https://example.com/feed.xml"]  # files, folders, feed/page URLs
    universe = "all"                  # optional
    top = 5                           # movers per edition
    send = true                       # mail the edition and alerts
    connections = 4                   # parallel SMTP connections

    [live]                            # optional: bars from a live provider before the files
    provider = "yfinance"             # or "akshare", or any registered price provider
    universe = "hsi"                  # its listings and their benchmarks; and/or
    symbols = ["0981.HK", "688981.SS"]
    since = "2024-01-02"              # optional backfill; by default only the sessions the store lacks

    [markets.hk]                      # optional, per market of `movedesk run --market` (data/markets.toml):
    provider = "akshare"              # its price provider, universe or delay_minutes instead of the shipped,
    news = ["https://example.com/hk.xml"]  # and its own news list (else the top-level one) and top
    # a market's run also polls the desk's news sources of that market; `sources = false` (top level) not
"""

from __future__ import annotations

import datetime as dt
import logging
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from movedesk.errors import ConfigError, InsufficientData, MovedeskError
from movedesk.jobs.markets import market
from movedesk.publish.brief import brief_json
from movedesk.publish.charts import price_chart, to_png
from movedesk.publish.mailer import DeliveryReport, SmtpMailer, deliver
from movedesk.publish.mailings import alert_mailing, edition_mailing, explanation_of, mail_png
from movedesk.publish.newsletter import Newsletter
from movedesk.store import UpsertReport

if TYPE_CHECKING:
    from movedesk.desk import Desk
    from movedesk.gather.ingest import IngestReport
    from movedesk.publish.edition import Edition
    from movedesk.publish.mailings import Mailing


@dataclass
class MarketConfig:
    """run.toml's ``[markets.NAME]``: fields of the shipped market to override, and its own news and top."""

    overrides: dict[str, Any] = field(default_factory=dict)
    news: list[str | Path] | None = None
    top: int | None = None


@dataclass
class LivePrices:
    """Where the run's bars come from when they are fetched live (``[live]`` in run.toml)."""

    provider: str
    symbols: list[str] = field(default_factory=list)
    universe: str | None = None
    since: dt.date | None = None


@dataclass
class RunConfig:
    prices: list[Path] = field(default_factory=list)
    news: list[str | Path] = field(default_factory=list)  #: files, folders, or feed/page URLs
    universe: str | None = None
    top: int = 5
    send: bool = True
    connections: int = 4
    markets: dict[str, MarketConfig] = field(default_factory=dict)
    #: a market's run polls the desk's news sources of that market (`movedesk sources`)
    sources: bool = True
    live: LivePrices | None = None


def load_run_config(path: str | Path | None) -> RunConfig:
    """Read the TOML run configuration (relative paths are relative to the file); None → defaults."""
    if path is None:
        return RunConfig()
    path = Path(path)
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ConfigError(f"cannot read the run config {path}: {exc.strerror}") from exc
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"the run config {path} is not valid TOML: {exc}") from exc
    known = {"prices", "news", "universe", "top", "send", "connections", "live", "markets", "sources"}
    unknown = sorted(set(data) - known)
    if unknown:
        raise ConfigError(f"unknown key {unknown[0]!r} in {path}; known keys: {', '.join(sorted(known))}")
    base = path.parent

    def paths(key: str, table: dict[str, Any] = data) -> list[str | Path]:
        value = table.get(key, [])
        if isinstance(value, str):
            value = [value]
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise ConfigError(f"{key} in {path} must be a list of paths")
        return [v if "://" in v else (base / v) if not Path(v).is_absolute() else Path(v) for v in value]

    def check_top(top: Any, where: str) -> int:
        if not isinstance(top, int) or not 1 <= top <= 100:
            raise ConfigError(f"{where} in {path} must be an integer from 1 to 100, got {top!r}")
        return top

    top = check_top(data.get("top", 5), "top")
    connections = data.get("connections", 4)
    if not isinstance(connections, int) or not 1 <= connections <= 32:
        raise ConfigError(f"connections in {path} must be an integer from 1 to 32, got {connections!r}")
    universe = data.get("universe")
    markets: dict[str, MarketConfig] = {}
    if not isinstance(data.get("markets", {}), dict):
        raise ConfigError(f"markets in {path} must be tables: [markets.hk] with provider = ..., news = [...]")
    for name, table in data.get("markets", {}).items():
        if not isinstance(table, dict):
            raise ConfigError(f"markets.{name} in {path} must be a table ([markets.{name}])")
        chosen = market(name).with_overrides(  # an unknown market or field is refused here, not at 3 a.m.
            {k: v for k, v in table.items() if k not in ("news", "top")}, where=str(path)
        )
        markets[chosen.name] = MarketConfig(
            overrides={k: v for k, v in table.items() if k not in ("news", "top")},
            news=paths("news", table) if "news" in table else None,
            top=check_top(table["top"], f"markets.{name}.top") if "top" in table else None,
        )
    live = _live_config(data.get("live"), path) if "live" in data else None
    return RunConfig(
        markets=markets,
        sources=bool(data.get("sources", True)),
        prices=[Path(p) for p in paths("prices")],
        news=paths("news"),
        universe=str(universe) if universe not in (None, "all") else None,
        top=top,
        send=bool(data.get("send", True)),
        connections=connections,
        live=live,
    )


def _live_config(table: Any, path: Path) -> LivePrices:
    if not isinstance(table, dict):
        raise ConfigError(f"live in {path} must be a table: [live] with provider = ...")
    unknown = sorted(set(table) - {"provider", "symbols", "universe", "since"})
    if unknown:
        raise ConfigError(f"unknown key {unknown[0]!r} in [live] of {path}; known: provider, symbols, universe, since")
    provider = table.get("provider")
    symbols = table.get("symbols", [])
    if isinstance(symbols, str):
        symbols = [s.strip() for s in symbols.split(",") if s.strip()]
    if not isinstance(provider, str) or not provider:
        raise ConfigError(f"[live] in {path} needs provider = \"yfinance\" (or another registered price provider)")
    if not isinstance(symbols, list) or not all(isinstance(s, str) for s in symbols):
        raise ConfigError(f"symbols in [live] of {path} must be a list of symbols")
    universe = table.get("universe")
    if not symbols and not universe:
        raise ConfigError(f"[live] in {path} needs symbols or a universe")
    since = table.get("since")
    if isinstance(since, str):
        try:
            since = dt.date.fromisoformat(since)
        except ValueError as exc:
            raise ConfigError(f"since in [live] of {path} must be a date (YYYY-MM-DD), got {since!r}") from exc
    if since is not None and not isinstance(since, dt.date):
        raise ConfigError(f"since in [live] of {path} must be a date (YYYY-MM-DD)")
    return LivePrices(provider, list(symbols), str(universe) if universe else None, since)


@dataclass
class DailyReport:
    session: dt.date
    prices: UpsertReport = field(default_factory=UpsertReport)
    missing: dict[str, str] = field(default_factory=dict)  #: symbols the live provider failed to give
    news: UpsertReport = field(default_factory=UpsertReport)
    edition: str = ""
    briefs: list[str] = field(default_factory=list)
    deliveries: list[DeliveryReport] = field(default_factory=list)


def store_edition(desk: Desk, edition: Edition) -> dict[str, Any]:
    """Store every brief and the edition itself (idempotent: same slugs, replaced)."""
    from movedesk.publish.edition import edition_json

    for brief in edition.briefs:
        expl = brief.explanation
        desk.store.put_brief(brief.slug, expl.company.id, expl.session, brief_json(brief))
    payload = edition_json(edition)
    payload["slug"] = edition.slug
    desk.store.put_edition(edition.slug, edition.session, payload)
    return payload


def charts(desk: Desk, briefs: list[dict[str, Any]]) -> dict[str, bytes]:
    """PNG chart per brief slug for mails, drawn from the store's bars (palette PNG, see ``mail_png``)."""
    out: dict[str, bytes] = {}
    for brief in briefs:
        expl = explanation_of(brief)
        symbols, bars = desk.chart_bars(expl)
        if not bars.empty:
            out[str(brief["slug"])] = mail_png(to_png(price_chart(bars, symbols, expl.session)))
    return out


def _send(desk: Desk, newsletter: Newsletter, mailer: SmtpMailer, mailing: Mailing,
          audience: list[dict[str, Any]], connections: int) -> DeliveryReport:
    def build(row: dict[str, Any]) -> tuple[str, bytes, str]:
        url = newsletter.unsubscribe_url(row["id"])
        manage = newsletter.manage_url(row["id"])
        return row["email"], mailing.render(row["email"], row["id"], url, manage), mailing.message_id(row["id"])

    return deliver(desk.store, mailer, mailing.key, audience, build, connections=connections)


def send_edition(
    desk: Desk, mailer: SmtpMailer, slug: str | None = None, *, connections: int = 4
) -> DeliveryReport:
    """Mail a stored edition (the latest when ``slug`` is None) to daily readers not yet sent it."""
    payload = desk.store.edition(slug)
    if payload is None:
        raise InsufficientData(f"no edition {slug or '(latest)'} in the store", hint="run `movedesk run --date D`")
    newsletter = desk.newsletter()
    mailing = edition_mailing(payload, desk.settings, charts(desk, payload.get("briefs", [])))
    return _send(desk, newsletter, mailer, mailing, newsletter.edition_audience(), connections)


def send_alerts(
    desk: Desk,
    mailer: SmtpMailer,
    slug: str | None = None,
    *,
    extra: list[dict[str, Any]] | None = None,
    min_z: float | None = None,
    connections: int = 4,
) -> list[DeliveryReport]:
    """Instant alerts: each brief of the edition (and ``extra`` briefs) whose |z| ≥ min_z goes to the
    readers watching that company; each (brief, reader) at most once, ever."""
    payload = desk.store.edition(slug)
    briefs = list(payload.get("briefs", [])) if payload else []
    briefs += extra or []
    threshold = desk.settings.min_abs_z if min_z is None else min_z
    newsletter = desk.newsletter()
    reports = []
    for brief in briefs:
        expl = brief["explanation"]
        zs = [abs(m["z"]) for m in expl.get("moves", []) if m.get("z") is not None]
        if not zs or max(zs) < threshold:
            continue
        audience = newsletter.alert_audience(expl["company"]["id"])
        if not audience:
            continue
        mailing = alert_mailing(brief, desk.settings, charts(desk, [brief]).get(str(brief["slug"]), b""))
        reports.append(_send(desk, newsletter, mailer, mailing, audience, connections))
    return reports


def watched_briefs(desk: Desk, edition: Edition, *, universe: str | None = None) -> list[dict[str, Any]]:
    """Briefs for watched companies that moved significantly but are not among the edition's top movers."""
    from movedesk.explain.explain import explain
    from movedesk.publish.writer import build_brief

    log = logging.getLogger(__name__)
    missing = desk.store.watched_companies() - {b.explanation.company.id for b in edition.briefs}
    if not missing:
        return []
    out: list[dict[str, Any]] = []
    movers = edition.movers if edition.movers is not None else desk.top_movers(edition.session, universe=universe)[0]
    for company in movers:
        if company.id not in missing:
            continue
        missing.discard(company.id)
        try:
            brief = build_brief(desk, explain(desk, company, edition.session))[0]
        except MovedeskError as exc:
            log.warning("no alert brief for %s on %s: %s", company.id, edition.session, exc)
            continue
        payload = brief_json(brief)
        desk.store.put_brief(brief.slug, company.id, edition.session, payload)
        out.append(payload)
    return out


def run_daily(
    desk: Desk, session: dt.date, config: RunConfig, *, mailer: SmtpMailer | None = None, client: Any = None
) -> DailyReport:
    """The whole day: ingest the configured files, build and store the edition, send it and the alerts. Two
    daily jobs on one store never run at once: the second gets StoreBusy. With a Dask ``client``, the news
    files, the scan and the news the explanations read go to its workers (``movedesk.jobs.distributed``)."""
    with desk.store.job_lock("run-daily"):
        return _run_daily_locked(desk, session, config, mailer, client)


def _run_daily_locked(
    desk: Desk, session: dt.date, config: RunConfig, mailer: SmtpMailer | None, client: Any = None
) -> DailyReport:
    report = DailyReport(session=session)
    if config.live is not None:  # a provider that fails loses nothing: the run goes on with what is stored
        live = config.live
        update = desk.update_prices(live.provider, live.symbols, universe=live.universe, since=live.since,
                                    until=session)
        report.prices = report.prices.merge(update.report)
        report.missing = dict(update.failed)
    if config.prices:  # a refused file is reported (the CLI exits 5), the others still land
        report.prices = report.prices.merge(desk.ingest_price_files(config.prices, keep_going=True)[0])
    if config.news:
        report.news = _ingest_news(desk, config.news, client)
    report.edition, report.briefs, report.deliveries = publish_and_send(
        desk, session, universe=config.universe, top=config.top, send=config.send, client=client,
        connections=config.connections, mailer=mailer,
    )  # fmt: skip
    return report


def _ingest_news(desk: Desk, paths: list[str | Path], client: Any) -> IngestReport:
    if client is None:
        return desk.ingest_news(paths)
    from movedesk.jobs.distributed import ingest_news

    return ingest_news(desk, paths, client=client)


def publish_and_send(
    desk: Desk,
    session: dt.date,
    *,
    universe: str | None,
    top: int,
    send: bool,
    connections: int = 4,
    mailer: SmtpMailer | None = None,
    scope: str | None = None,
    scope_label: str | None = None,
    client: Any = None,
) -> tuple[str, list[str], list[DeliveryReport]]:
    """Build and store the edition (a market's when ``scope`` names one), mail it and the alerts; returns
    the edition's slug, its brief slugs (and the alerts'), and the deliveries. Idempotent: same slugs, and the
    send log mails each reader once."""
    from movedesk.publish.edition import build_edition

    log = logging.getLogger(__name__)
    if client is not None:  # the scan and the movers' news on the workers: the same edition
        from movedesk.jobs.distributed import build_edition as build_on_workers

        edition = build_on_workers(desk, session, client=client, universe=universe, top=top, scope=scope,
                                   scope_label=scope_label)  # fmt: skip
    else:
        edition = build_edition(desk, session, universe=universe, top=top, scope=scope, scope_label=scope_label)
    store_edition(desk, edition)
    briefs = [b.slug for b in edition.briefs]
    deliveries: list[DeliveryReport] = []
    log.info("edition %s: %d briefs", edition.slug, len(edition.briefs))
    if send:
        mailer = mailer or SmtpMailer(desk.settings)
        if edition.briefs:
            deliveries.append(send_edition(desk, mailer, edition.slug, connections=connections))
        extra = watched_briefs(desk, edition, universe=universe)
        briefs += [str(b["slug"]) for b in extra]
        deliveries += send_alerts(desk, mailer, edition.slug, extra=extra, connections=connections)
    return edition.slug, briefs, deliveries
