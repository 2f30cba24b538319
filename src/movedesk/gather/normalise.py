"""Turn raw fields from any source into a validated Article, or a per-item rejection with a reason.

Every source goes through :func:`build_article`, so all articles get the same treatment: a publish time
in UTC (naive times are read in the source's default zone: the one configured, else the zone of the
site's country suffix, else UTC; a missing time falls back to first-seen and is flagged), the
1990 / future sanity limits, a capped body, a detected language and the outlets the text relays.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import html
import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from movedesk.errors import DataValidationError
from movedesk.gather.identity import article_id, canonical_url
from movedesk.gather.language import detect_language
from movedesk.gather.provenance import extract_relays
from movedesk.gather.timestamps import check_published, parse_stamp, zone_for_host
from movedesk.models import Article

#: Longest body stored; longer ones are cut at a paragraph or word boundary (and logged as capped).
MAX_BODY_CHARS = 200_000
MAX_TITLE_CHARS = 1_000


@dataclass(frozen=True)
class Rejection:
    """An item that could not become an article: where it came from and why."""

    ref: str
    reason: str


@dataclass(frozen=True)
class BuildOptions:
    """Per-source choices: the zone of naive times, the outlet name, a language to trust, when it ran."""

    default_tz: str | dt.tzinfo | None = None
    source: str | None = None
    language: str | None = None
    first_seen: dt.datetime | None = None


_BLANKS = re.compile(r"\n{3,}")


_SPACES = str.maketrans({"\t": " ", "\f": " ", "\v": " ", "\xa0": " ", "\r": "\n"})


def clean_text(text: str) -> str:
    """Unescape entities, collapse runs of spaces within lines and of blank lines; keep paragraphs.

    Written with ``str.replace`` passes (C speed) rather than regular expressions: bulk ingest spends a
    good part of its time here.
    """
    if "&" in text:
        text = html.unescape(text)
    if "\r\n" in text:
        text = text.replace("\r\n", "\n")
    if not text.isascii() or "\t" in text or "\r" in text or "\f" in text or "\v" in text:
        text = text.translate(_SPACES)
    while "  " in text:
        text = text.replace("  ", " ")
    if "\n" in text:
        text = text.replace(" \n", "\n").replace("\n ", "\n")
        if "\n\n\n" in text:
            text = _BLANKS.sub("\n\n", text)
    return text.strip()


def cap_body(body: str, limit: int = MAX_BODY_CHARS) -> tuple[str, bool]:
    """(body, capped): a body over ``limit`` characters is cut at the last paragraph/space before it."""
    if len(body) <= limit:
        return body, False
    cut = body.rfind("\n", limit // 2, limit)
    if cut < 0:
        cut = body.rfind(" ", limit // 2, limit)
    return body[: cut if cut > 0 else limit].rstrip(), True


def _authors(value: Any) -> tuple[str, ...]:
    if value is None or value != value:  # None or NaN
        return ()
    if isinstance(value, str):
        parts = re.split(r"\s*(?:;|\band\b|&|,)\s*", value.strip()) if value.strip() else []
        return tuple(p for p in (x.strip() for x in parts) if p)
    if isinstance(value, Iterable):
        return tuple(str(x).strip() for x in value if x is not None and str(x).strip())
    return (str(value),)


def _strings(value: Any) -> tuple[str, ...]:
    if value is None or isinstance(value, float):
        return ()
    if isinstance(value, str):
        return tuple(x.strip() for x in value.split(",") if x.strip())
    return tuple(str(x) for x in value if x is not None)


def build_article(
    *,
    title: Any = None,
    body: Any = "",
    url: Any = None,
    published: Any = None,
    source: Any = None,
    authors: Any = None,
    language: Any = None,
    tickers: Any = None,
    relays: Any = None,
    options: BuildOptions | None = None,
    now: dt.datetime | None = None,
    scan_relays: bool = True,
) -> Article:
    """One Article from raw fields; raises DataValidationError with the reason it cannot be one.

    ``scan_relays=False`` skips the provenance scan (for callers that checked the text names no outlet).
    """
    opts = options or BuildOptions()
    now = now or dt.datetime.now(dt.UTC)
    first_seen = opts.first_seen or now
    title_s = clean_text(str(title)) if title is not None and title == title else ""
    raw_body = str(body) if body is not None and body == body else ""
    if len(raw_body) > 2 * MAX_BODY_CHARS:  # do not clean megabytes that will be cut anyway
        raw_body = raw_body[: 2 * MAX_BODY_CHARS]
    body_s = clean_text(raw_body)
    if not title_s:
        lines = [ln for ln in body_s.split("\n") if ln.strip()]
        if not lines:
            raise DataValidationError("no title and no text")
        title_s = lines[0][:200]
        body_s = "\n".join(lines[1:]) if len(lines[0]) <= 200 else body_s
    title_s = " ".join(title_s.split())[:MAX_TITLE_CHARS]
    body_s, _capped = cap_body(body_s)
    url_s = str(url).strip() if url is not None and url == url and str(url).strip() else None
    if url_s is not None and not re.match(r"^[a-zA-Z][a-zA-Z0-9+.-]*://", url_s):
        url_s = None
    if url_s is not None:
        url_s = canonical_url(url_s)
        ident = hashlib.sha1(("url:" + url_s).encode("utf-8")).hexdigest()[:20]  # == article_id(url_s, …)
    else:
        ident = article_id(None, title_s, body_s)
    tz = opts.default_tz if opts.default_tz is not None else zone_for_host(_host(url_s))
    stamp = parse_stamp(published, default_tz=tz)
    if stamp is None:
        when, inferred = first_seen, True
    else:
        when, inferred = stamp.value, stamp.inferred
        reason = check_published(when, now=now)
        if reason:
            raise DataValidationError(reason)
    src = str(source).strip() if source is not None and source == source and str(source).strip() else None
    src = src or opts.source or _host(url_s) or "unknown"
    text = f"{title_s}\n{body_s}"
    lang = _language(opts.language or (str(language) if language and language == language else None), text)
    if relays is not None and not isinstance(relays, float) and len(relays):
        found = _strings(relays)
    elif scan_relays:
        found = tuple(extract_relays(text, exclude=(src,)))
    else:  # the caller knows no outlet is named in the text
        found = ()
    return Article(
        id=ident,
        source=src,
        url=url_s,
        title=title_s,
        body=body_s,
        language=lang,
        authors=_authors(authors),
        published=when,
        published_inferred=inferred,
        first_seen=first_seen,
        relays=found,
        tickers=_strings(tickers),
    )


def _language(given: str | None, text: str) -> str:
    """A declared language is trusted, except that a bare ``zh`` is refined to zh-Hans / zh-Hant."""
    if given and not given.lower().startswith("zh"):
        return given
    detected = detect_language(text)
    if given and not detected.startswith("zh"):
        return "zh-Hant" if given.lower() in ("zh-hant", "zh-tw", "zh-hk") else "zh-Hans"
    return detected


def _host(url: str | None) -> str | None:
    if not url:
        return None
    host = re.sub(r"^[a-z]+://", "", url).split("/", 1)[0].split(":", 1)[0]
    return host[4:] if host.startswith("www.") else host or None
