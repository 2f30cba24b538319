"""The cues a claim is read with, in English and Chinese, and the reading of its number: the value and
unit, the direction word before or after it, how it is qualified (intraday peak, close, cumulative over
N sessions) and bounded ("over 16%", "about 15%"), plus the cue patterns for hedges, subjects and price
versus metric nouns. :mod:`movedesk.extract.claims` applies them clause by clause and decides whose move
a claim is and when."""

from __future__ import annotations

import re

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


# ---------------------------------------------------------------- period and measure of a price claim
#: periods a price claim can cover; only "session" (and "multi_session" with its count) are checked on bars
PERIODS = (
    "session", "intraday", "multi_session", "week", "month", "ytd", "year", "since", "52w", "after_hours",
    "premarket", "unknown",
)  # fmt: skip
_AFTER_HOURS = re.compile(
    r"\b(?:after[- ]hours?|extended[- ]hours?|extended (?:trade|trading|session)|after the (?:closing )?bell|"
    r"post[- ]market|late electronic trading|after the close)\b|盘后",
    re.IGNORECASE,
)
_PREMARKET = re.compile(r"\b(?:pre[- ]?market|before the (?:opening )?bell|before the open(?:ing)?)\b|盘前", re.I)
_P52W = re.compile(r"\b(?:52|fifty-two)[- ]week\b|\ball[- ]time\b|\brecord (?:high|low)\b|历史新高|历史新低", re.I)
_YTD = re.compile(
    r"\b(?:so far )?this year\b|\byear[- ]to[- ]date\b|\bytd\b|\bsince the (?:start|beginning) of (?:the|this) year\b|"
    r"\bsince (?:january 1|jan\.? 1|the new year|the end of (?:last year|20\d\d|19\d\d))\b|\bfor the year\b|"
    r"\bin 20\d\d so far\b|今年以来|年初至今",
    re.IGNORECASE,
)
_YEAR = re.compile(
    r"\b(?:over|in|during|for) the (?:past|last) (?:year|12 months|twelve months)\b|\blast year\b|"
    r"\b(?:in|during|throughout) (?:19|20)\d\d\b|\bfrom a year (?:ago|earlier)\b|\bover the year\b|"
    r"\bin the past year\b|去年",
    re.IGNORECASE,
)
_WEEK = re.compile(
    r"\b(?:this|last|the past|the previous|for the|on the|over the) week\b|\bweekly\b|\bin the week\b"
    r"|(?:本|上)周(?![一二三四五六日末])",
    re.IGNORECASE,
)
_MONTH = re.compile(
    r"\b(?:this|last|the past|the previous|for the|on the|over the) month\b|\bin the month\b|\bmonthly\b|本月|上月",
    re.IGNORECASE,
)
_SINCE = re.compile(r"\bsince\b|\bfrom (?:its|their|the) (?:ipo|debut|listing|peak|low|high)\b|以来", re.I)
_N_UNITS = re.compile(
    r"\b(?:over|in|across|during|for)\s+(?:just\s+|only\s+|the\s+(?:past|last|previous)\s+)?"
    r"(?P<n>\d+|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|fifteen|twenty)\s+"
    r"(?:straight\s+|consecutive\s+)?(?:trading\s+)?(?P<unit>sessions?|days?|weeks?|months?|years?)\b"
    r"|\b(?P<n2>\d+|two|three|four|five|six|seven|eight|nine|ten)-(?P<unit2>session|day)\b"
    r"|(?P<n3>\d+|[两二三四五六七八九十])个交易日",
    re.IGNORECASE,
)
#: "have fallen 40 percent" with no period: a span the article does not say
_PERFECT = re.compile(
    r"\b(?:has|have|had)\s+(?:\w+\s+){0,2}?(?:\w+(?:ed|en)|lost|gained|risen|fallen|shed|sunk|soared|been up|"
    r"been down)(?:\s+(?:about|around|nearly|almost|more than|over|some|roughly|just|less than|by))*\s*$",
    re.IGNORECASE,
)
#: a period the claim's clause names without saying how long ("during that period", "the June quarter")
_VAGUE = re.compile(r"\b(?:that|the|this|same) (?:period|quarter|span|stretch|time)\b|\bquarter\b", re.I)
#: "on their first day of trading", "since its IPO": a move since an event
_SINCE_EVENT = re.compile(r"\bfirst day of trading\b|\b(?:market |trading )?debut\b|\bsince (?:its|their) ipo\b", re.I)
#: "Earlier in the session, X fell 20%": a moment of the session, not its close
_EARLIER = re.compile(r"\bearlier in the (?:session|day)\b|\bat one point\b|\bat (?:its|their) (?:low|high)\b", re.I)
#: a leading phrase that sets the sentence's period ("During 2006, Google stock gained 11%")
_LEADING = re.compile(r"^\W*(?:in|during|over|for|so far|since|through|throughout)\b[^,]{0,50},", re.I)


_CLAUSE_CUT = re.compile(r"[,;]|\b(?:while|whereas|but|and)\b|，|；", re.IGNORECASE)


def _n_of(raw: str) -> int:
    return int(raw) if raw.isdigit() else _WORDNUM.get(raw.lower(), 0)


