"""Plain text / Markdown news files with a YAML front-matter header (title, published, source, url…)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import yaml

from movedesk.errors import DataValidationError
from movedesk.gather.identity import article_id
from movedesk.models import Article


def parse_front_matter(text: str) -> tuple[dict[str, Any], str]:
    """Split ``---\\nyaml\\n---\\nbody`` into (header, body); no header gives ({}, text)."""
    if not text.startswith("---"):
        return {}, text
    parts = text.split("\n---", 1)
    if len(parts) != 2:
        raise DataValidationError("front matter opened with --- but never closed")
    try:
        header = yaml.safe_load(parts[0][3:]) or {}
    except yaml.YAMLError as exc:
        raise DataValidationError(f"front matter is not valid YAML: {exc}") from exc
    if not isinstance(header, dict):
        raise DataValidationError("front matter must be a YAML mapping")
    return header, parts[1].lstrip("-").lstrip("\n")


def _as_utc(value: Any) -> tuple[dt.datetime | None, bool]:
    """(timestamp, inferred): a date without a time is taken as 00:00 UTC and flagged inferred."""
    if value is None or value == "":
        return None, True
    if isinstance(value, dt.datetime):
        stamp = value
    elif isinstance(value, dt.date):
        return dt.datetime(value.year, value.month, value.day, tzinfo=dt.UTC), True
    else:
        try:
            stamp = dt.datetime.fromisoformat(str(value).strip().replace("Z", "+00:00"))
        except ValueError as exc:
            raise DataValidationError(f"cannot read the published time {value!r}") from exc
        if len(str(value).strip()) <= 10:
            return stamp.replace(tzinfo=dt.UTC), True
    if stamp.tzinfo is None:
        stamp = stamp.replace(tzinfo=dt.UTC)
    return stamp.astimezone(dt.UTC), False


class FrontMatterSource:
    """One article per file; the header names title, published, source, url, language, authors."""

    name = "frontmatter"

    def fetch(self, query: Any) -> tuple[Path, str]:
        path = Path(query)
        return path, path.read_text(encoding="utf-8", errors="replace")

    def normalise(self, raw: tuple[Path, str]) -> Iterable[Article]:
        path, text = raw
        header, body = parse_front_matter(text)
        title = str(header.get("title") or "").strip()
        if not title:
            lines = [ln for ln in body.splitlines() if ln.strip()]
            if not lines:
                raise DataValidationError(f"{path.name}: no title and no text")
            title, body = lines[0].lstrip("# ").strip(), "\n".join(lines[1:])
        now = dt.datetime.now(dt.UTC)
        published, inferred = _as_utc(header.get("published") or header.get("date"))
        url = header.get("url")
        authors = header.get("authors") or header.get("author") or ()
        if isinstance(authors, str):
            authors = (authors,)
        relays = header.get("relays") or ()
        yield Article(
            id=article_id(url, title, body),
            source=str(header.get("source") or "unknown"),
            url=url,
            title=title,
            body=body.strip(),
            language=str(header.get("language") or "en"),
            authors=tuple(authors),
            published=published or now,
            published_inferred=inferred,
            first_seen=now,
            relays=tuple(relays),
        )

    def validate(self, articles: Iterable[Article]) -> Iterable[Article]:
        return articles
