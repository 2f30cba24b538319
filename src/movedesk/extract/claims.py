"""Price-move claims and metric claims: numbers the article states, with subject, direction and time.

Rules, per clause around each number (English and Chinese):
- a number with a unit (%, points, -fold/倍, currency change) and a direction word before it ("rose",
  "as much as", "涨") or a direction noun after it ("10% gains", "10%的涨幅") is a claim; a bare number
  ("its 20% daily limit", "a 20% stake") and a forecast ("could rise 5%") are not;
- it is a *price* claim when its subject is a company or listing (a mention, "shares", "stock", "index")
  and a *metric* claim when its subject is a quantity ("revenue", "daily token use", "营收") or the
  unit is -fold/倍;
- the listing comes from cues ("Shanghai-listed", "in Hong Kong", "ADRs", "A股", "港股"), then from the
  previous claim about the same company in the sentence, then the company's only listing;
- the qualifier from "as much as"/"一度" (intraday peak), "closed"/"settled"/"收涨" (close),
  "in four sessions"/"累计" (cumulative, with the session count), "in afternoon trade" (intraday);
- the session from a weekday word ("on Friday", "Friday's", "上周五"), today/yesterday, or the last
  "on <weekday>" the article used, else the last session on or before publication, on the listing's
  exchange calendar.
"""

from __future__ import annotations

import bisect
import re

from movedesk.extract.component import Component
from movedesk.extract.doc import Doc
from movedesk.extract.entities import listing_for, listing_label_near
from movedesk.extract.timeanchor import Anchor, default_session, find_anchors
from movedesk.models import Company
from movedesk.models.news import Claim, Mention

_NUM = r"(?<![\d.,])(\d{1,3}(?:,\d{3}){1,5}(?:\.\d{1,6})?|\d{1,12}(?:\.\d{1,6})?)"
NUMBER_RE = re.compile(
    _NUM + r"\s*(%|％|percent\b|per cent\b|pct\b|percentage points?\b|points?\b|pts\b|-fold\b|fold\b|倍|个百分点|点)"
    r"|(HK\$|US\$|\$|€|£)\s?" + _NUM + r"|" + _NUM + r"\s*(cents?\b|yuan\b|元)"
)

_UP = (
    r"rose|rise|rises|rising|risen|gain|gained|gains|gaining|jump|jumped|jumps|jumping|climb|climbed|climbs|"
    r"climbing|surge|surged|surges|surging|soar|soared|soaring|rally|rallied|rallies|rallying|advance|advanced|"
    r"advances|advancing|added|adding|increase|increased|increases|increasing|grew|grow|grows|growing|grown|"
    r"up|higher|spiked|leapt|leaped|rebounded|rebound|firmed|popped|shot up|skyrocketed|outperformed|"
    r"lifting|lifted|boosting|boosted"
)
_DOWN = (
    r"fell|fall|falls|falling|fallen|drop|dropped|drops|dropping|decline|declined|declines|declining|slid|slide|"
    r"slides|sliding|slip|slipped|slips|slipping|lost|lose|loses|losing|tumble|tumbled|tumbles|tumbling|plunge|"
    r"plunged|plunges|plunging|sank|sink|sinks|sinking|sunk|slump|slumped|slumps|slumping|eased|ease|eases|"
    r"easing|retreated|retreat|dipped|dip|dips|down|lower|shed|sheds|shedding|decrease|decreased|decreases|"
    r"plummeted|plummet|crashed|tanked|skidded|weakened|contracted|shrank|shrunk|underperformed|off"
)
DIR_RE = re.compile(rf"\b(?:(?P<up>{_UP})|(?P<down>{_DOWN}))\b", re.IGNORECASE)
DIR_NOUN_AFTER = re.compile(
    r"\s*(?:(?:one|two|three|four|five|single|\w+-day|daily|weekly|monthly|intraday|overnight|annual|"
    r"year-on-year|quarterly)[- ])?(?:(?P<up>gains?|jumps?|rises?|rally|advances?|surges?|increases?|climbs?|"
    r"rebound|upswing|growth)|(?P<down>drops?|falls?|declines?|loss(?:es)?|slides?|slumps?|plunges?|tumbles?|"
    r"decreases?|retreats?|sell-?off))\b",
    re.IGNORECASE,
)
ZH_DIR_RE = re.compile(
    r"(?P<up>大涨|上涨|涨|走高|攀升|飙升|上升|增长|增加|提升|升|涨幅)|(?P<down>大跌|下跌|跌|走低|下滑|下降|减少|降|跌幅)"
)
ZH_DIR_NOUN_AFTER = re.compile(r"\s*的?(?P<up>涨幅|升幅|增幅|增长)|\s*的?(?P<down>跌幅|降幅)")
AFTER_DIR_RE = re.compile(r"\s*(?:(?P<up>higher|up)|(?P<down>lower|down))\b", re.IGNORECASE)

