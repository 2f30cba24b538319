"""The mutable working document that extraction components read and fill in, one per article."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field

from movedesk.extract.options import ExtractOptions, current
from movedesk.gather.language import cjk_count
from movedesk.models import Article
from movedesk.models.news import AnalystView, Claim, Extraction, Mention, SentenceSentiment, ThemeHit
from movedesk.registry import Registry


@dataclass
class Doc:
    """What components share while they run over one article.

    ``text`` is ``Article.text`` (title + newline + body) and every offset points into it.
    ``produced`` holds the names of the annotations already present (``doc.sentences``…), so a
    pipeline can be checked before it runs and each component can be run alone after its inputs.
    """

    article: Article
    registry: Registry
    text: str
    lang: str = "en"
    sentences: list[tuple[int, int]] = field(default_factory=list)
    tokens: list[tuple[int, int]] = field(default_factory=list)
    mentions: list[Mention] = field(default_factory=list)
    claims: list[Claim] = field(default_factory=list)
    analysts: list[AnalystView] = field(default_factory=list)
    themes: list[ThemeHit] = field(default_factory=list)
    sentiment: list[SentenceSentiment] = field(default_factory=list)
    company_sentiment: dict[str, float] = field(default_factory=dict)
    relays: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    produced: set[str] = field(default_factory=set)
    #: intermediate results components share (e.g. one number scan for price and metric claims)
    cache: dict[str, object] = field(default_factory=dict)
    #: the settings the components read (sentiment method, trained models)
    options: ExtractOptions = field(default_factory=current)

    @classmethod
    def from_article(cls, article: Article, registry: Registry, options: ExtractOptions | None = None) -> Doc:
        text = article.text
        return cls(
            article=article,
            registry=registry,
            text=text,
            lang=pipeline_language(text, article.language),
            options=options or current(),
        )

    @property
    def article_id(self) -> str:
        return self.article.id

    @property
    def published(self) -> dt.datetime:
        return self.article.published

    def sentence_of(self, offset: int) -> tuple[int, int]:
        """The (start, end) of the sentence holding ``offset`` (the whole text when unsplit)."""
        import bisect

        if not self.sentences:
            return (0, len(self.text))
        starts = [s for s, _ in self.sentences]
        i = max(0, bisect.bisect_right(starts, offset) - 1)
        return self.sentences[i]

    def to_extraction(self) -> Extraction:
        return Extraction(
            article_id=self.article.id,
            sentences=tuple(self.sentences),
            mentions=tuple(sorted(self.mentions, key=lambda m: (m.start, m.end))),
            claims=tuple(sorted(self.claims, key=lambda c: (c.start, c.end))),
            analysts=tuple(self.analysts),
            themes=tuple(self.themes),
            sentiment=tuple(self.sentiment),
            company_sentiment=dict(self.company_sentiment),
            relays=tuple(self.relays),
            warnings=tuple(self.warnings),
        )


_LATIN = re.compile("[A-Za-z]")


def pipeline_language(text: str, declared: str = "en") -> str:
    """The extraction pipeline's two-way choice of rules: 'zh' when CJK ideographs (counted as the gather
    layer counts them, :func:`movedesk.gather.language.cjk_count`) make up a large part of the letters,
    else the declared language."""
    sample = text[:4000]
    if sample.isascii():
        return "en" if not declared or declared.startswith("zh") else declared
    cjk = cjk_count(sample)
    latin = len(_LATIN.findall(sample))
    if cjk and cjk * 2 >= latin:
        return "zh"
    if declared.startswith("zh") and cjk:
        return "zh"
    return "en" if not declared or declared.startswith("zh") else declared
