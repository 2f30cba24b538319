"""Rank drivers (themes) of a move from the extracted evidence, with a score whose parts are shown.

Only evidence about the company counts: a theme sentence is kept when it or a sentence next to it
mentions the company, or it sits in a story whose headline names the company (a market wrap's "the
dollar fell" is not a reason for one stock's move); a sentence that names other companies and not this
one is about them ("Sandisk unveiled a player to rival the iPod" is no launch by Apple).
In a market wrap (a story whose headline does not name the company and whose body names
``WRAP_MIN_COMPANIES`` or more others) only the sentences naming the company count, not their neighbours.
A results word that is what a forecast is about ("fourth-quarter profit forecast", "earnings outlook": an
earnings cue up to ``FORECAST_OBJECT_GAP`` characters before an outlook cue, or inside one as in
"preliminary results") is not evidence of results: the sentence is about the outlook.

score = 0.20·relevance + 0.25·headline + 0.15·evidence + 0.10·recency + 0.05·agreement + 0.05·source
        + 0.20·corroboration

- relevance: mean closeness of the evidence to the company — 1 when the sentence names it, 0.5 when
  the next or previous sentence does, 0.25 elsewhere in a story whose headline names the company
  (other sentences are not evidence about this company at all);
- headline: 1 when the theme is in the headline or first sentence of a story whose headline names the
  company (news states the reason for a move up front), else 0;
- evidence: log(1 + sentences) / log(6), capped at 1 — five sentences saying it is full marks;
- recency: exp(−hours from the newest evidence to the session's close / 48) (evidence filed after the
  close, before the cutoff, counts as fresh);
- agreement: how far the evidence sentences' sentiment agrees with the move's direction, 0…1
  (0.5 when sentiment is neutral or unknown);
- source: the source weight, 1.0 for every outlet (outlet weights are not configurable yet; the part stays
  so that briefs keep one score layout);
- corroboration: independent outlets (sources and the outlets they relay) / 3, capped at 1.

Then the reason news states: when a sentence about the company says its shares moved and then why
("shares rose 7 percent after quarterly results beat estimates"), the first theme in that causal clause
gets cause = 1 and later ones 0.5, and score += CAUSE_LIFT·cause·(1 − score): a stated reason lifts a
theme towards 1, and its absence takes nothing away (most stories never state the move). The reason may also
come first ("DuPont cuts its forecast, sending shares down"): then the theme nearest the verb is first.
A headline that states the move ("Carnival outlook disappoints, shares drop") gives its reason before it:
the themes there are the cause, in reading order. CAUSE_LIFT is 0.7: the reason a story gives for the move
outweighs the results the same story also reports (guidance singled out on a results day).

Market themes (``scope: market`` in themes.yaml: macro data, rate cuts) explain the market's part of a move,
not a stock's abnormal return: their score is multiplied by ``0.5 + 0.5·market_share``, where market_share
(0…1) is how much of the stock's move its benchmark shared that day (1 when unknown). The factor is shown
as the ``market_scope`` part.

A driver needs a score of at least ``MIN_DRIVER_SCORE`` to be reported, and at least
``RELATIVE_CUT`` of the best driver's score (side themes that a story merely touches are dropped):
thin evidence gives "unexplained", never an invented reason.
"""

from __future__ import annotations

import bisect
import datetime as dt
import math
import re
from collections import defaultdict
from collections.abc import Mapping, Sequence

from movedesk.models import Article, Driver, Extraction, Span, ThemeHit

