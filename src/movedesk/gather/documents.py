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
