"""Polling the desk's news sources: conditional GET, intervals, per-host pace, a User-Agent with a contact.

For each source that is due (its interval has passed since its last poll, unless ``force``), every URL it
stands for (one, or a template filled per company) is fetched through one :class:`~movedesk.gather.fetch.Fetcher`:

* **conditional GET** with the ETag / Last-Modified the store kept from the last fetch (a 304 is *not
  modified* and costs nothing);
* **per-host pace**: a host that states its limit in the source list (the SEC: 10 requests a second) is
  fetched at that pace, every other host at the fetcher's default of one request a second;
* **User-Agent** ``movedesk/VERSION NAME EMAIL`` from ``MOVEDESK_CONTACT``; the SEC refuses undeclared tools,
  so polling a sec.gov source without a contact is refused before anything is fetched (ConfigError);
* the **SSRF guard** and robots.txt of the fetcher (``allow_private`` only from the settings).

What a source serves is read by its kind (RSS/Atom, EDGAR Atom, HKEXnews JSON) and ingested through the
same de-duplicating :class:`~movedesk.gather.ingest.Ingestor` as ``ingest news``. A source that fails is
reported with its error and changes nothing stored: its articles, validators and last success stay.
"""

from __future__ import annotations

import datetime as dt
import logging
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from movedesk import __version__
from movedesk.errors import ConfigError, DataValidationError, MovedeskError
from movedesk.gather.documents import Document
from movedesk.gather.fetch import USER_AGENT, Fetcher, FetchResult, MemoryValidatorCache, ValidatorCache
from movedesk.gather.filings import Parsed, parse_edgar, parse_hkexnews
from movedesk.gather.ingest import IngestOptions, Ingestor, IngestReport
from movedesk.gather.normalise import BuildOptions, Rejection
from movedesk.gather.sources import Source, company_by_cik, expand, load_ciks
from movedesk.models import Article
from movedesk.plugins import NEWS_SOURCES, load
from movedesk.registry import Registry
from movedesk.store import Store

log = logging.getLogger(__name__)

_CONTACT = re.compile(r"^(?P<name>.*\S)\s+<?(?P<email>[^\s<>@]+@[^\s<>@]+\.[^\s<>@]+)>?$")
CONTACT_HINT = "set MOVEDESK_CONTACT to a name and an e-mail, e.g. MOVEDESK_CONTACT='Jane Doe jane@example.com'"


def user_agent(contact: str) -> str:
    """The User-Agent that identifies the desk: ``movedesk/VERSION NAME EMAIL`` (the form the SEC asks for:
    a name and an e-mail, no URL or parentheses), or the anonymous default without a contact."""
    return f"movedesk/{__version__} {' '.join(contact.split())}" if contact.strip() else USER_AGENT


def valid_contact(contact: str) -> bool:
    """A name followed by an e-mail address."""
    return bool(_CONTACT.match(contact.strip()))


def needs_contact(source: Source) -> bool:
    """The SEC requires a declared User-Agent with a contact for every request to sec.gov."""
    return source.kind == "edgar" or source.host == "sec.gov" or source.host.endswith(".sec.gov")


def require_contact(sources: Iterable[Source], contact: str) -> None:
    """Refuse (ConfigError) when a source that needs a contact is to be polled without a valid one."""
    names = [s.name for s in sources if needs_contact(s)]
    if names and not valid_contact(contact):
        what = "is not set" if not contact.strip() else f"{contact!r} is not a name and an e-mail"
        raise ConfigError(
            f"polling {', '.join(names[:3])}{' …' if len(names) > 3 else ''} needs a contact in the User-Agent "
            f"(the SEC's fair-access policy), and MOVEDESK_CONTACT {what}",
            hint=CONTACT_HINT + "; or leave these sources out: movedesk sources remove NAME",
        )


