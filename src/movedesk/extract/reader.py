"""Articles from files or stdin for ``movedesk extract``: front-matter files or plain text."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

from movedesk.errors import DataValidationError
from movedesk.gather.identity import article_id
from movedesk.models import Article
from movedesk.providers.news.frontmatter import FrontMatterSource

SUFFIXES = (".md", ".txt", ".markdown")


def article_from_text(
    text: str, *, name: str = "-", published: dt.datetime | None = None, inferred: bool = False
) -> Article:
    """An Article from front-matter text or plain text (first line = title); empty text gives an empty one."""
    src = FrontMatterSource()
    text = text.replace("\x00", "").lstrip("\ufeff")
    if text.strip() and not text.startswith("---"):
        # plain text: the first line is the title when it looks like one; every character is kept
        stripped = text.strip()
        first, _, rest = stripped.partition("\n")
        title, body = (first.lstrip("# ").strip(), rest.strip()) if len(first) <= 300 else ("", stripped)
        now = dt.datetime.now(dt.UTC)
        return Article(
            id=article_id(None, title, body),
            source="unknown",
            title=title,
            body=body,
            published=published or now,
            published_inferred=published is None or inferred,
            first_seen=now,
        )
    if text.strip():
        try:
            article = next(iter(src.normalise((Path(name), text))))
        except StopIteration:  # pragma: no cover - normalise always yields one
            article = None
        if article is not None:
            if published:
                return article.model_copy(update={"published": published, "published_inferred": inferred})
            return article
    now = dt.datetime.now(dt.UTC)
    return Article(
        id=article_id(None, "", text),
        source="unknown",
        title="",
        body="",
        published=published or now,
        published_inferred=published is None,
        first_seen=now,
    )


def read_articles(
    target: str, *, stdin_text: str | None = None, published: dt.datetime | None = None, inferred: bool = False
) -> Iterator[Article]:
    """Articles of a file, a folder of .md/.txt files, or ``-`` (stdin text)."""
    if target == "-":
        yield article_from_text(stdin_text or "", published=published, inferred=inferred)
        return
    path = Path(target)
    if path.is_dir():
        files = sorted(p for p in path.iterdir() if p.suffix.lower() in SUFFIXES)
    elif path.is_file():
        files = [path]
    else:
        raise DataValidationError(
            f"no such file or folder: {target}", hint="give a news file, a folder, or - for stdin"
        )
    for f in files:
        raw = f.read_bytes()
        yield article_from_text(
            raw.decode("utf-8", errors="replace"), name=f.name, published=published, inferred=inferred
        )
