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

from movedesk.extract.claim_numbers import (
    _BASE_PERIOD,
    _DIGIT,
    _HEDGE_WORDS,
    _HEDGE_ZH,
    _IN_PASSING,
    _LEVEL_BEFORE,
    _METRIC_NOUN,
    _OR_BEFORE,
    _PRICE_CUE,
    _RELATIVE,
    _SUBJECT_START,
    _SUBJECT_TRIM,
    _ZH_QUALIFIER_BEFORE,
    AFTER_DIR_RE,
    DIR_NOUN_AFTER,
    NUMBER_RE,
    ZH_DIR_NOUN_AFTER,
    _bound,
    _clause_bounds,
    _direction,
    _parse_number,
    _qualifier,
    claim_measure,
    claim_period,
)
from movedesk.extract.component import Component
from movedesk.extract.doc import Doc
from movedesk.extract.entities import listing_for, listing_label_near
from movedesk.extract.timeanchor import Anchor, default_session, find_anchors
from movedesk.models import Company
from movedesk.models.news import Claim, Mention


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
            metric_noun, price_cue = _subject_cues(text, mentions, subj0, verb_at, (c0, n0), subject_mention)
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
            qualifier, _ = _qualifier(before, after)
            if claim_type == "metric":
                claim = _metric_claim(
                    doc, (s0, s1), (c0, c1), (n0, n1), dpos, subj0, subject_text, subject_mention,
                    direction, value, unit, before, after,
                )  # fmt: skip
                sent_claims.append(claim)
                claims.append(claim)
                continue
            # price claim: company, listing, session
            company, listing = _company_and_listing(
                doc, (c0, n0), after, subject_mention, carry_company if price_cue else None, sent_claims, claims
            )
            attribution = _attribution(
                doc, mentions, m_starts, (s0, n0, subj0), subject_text, subject_mention, sent_claims, company
            )
            # an index named in passing beside the company's own subject ("AXP was among the Dow's top
            # gainers, rising 2%") does not make the move the index's
            own_subject = subject_mention is not None and attribution == "subject" and company is not None
            measure = claim_measure(
                before,
                after,
                "" if own_subject else subject_text,
                subject_is_index=company is not None and company.is_index,
            )
            if company is not None:
                held_from = max(c0, subject_mention.end if subject_mention is not None else c0)
                holder = _unknown_holder(_mask(text, held_from, verb_at, mentions))
                if holder is not None and _names_company(holder, company):
                    attribution = "subject"  # "AIG shares", "Chipotle's stock": a short name of the company
                elif holder is not None:
                    # "sending Medivation shares up 31%": an organisation the registry does not hold
                    company, listing, attribution = None, None, "none"
            if measure in ("index", "yield", "currency") and company is not None and not company.is_index:
                # "the Dow down 18 percent", "fell 8/32 to yield 3.49 percent": not the company's shares
                company, listing, attribution = None, None, "none"
            period, n_sessions = claim_period(before, after, qualifier, sentence_before=text[s0:c0])
            mic = _mic_of(company, listing)
            anchor = _anchor_for(sent_anchors, c0, c1, n0, n1)
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
            start, stop = _price_span(text, zh, (s0, s1), (c0, c1), (n0, n1), dpos, anchor)
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
                sessions=n_sessions if period == "multi_session" else 1,
                session=session,
                subject=company.name if company else subject_text.strip()[:200],
                bound=_bound(before, after),
                period=period,
                measure=measure,
                attribution=attribution,
            )
            sent_claims.append(claim)
            claims.append(claim)
        i = bisect.bisect_left(m_starts, s1) - 1
        if i >= 0 and mentions[i].start >= s0:
            carry_company = mentions[i]
    return claims


def _subject_cues(
    text: str,
    mentions: list[Mention],
    subj0: int,
    verb_at: int,
    clause_to_number: tuple[int, int],
    subject_mention: Mention | None,
) -> tuple[object | None, object | None]:
    """(metric noun, price cue) of a claim's subject: the noun nearest the verb decides ("profit … boosting
    its shares 6%" is a price move); tickers are masked ("COST" the ticker is not "cost")."""
    c0, n0 = clause_to_number
    masked = _mask(text, subj0, verb_at, mentions)
    metric_hits = list(_METRIC_NOUN.finditer(masked))
    price_hits = list(_PRICE_CUE.finditer(masked))
    metric_noun: object | None = metric_hits[-1] if metric_hits else None
    price_cue: object | None = price_hits[-1] if price_hits else None
    if metric_hits and price_hits:
        if price_hits[-1].end() > metric_hits[-1].end():
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
            price_cue = price_cue or subject_mention
    return metric_noun, price_cue