WEIGHTS = {
    "relevance": 0.20,
    "headline": 0.25,
    "evidence": 0.15,
    "recency": 0.10,
    "agreement": 0.05,
    "source": 0.05,
    "corroboration": 0.20,
}
#: A reason stated for the move lifts the score this far towards 1; its absence takes nothing away.
CAUSE_LIFT = 0.7
# "shares rose 5 percent after …": a sentence stating the company's share move, then what caused it
_MOVE_RE = re.compile(
    r"\b(?:shares?|stocks?)\b[^.;]{0,80}?\b(?:rose|rise[sn]?|rising|jump\w*|gain\w*|climb\w*|surg\w*|soar\w*|"
    r"rall\w*|advanc\w*|leap\w*|spik\w*|fell|fall(?:s|en|ing)?|drop\w*|sl[iu]d\w*|slump\w*|tumbl\w*|plung\w*|"
    r"sank|sink\w*|los[te]s?|losing|declin\w*|skid\w*|dip\w*|retreat\w*|crash\w*|hit)\b",
    re.IGNORECASE,
)
_CAUSE_RE = re.compile(
    r"\b(?:after|following|on|as|amid|because|due to|in the wake of|thanks to|when|with)\b", re.IGNORECASE
)
# "…, sending its shares down 5 percent": the clause before the verb is the reason for the move
_PUSHED_RE = re.compile(
    r"\b(?:send(?:s|ing)?|sent|push(?:es|ed|ing)?|lift(?:s|ed|ing)?|driv(?:es|ing|en)|drove|dragg?(?:s|ed|ing)?|"
    r"knock(?:s|ed|ing)?|boost(?:s|ed|ing)?|weigh(?:s|ed|ing)? on|hit(?:s|ting)?)\b[^.;]{0,40}?\b(?:shares?|stocks?)\b",
    re.IGNORECASE,
)
#: "fourth-quarter profit forecast": a results word this close before an outlook word is the forecast's object
FORECAST_OBJECT_GAP = 24
#: a story whose headline does not name the company and whose body names this many others is a market wrap
WRAP_MIN_COMPANIES = 4
MIN_DRIVER_SCORE = 0.45
RELATIVE_CUT = 0.75


class _Closeness:
    """Which sentences of one article mention the company, to score how close evidence sits to it."""

    def __init__(self, article: Article, extraction: Extraction, company_id: str) -> None:
        self.starts = [start for start, _ in extraction.sentences]
        self.named = {self.index(m.start) for m in extraction.mentions if m.company_id == company_id}
        # sentences that name other companies but not this one are about them
        self.others = {
            self.index(m.start) for m in extraction.mentions if m.company_id and m.company_id != company_id
        } - self.named
        self.title_end = len(article.title)
        self.title_names = any(
            m.company_id == company_id and m.start < self.title_end for m in extraction.mentions
        )

        # a market wrap (its headline names other things, its body many companies): only what it says of this
        # company in a sentence naming it is about it
        companies = {m.company_id for m in extraction.mentions if m.company_id}
        self.wrap = not self.title_names and len(companies - {company_id}) >= WRAP_MIN_COMPANIES

    def index(self, offset: int) -> int:
        return max(0, bisect.bisect_right(self.starts, offset) - 1)

    def closeness(self, span: Span) -> float:
        i = self.index(span.start)
        if i in self.named:
            return 1.0
        if i in self.others or self.wrap:
            return 0.0
        if i - 1 in self.named or i + 1 in self.named:
            return 0.5
        # elsewhere in a story about the company (its headline names it): weak evidence, still evidence
        return 0.25 if self.title_names else 0.0

    def cause_at(self, hit: ThemeHit) -> int | None:
        """Where the theme's cue sits in the causal clause of a sentence stating the company's share move
        ("Acme shares jump after strong results and a broker upgrade"), or None when it does not."""
        span = hit.sentence
        if not (self.index(span.start) in self.named or (self.title_names and span.start < self.title_end)):
            return None
        at = span.text.find(hit.cue)
        # a headline "Carnival outlook disappoints, shares drop": what comes before the move is its reason,
        # in reading order (a headline puts its subject first)
        if span.start < self.title_end:
            head = _MOVE_RE.search(span.text)
            if head is not None and 0 <= at < head.start():
                return at
        # "DuPont cuts its forecast, sending shares down": the reason comes first, nearest the verb first
        pushed = _PUSHED_RE.search(span.text)
        if pushed is not None and 0 <= at < pushed.start():
            return pushed.start() - at
        move = _MOVE_RE.search(span.text)
        cause = _CAUSE_RE.search(span.text, move.end()) if move else None
        return at if cause is not None and at >= cause.end() else None

    def in_lead(self, span: Span) -> bool:
        """In the headline or the first sentence after it, of a story whose headline names the company."""
        first_body = self.index(self.title_end) + 1
        return self.title_names and (span.start < self.title_end or self.index(span.start) <= first_body)


