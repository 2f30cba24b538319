"""Rank drivers (themes) of a move from the extracted evidence, with a score whose parts are shown.

score = 0.25·relevance + 0.15·recency + 0.25·evidence + 0.10·agreement + 0.05·source + 0.20·corroboration

- relevance: share of the theme's evidence sentences that sit in articles about the company (the
  company is mentioned in the title or at least twice), 0…1;
- recency: exp(−hours from the newest evidence to the cutoff / 48);
- evidence: log(1 + sentences) / log(6), capped at 1 — five sentences saying it is full marks;
- agreement: how far the evidence sentences' sentiment agrees with the move's direction, 0…1
  (0.5 when sentiment is neutral or unknown);
- source: the source weight (1.0 for every source until weights are configured);
- corroboration: independent outlets (sources and the outlets they relay) / 3, capped at 1.

A driver needs a score of at least ``MIN_DRIVER_SCORE`` to be reported, and at least
``RELATIVE_CUT`` of the best driver's score (side themes that a story merely touches are dropped):
thin evidence gives "unexplained", never an invented reason.
"""

from __future__ import annotations

import datetime as dt
import math
from collections import defaultdict
from collections.abc import Mapping, Sequence

from movedesk.models import Article, Driver, Extraction, Span

WEIGHTS = {
    "relevance": 0.25,
    "recency": 0.15,
    "evidence": 0.25,
    "agreement": 0.10,
    "source": 0.05,
    "corroboration": 0.20,
}
MIN_DRIVER_SCORE = 0.45
RELATIVE_CUT = 0.75
SOURCE_WEIGHTS: Mapping[str, float] = {}


def _about_company(article: Article, extraction: Extraction, company_id: str) -> bool:
    title_end = len(article.title)
    mentions = [m for m in extraction.mentions if m.company_id == company_id]
    return any(m.start < title_end for m in mentions) or len(mentions) >= 2


def rank_drivers(
    company_id: str,
    docs: Sequence[tuple[Article, Extraction]],
    *,
    cutoff: dt.datetime,
    direction: int,
    labels: Mapping[str, str],
) -> list[Driver]:
    """Drivers for the company from (article, extraction) pairs, best first, ties broken by theme name."""
    by_theme: dict[str, list[tuple[Article, Extraction, Span]]] = defaultdict(list)
    for article, extraction in docs:
        seen: set[tuple[str, int, int]] = set()
        for hit in extraction.themes:
            key = (hit.theme, hit.sentence.start, hit.sentence.end)
            if key in seen:  # several cues of one theme in one sentence count once
                continue
            seen.add(key)
            by_theme[hit.theme].append((article, extraction, hit.sentence))
    drivers = []
    for theme, items in by_theme.items():
        about = [_about_company(a, e, company_id) for a, e, _ in items]
        relevance = sum(about) / len(items)
        newest = max(a.published for a, _, _ in items)
        hours = max(0.0, (cutoff - newest).total_seconds() / 3600)
        recency = math.exp(-hours / 48)
        evidence = min(1.0, math.log1p(len(items)) / math.log(6))
        agreement = _agreement(items, direction)
        outlets = {a.source for a, _, _ in items} | {r for a, _, _ in items for r in a.relays}
        source = max(SOURCE_WEIGHTS.get(a.source, 1.0) for a, _, _ in items)
        corroboration = min(1.0, len(outlets) / 3)
        parts = {
            "relevance": relevance,
            "recency": recency,
            "evidence": evidence,
            "agreement": agreement,
            "source": source,
            "corroboration": corroboration,
        }
        score = sum(WEIGHTS[k] * v for k, v in parts.items())
        # English reports first (the brief is in English), then oldest first, then in reading order
        order = {a.id: (a.language != "en", a.published) for a, _, _ in items}
        spans = tuple(sorted({s for _, _, s in items}, key=lambda s: (*order[s.article_id], s.article_id, s.start)))
        drivers.append(
            Driver(
                theme=theme,
                label=labels.get(theme, theme.replace("_", " ")),
                score=round(score, 4),
                score_parts={k: round(v, 4) for k, v in parts.items()},
                evidence=spans,
                sources=tuple(sorted(outlets)),
            )
        )
    drivers.sort(key=lambda d: (-d.score, d.theme))
    return drivers


def _agreement(items: Sequence[tuple[Article, Extraction, Span]], direction: int) -> float:
    if direction == 0:
        return 0.5
    values = []
    for _, extraction, span in items:
        for s in extraction.sentiment:
            if s.sentence.start <= span.start and span.end <= s.sentence.end:
                sign = {"positive": 1, "negative": -1}.get(s.label, 0)
                values.append((sign * direction + 1) / 2)
    return sum(values) / len(values) if values else 0.5


def select_drivers(drivers: Sequence[Driver]) -> list[Driver]:
    """The drivers worth reporting: above the absolute floor and close enough to the best one."""
    if not drivers:
        return []
    best = max(d.score for d in drivers)
    return [d for d in drivers if d.score >= MIN_DRIVER_SCORE and d.score >= RELATIVE_CUT * best]
