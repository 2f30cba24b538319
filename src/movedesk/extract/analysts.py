"""Analyst views: firm (data/analyst_firms.csv), analyst name and title, stance, rating, target, rationale.

A sentence that names a firm from the list together with an analyst cue ("analyst", "said", "according
to", "rating", "target", "看好", "分析师"…) is a view. The stance comes from cue words (rating words first:
"upgrade"/"buy" → positive, "downgrade"/"sell" → negative, "hold"/"neutral" → neutral; then "well
positioned"/"benefit" → positive, "cautious"/"unclear"/"questioning" → cautious). The rationale is the
view sentence, extended over a following "This is because…" sentence.
"""

from __future__ import annotations

import csv
import functools
import io
import re
from dataclasses import dataclass
from importlib import resources

import ahocorasick

from movedesk.errors import DataValidationError
from movedesk.extract.component import Component
from movedesk.extract.doc import Doc
from movedesk.extract.text import bounded, fold
from movedesk.models.news import AnalystView, Span


@dataclass(frozen=True)
class Firm:
    id: str
    name: str
    aliases: tuple[str, ...]
    kind: str


@functools.cache
def firms() -> tuple[Firm, ...]:
    """The analyst firms shipped in data/analyst_firms.csv (validated: id, name, aliases required)."""
    path = resources.files("movedesk") / "data" / "analyst_firms.csv"
    out: list[Firm] = []
    rows = csv.DictReader(io.StringIO(path.read_text(encoding="utf-8"), newline=""))
    for line, row in enumerate(rows, start=2):
        if not row.get("id") or not row.get("name") or not row.get("aliases"):
            raise DataValidationError(f"analyst_firms.csv line {line}: id, name and aliases are required")
        aliases = tuple(a.strip() for a in row["aliases"].split(";") if a.strip())
        out.append(Firm(row["id"], row["name"], aliases, row.get("kind") or "broker"))
    return tuple(out)


@functools.cache
def _automaton() -> ahocorasick.Automaton:
    a: ahocorasick.Automaton = ahocorasick.Automaton()
    for firm in firms():
        for alias in firm.aliases:
            a.add_word(fold(alias), (fold(alias), firm, alias))
    a.make_automaton()
    return a