def claim_period(before: str, after: str, qualifier: str, *, sentence_before: str = "") -> tuple[str, int]:
    """(period, sessions) of a price claim from its clause ("has risen 16 percent this year" → ytd, "in three
    sessions" → multi_session 3, "in after-hours trading" → after_hours); ``sentence_before`` is the
    sentence up to the clause, read only for trading-hours cues ("In after-hours trading, X fell 5%")."""
    # the claim's own clause: "the Dow fell 18 percent for the week, while X rose 5%" gives X no week
    own = _CLAUSE_CUT.split(before[-80:])[-1]
    near = f"{own} {after[:80]}"
    upto = f"{sentence_before}{before}"
    if _AFTER_HOURS.search(near) or _AFTER_HOURS.search(upto[-150:]):
        return "after_hours", 1
    if _PREMARKET.search(near) or _PREMARKET.search(upto[-150:]):
        return "premarket", 1
    nm = _N_UNITS.search(after[:80]) or _N_UNITS.search(own[-60:])
    if nm:
        n = _n_of(nm.group("n") or nm.group("n2") or nm.group("n3") or "0")
        unit = (nm.group("unit") or nm.group("unit2") or "session").lower()
        if unit.startswith("week"):
            return ("week", 5) if n == 1 else ("multi_session", 5 * n)
        if unit.startswith("month"):
            return "month", 0
        if unit.startswith("year"):
            return "year", 0
        if n == 1:
            return "session", 1
        return ("multi_session", n) if n > 1 else ("unknown", 1)
    lead = _LEADING.match(upto)
    if lead:
        near = f"{lead.group()} {near}"
    for rx, name in ((_P52W, "52w"), (_YTD, "ytd"), (_WEEK, "week"), (_MONTH, "month"), (_YEAR, "year")):
        if rx.search(near):
            return name, 1
    if _SINCE.search(after[:80]) or _SINCE.search(own[-40:]) or _SINCE_EVENT.search(near):
        return "since", 1
    if _VAGUE.search(near):
        return "unknown", 1
    if _EARLIER.search(near) or _EARLIER.search(upto[-100:]):
        return "intraday", 1
    if qualifier in ("intraday_high", "intraday_low", "intraday"):
        return "intraday", 1
    if qualifier == "cumulative":
        return "unknown", 1  # "累计", "winning streak": several sessions, how many not said
    if qualifier != "close" and _PERFECT.search(own[-60:]):
        return "unknown", 1
    return "session", 1


MEASURES = ("share_price", "index", "yield", "currency", "metric")
_YIELD = re.compile(r"\byield(?:s|ed|ing)?\b|\bspreads?\b|\bbasis points?\b|\bcoupon\b|\b\d+/32\b|收益率", re.I)
_CURRENCY = re.compile(
    r"\b(?:dollar|euro|yen|yuan|renminbi|sterling|pound|franc|rupee|won|peso|rouble|ruble|currency|greenback)\b"
    r"|人民币|美元|汇率",
    re.IGNORECASE,
)
_INDEX_SUBJECT = re.compile(
    r"\b(?:dow(?: jones)?(?: industrials?| industrial average)?|s&p(?: 500)?|nasdaq(?: composite| 100)?|"
    r"russell(?: \d+)?|ftse(?: 100)?|nikkei|hang seng|kospi|dax|cac(?: 40)?|stoxx(?: \d+)?|topix|"
    r"(?:the )?(?:broader |benchmark |blue-chip |composite )*(?:index|indices|indexes|market|benchmark|average|"
    r"sector|industrials)|\w+ (?:index|sub-index))\b|指数|大盘",
    re.IGNORECASE,
)
_SHARE_WORDS = re.compile(r"\b(?:shares?|stocks?|ADRs?|stake|share price|stock price)\b|股价|该股", re.I)
_METRIC_AFTER = re.compile(r"^\s*(?:rise|increase|gain|jump|drop|decline|fall|growth|surge|slump|plunge|climb)\s+"
                           r"(?:in|of)\s+(?:(?:its|their|the|quarterly|annual|first|second|third|fourth|"
                           r"-quarter|net|operating|full-year|\w+-quarter)\s+)*(?P<noun>\w+(?:\s\w+)?)",
                           re.IGNORECASE)  # fmt: skip


def claim_measure(before: str, after: str, subject_text: str, *, subject_is_index: bool) -> str:
    """What a price-worded claim measures: a share price, an index, a yield, a currency or a company metric
    ("fell 8/32 to yield 3.49 percent" → yield, "the Dow down 18 percent" → index, "a 9 percent rise in
    profit" → metric)."""
    ma = _METRIC_AFTER.match(after)
    if ma and _METRIC_NOUN.search(ma.group("noun")) and not _SHARE_WORDS.search(ma.group("noun")):
        return "metric"
    tail = before[-40:]
    if _YIELD.search(tail) or _YIELD.match(after.strip()[:12]) or _YIELD.search(subject_text):
        return "yield"
    if _SHARE_WORDS.search(subject_text):
        return "share_price"
    if subject_is_index:
        return "index"
    if _CURRENCY.search(subject_text):
        return "currency"
    if _INDEX_SUBJECT.search(subject_text):
        return "index"
    return "share_price"