_INTRADAY_PEAK = re.compile(
    r"\bas (?:much|high|low|far) as\b|\bat one (?:point|stage)\b|\bup to\b|\bintraday\b|\bat (?:its|their) "
    r"(?:peak|highest|lowest)\b|一度|盘中最高|盘中最多|最高|最多",
    re.IGNORECASE,
)
_CLOSE = re.compile(
    r"\b(?:closed?|closing|settled?|settling|ended|ending|finished|finishing|end(?:ed)? the day)\b"
    r"|收盘|收涨|收跌|报收|收于|收高|收低",
    re.IGNORECASE,
)
_INTRADAY = re.compile(
    r"\bin (?:early|late|morning|afternoon|midday|lunchtime|mid-morning|mid-afternoon|intraday|pre-market|"
    r"premarket|after-hours|extended) (?:trade|trading|deals|session)\b|\bby (?:midday|the lunch break|noon)\b|"
    r"午盘|早盘|盘中|午后",
    re.IGNORECASE,
)
_WORDNUM = {"two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8, "nine": 9, "ten": 10,
            "eleven": 11, "twelve": 12, "fifteen": 15, "twenty": 20,
            "两": 2, "二": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9, "十": 10}  # fmt: skip
_CUMULATIVE = re.compile(
    r"\b(?:over|in|across|during|for)\s+(?:just\s+|only\s+|the\s+(?:past|last|previous)\s+)?"
    r"(?P<n>\d+|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|fifteen|twenty)\s+"
    r"(?:straight\s+|consecutive\s+)?(?:trading\s+)?(?:sessions?|days?|weeks?)\b"
    r"|\b(?P<n2>\d+|two|three|four|five|six|seven|eight|nine|ten)-(?:session|day)\b"
    r"|(?P<n3>\d+|[两二三四五六七八九十])个交易日|累计|\b(?:so far )?this (?:week|month|year)\b|\byear[- ]to[- ]date\b|"
    r"\bsince (?:the start of|early|mid|late)?\s*(?:january|february|march|april|may|june|july|august|september|"
    r"october|november|december|the year)\b|\bstraight sessions?\b|\bwinning streak\b",
    re.IGNORECASE,
)
_HEDGE_WORDS = {
    "expect", "expects", "expected", "forecast", "forecasts", "could", "may", "might", "would", "will", "should",
    "aims", "aim", "plans", "plan", "projected", "predicts", "predicted", "seen", "hopes", "wants", "if", "likely",
    "unlikely", "estimated", "can", "cannot", "won't", "wouldn't",
}  # fmt: skip
_HEDGE_ZH = re.compile(r"预计|预期|有望|或将|目标|可能")
_OR_BEFORE = re.compile(
    r"[\s,]*(?:or|and|,)\s+(?:about|around|nearly|almost|roughly|some|more than|over|just over|just under|"
    r"less than|up|down)?\s*$",
    re.IGNORECASE,
)
_IN_PASSING = re.compile(
    r"\b(?:on|in|of|for|among|across|both|and|than|to|from|with|beat|outpacing|versus|vs)\s+(?:both\s+)?(?:the\s+)?$",
    re.IGNORECASE,
)
_RELATIVE = re.compile(r",\s*(?:whose|which|who|whom|where)\b[^,]*,", re.IGNORECASE)
_LEVEL_BEFORE = re.compile(
    r"(?:\b(?:to|at|of|from|near|above|below|around|about|hit|hits|reach(?:ed)?)\s*$)|(?:至|到|报|于)\s*$",
    re.IGNORECASE,
)
_PRICE_CUE = re.compile(
    r"\b(?:shares?|stocks?|ADRs?|index|indices|indexes|futures|benchmark|composite|listed|nasdaq|dow|"
    r"s&p|ftse|nikkei|hang seng|kospi|trading|traded|trade|share price|stock price|valuation|"
    r"market cap(?:italization)?)\b"
    r"|股价|股份|指数|A股|港股|H股|美股|个股|该股|板块",
    re.IGNORECASE,
)
_METRIC_NOUN = re.compile(
    r"\b(?:revenues?|sales|profits?|net income|income|earnings|eps|margins?|ebitda|output|production|"
    r"shipments?|deliveries|orders|bookings|users?|subscribers?|usage|use|traffic|volumes?|exports?|imports?|"
    r"gdp|inflation|cpi|ppi|unemployment|capex|spending|investments?|demand|prices|costs?|expenses|debt|"
    r"dividends?|cash flow|assets|loans|deposits|market share|tokens?|payrolls|jobs|index of|yields?|rates?|"
    r"surplus|deficit|growth|premiums?|bills|funding|capacity|guidance|forecast|outlook|estimates?|loss)\b"
    r"|营收|收入|利润|净利|销量|销售额|出货量|使用量|用量|用户|订单|产量|出口|进口|GDP|通胀|调用量",
    re.IGNORECASE,
)
_BASE_PERIOD = re.compile(
    r"\bsince (?:the start of |early |mid-?|late )?(?:january|february|march|april|may|june|july|august|"
    r"september|october|november|december|\d{4}|last year|the beginning of the year|the start of the year)\b"
    r"|\b(?:year|quarter|month|week)[- ]on[- ](?:year|quarter|month|week)\b|\b[yq]/[yq]\b"
    r"|\b(?:from|compared with|compared to|versus|over|than) (?:a|the|one) (?:year|quarter|month) "
    r"(?:earlier|ago|before)\b"
    r"|\b(?:from|over|compared with) the (?:previous|prior|same) (?:year|quarter|month|period)"
    r"(?: a year earlier| last year)?\b"
    r"|\bin the (?:first|second|third|fourth|latest|last) quarter(?: of \d{4})?\b|\bin (?:fiscal )?\d{4}\b"
    r"|\bfrom a year earlier\b|\bannually\b"
    r"|同比|环比|较去年同期|(?:自|从)[^，。,；]{1,12}(?:以来|起)",
    re.IGNORECASE,
)
_SUBJECT_START = re.compile(
    r"(?:\b(?:that|which|said|says|showed|shows|revealed|reported|announced|noted|as|while|where|and|but)\s+"
    r"|[,;:(—–]\s*|，|：|；|称|表示|显示|其中)",
    re.IGNORECASE,
)
_SUBJECT_TRIM = re.compile(
    r"\s+(?:has|have|had|was|were|is|are|been|has been|have been|had been|also|reportedly|recently|already|"
    r"nearly|almost|about|around|roughly)\s*$",
    re.IGNORECASE,
)