def host_intervals(sources: Iterable[Source]) -> dict[str, float]:
    """Seconds between two requests to each host that states its rate (the strictest one wins)."""
    out: dict[str, float] = {}
    for s in sources:
        if s.rate_per_second:
            out[s.host] = max(out.get(s.host, 0.0), 1.0 / s.rate_per_second)
    return out


@dataclass
class SourceOutcome:
    """What polling one source did. ``status``: fetched, not_modified, skipped or failed."""

    name: str
    status: str
    detail: str = ""
    urls: int = 0
    fetched: int = 0
    not_modified: int = 0
    failed: int = 0
    items: int = 0
    new: int = 0
    duplicates: int = 0
    rejected: int = 0
    events: int = 0
    newest: dt.datetime | None = None
    errors: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name, "status": self.status, "detail": self.detail, "urls": self.urls,
            "fetched": self.fetched, "not_modified": self.not_modified, "failed": self.failed, "items": self.items,
            "new": self.new, "duplicates": self.duplicates, "rejected": self.rejected, "events": self.events,
            "newest": self.newest.isoformat() if self.newest else None, "errors": self.errors,
        }  # fmt: skip


@dataclass
class PollReport:
    """Every source's outcome and the ingest they add up to (``new_ids``: the articles stored)."""

    outcomes: list[SourceOutcome] = field(default_factory=list)
    ingest: IngestReport = field(default_factory=IngestReport)

    def count(self, status: str) -> int:
        return sum(1 for o in self.outcomes if o.status == status)

    @property
    def new(self) -> int:
        return self.ingest.new

    @property
    def status(self) -> str:
        """ok (nothing failed), partial (some sources failed), or failed (every polled source failed)."""
        tried = [o for o in self.outcomes if o.status != "skipped"]
        failed = [o for o in tried if o.status == "failed" or o.failed]
        if not failed:
            return "ok"
        return "failed" if all(o.status == "failed" for o in tried) else "partial"

    def summary(self) -> dict[str, int]:
        return {
            "sources": len(self.outcomes),
            "fetched": self.count("fetched"),
            "not_modified": self.count("not_modified"),
            "skipped": self.count("skipped"),
            "failed": self.count("failed"),
            "new": self.ingest.new,
            "duplicates": self.ingest.duplicates,
        }

    def to_dict(self) -> dict[str, Any]:
        return {"status": self.status, **self.summary(), "sources_polled": [o.to_dict() for o in self.outcomes]}


@dataclass
class PollStep:
    """Sent to the progress callback before the first source and after each one."""

    done: int
    total: int
    outcome: SourceOutcome | None = None


@dataclass
class CheckResult:
    """One fetch of a source, parsed, nothing stored: can it be reached and read, and how fresh is it."""

    name: str
    url: str
    reachable: bool = False
    parseable: bool = False
    items: int = 0
    newest: dt.datetime | None = None
    error: str | None = None
    checked_at: dt.datetime = field(default_factory=lambda: dt.datetime.now(dt.UTC))

    @property
    def age(self) -> dt.timedelta | None:
        return self.checked_at - self.newest if self.newest else None

    def to_dict(self) -> dict[str, Any]:
        age = self.age
        return {
            "name": self.name, "url": self.url, "reachable": self.reachable, "parseable": self.parseable,
            "items": self.items, "newest": self.newest.isoformat() if self.newest else None,
            "age_hours": round(age.total_seconds() / 3600, 1) if age is not None else None, "error": self.error,
        }  # fmt: skip


