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
from movedesk.extract.text import CJK_RE, bounded, fold
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
def rating_agencies() -> frozenset[str]:
    """Names of the rating agencies in the firm list: their actions are capital events, not analyst views."""
    return frozenset(f.name for f in firms() if f.kind == "rating_agency")


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


#: words right after a firm that make it the source of a view ("Jefferies analyst", "UBS downgraded",
#: "Citi said", "Nomura Equity Research analyst", "HSBC's co-head of Asian economic research")
_SOURCE_AFTER = re.compile(
    r"(?:'s?|’s?)?(?:\s+(?:(?-i:[A-Z][\w&.'’-]*)|&|of|and|co-head|head|global|chief|senior|auto|equity|credit|rate|"
    r"energy|economic|investment|fixed-income|currency|markets?|commodit(?:y|ies)|emerging|u\.s\.|[a-z]+-based|"
    r"also|have|has|had|recently|earlier|previously|separately|meanwhile|last|this|next|week|month|year|on|late|"
    r"early|still|which|both|who)){0,6}?\s*,?\s+(?:in an? (?:research |client |investor )?(?:note|report)|"
    r"analysts?|strategists?|economists?|research(?:ers?)?|notes?|"
    r"report|said|says|say|wrote|writes|told|upgraded|upgrades?|downgraded|downgrades?|cut|cuts|raised|raises|"
    r"revealed|issued|published|flagged|highlighted|putting|placing|cutting|downgrading|upgrading|raising|lowering|lowered|lowers|decreased|increased|trimmed|boosted|lifted|slashed|reduced|hiked|rates|rated|initiated|initiates|reiterated|reiterates|maintained|maintains|kept|keeps|"
    r"expects?|expected|sees|saw|estimates?|estimated|forecasts?|believes?|believed|predicts?|predicted|"
    r"questioned|questions|cautioned|cautions|warned|warns|noted|notes|argued|argues|recommends?|recommended|"
    r"added|adds|put|puts|placed|places|assigned|affirmed|affirms|revised|revises|started|starts|resumed|"
    r"downgrade|upgrade|stated|calculated|projected|projects|thinks|think|views?|is (?:cautious|bullish|"
    r"bearish|positive|negative|neutral|optimistic|pessimistic)|was (?:cautious|bullish|bearish|positive|"
    r"negative)|were (?:cautious|bullish|bearish))\b",
    re.IGNORECASE,
)
#: words right before a firm that make it the source ("an analyst at Sanford Bernstein", "according to DBS",
#: "chief economist of JPMorgan", "SCOTT SUTHERLAND, ANALYST, WEDBUSH SECURITIES")
_SOURCE_BEFORE = re.compile(
    r"(?:\b(?:analysts?|strategists?|economists?|researchers?|research|strategy|director|head|partner|specialist|"
    r"broker)(?:\s+(?:[A-Z][\w.'’&-]*|[a-z][\w-]*|&)){0,8}?(?:\s+(?:at|with|of|from|for|arm|unit|team|desk|division))+"
    r"|\b(?:agency|agencies|firm|brokerage|broker|according to|cited by)"
    r"|\b(?:upgrades?|downgrades?|ratings?|price targets?|notes?|reports?|views?|estimates?|forecasts?|"
    r"recommendations?)\s+(?:from|by)"
    r"|\b(?:downgraded|upgraded|downgrades|upgrades|cut|raised|lowered|rated)\b[^.;]{0,60}?\bby"
    r"|\b(?:said|says|wrote|according to)\s+(?:[A-Z][\w.'’-]*\s+){1,3}(?:from|at|of|with)"
    r"|\b(?:analysts?|strategists?|economists?|director|research director)\s*,)\s*(?:the\s+)?$",
    re.IGNORECASE,
)
#: a firm named as a company rather than as the source of a view ("Credit Suisse shares fell",
#: "Goldman's chief financial officer", "Morgan Stanley spokeswoman", "Mizuho's rivals", "DBS' move")
_FIRM_AS_COMPANY = re.compile(
    r"(?:'s?|’s?)?\s*(?:group\s+)?(?:shares?|stock|chief (?:executive|financial|operating|risk)|ceo|cfo|coo|"
    r"chairman|president|executives?|board|"
    r"spokes(?:wo)?m[ae]n|spokesperson|rivals?|peers?|move|results|earnings|profits?|revenues?|trading update|"
    r"investment bank(?:ing)?|unit|division|subsidiary|employees|staff|bankers|traders|shareholders|bonus(?:es)?|"
    r"(?:group\s+)?(?:inc|corp|plc|ag|sa|ltd)\b\.?(?:\s*[(<]\s*[A-Z0-9.]+\s*[)>])?|[(<]\s*[A-Z0-9]+\.[A-Z]{1,2}\s*[)>])",
    re.IGNORECASE,
)
#: the firm's own business in its clause, when no analyst title is attached ("said it had positive
#: contributions from its commodities business", "paid out $16 billion, 35.8 percent of its net revenue")
_OWN_BUSINESS = re.compile(
    r"\bits (?:own )?(?:\w+ ){0,2}(?:business|businesses|earnings|results|quarter|quarterly|profits?|revenues?|"
    r"net revenue|compensation|employees|staff|shares|balance sheet|losses|trading|capital|annual report|"
    r"first-quarter|second-quarter|third-quarter|fourth-quarter|bankers|clients)\b",
    re.IGNORECASE,
)
#: a title right after the firm, with up to three words between ("Standard & Poor's earnings analyst",
#: "Nomura Equity Research analyst", "Morgan Stanley chief economist")
_TITLE_AFTER = re.compile(r"(?:'s?|’s?)?(?:\s+[\w&.'’-]+){0,3}?\s+(?:analysts?|strategists?|economists?)\b", re.I)
#: the company speaking for itself (guidance to analysts, a filing, a memo): a firm in that sentence is the
#: company, not an analyst
_TOLD_ANALYSTS = re.compile(
    r"\b(?:told|tell|telling|tells)\s+analysts\b|\bcall with analysts\b|\banalysts on a (?:conference )?call\b"
    r"|\b(?:securities|regulatory|quarterly|annual) filing\b|\bin a filing\b|\bannual report\b|\bpress release\b"
    r"|\b(?:internal )?memo to (?:staff|employees)\b",
    re.IGNORECASE,
)
_TITLE_WORD = re.compile(
    r"\b(?:analysts?|strategists?|economists?|research|strategy|director|head|partner|broker|specialist|note|"
    r"rating|rates|target)\b",
    re.IGNORECASE,
)
#: a rating agency acting on a country or its debt, not on a company (the view is about a company)
_COUNTRY = (
    r"(?:Greece|Cyprus|Spain|Italy|Portugal|Ireland|France|Germany|Netherlands|Belgium|Austria|Finland|Slovenia|"
    r"Slovakia|Hungary|Iceland|Britain|United States|U\.S\.|Japan|China|India|Russia|Brazil|Argentina|Mexico|"
    r"Turkey|Egypt|Ukraine|Venezuela|Dubai|Bahrain|Qatar|Saudi Arabia|Israel|South Africa|Korea|Indonesia|"
    r"Vietnam|Thailand|Malaysia|Philippines|Pakistan|Poland|Romania|Latvia|Lithuania|Estonia|Croatia|Serbia)"
)
_NATIONALITY = (
    r"(?:Greek|Cypriot|Spanish|Italian|Portuguese|Irish|French|German|Dutch|Belgian|Austrian|British|U\.S\.|"
    r"Japanese|Chinese|Indian|Russian|Brazilian|Argentine|Mexican|Turkish|Egyptian|Ukrainian|Hungarian)"
)
#: a rating agency acting on a country or its debt, not on a company ("Fitch put Cyprus on rating watch",
#: "Standard & Poor's downgraded 15 euro zone countries", "outlooks on German and Dutch debt")
_SOVEREIGN = re.compile(
    r"\bsovereign\b|\bcountr(?:y|y's|y’s|ies)\b|\bgovernment(?:'s|’s)? (?:debt|bonds?|rating)"
    r"|\b" + _COUNTRY + r"(?:'s|’s|'|’)? (?:(?:long-term|short-term|foreign[- ]currency|local[- ]currency|"
    r"sovereign|credit|debt|top|triple-A|AAA) )*(?:rating|debt|bonds?|outlook)"
    r"|\b(?:cut|cuts|downgraded|downgrades|downgrade|upgraded|upgrades|raised|lowered|affirmed|rates|put|puts|"
    r"placed|places) " + _COUNTRY + r"\b"
    r"|\b" + _NATIONALITY + r"(?: and " + _NATIONALITY + r")? (?:government )?(?:debt|bonds|sovereign)"
)