#: words that make a sentence naming a firm an analyst view on their own
_ANALYST_CUE = re.compile(
    r"\b(?:analysts?|strategists?|economists?|research|note to (?:clients|investors)|in a note|rating|rates?|"
    r"rated|price target|target price|upgraded?|upgrades|downgraded?|downgrades|overweight|underweight|"
    r"outperform|underperform|equal[- ]weight|initiated|initiates|reiterated|coverage)\b"
    r"|分析师|看好|看淡|谨慎|评级|目标价|买入|增持|减持|卖出|中性|研报",
    re.IGNORECASE,
)
#: "<firm> said …" / "according to <firm>" count only with an evaluative word in the sentence
_VIEW_VERB = re.compile(
    r"\b(?:said|says|according to|expects?|sees|believes?|wrote|estimates?|forecasts?)\b|认为|表示|指出", re.I
)
_EVALUATIVE = re.compile(
    r"\b(?:well[- ]positioned|well[- ]placed|positioned|benefit\w*|attractive|cautious|caution|unclear|uncertain|"
    r"upside|downside|valuation|cheap|expensive|bullish|bearish|positive|negative|neutral|capitali[sz]e|"
    r"headwinds?|tailwinds?|outlook|skeptical|sceptical|questioning|top pick)\b|受益|看好|谨慎|乐观|悲观",
    re.IGNORECASE,
)
_NEG = re.compile(
    r"\b(?:downgraded?|downgrades|sell|underweight|underperform|reduce|negative|bearish|cut (?:its|the) "
    r"(?:price )?target|lowered (?:its|the) (?:price )?target|overvalued)\b|下调|卖出|减持|看淡|看空|负面",
    re.IGNORECASE,
)
_POS = re.compile(
    r"\b(?:upgraded?|upgrades|buy|overweight|outperform|accumulate|positive|bullish|well[- ]positioned|"
    r"well[- ]placed|benefit|benefits|beneficiary|beneficiaries|raised (?:its|the) (?:price )?target|"
    r"upside|attractive|top pick|capitalize|capitalise|strong)\b|看好|买入|增持|上调|受益|推荐|乐观|跑赢",
    re.IGNORECASE,
)
_CAUTIOUS = re.compile(
    r"\b(?:caution|cautious|cautiously|unclear|uncertain|uncertainty|question(?:ing|ed|s)?|skeptical|"
    r"sceptical|doubts?|doubtful|wary|concerns?|concerned|risks?|limited|however|headwinds?)\b|谨慎|不确定|存疑|担忧|观望",
    re.IGNORECASE,
)
_NEUTRAL = re.compile(
    r"\b(?:neutral|hold|equal[- ]weight|market[- ]perform|sector[- ]perform|in[- ]line|peer perform)\b|中性|持有",
    re.IGNORECASE,
)
_RATING = re.compile(
    r"\b(?P<rating>buy|sell|hold|neutral|overweight|underweight|equal[- ]weight|outperform|underperform|"
    r"market[- ]perform|sector[- ]perform|accumulate|reduce|strong buy|add)\b|买入|增持|中性|减持|卖出",
    re.IGNORECASE,
)
_RATING_CHANGE = re.compile(
    r"\b(upgraded?|downgraded?|initiated|initiates|reiterated|maintained|kept)\b", re.IGNORECASE
)
_TARGET = re.compile(
    r"(?:price )?target(?: price)?(?: of| to| at|,)?\s*(?:HK\$|US\$|\$|€|£|¥|RMB\s?)?\s*(\d+(?:\.\d+)?)"
    r"|目标价(?:为|至|到)?\s*(?:港元|元|美元)?\s*(\d+(?:\.\d+)?)",
    re.IGNORECASE,
)
_NAME = r"(?P<name>(?:[A-Z][a-z]+(?:-[A-Z][a-z]+)?|[A-Z]\.)(?:\s+(?:[A-Z][a-z]+(?:-[A-Z][a-z]+)?|[A-Z]\.)){1,2})"
_TITLE = (
    r"(?P<title>(?:(?:chief|senior|head|lead|managing|executive)\s+)?(?:(?:equity|semiconductor|tech(?:nology)?|"
    r"china|investment|research|market|credit|global)\s+)?(?:analyst|strategist|economist|director|"
    r"head of research|research head))"
)
_NAME_AFTER_FIRM = re.compile(r"\s*(?:'s\s+)?" + _TITLE + r"\s+" + _NAME)
_NAME_BEFORE_FIRM = re.compile(_NAME + r",?\s+(?:an?\s+|the\s+)?" + _TITLE + r"\s+(?:at|with|of|from)\s+$")
_ZH_ANALYST = re.compile(
    r"(?P<title>分析师|首席分析师|策略师|经济学家)(?P<name>[\u4e00-\u9fff]{2,3}?)(?=则|表示|认为|称|指出|说|在|[，,。])"
)


def _stance(text: str) -> str:
    if _NEG.search(text) and not re.search(r"not (?:a )?(?:sell|negative)", text, re.IGNORECASE):
        return "negative"
    if _CAUTIOUS.search(text):
        return "cautious"
    if _NEUTRAL.search(text):
        return "neutral"
    if _POS.search(text):
        return "positive"
    return "neutral"


