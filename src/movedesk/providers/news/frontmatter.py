"""Plain text / Markdown news files with a YAML front-matter header (title, published, source, url…)."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

import yaml

from movedesk.errors import DataValidationError, MovedeskError
from movedesk.gather.documents import read_bytes
from movedesk.gather.normalise import BuildOptions, Rejection, build_article
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


class FrontMatterSource:
    """One article per file; the header names title, published, source, url, language, authors, relays."""

    name = "frontmatter"

    def __init__(self, options: BuildOptions | None = None) -> None:
        self.options = options or BuildOptions()

    def fetch(self, query: Any) -> tuple[Path, str]:
        path = Path(query)
        return path, read_bytes(path).decode("utf-8", errors="replace")

    def items(self, raw: tuple[Path, str]) -> Iterator[Article | Rejection]:
        path, _text = raw
        try:
            yield from self.normalise(raw)
        except MovedeskError as exc:
            yield Rejection(str(path), exc.message)

    def normalise(self, raw: tuple[Path, str]) -> Iterable[Article]:
        path, text = raw
        header, body = parse_front_matter(text.lstrip("\ufeff"))
        title = str(header.get("title") or "").strip()
        if not title:
            lines = [ln for ln in body.splitlines() if ln.strip()]
            if not lines:
                raise DataValidationError(f"{path.name}: no title and no text")
            title, body = lines[0].lstrip("# ").strip(), "\n".join(lines[1:])
        published = header.get("published") or header.get("date")
        try:
            article = build_article(
                title=title,
                body=body,
                url=header.get("url"),
                published=published,
                source=header.get("source"),
                authors=header.get("authors") or header.get("author"),
                language=header.get("language"),
                tickers=header.get("tickers"),
                relays=header.get("relays"),
                options=self.options,
            )
        except DataValidationError as exc:
            raise DataValidationError(f"{path.name}: {exc.message}") from exc
        yield article

    def validate(self, articles: Iterable[Article]) -> Iterable[Article]:
        return articles