class Poller:
    """Polls sources into a store; one Fetcher (and its per-host pace) for the whole run."""

    def __init__(
        self,
        store: Store,
        registry: Registry,
        *,
        contact: str = "",
        allow_private: bool = False,
        near_dup_threshold: float = 0.8,
        universe: Callable[[str], Iterable[str]] | None = None,
        fetcher: Fetcher | None = None,
        now: Callable[[], dt.datetime] = lambda: dt.datetime.now(dt.UTC),
    ) -> None:
        self.store = store
        self.registry = registry
        self.contact = contact
        self.allow_private = allow_private
        self.near_dup_threshold = near_dup_threshold
        self.universe = universe
        self.fetcher = fetcher
        self.now = now
        self._ciks = load_ciks()
        self._company_of_cik = company_by_cik(self._ciks)

    def _fetcher(self, sources: Sequence[Source], cache: ValidatorCache) -> Fetcher:
        return Fetcher(
            allow_private=self.allow_private,
            user_agent=user_agent(self.contact),
            cache=cache,
            host_intervals=host_intervals(sources),
        )

    # -- polling ---------------------------------------------------------------------------------------
    def poll(
        self,
        sources: Sequence[Source],
        *,
        force: bool = False,
        progress: Callable[[PollStep], None] | None = None,
    ) -> PollReport:
        """Poll each source that is due; see the module docstring."""
        now = self.now()
        last = self.store.source_polls()
        due: list[Source] = []
        report = PollReport()
        for source in sources:
            reason = _skip_reason(source, last.get(source.name), now, force=force)
            if reason:
                report.outcomes.append(SourceOutcome(source.name, "skipped", reason))
            else:
                due.append(source)
        require_contact(due, self.contact)
        total = len(sources)
        if progress:
            progress(PollStep(len(report.outcomes), total))
        if not due:
            return report
        ingestor = Ingestor(
            self.store, IngestOptions(allow_private=self.allow_private, near_dup_threshold=self.near_dup_threshold)
        )
        fetcher = self.fetcher or self._fetcher(due, self.store)
        try:
            for source in due:
                outcome = self._poll_one(source, fetcher, ingestor, now)
                report.outcomes.append(outcome)
                if progress:
                    progress(PollStep(len(report.outcomes), total, outcome))
        finally:
            if self.fetcher is None:
                fetcher.close()
        report.ingest = ingestor.report
        return report

    def _poll_one(self, source: Source, fetcher: Fetcher, ingestor: Ingestor, now: dt.datetime) -> SourceOutcome:
        outcome = SourceOutcome(source.name, "failed")
        expansion = expand(source, self.registry, ciks=self._ciks, universe=self.universe)
        outcome.urls = len(expansion.targets)
        if not expansion.targets:
            why = "; ".join(f"{t}: {r}" for t, r in expansion.skipped[:3]) or "it has no targets"
            outcome.status, outcome.detail = "skipped", f"nothing to fetch ({why})"
            return outcome
        articles: list[Article] = []
        parsed_all = Parsed()
        for target in expansion.targets:
            try:
                result = fetcher.get(target.url)
                if result.not_modified:
                    outcome.not_modified += 1
                    continue
                parsed = self.read(source, result, target.company_id)
            except MovedeskError as exc:
                outcome.failed += 1
                outcome.errors.append(f"{target.url}: {exc.message}")
                log.warning("source %s: %s: %s", source.name, target.url, exc.message)
                continue
            outcome.fetched += 1
            articles.extend(parsed.articles)
            parsed_all.companies.update(parsed.companies)
            parsed_all.events.extend(parsed.events)
            parsed_all.rejected.extend(parsed.rejected)
        outcome.items = len(articles)
        outcome.rejected = len(parsed_all.rejected)
        outcome.newest = max((a.published for a in articles), default=None)
        before_new, before_dup = ingestor.report.new, ingestor.report.duplicates
        before_ids = len(ingestor.report.new_ids)
        if articles:
            ingestor.process(articles)
        ingestor.report.rejected.extend(parsed_all.rejected)
        outcome.new = ingestor.report.new - before_new
        outcome.duplicates = ingestor.report.duplicates - before_dup
        new_ids = set(ingestor.report.new_ids[before_ids:])
        links = [(aid, company) for aid, company in parsed_all.companies.items() if aid in new_ids]
        if links:
            self.store.link_companies(links)
        if parsed_all.events:
            outcome.events = self.store.put_article_events([e.model_dump() for e in parsed_all.events])
        if outcome.fetched:
            outcome.status = "fetched"
        elif outcome.not_modified and not outcome.failed:
            outcome.status = "not_modified"
        outcome.detail = _detail(outcome)
        self.store.record_poll(
            source.name,
            attempted_at=now,
            status=outcome.status,
            error=outcome.errors[0] if outcome.errors else None,
            new_articles=outcome.new,
            newest_item=outcome.newest,
        )
        return outcome

    # -- reading ---------------------------------------------------------------------------------------
    def read(self, source: Source, result: FetchResult, company_id: str | None = None) -> Parsed:
        """The articles (and events) in one fetched document of ``source``."""
        options = BuildOptions(source.timezone, None, source.language, self.now())
        if source.kind == "edgar":
            return parse_edgar(
                result.text, result.url, registry=self.registry, company_of_cik=self._company_of_cik,
                company_id=company_id, options=options,
            )  # fmt: skip
        if source.kind == "hkexnews":
            return parse_hkexnews(result.text, result.final_url, registry=self.registry, options=options)
        if source.kind != "feed":
            raise DataValidationError(f"source {source.name}: kind {source.kind!r} cannot be polled")
        feed = load(NEWS_SOURCES, "feed")(options=options)
        doc = Document(result.url, result.text, result.final_url, result.content_type)
        out = Parsed()
        for item in feed.items(doc):
            if isinstance(item, Rejection):
                out.rejected.append((item.ref, item.reason))
            else:
                out.articles.append(item)
        return out

    def check(self, source: Source) -> CheckResult:
        """Fetch ``source`` once (its first URL, unconditionally), parse it, store nothing."""
        expansion = expand(source, self.registry, ciks=self._ciks, universe=self.universe)
        url = expansion.targets[0].url if expansion.targets else source.url
        result = CheckResult(source.name, url, checked_at=self.now())
        if not expansion.targets:
            result.error = "nothing to fetch: " + ("; ".join(f"{t}: {r}" for t, r in expansion.skipped[:2]) or
                                                   "the template has no targets")
            return result
        fetcher = self.fetcher or self._fetcher([source], MemoryValidatorCache())
        try:
            fetched = fetcher.get(url, conditional=False)
            result.reachable = True
            parsed = self.read(source, fetched, expansion.targets[0].company_id)
        except MovedeskError as exc:
            result.error = exc.message
            return result
        finally:
            if self.fetcher is None:
                fetcher.close()
        result.parseable = True
        result.items = len(parsed.articles)
        result.newest = max((a.published for a in parsed.articles), default=None)
        if not parsed.articles and parsed.rejected:
            result.parseable = False
            result.error = f"no readable item ({parsed.rejected[0][1]})"
        return result


def _skip_reason(source: Source, last: dict[str, Any] | None, now: dt.datetime, *, force: bool) -> str | None:
    if not source.enabled:
        return "disabled"
    if not source.pollable:
        return f"kind {source.kind} is listed but not polled (its endpoint needs a POST query)"
    if force or last is None:
        return None
    wait = dt.timedelta(minutes=source.interval_minutes) - (now - last["attempted_at"])
    if wait > dt.timedelta(0):
        return f"polled {_minutes(now - last['attempted_at'])} ago; interval {source.interval_minutes} min"
    return None


def _minutes(delta: dt.timedelta) -> str:
    return f"{max(0, int(delta.total_seconds() // 60))} min"


def _detail(o: SourceOutcome) -> str:
    parts = [f"{o.new} new"]
    if o.duplicates:
        parts.append(f"{o.duplicates} duplicate")
    if o.urls > 1:
        parts.append(f"{o.fetched}/{o.urls} fetched, {o.not_modified} not modified")
    if o.events:
        parts.append(f"{o.events} events")
    if o.failed:
        parts.append(f"{o.failed} failed: {o.errors[0]}")
    return ", ".join(parts)