_DIGIT = re.compile(r"\d")
_ZH_QUALIFIER_BEFORE = re.compile(r"(?:盘中|早盘|午盘|尾盘)?(?:一度|最高|最多)?\s*$|收盘?\s*$")


def _parse_number(m: re.Match[str]) -> tuple[float, str, int, int] | None:
    if m.group(1) is not None:
        raw, unit_raw = m.group(1), m.group(2).lower()
        s, e = m.start(1), m.end(2)
    elif m.group(4) is not None:
        raw, unit_raw = m.group(4), m.group(3)
        s, e = m.start(3), m.end(4)
    else:
        raw, unit_raw = m.group(5), m.group(6).lower()
        s, e = m.start(5), m.end(6)
    try:
        value = float(raw.replace(",", ""))
    except ValueError:
        return None
    if unit_raw in ("%", "％", "percent", "per cent", "pct"):
        unit = "%"
    elif unit_raw.startswith("percentage") or unit_raw == "个百分点":
        unit = "pp"
    elif unit_raw in ("point", "points", "pts", "点"):
        unit = "pts"
    elif unit_raw in ("-fold", "fold", "倍"):
        unit = "x"
    elif unit_raw in ("cent", "cents"):
        unit = "cents"
    elif unit_raw in ("yuan", "元"):
        unit = "CNY"
    else:
        unit = {"HK$": "HKD", "US$": "USD", "$": "USD", "€": "EUR", "£": "GBP"}.get(unit_raw, unit_raw)
    return value, unit, s, e


