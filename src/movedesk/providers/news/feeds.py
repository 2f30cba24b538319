"""RSS and Atom feeds, from files or URLs (feedparser).

Each entry becomes an article: title, link, content (or summary) as plain text, authors and the publish
time (``published``, else ``updated``; read in the source's default zone when it has none). An entry with
no link gets an id from its text; an entry with no date is dated when first seen and flagged inferred.
Malformed XML that feedparser can still recover is read with a warning; a feed with no entries at all is
rejected with the parser's reason.
"""

from __future__ import annotations

import io
import logging
import re
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

import feedparser

from movedesk.errors import DataValidationError, MovedeskError
from movedesk.gather.documents import Document, load_document
from movedesk.gather.documents import looks_like_feed as looks_like_feed
from movedesk.gather.fetch import Fetcher
from movedesk.gather.htmltext import html_to_text
from movedesk.gather.normalise import BuildOptions, Rejection, build_article
from movedesk.models import Article

log = logging.getLogger(__name__)
_XML_DECL = re.compile(r"^\s*<\?xml[^>]*\?>", re.I)


class FeedSource:
    """RSS 0.9x/1.0/2.0 and Atom feeds; ``fetch`` takes a path or an http(s) URL."""

    name = "feed"

    def __init__(self, fetcher: Fetcher | None = None, options: BuildOptions | None = None) -> None:
        self.fetcher = fetcher
        self.options = options or BuildOptions()
        self.warnings: list[tuple[str, str]] = []

    def fetch(self, query: str | Path) -> Document:
        return load_document(query, self.fetcher)

    def items(self, doc: Document) -> Iterator[Article | Rejection]:
        """Articles and per-entry rejections; raises DataValidationError when nothing can be read."""
        if doc.not_modified:
            return
        # The text is already decoded (charset problems handled); tell feedparser it is UTF-8.
        data = _XML_DECL.sub('<?xml version="1.0" encoding="utf-8"?>', doc.text, count=1).encode("utf-8")
        parsed = feedparser.parse(
            io.BytesIO(data), response_headers={"content-type": "application/xml; charset=utf-8"}
        )
        entries = list(parsed.entries)
        if parsed.bozo and not entries:
            raise DataValidationError(f"malformed feed XML: {_reason(parsed.get('bozo_exception'))}")
        if not entries:
            if not parsed.version:
                raise DataValidationError("not an RSS or Atom feed (no channel or feed element)")
            return
        if parsed.bozo:
            warning = f"malformed feed XML ({_reason(parsed.get('bozo_exception'))}); read {len(entries)} entries"
            log.warning("%s: %s", doc.ref, warning)
            self.warnings.append((doc.ref, warning))
        feed_title = str(parsed.feed.get("title") or "").strip() or None
        opts = self.options
        if opts.source is None and feed_title:
            opts = BuildOptions(opts.default_tz, feed_title, opts.language, opts.first_seen)
        results: list[Article | Rejection] = []
        for n, entry in enumerate(entries, start=1):
            try:
                results.append(_entry_article(entry, opts))
            except MovedeskError as exc:
                results.append(Rejection(f"{doc.ref}#item{n}", exc.message))
        if parsed.bozo and not any(isinstance(r, Article) for r in results):
            raise DataValidationError(
                f"malformed feed XML: {_reason(parsed.get('bozo_exception'))}; no readable item in it"
            )
        yield from results

    def normalise(self, raw: Document) -> Iterable[Article]:
        return (x for x in self.items(raw) if isinstance(x, Article))

    def validate(self, articles: Iterable[Article]) -> Iterable[Article]:
        return articles


def _reason(exc: Any) -> str:
    if exc is None:
        return "unknown error"
    line = getattr(exc, "getLineNumber", None)
    where = f"line {line()}: " if callable(line) else ""
    return f"{where}{exc}"


def _entry_article(entry: Any, options: BuildOptions) -> Article:
    title = html_to_text(str(entry.get("title") or ""))
    content = entry.get("content") or []
    body_html = max((str(c.get("value") or "") for c in content), key=len, default="") if content else ""
    body_html = body_html or str(entry.get("summary") or entry.get("description") or "")
    body = html_to_text(body_html)
    published: Any = None
    for key in ("published", "updated", "created", "dc_date"):
        if entry.get(key):
            published = entry.get(key)
            break
    authors = [a.get("name") for a in entry.get("authors") or [] if a.get("name")] or entry.get("author")
    if published is not None:
        try:
            return build_article(
                title=title, body=body, url=entry.get("link"), published=published, authors=authors,
                options=options,
            )
        except DataValidationError as exc:
            parsed = entry.get("published_parsed") or entry.get("updated_parsed")
            if not parsed or "cannot read the time" not in exc.message:
                raise
            published = tuple(parsed)  # feedparser's own reading of an odd date format (UTC)
    return build_article(
        title=title, body=body, url=entry.get("link"), published=published, authors=authors, options=options
    )
