"""A fetched or read document (feed XML, HTML page, text file), before any parsing."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from movedesk.errors import DataValidationError, FetchRefused
from movedesk.gather.charset import decode
from movedesk.gather.fetch import Fetcher

#: Local files may be larger than fetched ones (their bodies are capped later, in ``build_article``).
LOCAL_MAX_BYTES = 256 * 1024 * 1024
_URL = re.compile(r"^https?://", re.I)


def is_url(query: str | Path) -> bool:
    return isinstance(query, str) and bool(_URL.match(query.strip()))


@dataclass(frozen=True)
class Document:
    """``ref`` is what the user named (path or URL); ``url`` the page's own address when it has one."""

    ref: str
    text: str
    url: str | None = None
    content_type: str = ""
    not_modified: bool = False


def read_bytes(path: Path, max_bytes: int = LOCAL_MAX_BYTES) -> bytes:
    """A local file's bytes; an empty file or one over the cap is refused with a reason."""
    size = path.stat().st_size
    if size == 0:
        raise DataValidationError(f"{path} is empty (0 bytes)")
    if size > max_bytes:
        raise FetchRefused(f"{path} is {size:,} bytes, over the cap of {max_bytes:,}", hint="raise the cap")
    return path.read_bytes()


def load_document(
    query: str | Path, fetcher: Fetcher | None = None, max_bytes: int = LOCAL_MAX_BYTES
) -> Document:
    """Fetch a URL (through the guarded fetcher) or read a local file, and decode it to text."""
    ref = str(query)
    if is_url(ref):
        if fetcher is None:
            raise FetchRefused(f"refusing {ref}: no fetcher configured for URLs")
        result = fetcher.get(ref.strip())
        if result.not_modified:
            return Document(ref, "", result.url, not_modified=True)
        if not result.content.strip():
            raise DataValidationError(f"{ref} returned an empty body")
        return Document(ref, result.text, result.final_url, result.content_type)
    path = Path(query)
    text, _codec = decode(read_bytes(path, max_bytes))
    if not text.strip():
        raise DataValidationError(f"{path} has no text")
    return Document(ref, text, None, "")


#: The news source kind (an entry-point name in ``movedesk.news_sources``) for each file suffix.
SUFFIX_KIND: dict[str, str] = {
    ".xml": "feed",
    ".rss": "feed",
    ".atom": "feed",
    ".html": "web",
    ".htm": "web",
    ".md": "frontmatter",
    ".markdown": "frontmatter",
    ".txt": "frontmatter",
    ".parquet": "bulk",
    ".pq": "bulk",
    ".jsonl": "bulk",
    ".ndjson": "bulk",
    ".json": "bulk",
    ".csv": "bulk",
    ".tsv": "bulk",
}
_XML_DECL = re.compile(r"^\s*<\?xml[^>]*\?>", re.I)


def kind_for(path: str | Path) -> str | None:
    """The source kind for a local path by its suffix, or None when the suffix says nothing."""
    return SUFFIX_KIND.get(Path(path).suffix.lower())


def looks_like_feed(text: str, content_type: str = "") -> bool:
    """RSS or Atom, by its media type or its first element."""
    if any(x in content_type.lower() for x in ("rss", "atom", "/xml", "+xml")):
        return True
    head = _XML_DECL.sub("", text[:2000].lstrip("\ufeff")).lstrip()
    head = re.sub(r"^(?:<!--.*?-->\s*|<\?xml-stylesheet[^>]*\?>\s*)*", "", head, flags=re.S)
    return head.startswith(("<rss", "<feed", "<rdf:RDF", "<RDF"))


def looks_like_html(text: str, content_type: str = "") -> bool:
    """An HTML page, by its media type or its doctype."""
    return "html" in content_type.lower() or bool(re.match(r"\s*(<!doctype html|<html)", text[:500], re.I))