def _clause_bounds(text: str, sent: tuple[int, int], prev_end: int, num_end: int) -> tuple[int, int]:
    start = max(sent[0], prev_end)
    stop = sent[1]
    for sep in (",", "，", ";", "；", " while ", " but ", " and ", " before ", " after ", " as ", " extending "):
        i = text.find(sep, num_end, stop)
        if i >= 0:
            stop = min(stop, i)
    return start, stop


def _direction(text: str, zh: bool, before: str, b0: int, num_end: int, clause_end: int) -> tuple[str | None, int]:
    """(direction, position of the direction word) for a number; noun after it wins over verb before it."""
    after = text[num_end : min(clause_end, num_end + 40)]
    m = (ZH_DIR_NOUN_AFTER if zh else DIR_NOUN_AFTER).match(after) or DIR_NOUN_AFTER.match(after)
    if m:
        return ("up" if m.group("up") else "down"), num_end
    cands = list(DIR_RE.finditer(before)) + list(ZH_DIR_RE.finditer(before))
    cands = [c for c in cands if not re.match(r"up to\b", before[c.start() :], re.IGNORECASE)]
    if cands:
        c = max(cands, key=lambda x: x.end())
        # the direction word must be close: at most ~8 words between it and the number
        gap = before[c.end() :]
        if len(gap.split()) <= 8 and len(gap) <= 60:
            return ("up" if c.group("up") else "down"), b0 + c.start()
    m2 = AFTER_DIR_RE.match(after)
    if m2:
        return ("up" if m2.group("up") else "down"), num_end
    return None, -1


def _qualifier(before: str, after: str) -> tuple[str, int]:
    """(qualifier, sessions) from the words around the number."""
    cm = _CUMULATIVE.search(after) or _CUMULATIVE.search(before)
    if cm:
        raw = cm.group("n") or cm.group("n2") or cm.group("n3")
        n = 0
        if raw:
            n = int(raw) if raw.isdigit() else _WORDNUM.get(raw.lower(), 0)
            if re.search(r"weeks?\b", cm.group(), re.IGNORECASE):
                n *= 5
        return "cumulative", max(n, 0)
    if _INTRADAY_PEAK.search(before[-40:]):
        return "intraday_high", 1
    if _CLOSE.search(before[-50:]) or _CLOSE.search(after[:30]):
        return "close", 1
    if _INTRADAY.search(after) or _INTRADAY.search(before):
        return "intraday", 1
    return "unknown", 1


_AT_LEAST = re.compile(r"(?:\b(?:over|more than|above|at least|in excess of|upwards of)|逾|超过|超|至少)\s*$", re.I)
_ABOUT = re.compile(
    r"(?:\b(?:about|around|roughly|approximately|nearly|almost|some|close to|an estimated)|约|近|大约)\s*$", re.I
)


def _bound(before: str, after: str) -> str:
    """How exact the stated number is: 'over 16%' at_least, 'about 15%' about, else exact."""
    tail = before[-24:]
    if _AT_LEAST.search(tail):
        return "at_least"
    if _ABOUT.search(tail) or re.match(r"\s*(?:左右|上下)", after):
        return "about"
    if re.search(r"\b(?:up to|less than|under|at most)\s*$|不到\s*$", tail, re.I):
        return "at_most"
    return "exact"


