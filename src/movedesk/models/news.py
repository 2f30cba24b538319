"""News models: Article and what extraction finds in it (Span, Mention, Claim, AnalystView, ThemeHit)."""

from __future__ import annotations

import datetime as dt
from typing import ClassVar, Literal

from pydantic import Field

from movedesk.models.base import Model

Direction = Literal["up", "down", "flat"]
Stance = Literal["positive", "cautious", "negative", "neutral"]
Period = Literal[
    "session", "intraday", "multi_session", "week", "month", "ytd", "year", "since", "52w", "after_hours",
    "premarket", "unknown",
]
Measure = Literal["share_price", "index", "yield", "currency", "metric"]


class Article(Model):
    """A news item as stored: once, with a trustworthy time and where it came from."""

    kind: ClassVar[str] = "article"
    id: str
    source: str
    url: str | None = None
    title: str
    body: str
    language: str = "en"
    authors: tuple[str, ...] = ()
    published: dt.datetime = Field(description="UTC, tz-aware")
    published_inferred: bool = False
    first_seen: dt.datetime
    relays: tuple[str, ...] = ()
    cluster_id: str | None = None
    tickers: tuple[str, ...] = ()

    @property
    def text(self) -> str:
        """Title and body as one string; every span offset points into this."""
        return f"{self.title}\n{self.body}"


class Span(Model):
    """A located piece of an article: ``Article.text[start:end]``."""

    kind: ClassVar[str] = "span"
    article_id: str
    start: int
    end: int
    text: str


class Mention(Model):
    kind: ClassVar[str] = "mention"
    article_id: str
    company_id: str
    start: int
    end: int
    text: str
    method: str = "alias"
    listing: str | None = None


class Claim(Model):
    """A number the article states: a price move (checkable against bars) or another metric."""

    kind: ClassVar[str] = "claim"
    article_id: str
    start: int
    end: int
    text: str
    claim_type: Literal["price", "metric"] = "price"
    company_id: str | None = None
    listing: str | None = None
    direction: Direction | None = None
    value: float | None = None
    unit: str = "%"
    qualifier: Literal["close", "intraday_high", "intraday_low", "intraday", "cumulative", "unknown"] = "unknown"
    #: "at_least" for "over 16%", "about" for "around 2.7%", "at_most" for "up to"; else "exact".
    bound: Literal["exact", "at_least", "at_most", "about"] = "exact"
    sessions: int = 1
    session: dt.date | None = None
    subject: str = ""
    base_period: str = ""
    #: the span the move covers: the session, intraday, N sessions, the week or month, year-to-date, a
    #: year, since a date or event, the 52-week range, after hours or premarket, or not said ("unknown")
    period: Period = "session"
    #: what moved: a share price, an index, a yield or spread, a currency, or a company metric
    measure: Measure = "share_price"
    #: how the company was found: the clause's own subject ("subject"), a pronoun or "the stock" pointing
    #: back ("pronoun"), the sentence's previous claim ("previous"), a company named elsewhere in the
    #: sentence ("nearby") or in an earlier sentence ("carried"), or none ("none")
    attribution: Literal["subject", "pronoun", "previous", "nearby", "carried", "none"] = "subject"


class AnalystView(Model):
    kind: ClassVar[str] = "analyst_view"
    article_id: str
    firm: str
    analyst: str | None = None
    title: str | None = None
    stance: Stance
    rating: str | None = None
    target: float | None = None
    company_id: str | None = None
    rationale: Span


class ThemeHit(Model):
    """A driver/theme cue found in a sentence."""

    kind: ClassVar[str] = "theme_hit"
    article_id: str
    theme: str
    cue: str
    sentence: Span


class SentenceSentiment(Model):
    kind: ClassVar[str] = "sentence_sentiment"
    article_id: str
    sentence: Span
    label: Literal["positive", "neutral", "negative"]
    score: float


class Extraction(Model):
    """Everything the extraction pipeline found in one article."""

    kind: ClassVar[str] = "extraction"
    article_id: str
    sentences: tuple[tuple[int, int], ...] = ()
    mentions: tuple[Mention, ...] = ()
    claims: tuple[Claim, ...] = ()
    analysts: tuple[AnalystView, ...] = ()
    themes: tuple[ThemeHit, ...] = ()
    sentiment: tuple[SentenceSentiment, ...] = ()
    #: mean sentence score per company id over the sentences that mention it, in [-1, 1]
    company_sentiment: dict[str, float] = Field(default_factory=dict)
    relays: tuple[str, ...] = ()
    warnings: tuple[str, ...] = ()


class ArticleEvent(Model):
    """What a primary source says an article is, kept beside the article (the store's ``article_events``,
    read with ``Desk.article_events``): an 8-K's item (``scheme`` ``sec-8k``, ``code`` ``2.02``) and the
    move-reason category it maps to (``earnings``; None for items that carry none, such as 9.01 exhibits).
    The Article itself is unchanged, so de-duplication and the articles table are not touched."""

    kind: ClassVar[str] = "article_event"
    article_id: str
    scheme: str
    code: str
    category: str | None = None
    label: str = ""
    company_id: str | None = None
