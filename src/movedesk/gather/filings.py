"""Primary sources read as articles: SEC EDGAR Atom feeds (8-K items → event categories) and HKEXnews'
list of the latest listed-company announcements.

EDGAR (per-company ``action=getcompany`` and latest ``action=getcurrent`` feeds, Atom): each entry has the
form type as ``<category term="8-K">``, the filer as ``8-K - NAME (CIK) (Filer)`` in the title (latest feed)
or the feed's ``<company-info><cik>`` (company feed), its items in the summary (``Item 2.02: Results of
Operations…``) and in ``<items-desc>`` (``items 2.02 and 9.01``), and an ``<updated>`` time with its offset.
An 8-K becomes an article titled with the company and its items, linked to the registry company of its CIK,
with one :class:`~movedesk.models.ArticleEvent` per item (``data/edgar_8k_items.csv`` maps items to the
categories of the move-reason protocol). Entries of companies the registry does not know are skipped.

HKEXnews (``homecat0_e.json`` / ``_c``): ``newsInfo`` rows with ``title``, ``webPath``, ``relY``/``relM``/
``relD``/``relTime`` (Hong Kong time) and ``stock`` (``sc`` code, ``sn`` name).
"""

from __future__ import annotations

import csv
import functools
import io
import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from importlib import resources
from typing import Any
from urllib.parse import urljoin

import feedparser

from movedesk.errors import DataValidationError, MovedeskError
from movedesk.gather.htmltext import html_to_text
from movedesk.gather.normalise import BuildOptions, build_article
from movedesk.models import Article, ArticleEvent
from movedesk.registry import Registry

SEC_8K = "sec-8k"
_ITEM_LIST = re.compile(r"\bitems?\s*:?\s*((?:\d{1,2}\.\d{2}(?:\s*(?:,|;|and|&)\s*)*)+)", re.I)
_ITEM = re.compile(r"\d{1,2}\.\d{2}")
_FILER = re.compile(r"\((\d{10})\)\s*\((?:Filer|Subject)\)", re.I)
_FEED_CIK = re.compile(r"<cik>\s*(\d+)\s*</cik>", re.I)
_FEED_NAME = re.compile(r"<conformed-name>\s*([^<]+?)\s*</conformed-name>", re.I)


@dataclass(frozen=True)
class EightKItem:
    item: str
    title: str
    category: str | None


@functools.cache
def eight_k_items() -> dict[str, EightKItem]:
    """Form 8-K items (``data/edgar_8k_items.csv``): item number → title and move-reason category."""
    text = (resources.files("movedesk") / "data" / "edgar_8k_items.csv").read_text(encoding="utf-8")
    rows = csv.DictReader(io.StringIO("\n".join(ln for ln in text.splitlines() if not ln.startswith("#"))))
    return {r["item"]: EightKItem(r["item"], r["title"], r["category"] or None) for r in rows}


def items_in(text: str) -> list[str]:
    """The known 8-K item numbers a text names, in order: ``Item 2.02: …``, ``Items 5.02 and 9.01``."""
    known = eight_k_items()
    found: dict[str, None] = {}
    for group in _ITEM_LIST.finditer(text):
        for number in _ITEM.findall(group.group(1)):
            if number in known:
                found.setdefault(number)
    return list(found)


def categories_of(items: Iterable[str]) -> list[str]:
    """The distinct categories of 8-K items (items that carry none, such as 9.01, add nothing)."""
    known = eight_k_items()
    out: dict[str, None] = {}
    for item in items:
        category = known[item].category if item in known else None
        if category:
            out.setdefault(category)
    return list(out)


@dataclass
class Parsed:
    """What one fetched document gave: articles, the company each names (by article id), their events, and
    entries left out with the reason."""

    articles: list[Article] = field(default_factory=list)
    companies: dict[str, str] = field(default_factory=dict)
    events: list[ArticleEvent] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    rejected: list[tuple[str, str]] = field(default_factory=list)