def _mic_of(company: Company | None, symbol: str | None) -> str | None:
    if company is None:
        return None
    lst = company.listing(symbol) if symbol else None
    if lst is not None:
        return lst.mic
    return company.listings[0].mic if company.listings else None


def _scan(doc: Doc, kind: str) -> list[Claim]:
    text = doc.text
    zh = doc.lang == "zh"
    mentions = sorted(doc.mentions, key=lambda m: m.start)
    m_starts = [m.start for m in mentions]
    claims: list[Claim] = []
    carry_company: Mention | None = None
    all_anchors = find_anchors(text, 0, doc.sentences[-1][1]) if doc.sentences else []
    a_starts = [a.start for a in all_anchors]

    def anchors_in(s0: int, s1: int) -> list[Anchor]:
        return all_anchors[bisect.bisect_left(a_starts, s0) : bisect.bisect_left(a_starts, s1)]

    prev_sent: tuple[int, int] | None = None
    for sent in doc.sentences:
        s0, s1 = sent
        # the previous sentence's "on Monday" carries over to a move of a company it named
        # ("SMIC surged on Monday … Its shares climbed as much as 5.2%"), and to nothing else
        prev_anchor = (
            next((a for a in reversed(anchors_in(prev_sent[0], prev_sent[1])) if not a.possessive), None)
            if prev_sent
            else None
        )
        prev_ids = (
            {
                m.company_id
                for m in mentions[
                    bisect.bisect_left(m_starts, prev_sent[0]) : bisect.bisect_left(m_starts, prev_sent[1])
                ]
            }
            if prev_sent
            else set()
        )
        prev_sent = sent
        if not _DIGIT.search(text, s0, s1):
            i = bisect.bisect_left(m_starts, s1) - 1
            if i >= 0 and mentions[i].start >= s0:
                carry_company = mentions[i]
            continue
        prev_end = s0
        sent_claims: list[Claim] = []
        rel = [(r.start(), r.end()) for r in _RELATIVE.finditer(text, s0, s1)]
        sent_anchors = [
            a
            for a in anchors_in(s0, s1)
            if not any(x <= a.start < y for x, y in rel)
            and not _NOT_MOVE_TIME.search(text, max(s0, a.start - 30), a.start)
        ]
        respectively = _respectively(text, s0, s1, mentions, m_starts) if "respectively" in text[s0:s1] else {}
        for nm in NUMBER_RE.finditer(text, s0, s1):
            parsed = _parse_number(nm)
            if parsed is None:
                continue
            value, unit, n0, n1 = parsed
            if n0 > s0 and (text[n0 - 1].isalnum() or text[n0 - 1] in ".-/") and not CJK_or(text[n0 - 1]):
                continue
            c0, c1 = _clause_bounds(text, sent, prev_end, n1)
            before = text[c0:n0]
            after = text[n1:c1]
            prev_end = n1
            if unit in ("USD", "HKD", "EUR", "GBP", "CNY", "cents") and _LEVEL_BEFORE.search(before):
                continue  # a price level ("to HK$28.30"), not a change
            direction, dpos = _direction(text, zh, before, c0, n1, c1)
            if (
                direction is None
                and sent_claims
                and 0 <= n0 - sent_claims[-1].end <= 40
                and _OR_BEFORE.fullmatch(text, sent_claims[-1].end, n0)
            ):
                # "fell 22 cents, or 1 percent": the size restated in another unit
                direction, dpos = sent_claims[-1].direction, n0
            if direction is None:
                continue
            verb_at = dpos if 0 <= dpos < n0 else n0
            lead = text[max(c0, verb_at - 40) : verb_at].rsplit(",", 1)[-1]
            if _HEDGE_ZH.search(lead[-10:]) or any(w.lower() in _HEDGE_WORDS for w in lead.split()[-3:]):
                continue  # "could rise 5%", "expected to fall": not a move that happened
            is_metric_unit = unit == "x"
            subj0 = _subject_start(text, c0, dpos if 0 <= dpos < n0 else n0)
            subject_text = text[subj0 : (dpos if 0 <= dpos < n0 else n0)]
            # company subject: last mention in the clause before the number (or in the sentence)
            subject_mention = respectively.get(n0) or _subject_mention(doc, mentions, m_starts, s0, n0, verb_at)
            masked = _mask(text, subj0, verb_at, mentions)  # "COST" the ticker is not "cost"
            metric_hits = list(_METRIC_NOUN.finditer(masked))
            price_hits = list(_PRICE_CUE.finditer(masked))
            # the noun nearest the verb decides: "profit … boosting its shares 6%" is a price move
            metric_noun = metric_hits[-1] if metric_hits else None
            price_cue = price_hits[-1] if price_hits else None
            if metric_noun and price_cue:
                if price_cue.end() > metric_noun.end():
                    metric_noun = None
                else:
                    price_cue = None
            if not metric_noun and not price_cue:
                price_cue = _PRICE_CUE.search(_mask(text, c0, n0, mentions))
            if subject_mention is not None and subject_mention.start >= subj0:
                between = _mask(text, subject_mention.end, verb_at, mentions)
                if _METRIC_NOUN.search(between) and not _PRICE_CUE.search(between):
                    metric_noun = _METRIC_NOUN.search(between)
                    price_cue = None
                elif not metric_noun:
                    price_cue = price_cue or subject_mention  # type: ignore[assignment]
            claim_type = "metric" if is_metric_unit or (metric_noun and not price_cue) else "price"
            if (
                claim_type == "price"
                and not price_cue
                and (not sent_claims or sent_claims[-1].claim_type != "price")
                and subject_mention is None
            ):
                continue  # a direction and a number, but no price subject and no price claim before it
            if kind != "both" and claim_type != kind:
                continue
            qualifier, sessions = _qualifier(before, after)
            if claim_type == "metric":
                bp = _BASE_PERIOD.search(text, n1, c1 if c1 > n1 else s1) or _BASE_PERIOD.search(text, c0, n0)
                if bp is not None and subj0 <= bp.start() < subj0 + len(subject_text):
                    subject_text = text[subj0 : bp.start()]  # "使用量自5月以来增长": the base is not the subject
                subject = _SUBJECT_TRIM.sub("", subject_text.strip(" ,.\"'“”"))
                subject = re.sub(r"^(?:the|a|an|its|their)\s+", "", subject, flags=re.IGNORECASE).strip()
                company_id = subject_mention.company_id if subject_mention and subject_mention.start >= subj0 else None
                m_start = min(dpos, n0) if dpos >= 0 else n0
                m_end = max(n1, bp.end()) if bp else n1
                claim = Claim(
                    article_id=doc.article_id,
                    start=m_start,
                    end=m_end,
                    text=text[m_start:m_end],
                    claim_type="metric",
                    company_id=company_id,
                    direction=direction,
                    value=value,
                    unit=unit,
                    qualifier="cumulative" if bp else "unknown",
                    sessions=1,
                    subject=subject[:200],
                    base_period=bp.group() if bp else "",
                    bound=_bound(before, after),
                )
                sent_claims.append(claim)
                claims.append(claim)
                continue
            # price claim: company, listing, session
            company_mention = subject_mention
            if company_mention is None and sent_claims and sent_claims[-1].company_id:
                company = doc.registry.companies.get(sent_claims[-1].company_id)
            elif company_mention is None and carry_company is not None and price_cue:
                company = doc.registry.companies.get(carry_company.company_id)
            else:
                company = doc.registry.companies.get(company_mention.company_id) if company_mention else None
            label = listing_label_near(text, c0, n0) or listing_label_near(after, 0, 40)
            if label is None and company_mention is not None and company_mention.listing:
                listing: str | None = company_mention.listing
            elif company is not None:
                listing = listing_for(company, label) if label else None
                if listing is None and sent_claims and sent_claims[-1].company_id == company.id:
                    listing = sent_claims[-1].listing
                if listing is None:
                    listing = listing_for(company, None)
                if listing is None:  # the listing the article last talked about for this company
                    listing = next(
                        (
                            c.listing
                            for c in reversed(claims)
                            if c.claim_type == "price" and c.company_id == company.id and c.listing
                        ),
                        None,
                    )
            else:
                listing = None
            mic = _mic_of(company, listing)
            anchor = _anchor_for(sent_anchors, c0, c1, n0, n1)
            session = None
            if anchor is not None:
                session = anchor.resolve(doc.published, mic)
            elif sent_claims and sent_claims[-1].session is not None and sent_claims[-1].claim_type == "price":
                session = sent_claims[-1].session
            elif (
                prev_anchor is not None
                and doc.article.published_inferred  # with a known publish time the default is better
                and company is not None
                and company.id in prev_ids
            ):
                session = prev_anchor.resolve(doc.published, mic)
            else:
                session = default_session(doc.published, mic, inferred=doc.article.published_inferred)
            if anchor is not None and anchor.possessive and qualifier == "unknown":
                qualifier = "close"  # "Friday's 10% gain": a finished session's change
            if qualifier == "intraday_high" and direction == "down":
                qualifier = "intraday_low"
            start = min(dpos, n0) if dpos >= 0 else n0
            stop = n1
            limit = c1 if c1 > n1 else s1
            tail = AFTER_DIR_RE.match(text, n1, limit)
            noun = (ZH_DIR_NOUN_AFTER if zh else DIR_NOUN_AFTER).match(text, n1, min(limit, n1 + 40))
            if dpos == n1 and noun:
                stop = noun.end()  # "10% gains", "10%的涨幅"
            elif tail and dpos == n1:
                stop = tail.end()
            if anchor is not None and anchor.possessive and 0 <= start - anchor.end <= 3:
                start = anchor.start  # "Friday's 10% gains", "上周五10%的涨幅"
            zq = _ZH_QUALIFIER_BEFORE.search(text, max(s0, start - 8), start) if zh else None
            if zq:
                start = zq.start()  # "盘中一度涨5.2%", "收涨约2.7%"
            claim = Claim(
                article_id=doc.article_id,
                start=start,
                end=stop,
                text=text[start:stop],
                claim_type="price",
                company_id=company.id if company else None,
                listing=listing,
                direction=direction,
                value=value,
                unit=unit,
                qualifier=qualifier,
                sessions=sessions if qualifier == "cumulative" else 1,
                session=session,
                subject=company.name if company else subject_text.strip()[:200],
                bound=_bound(before, after),
            )
            sent_claims.append(claim)
            claims.append(claim)
        i = bisect.bisect_left(m_starts, s1) - 1
        if i >= 0 and mentions[i].start >= s0:
            carry_company = mentions[i]
    return claims


