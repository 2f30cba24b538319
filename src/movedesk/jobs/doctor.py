"""``movedesk doctor``: is this desk ready to run? Each check says what it found and, when it is not fine,
what to do.

Checks, in order: the **store** (opens, schema version, bars and news, the newest bar and article), each
**price provider** (importable; a live one's package installed), the **contact** the User-Agent carries, each
enabled **news source** (reachable, parseable, fresh: one fetch, nothing stored), **SMTP** (connect and
EHLO, STARTTLS when configured, within a timeout) and the **secret key** (set, long enough). ``offline``
skips the checks that need the network (sources and SMTP).

A check is ``ok``, ``warn`` (works, but look at it: stale news, a live provider's package not installed),
``fail`` (fix it) or ``skip``. The desk is green when nothing fails.

>>> from movedesk.config import Settings
>>> report = doctor(Settings(db=":memory:", secret_key="k" * 32), offline=True)
>>> [c.status for c in report.checks if c.area == "secret"]
['ok']
"""

from __future__ import annotations

import datetime as dt
import importlib.util
import smtplib
import ssl
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from movedesk import plugins
from movedesk.config import Settings
from movedesk.errors import MovedeskError
from movedesk.gather.poll import CONTACT_HINT, needs_contact, valid_contact
from movedesk.store import SCHEMA_VERSION

if TYPE_CHECKING:
    from movedesk.desk import Desk
    from movedesk.gather.fetch import Fetcher

#: A secret key shorter than this is refused (the links it signs are guessable).
MIN_SECRET_CHARS = 32
#: News older than this is stale (a desk that polls daily should have fresher).
STALE_AFTER = dt.timedelta(days=7)


@dataclass
class Check:
    area: str
    name: str
    status: str
    detail: str = ""
    fix: str = ""

    def to_dict(self) -> dict[str, str]:
        return {"area": self.area, "name": self.name, "status": self.status, "detail": self.detail, "fix": self.fix}


@dataclass
class DoctorReport:
    checks: list[Check] = field(default_factory=list)

    def add(self, area: str, name: str, status: str, detail: str = "", fix: str = "") -> Check:
        check = Check(area, name, status, detail, fix)
        self.checks.append(check)
        return check

    @property
    def failed(self) -> list[Check]:
        return [c for c in self.checks if c.status == "fail"]

    @property
    def green(self) -> bool:
        return not self.failed

    @property
    def store_failed(self) -> bool:
        return any(c.area == "store" and c.status == "fail" for c in self.checks)

    def to_dict(self) -> dict[str, Any]:
        return {
            "status": "ok" if self.green else "failed",
            "failed": len(self.failed),
            "warnings": sum(1 for c in self.checks if c.status == "warn"),
            "checks": [c.to_dict() for c in self.checks],
        }


def doctor(
    settings: Settings,
    *,
    offline: bool = False,
    timeout: float = 5.0,
    fetcher: Fetcher | None = None,
    now: dt.datetime | None = None,
) -> DoctorReport:
    """Run every check against the desk of ``settings``; see the module docstring."""
    from movedesk.desk import Desk

    now = now or dt.datetime.now(dt.UTC)
    report = DoctorReport()
    desk: Desk | None = None
    try:
        desk = Desk.open(settings.db, settings)
    except MovedeskError as exc:
        report.add("store", settings.db, "fail", exc.message, exc.hint)
    try:
        if desk is not None:
            _store(report, desk, now)
        _providers(report)
        _contact(report, settings, desk)
        if desk is not None:
            _sources(report, desk, offline=offline, fetcher=fetcher, now=now)
        _smtp(report, settings, offline=offline, timeout=timeout)
        _secret(report, settings)
    finally:
        if desk is not None:
            desk.close()
    return report


def _age(delta: dt.timedelta) -> str:
    hours = delta.total_seconds() / 3600
    return f"{hours:.0f} h" if hours < 48 else f"{hours / 24:.0f} days"


def _store(report: DoctorReport, desk: Desk, now: dt.datetime) -> None:
    store = desk.store
    version = store.schema_version()
    report.add("store", "opens", "ok", store.url)
    report.add(
        "store", "schema", "ok" if version == SCHEMA_VERSION else "fail", f"version {version}",
        "" if version == SCHEMA_VERSION else "open it once with this movedesk to migrate it",
    )  # fmt: skip
    symbols = store.symbols()
    if not symbols:
        report.add("store", "bars", "warn", "no bars", "movedesk ingest prices FILE (or --provider yfinance …)")
    else:
        today = now.date()
        last = store.last_closes(symbols, today - dt.timedelta(days=3650), today, n=1)
        newest = max(last["session"]) if not last.empty else None
        age = (today - newest) if newest is not None else None
        stale = age is None or age > STALE_AFTER
        report.add(
            "store", "bars", "warn" if stale else "ok",
            f"{len(symbols)} symbols, newest session {newest or '—'}" + (f" ({age.days} days ago)" if age else ""),
            "fetch today's bars: movedesk ingest prices --provider …" if stale else "",
        )  # fmt: skip
    count = store.count_articles()
    newest_article = store.articles(limit=1)
    if not count or not newest_article:
        report.add("store", "news", "warn", "no articles", "movedesk sources poll (or movedesk ingest news PATH)")
    else:
        age_n = now - newest_article[0].published
        stale = age_n > STALE_AFTER
        report.add(
            "store", "news", "warn" if stale else "ok",
            f"{count} articles, newest {newest_article[0].published:%Y-%m-%d %H:%M} UTC ({_age(age_n)} ago)",
            "poll the sources: movedesk sources poll" if stale else "",
        )  # fmt: skip


