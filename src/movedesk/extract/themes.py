"""Drivers/themes from the declarative taxonomy in data/themes.yaml, each hit pointing at its sentence."""

from __future__ import annotations

import functools
from dataclasses import dataclass
from importlib import resources
from typing import Any

import ahocorasick
import yaml

from movedesk.errors import DataValidationError
from movedesk.extract.component import Component
from movedesk.extract.doc import Doc
from movedesk.extract.text import CJK_RE, bounded, fold, is_word_char
from movedesk.models.news import Span, ThemeHit


@dataclass(frozen=True)
class Theme:
    id: str
    label: str
    description: str
    en: tuple[str, ...]
    zh: tuple[str, ...]
    #: "company" (news about the firm itself) or "market" (economy-wide news: it explains the market's
    #: part of a move, not a stock's abnormal return)
    scope: str = "company"
    #: the event category (one of CATEGORIES)
    category: str = "other"


SCOPES = ("company", "market")
#: Event categories, from the labelling protocol (shared/eval-protocols/move-reasons.md)
CATEGORIES = (
    "earnings", "guidance", "mna", "analyst", "regulation_legal", "product", "management", "capital",
    "macro_market", "other",
)  # fmt: skip


def _parse(data: Any, source: str) -> tuple[Theme, ...]:
    if not isinstance(data, dict) or not isinstance(data.get("themes"), dict):
        raise DataValidationError(f"{source}: expected a mapping with a 'themes' mapping")
    out: list[Theme] = []
    for tid, spec in data["themes"].items():
        if not isinstance(spec, dict) or not spec.get("label"):
            raise DataValidationError(f"{source}: theme {tid!r} needs a label")
        en = spec.get("en") or []
        zh = spec.get("zh") or []
        if not isinstance(en, list) or not isinstance(zh, list) or not (en or zh):
            raise DataValidationError(f"{source}: theme {tid!r} needs 'en' and/or 'zh' cue lists")
        scope = str(spec.get("scope") or "company")
        if scope not in SCOPES:
            raise DataValidationError(f"{source}: theme {tid!r} has scope {scope!r}; use one of {', '.join(SCOPES)}")
        category = str(spec.get("category") or "")
        if category not in CATEGORIES:
            raise DataValidationError(
                f"{source}: theme {tid!r} has category {category!r}; use one of {', '.join(CATEGORIES)}"
            )
        out.append(
            Theme(
                str(tid),
                str(spec["label"]),
                str(spec.get("description") or ""),
                tuple(str(c) for c in en),
                tuple(str(c) for c in zh),
                scope,
                category,
            )
        )
    return tuple(out)


@functools.cache
def themes() -> tuple[Theme, ...]:
    """The shipped taxonomy (validated once; errors name the file and theme)."""
    path = resources.files("movedesk") / "data" / "themes.yaml"
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise DataValidationError(f"themes.yaml is not valid YAML: {exc}") from exc
    return _parse(data, "themes.yaml")


def theme_labels() -> dict[str, str]:
    return {t.id: t.label for t in themes()}


def theme_categories() -> dict[str, str]:
    """Theme id → its event category."""
    return {t.id: t.category for t in themes()}


def market_themes() -> frozenset[str]:
    """Themes about the whole economy or market (``scope: market`` in themes.yaml)."""
    return frozenset(t.id for t in themes() if t.scope == "market")


@functools.cache
def _automaton() -> ahocorasick.Automaton:
    a: ahocorasick.Automaton = ahocorasick.Automaton()
    table: dict[str, list[tuple[str, str, bool]]] = {}
    for theme in themes():
        for cue in (*theme.en, *theme.zh):
            prefix = cue.endswith("*")
            key = fold(cue.rstrip("*"))
            table.setdefault(key, []).append((theme.id, cue, prefix))
    for key, vals in table.items():
        a.add_word(key, (key, tuple(vals)))
    a.make_automaton()
    return a


def _themes(doc: Doc) -> None:
    text = doc.text[:400_000]
    low = fold(text)
    hits: list[ThemeHit] = []
    seen: set[tuple[str, int]] = set()
    for end_idx, (key, vals) in _automaton().iter(low):
        start, end = end_idx - len(key) + 1, end_idx + 1
        for theme_id, cue, prefix in vals:
            if prefix:
                if start > 0 and is_word_char(text[start - 1]) and not CJK_RE.match(text[start]):
                    continue
                stop = end
                while stop < len(text) and (text[stop].isalpha() and not CJK_RE.match(text[stop])):
                    stop += 1
                ok = True
            else:
                stop = end
                ok = bounded(text, start, end)
            if not ok:
                continue
            surface = text[start:stop]
            if cue.rstrip("*").isupper() and not surface[: len(cue.rstrip("*"))].isupper():
                continue  # "Fed", "SEC", "CPI", "IPO" — acronym cues only in capitals
            s0, s1 = doc.sentence_of(start)
            if (theme_id, s0) in seen:
                continue
            seen.add((theme_id, s0))
            hits.append(
                ThemeHit(
                    article_id=doc.article_id,
                    theme=theme_id,
                    cue=surface,
                    sentence=Span(article_id=doc.article_id, start=s0, end=s1, text=text[s0:s1]),
                )
            )
    hits.sort(key=lambda h: (h.sentence.start, h.theme))
    doc.themes = hits


THEMES = Component(
    "themes",
    _themes,
    requires=("doc.sentences",),
    produces=("doc.themes",),
    description="drivers/themes from data/themes.yaml (English and Chinese cues), with evidence sentences",
)