def _price_span(
    text: str,
    zh: bool,
    sent: tuple[int, int],
    clause: tuple[int, int],
    number: tuple[int, int],
    dpos: int,
    anchor: Anchor | None,
) -> tuple[int, int]:
    """The span a price claim cites: from its direction word (or a possessive weekday, or a Chinese
    qualifier) to the number and a direction noun after it ("10% gains", "10%的涨幅")."""
    (s0, s1), (_, c1), (n0, n1) = sent, clause, number
    start = min(dpos, n0) if dpos >= 0 else n0
    stop = n1
    limit = c1 if c1 > n1 else s1
    tail = AFTER_DIR_RE.match(text, n1, limit)
    noun = (ZH_DIR_NOUN_AFTER if zh else DIR_NOUN_AFTER).match(text, n1, min(limit, n1 + 40))
    if dpos == n1 and noun:
        stop = noun.end()
    elif tail and dpos == n1:
        stop = tail.end()
    if anchor is not None and anchor.possessive and 0 <= start - anchor.end <= 3:
        start = anchor.start  # "Friday's 10% gains", "上周五10%的涨幅"
    zq = _ZH_QUALIFIER_BEFORE.search(text, max(s0, start - 8), start) if zh else None
    if zq:
        start = zq.start()  # "盘中一度涨5.2%", "收涨约2.7%"
    return start, stop


def _metric_claim(
    doc: Doc,
    sent: tuple[int, int],
    clause: tuple[int, int],
    number: tuple[int, int],
    dpos: int,
    subj0: int,
    subject_text: str,
    subject_mention: Mention | None,
    direction: str,
    value: float,
    unit: str,
    before: str,
    after: str,
) -> Claim:
    """A metric claim ("revenue rose 12%", "33-fold since May"): its subject noun, base period and span."""
    text = doc.text
    s1, (c0, c1), (n0, n1) = sent[1], clause, number
    bp = _BASE_PERIOD.search(text, n1, c1 if c1 > n1 else s1) or _BASE_PERIOD.search(text, c0, n0)
    if bp is not None and subj0 <= bp.start() < subj0 + len(subject_text):
        subject_text = text[subj0 : bp.start()]  # "使用量自5月以来增长": the base is not the subject
    subject = _SUBJECT_TRIM.sub("", subject_text.strip(" ,.\"'“”"))
    subject = re.sub(r"^(?:the|a|an|its|their)\s+", "", subject, flags=re.IGNORECASE).strip()
    company_id = subject_mention.company_id if subject_mention and subject_mention.start >= subj0 else None
    m_start = min(dpos, n0) if dpos >= 0 else n0
    m_end = max(n1, bp.end()) if bp else n1
    return Claim(
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
        period="unknown",
        measure="metric",
        attribution="subject" if company_id else "none",
        subject=subject[:200],
        base_period=bp.group() if bp else "",
        bound=_bound(before, after),
    )


def _company_and_listing(
    doc: Doc,
    clause_to_number: tuple[int, int],
    after: str,
    subject_mention: Mention | None,
    carried: Mention | None,
    sent_claims: list[Claim],
    claims: list[Claim],
) -> tuple[Company | None, str | None]:
    """Whose price move it is, and on which listing: the subject mention, else the sentence's previous
    price claim, else the company the text carried over (``carried``); the listing from the cues near the
    number, the mention, the previous claim, the only listing, or the one the article last used."""
    text = doc.text
    c0, n0 = clause_to_number
    if subject_mention is None and sent_claims and sent_claims[-1].company_id:
        company = doc.registry.companies.get(sent_claims[-1].company_id)
    elif subject_mention is None and carried is not None:
        company = doc.registry.companies.get(carried.company_id)
    else:
        company = doc.registry.companies.get(subject_mention.company_id) if subject_mention else None
    label = listing_label_near(text, c0, n0) or listing_label_near(after, 0, 40)
    if label is None and subject_mention is not None and subject_mention.listing:
        return company, subject_mention.listing
    if company is None:
        return None, None
    listing = listing_for(company, label) if label else None
    if listing is None and sent_claims and sent_claims[-1].company_id == company.id:
        listing = sent_claims[-1].listing
    if listing is None:
        listing = listing_for(company, None)
    if listing is None:  # the listing the article last talked about for this company
        earlier = (c for c in reversed(claims) if c.claim_type == "price" and c.company_id == company.id)
        listing = next((c.listing for c in earlier if c.listing), None)
    return company, listing