def _providers(report: DoctorReport) -> None:
    for name in plugins.names(plugins.PRICE_PROVIDERS):
        try:
            provider = plugins.load(plugins.PRICE_PROVIDERS, name)
        except Exception as exc:  # a broken plugin must not stop the doctor; its error is the finding
            report.add("provider", name, "fail", f"cannot import: {type(exc).__name__}: {exc}",
                       "reinstall the package that provides it")
            continue
        module = getattr(provider, "module", None)
        if module and importlib.util.find_spec(str(module)) is None:
            report.add("provider", name, "warn", f"live provider; {module} is not installed",
                       'pip install ".[live]" to fetch prices with it')
        else:
            report.add("provider", name, "ok", f"live ({module})" if module else "files")


def _contact(report: DoctorReport, settings: Settings, desk: Desk | None) -> None:
    contact = settings.contact
    sec = [s.name for s in (desk.sources() if desk is not None else []) if s.enabled and needs_contact(s)]
    if valid_contact(contact):
        report.add("contact", "User-Agent", "ok", contact)
    elif sec:
        report.add("contact", "User-Agent", "fail",
                   f"{'no contact' if not contact else repr(contact)}; the SEC sources ({len(sec)}) need one",
                   CONTACT_HINT)
    else:
        report.add("contact", "User-Agent", "warn", "no contact: the User-Agent is anonymous", CONTACT_HINT)


def _sources(
    report: DoctorReport, desk: Desk, *, offline: bool, fetcher: Fetcher | None, now: dt.datetime
) -> None:
    sources = [s for s in desk.sources() if s.enabled and s.pollable]
    if not sources:
        report.add("source", "(none)", "warn", "no enabled news source", "movedesk sources add NAME URL")
    for source in sources:
        if offline:
            report.add("source", source.name, "skip", "offline")
            continue
        if needs_contact(source) and not valid_contact(desk.settings.contact):
            report.add("source", source.name, "fail", "not fetched: needs MOVEDESK_CONTACT", CONTACT_HINT)
            continue
        result = desk.check_source(source.name, fetcher=fetcher)
        if not result.reachable:
            report.add("source", source.name, "fail", f"unreachable: {result.error}",
                       f"check the URL or the network; remove it with `movedesk sources remove {source.name}`")
        elif not result.parseable:
            report.add("source", source.name, "fail", f"not readable as {source.kind}: {result.error}",
                       "check the URL serves a feed; or remove the source")
        elif result.newest is None:
            report.add("source", source.name, "warn", "reachable, readable, but no item in it")
        else:
            age = now - result.newest
            # a company's own filings can be months apart: only news sources are expected to be fresh
            stale = age > STALE_AFTER and not source.is_template
            report.add("source", source.name, "warn" if stale else "ok",
                       f"{result.items} items, newest {_age(age)} old", "the feed may be dead" if stale else "")


def _smtp(report: DoctorReport, settings: Settings, *, offline: bool, timeout: float) -> None:
    where = f"{settings.smtp_host}:{settings.smtp_port}"
    if offline:
        report.add("smtp", where, "skip", "offline")
        return
    fix = "check MOVEDESK_SMTP_HOST, MOVEDESK_SMTP_PORT and MOVEDESK_SMTP_TLS"
    try:
        with smtplib.SMTP(settings.smtp_host, settings.smtp_port, timeout=timeout) as conn:
            code, _banner = conn.ehlo()
            if code != 250:
                report.add("smtp", where, "fail", f"EHLO answered {code}", fix)
                return
            if settings.smtp_tls:
                conn.starttls(context=ssl.create_default_context())
                conn.ehlo()
    except (smtplib.SMTPException, OSError) as exc:
        report.add("smtp", where, "fail", f"{type(exc).__name__}: {exc}", fix)
        return
    report.add("smtp", where, "ok", "EHLO" + (" + STARTTLS" if settings.smtp_tls else ""))


def _secret(report: DoctorReport, settings: Settings) -> None:
    key = settings.secret_key
    fix = 'set MOVEDESK_SECRET_KEY, e.g. to python -c "import secrets; print(secrets.token_urlsafe(32))"'
    if not key:
        report.add("secret", "MOVEDESK_SECRET_KEY", "fail",
                   "not set: the web app makes a new key at each start, and mailed links stop working", fix)
    elif len(key) < MIN_SECRET_CHARS:
        report.add("secret", "MOVEDESK_SECRET_KEY", "fail", f"{len(key)} characters; at least {MIN_SECRET_CHARS}", fix)
    else:
        report.add("secret", "MOVEDESK_SECRET_KEY", "ok", f"{len(key)} characters")
