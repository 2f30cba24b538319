"""Stable article ids and text normalisation used for exact de-duplication."""

from __future__ import annotations

import hashlib
import re
import unicodedata
from urllib.parse import urlsplit, urlunsplit

_TRACKING = re.compile(r"^(utm_|fbclid|gclid|mc_)")


def canonical_url(url: str) -> str:
    """Lower-case scheme and host, no fragment, no tracking parameters, no trailing slash."""
    if "?" not in url and "#" not in url and not url.endswith("/") and url == url.strip():
        slash = url.find("/", url.find("://") + 3) if "://" in url else -1
        if slash > 0 and url[:slash].islower() and url[:slash].isascii():
            return url  # already canonical (the common case in bulk archives)
    parts = urlsplit(url.strip())
    query = "&".join(
        q for q in parts.query.split("&") if q and not _TRACKING.match(q.split("=", 1)[0].lower())
    )
    path = parts.path.rstrip("/") or "/"
    return urlunsplit((parts.scheme.lower(), parts.netloc.lower(), path, query, ""))


def normalise_text(text: str) -> str:
    return " ".join(unicodedata.normalize("NFKC", text).casefold().split())


def article_id(url: str | None, title: str, body: str) -> str:
    """sha1 of the canonical URL when there is one, else of the normalised title and body."""
    key = "url:" + canonical_url(url) if url else "text:" + normalise_text(f"{title}\n{body}")
    return hashlib.sha1(key.encode("utf-8")).hexdigest()[:20]


def text_hash(title: str, body: str) -> str:
    return hashlib.sha1(normalise_text(f"{title}\n{body}").encode("utf-8")).hexdigest()