_PRONOUN = re.compile(
    r"\b(?:its|their|the company'?s?|the firm'?s?|the group'?s?|the bank'?s?|the stock|the shares|"
    r"the company|the firm|the group|the bank|the insurer|the retailer|the carrier|the automaker|it)\b|该股|其",
    re.IGNORECASE,
)


def _attribution(
    doc: Doc,
    mentions: list[Mention],
    m_starts: list[int],
    where: tuple[int, int, int],
    subject_text: str,
    subject_mention: Mention | None,
    sent_claims: list[Claim],
    company: Company | None,
) -> str:
    """How surely the claim's company holds the move (see ``Claim.attribution``): only "subject",
    "pronoun" and "previous" are sure enough for a "false" verdict."""
    s0, n0, subj0 = where
    if company is None:
        return "none"
    if subject_mention is not None and subject_mention.company_id == company.id:
        if subject_mention.method == "coref":
            return "pronoun"
        if subject_mention.start >= subj0:
            return "subject"
        companies = doc.registry.companies
        others = {
            m.company_id
            for m in mentions[bisect.bisect_left(m_starts, s0) : bisect.bisect_left(m_starts, n0)]
            if m.company_id != company.id and not (companies.get(m.company_id) and companies[m.company_id].is_index)
        }
        return "nearby" if others else "subject"
    if subject_mention is None and sent_claims and sent_claims[-1].company_id == company.id:
        return "previous"
    if _PRONOUN.search(subject_text):
        return "pronoun"
    return "carried"


_HOLDER_NAME = r"([A-Z][\w&.\-]*(?:\s+(?:&\s+)?[A-Z][\w&.\-]*){0,3})"
_UNKNOWN_HOLDER = re.compile(
    rf"\b(?:shares?|stock) (?:of|in) (?:the )?{_HOLDER_NAME}|{_HOLDER_NAME}(?:'s|’s)?\s+(?:common\s+)?"
    r"(?:shares?|stock|share price|stock price|ADRs?)\b"
)
#: capitalised words before "shares" that name no organisation ("The shares", "Class A shares", "Inc shares"
#: left over after the registry name)
_NOT_HOLDER = {
    "the", "its", "their", "his", "her", "shares", "share", "stock", "class", "common", "preferred", "a", "b",
    "in", "both", "inc", "inc.", "corp", "corp.", "co", "co.", "ltd", "ltd.", "plc", "group", "holdings", "ag", "sa",
    "nv", "se", "llc", "lp", "company", "u.s.", "us", "but", "and", "while", "meanwhile", "also", "however", "such",
    "those", "these", "that", "this", "some", "other", "all", "many", "most", "new", "york", "when", "as", "after",
    "before", "since", "on", "friday", "monday", "tuesday", "wednesday", "thursday", "it", "i", "ii",
    "shanghai", "shenzhen", "hong", "kong", "london", "frankfurt", "tokyo", "paris", "toronto", "nasdaq", "nyse",
    "a-share", "h-share", "a-shares", "h-shares", "star", "adr", "adrs", "american", "depositary",
}  # fmt: skip


def _unknown_holder(segment: str) -> str | None:
    """A capitalised name the registry does not hold right before (or after) the share word: "Genmab
    shares", "shares of Washington Mutual", "National City's share price"."""
    for m in _UNKNOWN_HOLDER.finditer(segment):
        name = m.group(1) or m.group(2) or ""
        words = [
            w
            for w in name.split()
            if w.lower().strip(".,") not in _NOT_HOLDER and not w.lower().endswith(("-listed", "-traded"))
        ]
        if words and not all(w.isupper() and len(w) <= 2 for w in words):
            return " ".join(words)
    return None


def _names_company(name: str, company: Company) -> bool:
    """Whether a name the registry did not link is a short form of ``company``: its ticker ("AIG") or a
    the first word of its name ("Chipotle" for Chipotle Mexican Grill), or an alias."""
    own = {company.name.split()[0].lower().strip(".,")} | {
        x.symbol.split(".")[0].lower() for x in company.listings
    }
    own |= {a.lower() for a in getattr(company, "aliases", ()) or ()}
    return any(w.lower().strip(".,'’s") in own for w in name.split() if len(w) > 1)


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