def _mask(text: str, a: int, b: int, mentions: list[Mention]) -> str:
    """text[a:b] with company mentions blanked out."""
    seg = text[a:b]
    if b <= a:
        return ""
    for m in mentions:
        if m.end > a and m.start < b:
            s, e = max(m.start, a) - a, min(m.end, b) - a
            seg = seg[:s] + " " * (e - s) + seg[e:]
    return seg


def _subject_mention(
    doc: Doc, mentions: list[Mention], m_starts: list[int], s0: int, n0: int, verb_at: int
) -> Mention | None:
    """The company a move belongs to: the nearest mention before it in the sentence, skipping mentions
    inside a relative clause (", whose dividend rivals AT&T's,") and indexes named in passing ("the
    biggest drag on the Dow") when a company comes earlier."""
    hi = bisect.bisect_left(m_starts, n0)
    cands = [m for m in mentions[bisect.bisect_left(m_starts, s0) : hi] if m.end <= n0]
    if not cands:
        return None
    rel = [(r.start(), r.end()) for r in _RELATIVE.finditer(doc.text, s0, verb_at)]
    cands = [m for m in cands if not any(a <= m.start < b for a, b in rel)] or cands
    companies = doc.registry.companies
    for m in reversed(cands):
        comp = companies.get(m.company_id)
        in_passing = (
            _IN_PASSING.search(doc.text, max(s0, m.start - 20), m.start) is not None
            or doc.text.startswith(("'s", "’s"), m.end)  # "was the S&P 500's top gainer"
        )
        passing_index = comp is not None and comp.is_index and (verb_at - m.end > 25 or in_passing)
        if passing_index and any(not (companies.get(x.company_id) and companies[x.company_id].is_index) for x in cands):
            continue
        return m
    return cands[-1]