def rank_drivers(
    company_id: str,
    docs: Sequence[tuple[Article, Extraction]],
    *,
    cutoff: dt.datetime,
    session_close: dt.datetime | None = None,
    direction: int,
    labels: Mapping[str, str],
    market_themes: frozenset[str] = frozenset(),
    market_share: float = 1.0,
    categories: Mapping[str, str] | None = None,
) -> list[Driver]:
    """Drivers for the company from (article, extraction) pairs, best first, ties broken by theme name."""
    by_theme: dict[str, list[tuple[Article, Extraction, Span]]] = defaultdict(list)
    close: dict[tuple[str, str, int, int], float] = {}
    lead: dict[str, set[str]] = defaultdict(set)
    # per sentence, the themes its causal clause names, in reading order: the first named reason counts 1,
    # later ones 0.5
    cause: dict[tuple[str, str, int], float] = {}
    cats = categories or {}
    for article, extraction in docs:
        where = _Closeness(article, extraction, company_id)
        stated: dict[int, list[tuple[int, str]]] = defaultdict(list)
        hits = _without_forecast_objects(extraction.themes, cats)
        for hit in hits:
            at = where.cause_at(hit)
            if at is not None:
                stated[hit.sentence.start].append((at, hit.theme))
        for start, found in stated.items():
            for rank, (_, theme) in enumerate(sorted(found)):
                cause[(theme, article.id, start)] = 1.0 if rank == 0 else 0.5
        for hit in hits:
            key = (hit.theme, article.id, hit.sentence.start, hit.sentence.end)
            if key in close:  # several cues of one theme in one sentence count once
                continue
            close[key] = where.closeness(hit.sentence)
            if close[key] == 0.0:  # not about this company
                continue
            by_theme[hit.theme].append((article, extraction, hit.sentence))
            if where.in_lead(hit.sentence):
                lead[hit.theme].add(article.id)
    drivers = []
    for theme, items in by_theme.items():
        relevance = sum(close[(theme, a.id, s.start, s.end)] for a, _, s in items) / len(items)
        headline = 1.0 if lead[theme] else 0.0
        newest = max(a.published for a, _, _ in items)
        hours = max(0.0, ((session_close or cutoff) - newest).total_seconds() / 3600)
        recency = math.exp(-hours / 48)
        evidence = min(1.0, math.log1p(len(items)) / math.log(6))
        stated_cause = max(cause.get((theme, a.id, sp.start), 0.0) for a, _, sp in items)
        agreement = _agreement(items, direction)
        outlets = {a.source for a, _, _ in items} | {r for a, _, _ in items for r in a.relays}
        source = 1.0  # see the module docstring: every outlet weighs the same
        corroboration = min(1.0, len(outlets) / 3)
        parts = {
            "relevance": relevance,
            "headline": headline,
            "cause": stated_cause,
            "recency": recency,
            "evidence": evidence,
            "agreement": agreement,
            "source": source,
            "corroboration": corroboration,
        }
        score = sum(WEIGHTS[k] * v for k, v in parts.items() if k in WEIGHTS)
        score += CAUSE_LIFT * stated_cause * (1.0 - score)
        if theme in market_themes:
            parts["market_scope"] = 0.5 + 0.5 * min(1.0, max(0.0, market_share))
            score *= parts["market_scope"]
        # English reports first (the brief is in English), then oldest first, then in reading order
        order = {a.id: (a.language != "en", a.published) for a, _, _ in items}
        spans = tuple(sorted({s for _, _, s in items}, key=lambda s: (*order[s.article_id], s.article_id, s.start)))
        drivers.append(
            Driver(
                theme=theme,
                label=labels.get(theme, theme.replace("_", " ")),
                category=(categories or {}).get(theme, "other"),
                score=round(score, 4),
                score_parts={k: round(v, 4) for k, v in parts.items()},
                evidence=spans,
                sources=tuple(sorted(outlets)),
            )
        )
    drivers.sort(key=lambda d: (-d.score, d.theme))
    return drivers


def _without_forecast_objects(hits: Sequence[ThemeHit], categories: Mapping[str, str]) -> list[ThemeHit]:
    """The hits, less the results words that are what a forecast is about: in "cut its fourth-quarter profit
    forecast" or "raised its earnings outlook" the earnings cue names the forecast's object, not a report."""
    outlook: dict[int, list[tuple[int, int]]] = defaultdict(list)
    for hit in hits:
        if categories.get(hit.theme) == "guidance" and (at := hit.sentence.text.find(hit.cue)) >= 0:
            outlook[hit.sentence.start].append((at, at + len(hit.cue)))
    kept = []
    for hit in hits:
        if categories.get(hit.theme) == "earnings" and outlook.get(hit.sentence.start):
            text = hit.sentence.text
            at = text.find(hit.cue)
            end = at + len(hit.cue)
            # "profit forecast" (the object, just before), "preliminary results" (inside the outlook cue)
            if at >= 0 and any(
                g <= at < g_end or (0 <= g - end <= FORECAST_OBJECT_GAP and not re.search(r"[,;:]", text[end:g]))
                for g, g_end in outlook[hit.sentence.start]
            ):
                continue
        kept.append(hit)
    return kept


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