def _analysts(doc: Doc) -> None:
    text = doc.text
    low = fold(text[:400_000])
    automaton = _automaton()
    hits: list[tuple[int, int, Firm]] = []
    for end_idx, (key, firm, alias) in automaton.iter(low):
        start, end = end_idx - len(key) + 1, end_idx + 1
        if not bounded(text, start, end):
            continue
        surface = text[start:end]
        if alias.isupper() and not surface.isupper():
            continue  # "dbs" / "ubs" in lower case are not the firms
        if surface[:1].islower():
            continue
        hits.append((start, end, firm))
    hits.sort(key=lambda h: (h[0], -(h[1] - h[0])))
    seen: set[tuple[str, int]] = set()
    last_end = -1
    views: list[AnalystView] = []
    kept: list[tuple[int, int, Firm]] = []
    for hit in hits:
        if hit[0] >= last_end:
            kept.append(hit)
            last_end = hit[1]
    for k, (start, end, firm) in enumerate(kept):
        s0, s1 = doc.sentence_of(start)
        if (firm.id, s0) in seen:
            continue
        sentence = text[s0:s1]
        if not (_ANALYST_CUE.search(sentence) or (_VIEW_VERB.search(sentence) and _EVALUATIVE.search(sentence))):
            continue
        seen.add((firm.id, s0))
        # the rationale: this sentence, plus a following "This is because…" sentence
        r0, r1 = s0, s1
        idx = doc.sentences.index((s0, s1)) if (s0, s1) in doc.sentences else -1
        if 0 <= idx < len(doc.sentences) - 1:
            n0, n1 = doc.sentences[idx + 1]
            if re.match(
                r"(?:this|that|it) is because|because|the reason|this was because|他们认为|因为|原因",
                text[n0:n1],
                re.IGNORECASE,
            ):
                r1 = n1
        # the firm's own clause: from the previous firm in the sentence to the next one
        c0 = max([s0] + [h[1] for h in kept[:k] if h[1] <= start and h[0] >= s0])
        c1 = min([r1] + [h[0] for h in kept[k + 1 :] if h[0] > end])
        stance = _stance(text[c0:c1])
        analyst = title = None
        m = _NAME_AFTER_FIRM.match(text, end, s1)
        if m:
            analyst, title = m.group("name"), m.group("title")
        else:
            mb = _NAME_BEFORE_FIRM.search(text[max(s0, start - 120) : start])
            if mb:
                analyst, title = mb.group("name"), mb.group("title")
            else:
                mz = _ZH_ANALYST.match(text, end, s1)
                if mz:
                    analyst, title = mz.group("name"), mz.group("title")
        rating = None
        change = _RATING_CHANGE.search(sentence)
        rm = _RATING.search(sentence)
        if rm and (change or re.search(r"\brating\b|评级", sentence, re.IGNORECASE)):
            rating = rm.group().lower()
            if change:
                rating = f"{change.group(1).lower()} {rating}"
        target = None
        tm = _TARGET.search(sentence)
        if tm:
            try:
                target = float(tm.group(1) or tm.group(2))
            except (TypeError, ValueError):
                target = None
        company_id = None
        # the company the view is about: not the firm itself ("Morgan Stanley upgraded SMIC")
        firm_spans = [(h[0], h[1]) for h in kept]
        near = [
            mm
            for mm in doc.mentions
            if s0 <= mm.start < s1 and not any(a <= mm.start < b or mm.start <= a < mm.end for a, b in firm_spans)
        ]
        if near:
            company_id = near[0].company_id
        elif doc.mentions:
            prior = [
                mm
                for mm in doc.mentions
                if mm.start < s0 and not any(a <= mm.start < b or mm.start <= a < mm.end for a, b in firm_spans)
            ]
            company_id = prior[-1].company_id if prior else None
        views.append(
            AnalystView(
                article_id=doc.article_id,
                firm=firm.name,
                analyst=analyst,
                title=title,
                stance=stance,
                rating=rating,
                target=target,
                company_id=company_id,
                rationale=Span(article_id=doc.article_id, start=r0, end=r1, text=text[r0:r1]),
            )
        )
    doc.analysts = views


ANALYSTS = Component(
    "analysts",
    _analysts,
    requires=("doc.sentences", "doc.mentions"),
    produces=("doc.analysts",),
    description="analyst views: firm, analyst, stance, rating, target, rationale span",
)
