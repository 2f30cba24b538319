"""Relays: outlets an article says it is passing on ("as reported by the Wall Street Journal").

Uses ``movedesk.gather.provenance.extract_relays`` when that module exists; otherwise a local rule set
over a short list of outlets (English and Chinese names).
"""

from __future__ import annotations

import re
from collections.abc import Callable

from movedesk.extract.component import Component
from movedesk.extract.doc import Doc

OUTLETS: dict[str, tuple[str, ...]] = {
    "Wall Street Journal": ("Wall Street Journal", "WSJ", "华尔街日报", "華爾街日報"),
    "Bloomberg": ("Bloomberg", "Bloomberg News", "彭博", "彭博社"),
    "Reuters": ("Reuters", "路透", "路透社"),
    "Financial Times": ("Financial Times", "FT", "金融时报", "英国金融时报"),
    "CNBC": ("CNBC",),
    "Caixin": ("Caixin", "财新"),
    "Nikkei": ("Nikkei Asia", "Nikkei", "日经"),
    "South China Morning Post": ("South China Morning Post", "SCMP", "南华早报"),
    "The Information": ("The Information",),
    "New York Times": ("New York Times", "纽约时报"),
    "Securities Times": ("Securities Times", "证券时报"),
    "Xinhua": ("Xinhua", "新华社"),
    "Yicai": ("Yicai", "第一财经"),
    "The Paper": ("The Paper", "澎湃新闻"),
    "21st Century Business Herald": ("21st Century Business Herald", "21世纪经济报道"),
    "Dow Jones": ("Dow Jones Newswires",),
}

_ALT = "|".join(sorted((re.escape(a) for names in OUTLETS.values() for a in names), key=len, reverse=True))
_RELAY_EN = re.compile(
    rf"(?:as |first )?(?:reported|cited|quoted) by (?:the )?(?P<a>{_ALT})\b"
    rf"|according to (?:a |an )?(?:report (?:by|in|from) )?(?:the )?(?P<b>{_ALT})\b"
    rf"|(?:the )?(?P<c>{_ALT})(?: newspaper)? (?:reported|said|wrote|first reported|reports)\b"
    rf"|(?:a |an )?(?:report|story|article) (?:by|in|from) (?:the )?(?P<d>{_ALT})\b"
    rf"|told (?:the )?(?P<e>{_ALT})\b"
    rf"|(?:据|据悉|援引)(?P<f>{_ALT})|(?P<g>{_ALT})(?:报道|援引|称|消息)"
)
_CANON = {a.casefold(): canon for canon, names in OUTLETS.items() for a in names}


def _local_relays(text: str, source: str = "") -> list[str]:
    out: list[str] = []
    for m in _RELAY_EN.finditer(text):
        name = next(g for g in m.groups() if g)
        canon = _CANON.get(name.casefold(), name)
        if canon.casefold() == source.casefold() or canon in out:
            continue
        out.append(canon)
    return out


def _provider() -> Callable[..., object] | None:
    try:
        from movedesk.gather import provenance
    except ImportError:
        return None
    fn = getattr(provenance, "extract_relays", None)
    return fn if callable(fn) else None


def _relays(doc: Doc) -> None:
    fn = _provider()
    found: list[str] = []
    if fn is not None:
        try:
            result = fn(doc.text[:400_000], exclude=(doc.article.source,))
        except Exception as exc:  # the other module's bug must not break extraction
            doc.warnings.append(f"provenance.extract_relays failed: {exc}")
            result = None
        if result:
            found = [str(getattr(r, "outlet", None) or getattr(r, "name", None) or r) for r in result]  # type: ignore[attr-defined]
    if fn is None:
        found = _local_relays(doc.text[:400_000], doc.article.source)
    seen: list[str] = []
    for r in [*doc.article.relays, *found]:
        if r not in seen:
            seen.append(r)
    doc.relays = seen


RELAYS = Component(
    "relays",
    _relays,
    produces=("doc.relays",),
    description="outlets the article relays (gather.provenance when present, else local rules)",
)
