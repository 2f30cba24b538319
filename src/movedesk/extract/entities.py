"""Company linking: registry aliases through one Aho-Corasick automaton, tickers in text, light coreference.

The automaton is built once per registry (cached) over folded aliases (NFKC + casefold, length kept, so
offsets stay valid). Each hit is checked for word boundaries (Latin script), case (acronyms and names
that are also ordinary words must look like names), and context (``Apple`` needs a business context;
``apple`` never links). Tickers are read in their usual news spellings: ``(NASDAQ: AAPL)``,
``( GOOG.O )`` / ``<JNJ.N>`` Reuters codes, ``688981.SH``, ``0981.HK``. Light coreference links
"the company", "the stock", "its Hong Kong-listed shares" to the last company linked before it.
"""

from __future__ import annotations

import functools
import logging
import re
import weakref
from dataclasses import dataclass
from importlib import resources

import ahocorasick

from movedesk.extract.component import Component
from movedesk.extract.doc import Doc
from movedesk.extract.text import CJK_RE, bounded, fold
from movedesk.models import Article, Company
from movedesk.models.news import Mention
from movedesk.registry import Registry, normalise_alias, ticker_variants

log = logging.getLogger(__name__)

STRONG, CASED, COMMON = 0, 1, 2

_CORP_SUFFIX = re.compile(
    r"(?:,?\s+(?:inc|incorporated|corp|corporation|co|company|ltd|limited|plc|llc|lp|l\.p|holdings?|group|"
    r"s\.a|sa|n\.v|nv|ag|se|spa|s\.p\.a|& co|the)\.?)+$|\s*\((?:the|class [a-z]|[a-z ]+)\)$",
    re.IGNORECASE,
)
_SUFFIX_AFTER = re.compile(
    r"\s*(?:,\s*)?(?:Inc|Corp|Corporation|Co|Company|Ltd|Limited|Plc|PLC|Holdings|Group|Stores|Brands)\b\.?"
)
_TICKER_STOP = {
    "A", "AI", "ALL", "AM", "AN", "ARE", "AS", "AT", "BE", "BIG", "BY", "CAN", "CAT", "CEO", "CFO", "DD", "DO",
    "EPS", "ETF", "EU", "EV", "FAST", "FED", "FOR", "GDP", "GO", "HAS", "HE", "I", "IF", "IN", "IPO", "IS", "IT",
    "KEY", "LOW", "ME", "NEW", "NO", "NOW", "OF", "ON", "ONE", "OR", "OUT", "PM", "SEC", "SEE", "SO", "TEAM",
    "THE", "TO", "TWO", "UK", "UP", "US", "USA", "WE", "WELL", "CPI", "PMI", "IMF", "OPEC", "NYSE", "GM",
}  # fmt: skip
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


@dataclass(frozen=True)
class AliasEntry:
    company_id: str
    alias: str
    flag: int


@functools.cache
def common_words() -> frozenset[str]:
    text = (resources.files("movedesk.extract") / "common_words.txt").read_text(encoding="utf-8")
    return frozenset(normalise_alias(ln) for ln in text.splitlines() if ln.strip() and not ln.lstrip().startswith("#"))


def _strip_suffix(name: str) -> str:
    prev = None
    out = name.strip()
    while prev != out:
        prev = out
        out = _CORP_SUFFIX.sub("", out).strip(" ,.")
    return out


def _alias_flag(alias: str) -> int:
    if CJK_RE.search(alias) or any(ch.isdigit() for ch in alias):
        return STRONG
    key = normalise_alias(alias)
    if key in common_words():
        return COMMON
    letters = [ch for ch in alias if ch.isalpha()]
    if letters and all(ch.isupper() for ch in letters) and len(letters) <= 6:
        return CASED
    return STRONG


def company_aliases(company: Company) -> dict[str, int]:
    """Alias spellings of a company that may link in running text, with their flag."""
    out: dict[str, int] = {}
    names = {company.name, company.short_name, *company.aliases} - {""}
    for name in list(names):
        stripped = _strip_suffix(name)
        if stripped and stripped != name and len(stripped) >= 3:
            names.add(stripped)
    symbols = {lst.symbol for lst in company.listings}
    roots = {s.split(".")[0].lstrip("^") for s in symbols}
    for name in names:
        if (name in symbols or name.lstrip("^") in roots) and not any(ch.isdigit() for ch in name):
            continue  # bare letter tickers link only in ticker context
        if len(name) < 2 or (len(name) < 3 and not CJK_RE.search(name)):
            continue
        if name.upper() in _TICKER_STOP and name.isupper():
            continue
        out[name] = _alias_flag(name)
    for sym in symbols:
        for variant in ticker_variants(sym):
            if (any(ch.isdigit() for ch in variant) and len(variant.replace(".", "")) >= 4 and "." in variant) or (
                variant.isdigit() and len(variant) == 6
            ):
                out.setdefault(variant, STRONG)
    return out