def CJK_or(ch: str) -> bool:
    return "\u4e00" <= ch <= "\u9fff"


def _subject_start(text: str, c0: int, verb: int) -> int:
    last = c0
    for m in _SUBJECT_START.finditer(text, c0, verb):
        if m.end() < verb:
            last = m.end()
    return last


_NOT_MOVE_TIME = re.compile(
    r"\b(?:said|says|announced|reported|report|reports|posted|post|posts|results|due|expected|late|until|"
    r"since|by|meeting|unveiled|released)\s+(?:on\s+|last\s+)?$",
    re.IGNORECASE,
)


def _respectively(text: str, s0: int, s1: int, mentions: list[Mention], m_starts: list[int]) -> dict[int, Mention]:
    """ "A and B fell 9.6% and 7.6%, respectively": the i-th number belongs to the i-th company."""
    end = text.find("respectively", s0, s1)
    nums = [m.start() for m in NUMBER_RE.finditer(text, s0, end)]
    if len(nums) < 2:
        return {}
    # the run of numbers just before "respectively" ("9.6% and 7.6%")
    run = nums[-1:]
    for a, b in zip(reversed(nums[:-1]), reversed(nums[1:]), strict=False):
        if re.fullmatch(r"[^,;.]{0,40}?(?:,\s*|\s+)(?:and|or)?\s*", text[a:b].split("%")[-1].split("percent")[-1]):
            run.insert(0, a)
        else:
            break
    if len(run) < 2:
        return {}
    companies: list[Mention] = []
    for m in mentions[bisect.bisect_left(m_starts, s0) : bisect.bisect_left(m_starts, run[0])]:
        if m.method != "coref" and all(c.company_id != m.company_id for c in companies):
            companies.append(m)
    if len(companies) < len(run):
        return {}
    return dict(zip(run, companies[-len(run) :], strict=True))


