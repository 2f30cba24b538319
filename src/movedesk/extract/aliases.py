"""Company aliases and the automaton that finds them: each registry alias with how strictly it must
look like a name to count (STRONG, CASED, COMMON), and one Aho-Corasick matcher per registry, cached."""

from __future__ import annotations

import functools
import re
import weakref
from dataclasses import dataclass
from importlib import resources

import ahocorasick

from movedesk.extract.text import CJK_RE, bounded, fold, is_word_char
from movedesk.models import Company
from movedesk.registry import Registry, normalise_alias, ticker_variants

STRONG, CASED, COMMON = 0, 1, 2
_CORP_SUFFIX = re.compile(
    r"(?:,?\s+(?:inc|incorporated|corp|corporation|co|company|ltd|limited|plc|llc|lp|l\.p|holdings?|group|"
    r"s\.a|sa|n\.v|nv|ag|se|spa|s\.p\.a|& co|the)\.?)+$|\s*\((?:the|class [a-z]|[a-z ]+)\)$",
    re.IGNORECASE,
)
_TICKER_STOP = {
    "A", "AI", "ALL", "AM", "AN", "ARE", "AS", "AT", "BE", "BIG", "BY", "CAN", "CAT", "CEO", "CFO", "DD", "DO",
    "EPS", "ETF", "EU", "EV", "FAST", "FED", "FOR", "GDP", "GO", "HAS", "HE", "I", "IF", "IN", "IPO", "IS", "IT",
    "KEY", "LOW", "ME", "NEW", "NO", "NOW", "OF", "ON", "ONE", "OR", "OUT", "PM", "SEC", "SEE", "SO", "TEAM",
    "THE", "TO", "TWO", "UK", "UP", "US", "USA", "WE", "WELL", "CPI", "PMI", "IMF", "OPEC", "NYSE", "GM",
}  # fmt: skip


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
        if (name in symbols or name.lstrip("^") in roots) and not any(ch.isdigit() for ch in name) and len(name) < 3:
            continue  # bare one- or two-letter tickers link only in ticker context; "IBM", "KKR", "CSX" are names
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
            if bounded(text, start, end) or _bare_possessive(text, start, end, entries):
                raw.append((start, end, entries))
        raw.sort(key=lambda h: (h[0], -(h[1] - h[0])))
        out: list[tuple[int, int, tuple[AliasEntry, ...]]] = []
        last_end = -1
        for h in raw:
            if h[0] >= last_end:
                out.append(h)
                last_end = h[1]
        return out


def _bare_possessive(text: str, start: int, end: int, entries: tuple[AliasEntry, ...]) -> bool:
    """A name with a possessive or plural "s" but no apostrophe, as headlines often write it ("SBIs bond
    issue", "Tech Mahindras balance sheet"): the name links without the "s". Not for common-word names
    ("Targets"), and only when the "s" ends the word and the name starts with a capital."""
    if end + 1 > len(text) or text[end] != "s" or (end + 1 < len(text) and is_word_char(text[end + 1])):
        return False
    if not text[start : start + 1].isupper() or any(e.flag == COMMON for e in entries):
        return False
    return start == 0 or not is_word_char(text[start - 1])


_MATCHERS: weakref.WeakKeyDictionary[Registry, CompanyMatcher] = weakref.WeakKeyDictionary()


def matcher_for(registry: Registry) -> CompanyMatcher:
    """The cached matcher of a registry (rebuilt only if the registry's size changed)."""
    m = _MATCHERS.get(registry)
    if m is None or m.size != len(registry):
        m = CompanyMatcher(registry)
        _MATCHERS[registry] = m
    return m


#: names that are also a market or an everyday word and link only with a suffix or ticker ("Nasdaq Inc")
_STRICT = {"nasdaq", "dow", "msci", "news", "reports", "jan", "feb", "mar", "apr", "jun", "jul", "aug", "sep", "sept",
           "oct", "nov", "dec"}  # fmt: skip
_CONNECTORS = {"&", "of", "and", "de", "the"}
_NOT_NAME = {"The", "Shares", "Reuters", "In", "On", "At", "For", "By", "With", "From", "As", "And", "Of", "Chief",
             "Executive", "Rival", "Peer", "Stock", "Company", "Investors", "Analysts", "Both"}  # fmt: skip


_NAME_NUMBER = re.compile(r"\d+[A-Za-z][\w&-]*|\d+-[A-Za-z][\w-]*")  # "3M", "7-Eleven"; not "7%" or "2012"