def _is_source(text: str, s0: int, start: int, end: int, c1: int, firm: Firm) -> bool:
    """True when the firm at text[start:end] is where a view comes from, not a company or a deal party."""
    if CJK_RE.search(text[start:end]):
        return True  # Chinese wording keeps the cue rules above
    before = _SOURCE_BEFORE.search(text, max(s0, start - 90), start)
    title_after = _TITLE_AFTER.match(text, end, min(c1, end + 60))
    titled = title_after is not None or (before is not None and _TITLE_WORD.search(before.group()) is not None)
    if not titled and _FIRM_AS_COMPANY.match(text, end):
        return False  # "… analyst, Gartner Inc" is the source; "Goldman Sachs Group Inc ( GS.N )" is a company
    after = title_after or _SOURCE_AFTER.match(text, end, min(c1, end + 120))
    if not (after or before):
        return False
    clause = text[s0:c1]
    if not titled and (_OWN_BUSINESS.search(text, end, c1) or _TOLD_ANALYSTS.search(text, s0, c1)):
        return False  # the firm's own business or guidance: "CFO Gerspach did tell analysts that Citi expects…"
    return titled or not (firm.kind == "rating_agency" and _SOVEREIGN.search(clause))


#: a rating or target action decides the stance before any other word: "upgraded to neutral" is positive
_ACTION_UP = re.compile(
    r"\bupgrad(?:e|ed|es|ing)\b|\b(?:raised|raises|raising|lifted|lifts|boosted|boosts|increased|hiked)\s+"
    r"(?:(?:its|the|their|his|her)\s+)?(?:(?:price|share[- ]price|stock)\s+)?target|上调评级|上调目标价|调高目标价",
    re.IGNORECASE,
)
_ACTION_DOWN = re.compile(
    r"\bdowngrad(?:e|ed|es|ing)\b|\b(?:cut|cuts|cutting|lowered|lowers|reduced|reduces|slashed|slashes|trimmed)\s+"
    r"(?:(?:its|the|their|his|her)\s+)?(?:(?:price|share[- ]price|stock)\s+)?target|下调评级|下调目标价|调低目标价",
    re.IGNORECASE,
)
#: a sentence with no company named in it is about the story's company only when it points back to it
_BACK_REFERENCE = re.compile(
    r"\b(?:the company|the firm|the group|the bank|the stock|its shares|its stock|the shares|its)\b|该公司|公司",
    re.IGNORECASE,
)
#: economists and strategists speak of the economy and markets, not of the company in the story
_MACRO_TITLE = re.compile(r"\b(?:economists?|strategists?)\b", re.IGNORECASE)


def _stance(text: str) -> str:
    up, down = _ACTION_UP.search(text), _ACTION_DOWN.search(text)
    if up or down:
        return "positive" if up and (not down or up.start() < down.start()) else "negative"
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
    names: list[tuple[int, int]] = []  # analysts' names found so far: "JPMorgan analyst Ken Goldman"
    for k, (start, end, firm) in enumerate(kept):
        s0, s1 = doc.sentence_of(start)
        if (firm.id, s0) in seen or any(a <= start < b for a, b in names):
            continue
        sentence = text[s0:s1]
        if not (_ANALYST_CUE.search(sentence) or (_VIEW_VERB.search(sentence) and _EVALUATIVE.search(sentence))):
            continue
        c1_firm = min([s1] + [h[0] for h in kept[k + 1 :] if h[0] > end])
        if not _is_source(text, s0, start, end, c1_firm, firm):
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
            names.append(m.span("name"))
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
            and mm.company_id
        ]
        if near:
            company_id = near[0].company_id
        elif doc.mentions and _BACK_REFERENCE.search(sentence) and not _MACRO_TITLE.search(sentence):
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
