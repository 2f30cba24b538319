"""Company linking: registry aliases through one Aho-Corasick automaton, tickers in text, light coreference.

The automaton is built once per registry (cached) over folded aliases (NFKC + casefold, length kept, so
offsets stay valid). Each hit is checked for word boundaries (Latin script), case (acronyms and names
that are also ordinary words must look like names), and context (``Apple`` needs a business context;
``apple`` never links). Tickers are read in their usual news spellings: ``(NASDAQ: AAPL)``,
``( GOOG.O )`` / ``<JNJ.N>`` Reuters codes, ``688981.SH``, ``0981.HK``. Light coreference links
"the company", "the stock", "its Hong Kong-listed shares" to the last company linked before it.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Sequence

from movedesk.extract.aliases import (  # noqa: F401 - matcher_for is re-exported for callers
    _CONNECTORS,
    _NAME_NUMBER,
    _NOT_NAME,
    _STRICT,
    CASED,
    COMMON,
    STRONG,
    AliasEntry,
    common_words,
    matcher_for,
)
from movedesk.extract.component import Component
from movedesk.extract.doc import Doc
from movedesk.extract.options import ExtractOptions
from movedesk.extract.text import CJK_RE, fold
from movedesk.models import Article, Company
from movedesk.models.news import Mention
from movedesk.registry import Registry, normalise_alias, ticker_variants

log = logging.getLogger(__name__)


_SUFFIX_AFTER = re.compile(
    r"\s*(?:,\s*)?(?:Inc|Corp|Corporation|Co|Company|Ltd|Limited|Plc|PLC|Holdings|Group|Stores|Brands)\b\.?"
)
_BUSINESS_CUES = re.compile(
    r"\b(?:shares?|stocks?|compan(?:y|ies)|ceo|chief executive|executives?|revenues?|sales|profits?|earnings|"
    r"quarter(?:ly)?|investors?|analysts?|said|says|announced|reported|retailer|maker|brand|stores?|"
    r"products?|customers?|deal|acquisition|acquire[sd]?|merger|iphone|ipad|mac|listed|nasdaq|nyse|"
    r"inc|corp|market value|valuation|dividend|guidance|forecast|outlook|chain|supplier|rival|peer|"
    r"billion|million|lawsuit|sued|bid|stake|ipo|unit|division|subsidiary|platform|app|services?)\b"
)
_EXCHANGE_TICKER = re.compile(
    r"\(\s*(NASDAQ|Nasdaq|NYSE(?: American| Arca| MKT)?|AMEX|NYSEArca|TSX|LSE|HKEX|SEHK|HKSE|SSE|SZSE|SHSE|"
    r"HK|SH|SZ|OTC|Euronext)\s*:\s*([A-Za-z0-9.\-]{1,10})\s*\)"
)
_RIC = re.compile(r"(?:[(<]\s*|(?<=\s))([A-Za-z0-9]{1,8}?)\.(OQ|O|N|K|A|P|PK|OB|HK|SS|SH|SZ)(?:\s*[)>]|(?=[\s,;]))")
_COREF = re.compile(
    r"\b(?:the (?:company|firm|group|stock|shares|chipmaker|chip ?maker|foundry|lender|retailer|insurer|"
    r"carmaker|automaker|miner|airline|conglomerate|manufacturer)"
    r"|(?:its|their) (?:[a-z]+(?:[ -][a-z]+){0,2}-listed |(?:a|h|b)-)?(?:shares|stock|adrs?))\b",
    re.IGNORECASE,
)
_COREF_ZH = re.compile(r"该公司|公司股价|其(?:A股|港股|H股|股价)|该股")

#: news wording of a listing → Listing.label
LISTING_CUES: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"shanghai|star market|a-shares?|\ba shares?\b|A股|沪市|上交所|科创板", re.IGNORECASE), "Shanghai"),
    (re.compile(r"shenzhen|chinext|深市|深交所|创业板", re.IGNORECASE), "Shenzhen"),
    (re.compile(r"hong kong|h-shares?|\bh shares?\b|港股|H股|香港", re.IGNORECASE), "Hong Kong"),
    (re.compile(r"new york|\badrs?\b|american depositary|wall street|nasdaq|nyse|美股", re.IGNORECASE), "New York"),
)


def _name_before(text: str, pos: int) -> tuple[int, int] | None:
    """(start, end) of the capitalised name right before ``pos`` ("Lyft Inc <LYFT.O>"), if any."""
    line_start = max(text.rfind("\n", 0, pos) + 1, pos - 80)
    seg = text[line_start:pos].rstrip(" ,(<\t")
    end = line_start + len(seg)
    words = list(re.finditer(r"[^\s]+", seg))
    keep: list[re.Match[str]] = []
    for w in reversed(words):
        tok = w.group()
        if tok[-1] in ",;" and any(not _SUFFIX_AFTER.fullmatch(k.group().rstrip(",")) for k in keep):
            break  # "Zoom, Tesla Inc <TSLA.O>": the name is the last item of a list ("Tesla, Inc" is one)
        if tok[0].isupper() or (tok[0].isdigit() and _NAME_NUMBER.fullmatch(tok)) or tok in _CONNECTORS:
            keep.insert(0, w)
            if len(keep) >= 6:
                break
        else:
            break
    while keep and (keep[0].group() in _CONNECTORS or keep[0].group() in _NOT_NAME):
        keep.pop(0)
    if not keep or keep[-1].group().rstrip(",") != seg[keep[-1].start() :].rstrip(","):
        return None
    return line_start + keep[0].start(), end


_BYLINE = re.compile(r"\((?:reporting|writing|editing|additional reporting|compiled) by[^)]*\)", re.IGNORECASE)
#: Reuters contact lines "((name@thomsonreuters.com; +1 646 …; Twitter: @handle))": no company there
_CONTACT = re.compile(r"\(\([^()]{0,400}?@[^()]{0,400}?(?:\)\)|$)")

#: a capitalised word right after a one-word name that still leaves the name ours ("Infosys Ltd", "on Monday")
_CONTINUATION = {
    "Inc", "Corp", "Corporation", "Co", "Company", "Ltd", "Limited", "Plc", "PLC", "Holdings", "Group", "Stores",
    "Brands", "Shares", "Share", "Stock", "Stocks", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday",
    "Saturday", "Sunday", "January", "February", "March", "April", "May", "June", "July", "August", "September",
    "October", "November", "December", "Jan", "Feb", "Mar", "Apr", "Jun", "Jul", "Aug", "Sep", "Sept", "Oct",
    "Nov", "Dec", "Net", "Profit", "Profits", "Revenue", "Revenues", "Sales", "Results", "Earnings", "Chairman",
    "Chief", "Board", "Management", "Dividend", "Bonus", "Rights", "Offer",
}  # fmt: skip
#: a capitalised word right before a name that does not make it part of a longer name ("Buy Infosys")
_PREV_OK = {
    "The", "A", "An", "And", "Or", "But", "In", "On", "At", "For", "By", "With", "From", "As", "Of", "To", "Both",
    "Rival", "Peer", "Peers", "Rivals", "Unlike", "Like", "Buy", "Sell", "Hold", "Accumulate", "Avoid", "Exit",
    "Short", "Book", "Add", "Reduce", "Neutral", "Outperform", "Underperform", "Overweight", "Underweight",
    "While", "Whereas", "Meanwhile", "Also", "Shares", "Stock", "Stocks", "After", "Before", "Against", "Says",
    "Said", "Sees", "See", "Why", "How", "What", "When", "Where", "Will", "Can", "May", "Should", "Would",
    "Could", "Is", "Are", "Was", "Were", "Has", "Have", "Had", "Not", "No", "Yes", "Only", "Even", "Top", "Hot",
    "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday", "January", "February", "March",
    "April", "June", "July", "August", "September", "October", "November", "December", "Then", "Now", "Today",
    "Yesterday", "Earlier", "Later", "Last", "Next", "This", "That", "These", "Those", "Its", "Their",
    "Although", "Though", "If", "Because", "Since", "Unless", "Whether", "Including", "Besides", "Despite",
    "Until", "Once", "Over", "Under", "Between", "Among", "Amid", "Via", "Per", "So", "Yet", "Nor",
}  # fmt: skip
_NEXT_NAME = re.compile(r" ([A-Z][a-z]+)\b(?![-'’.]?\w)")
_PREV_NAME = re.compile(r"\b([A-Z][a-z]+) $")
_WORD = re.compile(r"[A-Za-z][A-Za-z'’-]{3,}")


def _title_case(text: str, start: int, end: int) -> bool:
    """True when most longer words of the sentence around a hit are capitalised (a Title Case headline):
    capitals are then no sign of a name."""
    s, e = _sentence_bounds(text, start, end)
    words = _WORD.findall(text[s:e])
    return len(words) >= 4 and sum(w[0].islower() for w in words) < 0.2 * len(words)


def _sentence_initial(text: str, pos: int) -> bool:
    """True when only spaces, quotes or brackets separate ``pos`` from the start of its sentence or line."""
    i = pos - 1
    while i >= 0 and text[i] in " \t\"'“‘([*•":
        i -= 1
    return i < 0 or text[i] in ".!?:;\n—-|"


_ATTRIBUTION_BEFORE = re.compile(
    r"(?:[:|]|\b(?:says|said|according to|appoints|appointed|names|named|hires|hired|elevates|ropes in))\s*$"
)
_ATTRIBUTION_AFTER = re.compile(r"\s*(?:$|[,;)\n]|\.(?:\s|$)| as\b)")


def _person_slot(text: str, start: int, end: int) -> bool:
    """True when two capitalised words at ``text[start:end]`` sit where news puts a person's name: an
    attribution after a colon ("…: Deepak Mohoni", "…: Prakash Diwan, Brokerage"), a speaker before one
    ("Deepak Mohoni: …") or an appointment ("appoints Deepak Amitabh as CMD")."""
    before = text[max(0, start - 16) : start]
    if _ATTRIBUTION_BEFORE.search(before) and _ATTRIBUTION_AFTER.match(text, end):
        return True
    return _sentence_initial(text, start) and text[end : end + 1] == ":"


def _inside_longer_name(text: str, start: int, end: int, linked: Sequence[tuple[int, int]]) -> bool:
    """True when a name hit is one word of a longer capitalised name the registry does not know: a person
    ("Deepak Mohoni", "Ajay Piramal"), an agency ("Reserve Bank of India", "Shipping Ministry") or
    another company. Acronyms, Title Case headlines and a word right after a linked name are exempt."""
    surface = text[start:end]
    letters = [ch for ch in surface if ch.isalpha()]
    if not letters or all(ch.isupper() for ch in letters) or CJK_RE.search(surface):
        return False
    nxt = _NEXT_NAME.match(text, end) if " " not in surface else None
    prev = _PREV_NAME.search(text, max(0, start - 30), start)
    if nxt is not None and (nxt.group(1) in _CONTINUATION or not _person_slot(text, start, nxt.end())):
        nxt = None  # "Verizon Wireless", "Amazon Studios": a unit or product of the company is still it
    if prev is not None and (
        prev.group(1) in _PREV_OK
        or _sentence_initial(text, prev.start(1))
        or any(s0 <= prev.start(1) < e0 for s0, e0 in linked)
    ):
        prev = None
    if nxt is None and prev is None:
        return False
    return not _title_case(text, start, end)


def _case_ok(surface: str, entry: AliasEntry) -> bool:
    first = entry.alias[:1]
    if first.isalpha() and first.isupper() and first.isascii() and not surface[:1].isupper():
        return False  # company names are proper nouns: "news", "reports" are not News Corp or anyone
    if entry.flag == CASED:
        letters = [ch for ch in surface if ch.isalpha()]
        if len(letters) >= 4 and surface[:1].isupper() and surface[1:].islower():
            return True  # "Sebi", "Smic": longer acronyms are often written as names
        if len(letters) >= 4 and surface[:1].isupper() and any(ch.isupper() for ch in surface[1:]):
            return True  # brand spellings with an inner capital: "RCom", "IndiGo" (no ordinary word has one)
        return all(ch.isupper() for ch in letters)
    if entry.flag == COMMON:
        return (surface[:1].isupper() and not surface.isupper()) or surface == entry.alias
    return True


def _sentence_bounds(text: str, start: int, end: int) -> tuple[int, int]:
    s = max(text.rfind(". ", 0, start), text.rfind("\n", 0, start), text.rfind("。", 0, start))
    e_candidates = [i for i in (text.find(". ", end), text.find("\n", end), text.find("。", end)) if i >= 0]
    return (s + 1 if s >= 0 else 0), (min(e_candidates) if e_candidates else len(text))


_CODE_AFTER = re.compile(r"\.[A-Z]{1,3}\b(?!\.\w)")
_LIST_GAP = re.compile(r"\s*(?:,|,?\s+(?:and|or|&))\s*")


def _common_context_ok(
    text: str, start: int, end: int, company_id: str, strong_ids: set[str], linked: Sequence[tuple[int, int]] = ()
) -> bool:
    if _EXCHANGE_TICKER.match(text, end + 1) or _RIC.match(text, end + 1) or _SUFFIX_AFTER.match(text, end):
        return True
    if normalise_alias(text[start:end]) in _STRICT:
        return False
    if company_id in strong_ids:
        return True
    for s0, e0 in linked:  # "Apple and Microsoft", "Alphabet, Meta and Pinterest": listed with companies
        gap = text[e0:start] if e0 <= start else text[end:s0] if s0 >= end else None
        if gap is not None and len(gap) <= 8 and _LIST_GAP.fullmatch(gap):
            return True
    if _title_case(text, start, end):
        return False  # capitals say nothing there: "Pharma Cos to Take IPO Path"
    if _SUFFIX_AFTER.match(text, end) or (text.startswith("'s", end) and _BUSINESS_CUES.match(text, end + 3)):
        return True
    if _EXCHANGE_TICKER.match(text, end + 1) or _RIC.match(text, end + 1):
        return True
    s, e = _sentence_bounds(text, start, end)
    window = fold(text[max(s, start - 200) : min(e, end + 200)])
    return bool(_BUSINESS_CUES.search(window))


def listing_label_near(text: str, start: int, end: int) -> str | None:
    """The listing label ('Shanghai', 'Hong Kong'…) a short window of text names, if any."""
    window = text[start:end]
    for pattern, label in LISTING_CUES:
        if pattern.search(window):
            return label
    return None


def listing_for(company: Company, label: str | None) -> str | None:
    """The symbol of the company's listing with that label, or its only listing. "Shanghai" is also
    what "A-shares" reads as, so it names the mainland listing whichever mainland exchange it is on."""
    if label:
        if label == "Shanghai":
            for lst in company.listings:
                if lst.mic in ("XSHG", "XSHE"):
                    return lst.symbol
        for lst in company.listings:
            if lst.label == label:
                return lst.symbol
    if len(company.listings) == 1:
        return company.listings[0].symbol
    return None


def _lookup_ticker(registry: Registry, code: str, exchange: str) -> tuple[Company, str] | None:
    exch = exchange.upper()
    candidates: list[str] = []
    code_u = code.upper()
    if exch in ("HK", "HKEX", "SEHK", "HKSE"):
        candidates = [f"{code_u.lstrip('0').zfill(4)}.HK", f"{code_u}.HK"]
    elif exch in ("SS", "SH", "SSE", "SHSE"):
        candidates = [f"{code_u}.SS"]
    elif exch in ("SZ", "SZSE"):
        candidates = [f"{code_u}.SZ"]
    else:
        base = code_u[:-1] + "-" + code_u[-1] if len(code) > 2 and code[-1].islower() else code_u
        candidates = [code_u, base, code_u.replace(".", "-")]
    for sym in candidates:
        company = registry.by_symbol.get(sym)
        if company is not None:
            return company, sym
    return None


def find_mentions(doc: Doc) -> list[Mention]:
    """Alias, ticker and coreference mentions in ``doc.text``."""
    text = doc.text[:400_000]
    registry = doc.registry
    aid = doc.article_id
    matcher = matcher_for(registry)
    mentions: list[Mention] = []
    taken: list[tuple[int, int]] = []

    # tickers first: they are unambiguous and give context to common-word names
    for m in _EXCHANGE_TICKER.finditer(text):
        found = _lookup_ticker(registry, m.group(2), m.group(1))
        if found:
            company, sym = found
            mentions.append(
                Mention(
                    article_id=aid,
                    company_id=company.id,
                    start=m.start(2),
                    end=m.end(2),
                    text=m.group(2),
                    method="ticker",
                    listing=sym,
                )
            )
            taken.append((m.start(2), m.end(2)))
    for m in _RIC.finditer(text):
        found = _lookup_ticker(registry, m.group(1), m.group(2))
        if found:
            company, sym = found
            name = _name_before(text, m.start()) if text[m.start()] in "(<" else None
            if name:
                n0, n1 = name
                mentions.append(
                    Mention(
                        article_id=aid,
                        company_id=company.id,
                        start=n0,
                        end=n1,
                        text=text[n0:n1],
                        method="ticker_name",
                        listing=sym,
                    )
                )
                taken.append((n0, n1))
            mentions.append(
                Mention(
                    article_id=aid,
                    company_id=company.id,
                    start=m.start(1),
                    end=m.end(2),
                    text=text[m.start(1) : m.end(2)],
                    method="ticker",
                    listing=sym,
                )
            )
            taken.append((m.start(1), m.end(2)))

    hits = matcher.hits(text)
    skip = [(m.start(), m.end()) for m in _BYLINE.finditer(text)] if "by " in text else []
    if "((" in text:
        skip += [(m.start(), m.end()) for m in _CONTACT.finditer(text)]
    if skip:
        hits = [h for h in hits if not any(b0 <= h[0] < b1 for b0, b1 in skip)]
    strong_ids = {mm.company_id for mm in mentions}
    linked = list(taken)
    checked: list[tuple[int, int, list[AliasEntry]]] = []
    for start, end, entries in hits:
        if any(s <= start < e or s < end <= e for s, e in taken):
            continue
        if (text[start - 1 : start] in ("<", ".") and text[end : end + 1] in (".", ">")) or _CODE_AFTER.match(
            text, end
        ):
            continue  # a code the ticker reader did not know: "<ABC.AX>", "<.SPLRCS>", "CBS.UL", "KKR.AS"
        surface = text[start:end]
        ok = [e for e in entries if _case_ok(surface, e)]
        if not ok or _inside_longer_name(text, start, end, linked):
            continue
        if any(e.flag != COMMON for e in ok):
            strong_ids.update(e.company_id for e in ok if e.flag != COMMON)
            linked.append((start, end))
        checked.append((start, end, ok))
    for start, end, ok in checked:
        surface = text[start:end]
        ok = [
            e for e in ok if e.flag != COMMON or _common_context_ok(text, start, end, e.company_id, strong_ids, linked)
        ]
        if not ok:
            continue
        # ambiguous alias: prefer a company named unambiguously elsewhere in the text
        entry = next((e for e in ok if e.company_id in strong_ids), ok[0])
        company = registry.companies[entry.company_id]
        label = listing_label_near(text, end, min(len(text), end + 28))
        listing = listing_for(company, label) if label else None
        if listing is None and any(ch.isdigit() for ch in surface):
            listing = next(
                (lst.symbol for lst in company.listings if surface.upper() in ticker_variants(lst.symbol)), None
            )
        method = "alias" if entry.flag != COMMON else "alias_context"
        mentions.append(
            Mention(
                article_id=aid,
                company_id=company.id,
                start=start,
                end=end,
                text=surface,
                method=method,
                listing=listing,
            )
        )

    mentions.sort(key=lambda mm: mm.start)
    mentions.extend(_short_forms(doc, text, mentions))
    mentions.sort(key=lambda mm: mm.start)
    mentions.extend(_corefs(doc, text, mentions))
    mentions.sort(key=lambda mm: (mm.start, mm.end))
    return mentions


_SHORT_SKIP = {"the", "bank", "china", "american", "general", "united", "national", "first", "new", "royal", "global"}


def _short_forms(doc: Doc, text: str, linked: list[Mention]) -> list[Mention]:
    """After "Pulte Homes Inc" is linked, a later "Pulte" alone is the same company (first word, capitalised)."""
    first: dict[str, tuple[str, int]] = {}
    for m in linked:
        if m.method in ("alias", "alias_context") and " " in m.text and not CJK_RE.search(m.text):
            word = m.text.split()[0].rstrip(",.")
            usable = len(word) >= 4 and word[0].isupper() and word.lower() not in _SHORT_SKIP
            if usable and normalise_alias(word) not in common_words():
                first.setdefault(word, (m.company_id, m.end))
    if not first:
        return []
    taken = [(m.start, m.end) for m in linked]
    out: list[Mention] = []
    pattern = re.compile(r"\b(" + "|".join(re.escape(w) for w in first) + r")\b(?!\s+[A-Z])")
    for hit in pattern.finditer(text):
        company_id, after = first[hit.group(1)]
        if hit.start() < after or any(s <= hit.start() < e for s, e in taken):
            continue
        out.append(
            Mention(
                article_id=doc.article_id,
                company_id=company_id,
                start=hit.start(),
                end=hit.end(),
                text=hit.group(1),
                method="short",
            )
        )
    return out


def _corefs(doc: Doc, text: str, linked: list[Mention]) -> list[Mention]:
    if not linked:
        return []
    out: list[Mention] = []
    starts = [m.start for m in linked]
    pattern = _COREF_ZH if doc.lang == "zh" else _COREF
    import bisect

    for m in pattern.finditer(text):
        i = bisect.bisect_left(starts, m.start()) - 1
        if i < 0:
            continue
        prev = linked[i]
        if any(mm.start <= m.start() < mm.end for mm in linked):
            continue
        if m.start() - prev.end > 1500:  # too far back to be the same company
            continue
        company = doc.registry.companies[prev.company_id]
        label = listing_label_near(text, m.start(), m.end())
        out.append(
            Mention(
                article_id=doc.article_id,
                company_id=prev.company_id,
                start=m.start(),
                end=m.end(),
                text=m.group(),
                method="coref",
                listing=listing_for(company, label) if label else None,
            )
        )
    return out


def link_companies(article: Article, registry: Registry, options: ExtractOptions | None = None) -> set[str]:
    """Ids of the registry companies an article mentions (by alias, ticker or name). ``options``: the
    extraction options, when the caller has them (read from the environment otherwise, per article)."""
    doc = Doc.from_article(article, registry, options)
    return {m.company_id for m in find_mentions(doc) if m.method != "coref"}


def _companies(doc: Doc) -> None:
    doc.mentions = find_mentions(doc)


COMPANIES = Component(
    "companies",
    _companies,
    requires=("doc.sentences",),
    produces=("doc.mentions",),
    description="company mentions: aliases (Aho-Corasick), tickers, Chinese names, light coreference",
)
