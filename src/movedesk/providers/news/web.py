"""Single web pages (files or URLs): trafilatura finds the main text, title and date.

When trafilatura finds no title or date, the page's own metadata is used: ``og:title`` / ``<title>``,
``article:published_time`` and similar ``<meta>`` tags, ``<time datetime>`` and JSON-LD
``datePublished`` (these carry a time of day, which trafilatura's date does not, so they come first).
A page whose main text is too short to be an article (a login form, an index page) is rejected.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

import lxml.html
import trafilatura
from lxml import etree

from movedesk.errors import DataValidationError, MovedeskError
from movedesk.gather.documents import Document, load_document
from movedesk.gather.documents import looks_like_html as looks_like_html
from movedesk.gather.fetch import Fetcher
from movedesk.gather.language import cjk_count
from movedesk.gather.normalise import BuildOptions, Rejection, build_article
from movedesk.models import Article

log = logging.getLogger(__name__)

MIN_WORDS = 25
MIN_CJK = 60
_DATE_META = (
    "article:published_time",
    "og:published_time",
    "article:published",
    "published_time",
    "datepublished",
    "pubdate",
    "publishdate",
    "dc.date",
    "dc.date.issued",
    "dcterms.created",
    "date",
    "sailthru.date",
    "parsely-pub-date",
    "article:modified_time",
)


def page_metadata(html: str) -> dict[str, str]:
    """title, published, author, site_name, url from a page's head (whatever is present)."""
    out: dict[str, str] = {}
    try:
        root = lxml.html.document_fromstring(html)
    except (etree.ParserError, ValueError):
        return out
    metas: dict[str, str] = {}
    for meta in root.iter("meta"):
        key = (meta.get("property") or meta.get("name") or meta.get("itemprop") or "").strip().lower()
        content = (meta.get("content") or "").strip()
        if key and content and key not in metas:
            metas[key] = content
    title = metas.get("og:title") or metas.get("twitter:title")
    if not title:
        node = root.find(".//title")
        title = node.text_content().strip() if node is not None else ""
    if title:
        out["title"] = title
    for key in _DATE_META:
        if metas.get(key):
            out["published"] = metas[key]
            break
    if "published" not in out:
        for node in root.iter("time"):
            if node.get("datetime"):
                out["published"] = node.get("datetime", "")
                break
    if "published" not in out:
        for script in root.iter("script"):
            if (script.get("type") or "").lower() == "application/ld+json" and script.text:
                found = _ld_date(script.text)
                if found:
                    out["published"] = found
                    break
    if metas.get("author"):
        out["author"] = metas["author"]
    if metas.get("og:site_name"):
        out["site_name"] = metas["og:site_name"]
    if metas.get("og:url"):
        out["url"] = metas["og:url"]
    return out


def _ld_date(text: str) -> str | None:
    try:
        data: Any = json.loads(text)
    except ValueError:
        return None
    stack = [data]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            if isinstance(item.get("datePublished"), str):
                return str(item["datePublished"])
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
    return None


class WebPageSource:
    """One article per HTML page; ``fetch`` takes a path or an http(s) URL."""

    name = "web"

    def __init__(self, fetcher: Fetcher | None = None, options: BuildOptions | None = None) -> None:
        self.fetcher = fetcher
        self.options = options or BuildOptions()

    def fetch(self, query: str | Path) -> Document:
        return load_document(query, self.fetcher)

    def items(self, doc: Document) -> Iterator[Article | Rejection]:
        if doc.not_modified:
            return
        try:
            yield self._article(doc)
        except MovedeskError as exc:
            yield Rejection(doc.ref, exc.message)

    def _article(self, doc: Document) -> Article:
        meta = page_metadata(doc.text)
        url = doc.url or meta.get("url")
        extracted = trafilatura.bare_extraction(
            doc.text, url=url, with_metadata=True, include_comments=False, include_tables=False
        )
        data: dict[str, Any] = {}
        if extracted is not None:
            data = extracted.as_dict() if hasattr(extracted, "as_dict") else dict(extracted)
        title = str(meta.get("title") or data.get("title") or "").strip()
        if data.get("title") and len(str(data["title"])) < len(title):
            title = str(data["title"]).strip()  # trafilatura drops " | Site name" suffixes
        text = str(data.get("text") or "").strip()
        lines = text.split("\n")
        if lines and title and lines[0].strip() == title:
            text = "\n".join(lines[1:]).strip()
        if len(text.split()) < MIN_WORDS and cjk_count(text) < MIN_CJK:
            raise DataValidationError("no article text found on the page (main text too short or absent)")
        published = meta.get("published") or data.get("date")
        opts = self.options
        source = opts.source or meta.get("site_name") or data.get("sitename")
        return build_article(
            title=title,
            body=text,
            url=url,
            published=published,
            source=source,
            authors=meta.get("author") or data.get("author"),
            options=opts,
        )

    def normalise(self, raw: Document) -> Iterable[Article]:
        return (x for x in self.items(raw) if isinstance(x, Article))

    def validate(self, articles: Iterable[Article]) -> Iterable[Article]:
        return articles


