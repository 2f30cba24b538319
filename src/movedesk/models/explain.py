"""Explain models: Driver, Verification, Explanation and Brief."""

from __future__ import annotations

import datetime as dt
from typing import ClassVar, Literal

from movedesk.models.base import Model
from movedesk.models.market import Company, Move
from movedesk.models.news import AnalystView, Claim, Span

Verdict = Literal["stock-specific", "market-wide", "sector-wide", "unexplained"]
CheckVerdict = Literal["true", "roughly true", "consistent with intraday", "false", "unverifiable"]


class Citation(Model):
    kind: ClassVar[str] = "citation"
    article_id: str
    source: str
    url: str | None = None
    title: str
    published: dt.datetime
    relays: tuple[str, ...] = ()


class Driver(Model):
    """A reason for the move, with the sentences that say so and a score whose parts are shown."""

    kind: ClassVar[str] = "driver"
    theme: str
    label: str
    #: the event category of the theme (themes.yaml; the labelling protocol's list), "other" when unknown
    category: str = "other"
    score: float
    score_parts: dict[str, float]
    evidence: tuple[Span, ...]
    sources: tuple[str, ...]


class Verification(Model):
    kind: ClassVar[str] = "verification"
    claim: Claim
    listing: str | None
    session: dt.date | None
    computed: float | None
    verdict: CheckVerdict
    note: str


class Explanation(Model):
    kind: ClassVar[str] = "explanation"
    company: Company
    session: dt.date
    cutoff: dt.datetime
    #: how the cutoff was chosen: "next open" (the default for a past session), "now" (a live run),
    #: "given" (--cutoff), "close" (the calendar does not know the next session yet)
    cutoff_rule: str = "given"
    moves: tuple[Move, ...]
    benchmark_moves: tuple[Move, ...]
    verdict: Verdict
    confidence: float
    confidence_inputs: dict[str, float]
    drivers: tuple[Driver, ...]
    analysts: tuple[AnalystView, ...]
    verifications: tuple[Verification, ...]
    articles: tuple[Citation, ...]


class Brief(Model):
    kind: ClassVar[str] = "brief"
    slug: str
    headline: str
    lede: str
    explanation: Explanation
    markdown: str
    html: str