def _anchor_for(anchors: list[Anchor], c0: int, c1: int, n0: int, n1: int) -> Anchor | None:
    """The time anchor of the number's clause: a possessive right before it, else one in the clause."""
    best: Anchor | None = None
    for a in anchors:
        if a.possessive and 0 <= n0 - a.end <= 3:
            return a
        inside = c0 <= a.start and a.end <= c1 and not a.possessive
        if inside and (best is None or abs(a.start - n1) < abs(best.start - n1)):
            best = a
    return best


def _claims_of(doc: Doc, kind: str) -> list[Claim]:
    """One scan of the numbers gives both kinds; it is kept on the doc for the other component."""
    key = f"claims:{len(doc.mentions)}"
    found = doc.cache.get(key)
    if not isinstance(found, list):
        found = _scan(doc, "both")
        doc.cache[key] = found
    return [c for c in found if c.claim_type == kind]


def _price_claims(doc: Doc) -> None:
    doc.claims = [c for c in doc.claims if c.claim_type != "price"] + _claims_of(doc, "price")


def _metrics(doc: Doc) -> None:
    doc.claims = [c for c in doc.claims if c.claim_type != "metric"] + _claims_of(doc, "metric")


PRICE_CLAIMS = Component(
    "price_claims",
    _price_claims,
    requires=("doc.sentences", "doc.mentions"),
    produces=("doc.claims.price",),
    description="price-move claims: company, listing, direction, size, qualifier, session",
)
METRICS = Component(
    "metrics",
    _metrics,
    requires=("doc.sentences", "doc.mentions"),
    produces=("doc.claims.metric",),
    description="metric claims (not prices): subject, value, unit, direction, base period",
)