def parse_edgar(
    text: str,
    ref: str,
    *,
    registry: Registry,
    company_of_cik: Mapping[str, str],
    company_id: str | None = None,
    options: BuildOptions | None = None,
) -> Parsed:
    """Articles and 8-K events from an EDGAR Atom feed; ``company_id`` is the company a per-company feed
    was asked for (else the feed's ``<cik>`` or each entry's filer CIK decides)."""
    parsed = feedparser.parse(text.encode("utf-8"))
    if parsed.bozo and not parsed.entries:
        raise DataValidationError(f"malformed EDGAR Atom: {parsed.get('bozo_exception')}")
    if not parsed.entries and not parsed.version:
        raise DataValidationError("not an EDGAR Atom feed (no feed element)")
    feed_cik = _FEED_CIK.search(text)
    feed_company = company_id or (company_of_cik.get(feed_cik.group(1).zfill(10)) if feed_cik else None)
    feed_name = _FEED_NAME.search(text)
    opts = options or BuildOptions()
    opts = BuildOptions(opts.default_tz, "SEC EDGAR", "en", opts.first_seen)
    out = Parsed()
    for n, entry in enumerate(parsed.entries, start=1):
        form = str((entry.get("tags") or [{}])[0].get("term") or str(entry.get("title", "")).split(" - ")[0]).strip()
        if not form.upper().startswith("8-K"):
            out.skipped.append(f"{ref}#entry{n}: form {form or '?'} is not an 8-K")
            continue
        title = str(entry.get("title") or "")
        filer = _FILER.search(title)
        company = company_of_cik.get(filer.group(1)) if filer else feed_company
        if company is None or company not in registry.companies:
            who = filer.group(1) if filer else (feed_cik.group(1) if feed_cik else "?")
            out.skipped.append(f"{ref}#entry{n}: CIK {who} is no registry company")
            continue
        summary = html_to_text(str(entry.get("summary") or ""))
        content = " ".join(str(c.get("value") or "") for c in entry.get("content") or [])
        items = items_in(f"{summary}\n{html_to_text(content)}")
        name = registry.companies[company].name or (feed_name.group(1) if feed_name else company)
        known = eight_k_items()
        described = [f"Item {i} {known[i].title}" for i in items]
        headline = f"{name} files {form}" + (": " + "; ".join(described) if described else "")
        filed = re.search(r"Filed:\s*(\d{4}-\d{2}-\d{2})", summary)
        body = (
            f"{name} filed a Form {form} with the SEC" + (f" on {filed.group(1)}" if filed else "") + ". "
            + " ".join(f"{d}." for d in described)
        )
        published = entry.get("updated") or entry.get("published")
        tickers = [x.symbol for x in registry.companies[company].listings]
        try:
            article = build_article(
                title=headline, body=body, url=entry.get("link"), published=published, options=opts, tickers=tickers,
                scan_relays=False,
            )  # fmt: skip
        except MovedeskError as exc:
            out.rejected.append((f"{ref}#entry{n}", exc.message))
            continue
        out.articles.append(article)
        out.companies[article.id] = company
        out.events.extend(
            ArticleEvent(article_id=article.id, scheme=SEC_8K, code=i, category=known[i].category,
                         label=known[i].title, company_id=company)
            for i in items
        )
    return out


def parse_hkexnews(text: str, ref: str, *, registry: Registry, options: BuildOptions | None = None) -> Parsed:
    """Articles from HKEXnews' JSON list of the latest listed-company announcements (Hong Kong time)."""
    try:
        payload: Any = json.loads(text)
    except json.JSONDecodeError as exc:
        raise DataValidationError(f"not HKEXnews JSON: {exc}") from exc
    rows = payload.get("newsInfo") if isinstance(payload, dict) else None
    if not isinstance(rows, list):
        raise DataValidationError("not an HKEXnews announcement list (no newsInfo)")
    opts = options or BuildOptions()
    opts = BuildOptions(opts.default_tz or "Asia/Hong_Kong", "HKEXnews", opts.language, opts.first_seen)
    out = Parsed()
    for n, row in enumerate(rows, start=1):
        if not isinstance(row, dict):
            out.rejected.append((f"{ref}#{n}", "not an object"))
            continue
        stocks = [s for s in row.get("stock") or [] if isinstance(s, dict)]
        codes = [str(s.get("sc") or "").strip() for s in stocks]
        tickers = [f"{int(c):04d}.HK" for c in codes if c.isdigit()]
        names = ", ".join(str(s.get("sn") or "").strip() for s in stocks if s.get("sn"))
        title = str(row.get("title") or "").strip()
        kind = str(row.get("sTxt") or "").strip()
        when = f"{row.get('relY')}-{row.get('relM')}-{row.get('relD')} {row.get('relTime') or '00:00'}"
        link = urljoin(ref, str(row["webPath"])) if row.get("webPath") else None
        try:
            article = build_article(
                title=f"{names}: {title}" if names else title, body=f"{kind}\n{title}".strip(), url=link,
                published=when, tickers=tickers, options=opts, scan_relays=False,
            )  # fmt: skip
        except MovedeskError as exc:
            out.rejected.append((f"{ref}#{n}", exc.message))
            continue
        out.articles.append(article)
        company = next((registry.by_symbol[t].id for t in tickers if t in registry.by_symbol), None)
        if company is not None:
            out.companies[article.id] = company
    return out
