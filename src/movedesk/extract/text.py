"""Sentences and tokens for English and Chinese, and the length-preserving text folding matchers use."""

from __future__ import annotations

import functools
import logging
import re
import unicodedata
from collections.abc import Iterator

from movedesk.extract.component import Component
from movedesk.extract.doc import Doc

log = logging.getLogger(__name__)

#: Longest text the components look at; longer input is cut here with a warning (keeps 10 MB inputs fast).
MAX_CHARS = 400_000
#: Longest sentence; longer runs without a sentence end are cut at whitespace (no regex goes quadratic).
MAX_SENTENCE = 1_500

_CJK = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
CJK_RE = re.compile(f"[{_CJK}]")

_ABBREV = {
    "corp", "inc", "co", "ltd", "plc", "mr", "mrs", "ms", "dr", "prof", "st", "no", "vs", "jr", "sr", "gov",
    "sen", "rep", "gen", "col", "lt", "sgt", "capt", "u.s", "u.k", "u.n", "e.u", "jan", "feb", "mar", "apr",
    "jun", "jul", "aug", "sep", "sept", "oct", "nov", "dec", "mon", "tue", "wed", "thu", "fri", "sat", "sun",
    "e.g", "i.e", "a.m", "p.m", "approx", "est", "dept", "fig", "bros", "cos", "ave", "mt", "ft", "n.v",
    "s.a", "a.g", "s.p.a", "l.p", "ag", "sa", "nv",
}  # fmt: skip

# a sentence ends at . ! ? (Latin, followed by space) or at 。！？； (CJK, no space needed), or at a line break
_END_RE = re.compile(r"[.!?]+[\"'”’)\]]*(?=\s)|[。！？；!?]+[”’」』)]*|\n+")


def fold(text: str) -> str:
    """NFKC + casefold, character by character, keeping the length so offsets still point into ``text``."""
    if text.isascii():
        return text.lower()
    table: dict[int, str] = {}
    for ch in set(text):
        if ch.isascii():
            continue
        n = unicodedata.normalize("NFKC", ch).casefold()
        if len(n) == 1 and n != ch:
            table[ord(ch)] = n
        elif ch in "’‘":
            table[ord(ch)] = "'"
    return text.translate(table) if table else text.lower()


def is_word_char(ch: str) -> bool:
    return ch.isalnum() or ch == "_"


def bounded(text: str, start: int, end: int) -> bool:
    """True when text[start:end] is not glued to a letter or digit on a side where it has one itself."""
    glued_left = start > 0 and is_word_char(text[start]) and is_word_char(text[start - 1])
    if glued_left and not (CJK_RE.match(text[start]) or CJK_RE.match(text[start - 1])):
        return False
    glued_right = end < len(text) and is_word_char(text[end - 1]) and is_word_char(text[end])
    return not (glued_right and not (CJK_RE.match(text[end - 1]) or CJK_RE.match(text[end])))


def split_sentences(text: str) -> list[tuple[int, int]]:
    """Sentence (start, end) offsets; English abbreviations and initials do not end a sentence."""
    out: list[tuple[int, int]] = []
    start = 0
    n = len(text)
    for m in _END_RE.finditer(text):
        end = m.end()
        tok = m.group()
        if tok[0] == ".":
            # the word before the period: abbreviation, initial or decimal point?
            j = m.start()
            k = j
            while k > start and (text[k - 1].isalnum() or text[k - 1] == "."):
                k -= 1
            word = text[k:j].lower()
            if word in _ABBREV or (len(word) == 1 and word.isalpha()):
                # "Corp. (SMIC)" / "J. P." — only a boundary if what follows clearly starts a sentence
                nxt = text[end : end + 40].lstrip()
                if not nxt or not (nxt[0].isupper() and word not in ("corp", "inc", "co", "u.s", "mr", "dr")):
                    continue
                if len(word) == 1:
                    continue
        _add(out, text, start, end)
        start = end
    if start < n:
        _add(out, text, start, n)
    return out


def _add(out: list[tuple[int, int]], text: str, start: int, end: int) -> None:
    while start < end and text[start].isspace():
        start += 1
    stop = end
    while stop > start and text[stop - 1].isspace():
        stop -= 1
    while stop - start > MAX_SENTENCE:
        cut = text.rfind(" ", start + MAX_SENTENCE // 2, start + MAX_SENTENCE)
        cut = cut if cut > start else start + MAX_SENTENCE
        out.append((start, cut))
        start = cut
        while start < stop and text[start].isspace():
            start += 1
    if stop > start:
        out.append((start, stop))


_ASCII_TOKEN_RE = re.compile(r"\w+(?:[-'.]\w+)*|\S")
_CONTROL = re.compile("[\x00-\x08\x0e-\x1f\x7f-\x9f\ufffd\ue000-\uf8ff]")
_TOKEN_RE = re.compile(rf"[{_CJK}]+|[^\W{_CJK}]+(?:[-'’.][^\W{_CJK}]+)*|\S", re.UNICODE)


@functools.cache
def _jieba() -> object:
    import jieba

    jieba.setLogLevel(logging.WARNING)
    jieba.initialize()
    return jieba


def iter_tokens(text: str, start: int = 0, end: int | None = None) -> Iterator[tuple[int, int]]:
    """Token offsets: words and punctuation for Latin script, jieba words for Chinese runs."""
    stop = len(text) if end is None else end
    if text[start:stop].isascii():
        yield from [m.span() for m in _ASCII_TOKEN_RE.finditer(text, start, stop)]
        return
    for m in _TOKEN_RE.finditer(text, start, stop):
        s, e = m.span()
        if CJK_RE.match(text[s]) and e - s > 1:
            jb = _jieba()
            pos = s
            for word in jb.cut(text[s:e], HMM=True):  # type: ignore[attr-defined]
                yield pos, pos + len(word)
                pos += len(word)
        else:
            yield s, e


def words(text: str) -> list[str]:
    """Folded tokens of a short text (what classifiers and lexicons see)."""
    low = fold(text)
    return [low[s:e] for s, e in iter_tokens(low)]


def _sentences(doc: Doc) -> None:
    if len(doc.text) > MAX_CHARS:
        doc.warnings.append(f"text has {len(doc.text):,} characters; only the first {MAX_CHARS:,} were read")
        log.warning("article %s: text cut at %d characters for extraction", doc.article_id, MAX_CHARS)
    text = doc.text[:MAX_CHARS]
    if text.strip() == "":
        doc.warnings.append("empty text: nothing to extract")
    elif len(_CONTROL.findall(text, 0, 2000)) > 0.2 * min(len(text), 2000):
        doc.warnings.append("text looks binary (many unprintable characters)")
    doc.sentences = split_sentences(text)


def _tokens(doc: Doc) -> None:
    toks: list[tuple[int, int]] = []
    for s, e in doc.sentences:
        toks.extend(iter_tokens(doc.text, s, e))
    doc.tokens = toks


SENTENCES = Component(
    "sentences",
    _sentences,
    produces=("doc.sentences",),
    description="sentence boundaries (English abbreviations, Chinese 。！？；, line breaks)",
)
TOKENS = Component(
    "tokens",
    _tokens,
    requires=("doc.sentences",),
    produces=("doc.tokens",),
    description="word tokens (regex for Latin script, jieba for Chinese)",
)
