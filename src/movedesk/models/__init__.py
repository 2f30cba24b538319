"""Typed models, one per kind of thing; every JSON form carries ``schema_version``."""

from movedesk.models.base import SCHEMA_VERSION, Model
from movedesk.models.explain import Brief, Citation, Driver, Explanation, Verification
from movedesk.models.market import Bar, Company, Listing, Move
from movedesk.models.news import (
    AnalystView,
    Article,
    ArticleEvent,
    Claim,
    Extraction,
    Mention,
    SentenceSentiment,
    Span,
    ThemeHit,
)

__all__ = [
    "SCHEMA_VERSION",
    "AnalystView",
    "Article",
    "ArticleEvent",
    "Bar",
    "Brief",
    "Citation",
    "Claim",
    "Company",
    "Driver",
    "Explanation",
    "Extraction",
    "Listing",
    "Mention",
    "Model",
    "Move",
    "SentenceSentiment",
    "Span",
    "ThemeHit",
    "Verification",
]
