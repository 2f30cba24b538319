"""Provenance: which outlets a news item relays ("as reported by the Wall Street Journal").

>>> extract_relays("Shares rose, as reported by the Wall Street Journal.")
['The Wall Street Journal']
>>> extract_relays("The chipmaker's CFO told Bloomberg that orders were strong, citing the FT.")
['Bloomberg', 'Financial Times']
>>> extract_relays("据华尔街日报报道，中芯国际股价上涨。")
['The Wall Street Journal']

Outlet names and their aliases come from ``movedesk/data/outlets.csv``. Every occurrence of an alias is
found with one Aho-Corasick pass; it counts as a relay only when the words around it say so ("according
to", "told", "citing", "a report by", "… reported", "据…报道"). Mentions such as "Bloomberg data" or
"Reuters Estimates" alone are not relays. An article never relays its own outlet (``exclude=``).
"""

from __future__ import annotations

import csv
import functools
import re
from dataclasses import dataclass
from importlib import resources

import ahocorasick

from movedesk.errors import DataValidationError

_LEAD = r"(?:(?:the|a|an)\s+)?"
_NOUN_WORDS = "report|story|article|interview|investigation|scoop|editorial|op-ed|reporting|reports|stories"
_NOUN = r"(?:" + _NOUN_WORDS + ")"
_BEFORE_EN = re.compile(
    r"(?i:"
    r"(?:\b(?:as\s+)?(?:first\s+|earlier\s+|previously\s+|originally\s+|also\s+)?reported\s+"
    r"(?:earlier\s+|first\s+|previously\s+)?(?:by|in|on)\s+" + _LEAD + r")"
    r"|(?:\baccording\s+to\s+" + _LEAD + r"(?:" + _NOUN + r"\s+(?:published\s+)?(?:by|in|from|on)\s+" + _LEAD + r")?)"
    r"|(?:\bciting\s+" + _LEAD + r"(?:" + _NOUN + r"\s+(?:by|in|from|on)\s+" + _LEAD + r")?)"
    r"|(?:\b" + _NOUN + r"\s+(?:published\s+)?(?:by|in|from|with|on)\s+" + _LEAD + r")"
    r"|(?:\b(?:told|telling|tells)\s+" + _LEAD + r")"
    r"|(?:\b(?:speaking|spoke|talking)\s+(?:to|with)\s+" + _LEAD + r")"
    r"|(?:\b(?:comments?|remarks?|statement)\s+to\s+" + _LEAD + r")"
    r"|(?:\b(?:per|via|quoted\s+by|cited\s+by|confirmed\s+to)\s+" + _LEAD + r")"
    r")$"
)
_AFTER_EN = re.compile(
    r"(?i:"
    r"(?:['’]s)?(?:\s+news)?\s+(?:(?:first|earlier|previously|also|has|had|have|recently|exclusively|"
    r"originally|separately)\s+)?"
    r"(?:reported|reports|reporting|said|says|wrote|writes|cited|revealed|disclosed|quoted|broke\s+the\s+news)\b"
    r"|['’]s\s+(?:earlier\s+|exclusive\s+|latest\s+)?" + _NOUN + r"\b"
    r"|\s*,\s*(?:citing|quoting)\b"
    r")"
)
_NOT_A_RELAY_EN = re.compile(
    r"(?i:\s+(?:data|calculations?|estimates|index|indices|terminal|consensus|compilations?|rankings?|"
    r"billionaires|intelligence|economics|survey\s+data)\b)"
)
_BEFORE_ZH = re.compile(r"(?:据|據|援引|引述|引用|根据|根據|接受|向|对|對|告诉|告訴)\s*《?$")
_AFTER_ZH = re.compile(
    r"^》?\s*(?:的)?\s*(?:报道|報道|報導|消息|援引|称|稱|披露|指出|采访|採訪|独家|獨家|引述|表示|记者|記者)"
)
_WINDOW = 90


@dataclass(frozen=True)
class _Outlets:
    automaton: ahocorasick.Automaton
    canonical: dict[str, str]  # alias (exact case) -> canonical name


@functools.cache
def _outlets() -> _Outlets:
    canonical: dict[str, str] = {}
    text = (resources.files("movedesk") / "data" / "outlets.csv").read_text(encoding="utf-8")
    lines = [ln for ln in text.splitlines() if ln.strip() and not ln.startswith("#")]
    for lineno, row in enumerate(csv.DictReader(lines), start=2):
        outlet, alias = (row.get("outlet") or "").strip(), (row.get("alias") or "").strip()
        if not outlet or not alias:
            raise DataValidationError(f"outlets.csv line {lineno}: needs an outlet and an alias")
        canonical[alias] = outlet
        canonical[outlet] = outlet
    automaton = ahocorasick.Automaton()
    for alias in canonical:
        automaton.add_word(alias, alias)
    automaton.make_automaton()
    return _Outlets(automaton, canonical)


def outlet_names() -> list[str]:
    """Every canonical outlet name, sorted."""
    return sorted(set(_outlets().canonical.values()))


def canonical_outlet(name: str) -> str | None:
    """The canonical name for an outlet name or alias (exact, then case-insensitive), or None."""
    names = _outlets().canonical
    if name in names:
        return names[name]
    folded = name.strip().casefold()
    folded = folded[4:] if folded.startswith("the ") else folded
    for alias, outlet in names.items():
        a = alias.casefold()
        if a == folded or a == "the " + folded:
            return outlet
    return None