class CompanyMatcher:
    """One automaton over every alias of a registry; ``find(text)`` gives alias hits as Mentions."""

    def __init__(self, registry: Registry) -> None:
        self.registry = registry
        self.size = len(registry)
        automaton: ahocorasick.Automaton = ahocorasick.Automaton()
        table: dict[str, list[AliasEntry]] = {}
        for company in registry:
            for alias, flag in company_aliases(company).items():
                key = fold(" ".join(alias.split()))
                if not key:
                    continue
                entries = table.setdefault(key, [])
                if all(e.company_id != company.id for e in entries):
                    entries.append(AliasEntry(company.id, alias, flag))
        for key, entries in table.items():
            automaton.add_word(key, (key, tuple(entries)))
        if table:
            automaton.make_automaton()
        self.automaton = automaton
        self.empty = not table

    def hits(self, text: str, folded: str | None = None) -> list[tuple[int, int, tuple[AliasEntry, ...]]]:
        """Leftmost-longest, word-bounded alias hits (start, end, candidates)."""
        if self.empty or not text:
            return []
        low = folded if folded is not None else fold(text)
        raw: list[tuple[int, int, tuple[AliasEntry, ...]]] = []
        for end_idx, (key, entries) in self.automaton.iter(low):
            start = end_idx - len(key) + 1
            end = end_idx + 1
            if bounded(text, start, end):
                raw.append((start, end, entries))
        raw.sort(key=lambda h: (h[0], -(h[1] - h[0])))
        out: list[tuple[int, int, tuple[AliasEntry, ...]]] = []
        last_end = -1
        for h in raw:
            if h[0] >= last_end:
                out.append(h)
                last_end = h[1]
        return out


_MATCHERS: weakref.WeakKeyDictionary[Registry, CompanyMatcher] = weakref.WeakKeyDictionary()


def matcher_for(registry: Registry) -> CompanyMatcher:
    """The cached matcher of a registry (rebuilt only if the registry's size changed)."""
    m = _MATCHERS.get(registry)
    if m is None or m.size != len(registry):
        m = CompanyMatcher(registry)
        _MATCHERS[registry] = m
    return m


#: names that are also a market or an everyday word and link only with a suffix or ticker ("Nasdaq Inc")
_STRICT = {"nasdaq", "dow", "news", "reports", "jan", "feb", "mar", "apr", "jun", "jul", "aug", "sep", "sept",
           "oct", "nov", "dec"}  # fmt: skip
_CONNECTORS = {"&", "of", "and", "de", "the"}
_NOT_NAME = {"The", "Shares", "Reuters", "In", "On", "At", "For", "By", "With", "From", "As", "And", "Of", "Chief",
             "Executive", "Rival", "Peer", "Stock", "Company", "Investors", "Analysts", "Both"}  # fmt: skip


def _name_before(text: str, pos: int) -> tuple[int, int] | None:
    """(start, end) of the capitalised name right before ``pos`` ("Lyft Inc <LYFT.O>"), if any."""
    line_start = max(text.rfind("\n", 0, pos) + 1, pos - 80)
    seg = text[line_start:pos].rstrip(" ,(<\t")
    end = line_start + len(seg)
    words = list(re.finditer(r"[^\s]+", seg))
    keep: list[re.Match[str]] = []
    for w in reversed(words):
        tok = w.group()
        if tok[0].isupper() or tok[0].isdigit() or tok in _CONNECTORS:
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


def _case_ok(surface: str, entry: AliasEntry) -> bool:
    first = entry.alias[:1]
    if first.isalpha() and first.isupper() and first.isascii() and not surface[:1].isupper():
        return False  # company names are proper nouns: "news", "reports" are not News Corp or anyone
    if entry.flag == CASED:
        letters = [ch for ch in surface if ch.isalpha()]
        if len(letters) >= 4 and surface[:1].isupper() and surface[1:].islower():
            return True  # "Sebi", "Smic": longer acronyms are often written as names
        return all(ch.isupper() for ch in letters)
    if entry.flag == COMMON:
        return (surface[:1].isupper() and not surface.isupper()) or surface == entry.alias
    return True


def _sentence_bounds(text: str, start: int, end: int) -> tuple[int, int]:
    s = max(text.rfind(". ", 0, start), text.rfind("\n", 0, start), text.rfind("。", 0, start))
    e_candidates = [i for i in (text.find(". ", end), text.find("\n", end), text.find("。", end)) if i >= 0]
    return (s + 1 if s >= 0 else 0), (min(e_candidates) if e_candidates else len(text))


def _common_context_ok(text: str, start: int, end: int, company_id: str, strong_ids: set[str]) -> bool:
    if _EXCHANGE_TICKER.match(text, end + 1) or _RIC.match(text, end + 1) or _SUFFIX_AFTER.match(text, end):
        return True
    if normalise_alias(text[start:end]) in _STRICT:
        return False
    if company_id in strong_ids:
        return True
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
    """The symbol of the company's listing with that label, or its only listing."""
    if label:
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
    bylines = [(m.start(), m.end()) for m in _BYLINE.finditer(text)] if "by " in text else []
    if bylines:
        hits = [h for h in hits if not any(b0 <= h[0] < b1 for b0, b1 in bylines)]
    strong_ids = {mm.company_id for mm in mentions}
    for start, end, entries in hits:
        if any(e.flag == STRONG for e in entries) and _case_ok(text[start:end], entries[0]):
            strong_ids.update(e.company_id for e in entries if e.flag == STRONG)
        elif any(e.flag == CASED for e in entries) and _case_ok(text[start:end], entries[0]):
            strong_ids.update(e.company_id for e in entries if e.flag == CASED)
    for start, end, entries in hits:
        if any(s <= start < e or s < end <= e for s, e in taken):
            continue
        surface = text[start:end]
        ok = [e for e in entries if _case_ok(surface, e)]
        ok = [e for e in ok if e.flag != COMMON or _common_context_ok(text, start, end, e.company_id, strong_ids)]
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


def link_companies(article: Article, registry: Registry) -> set[str]:
    """Ids of the registry companies an article mentions (by alias, ticker or name)."""
    doc = Doc.from_article(article, registry)
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