def alias_pattern(exclude: tuple[str, ...] | list[str] = ()) -> str:
    """A regular expression (RE2- and re-compatible) matching any outlet alias except those of ``exclude``.

    Bulk ingest runs it over whole record batches (pyarrow) to skip the per-article scan for texts that
    name no outlet at all.
    """
    skip = {canonical_outlet(x) or x for x in exclude}
    aliases = sorted((a for a, o in _outlets().canonical.items() if o not in skip), key=len, reverse=True)
    return "|".join(re.escape(a) for a in aliases)


def _is_cjk(ch: str) -> bool:
    return "\u3400" <= ch <= "\u9fff" or "\uf900" <= ch <= "\ufaff"


def _matches(text: str) -> list[tuple[int, int, str]]:
    """Alias occurrences (start, end, alias), longest first at each place, non-overlapping."""
    found: list[tuple[int, int, str]] = []
    for end_index, alias in _outlets().automaton.iter(text):
        end = end_index + 1
        start = end - len(alias)
        if not _is_cjk(alias[0]):
            if start > 0 and (text[start - 1].isalnum() or text[start - 1] in "_-"):
                continue
            if end < len(text) and (text[end].isalnum() or text[end] == "_"):
                continue
        found.append((start, end, alias))
    found.sort(key=lambda m: (m[0], -(m[1] - m[0])))
    out: list[tuple[int, int, str]] = []
    last_end = -1
    for m in found:
        if m[0] >= last_end:
            out.append(m)
            last_end = m[1]
    return out


def _is_relay(text: str, start: int, end: int, alias: str) -> bool:
    before = text[max(0, start - _WINDOW) : start]
    after = text[end : end + _WINDOW]
    if _is_cjk(alias[0]):
        return bool(_BEFORE_ZH.search(before) or _AFTER_ZH.match(after))
    if _NOT_A_RELAY_EN.match(after):
        return False
    return bool(_BEFORE_EN.search(before) or _AFTER_EN.match(after))


def extract_relays(text: str, *, exclude: tuple[str, ...] | list[str] = ()) -> list[str]:
    """Canonical names of the outlets ``text`` relays, in order of first mention, without repeats.

    ``exclude`` names outlets to leave out, usually the article's own source (a Reuters story quoting
    "told Reuters" relays nobody).
    """
    skip = {canonical_outlet(x) or x for x in exclude}
    out: list[str] = []
    for start, end, alias in _matches(text):
        outlet = _outlets().canonical[alias]
        if outlet in out or outlet in skip:
            continue
        if _is_relay(text, start, end, alias):
            out.append(outlet)
    return out


#: Last words of every relay cue that comes before an outlet (_BEFORE_EN ends in one of them, then
#: whitespace and an optional article), and first words of every cue that comes after one (_AFTER_EN).
_CUE_LAST = "by|in|on|to|from|with|citing|told|telling|tells|per|via"
_CUE_AFTER_ADVERBS = "first|earlier|previously|also|has|had|have|recently|exclusively|originally|separately"
_CUE_AFTER_VERBS = "reported|reports|reporting|said|says|wrote|writes|cited|revealed|disclosed|quoted|broke"


@functools.cache
def relay_cue_pattern(exclude: tuple[str, ...] = ()) -> str:
    """An RE2 pattern that matches every text in which :func:`extract_relays` (with ``exclude``) can find
    a relay, and few others: an outlet alias with a cue word right before or after it, or any Chinese
    alias. Bulk ingest runs it over whole batches and scans only the texts it matches.

    On ASCII text (the only text bulk ingest gives it) it is looser than the scan everywhere: no word
    boundaries (the scan looks at 90-character windows, whose edges can fall inside a word), any run of
    non-word characters where the scan wants whitespace, only the last word of the cues before an alias.
    (Beyond ASCII, Python's case-insensitive matching knows a few letters RE2's does not, such as "ı".)
    """
    skip = {canonical_outlet(x) or x for x in exclude}
    aliases = sorted((a for a, o in _outlets().canonical.items() if o not in skip), key=len, reverse=True)
    latin = "|".join(re.escape(a) for a in aliases if not _is_cjk(a[0]))
    cjk = "|".join(re.escape(a) for a in aliases if _is_cjk(a[0]))
    gap = "[^0-9A-Za-z_]"
    parts = []
    if latin:
        parts.append(f"(?i:{_CUE_LAST}){gap}+(?:(?i:the|a|an){gap}+)?(?:{latin})")
        after = (
            f"(?:['’](?i:s))?(?:{gap}+(?i:news))?{gap}+(?:(?i:{_CUE_AFTER_ADVERBS}){gap}+)?(?i:{_CUE_AFTER_VERBS})"
            f"|['’](?i:s){gap}+(?:(?i:earlier|exclusive|latest){gap}+)?(?i:{_NOUN_WORDS})"
            f"|{gap}*,{gap}*(?i:citing|quoting)"
        )
        parts.append(f"(?:{latin})(?:{after})")
    if cjk:
        parts.append(f"(?:{cjk})")
    return "|".join(parts) or "$^"
