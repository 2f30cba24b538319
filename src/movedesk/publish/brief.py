"""Explanation → Brief: headline, lede with footnoted figures, drivers, analysts, checks, sources.

Deterministic: the same Explanation always gives byte-identical Markdown, HTML and JSON (golden
tests rely on it). Every number in the text carries a footnote to the bars or article it came from.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from typing import Any

from jinja2 import Environment, PackageLoader, select_autoescape
from markupsafe import Markup, escape

from movedesk.models import Brief, Explanation, Move
from movedesk.models.base import SCHEMA_VERSION

_CURRENCY = {"CNY": ("", " yuan"), "HKD": ("HK$", ""), "USD": ("$", "")}
_NUMBER_WORDS = {2: "two", 3: "three", 4: "four", 5: "five", 10: "ten", 20: "twenty"}


@dataclass
class Footnotes:
    """Numbered sources for figures: the same source text gets the same number."""

    notes: list[str] = field(default_factory=list)

    def cite(self, source: str) -> str:
        if source not in self.notes:
            self.notes.append(source)
        return f"[^{self.notes.index(source) + 1}]"


def _pct(value: float) -> str:
    return f"{abs(value):.2f}%"


def _weekday(day: dt.date) -> str:
    return day.strftime("%A")


def _bar_note(move: Move) -> str:
    if move.prev_session is None:
        return f"{move.symbol} daily bar for {move.session}"
    return (
        f"{move.symbol} daily bars: close {move.close:,.2f} on {move.session} vs previous close "
        f"{move.prev_close or 0:,.2f} on {move.prev_session}"
    )


def _listing_name(expl: Explanation, move: Move) -> str:
    listing = expl.company.listing(move.symbol)
    return f"{listing.label} shares" if listing and listing.label else "shares"


def _money(expl: Explanation, move: Move) -> str:
    listing = expl.company.listing(move.symbol)
    pre, post = _CURRENCY.get(listing.currency if listing else "", ("", ""))
    return f"{pre}{move.close:,.2f}{post}"


_PROPER = {"China", "Chinese", "US", "U.S.", "EU", "Europe", "Japan", "Fed", "AI"}


def _in_sentence(label: str) -> str:
    """A theme label inside a sentence: "Chip localization push" → "chip localization push"."""
    first = label.split(" ", 1)[0]
    return label if first in _PROPER or first.isupper() else label[:1].lower() + label[1:]


def headline(expl: Explanation) -> str:
    """E.g. "SMIC extends rally in Shanghai and Hong Kong on China AI boom, chip localization push"."""
    name = expl.company.short_name or expl.company.name
    moves = [m for m in expl.moves if m.close_pct is not None]
    if not moves:
        return f"{name}: no trading figures for {expl.session}"
    mean = sum(m.close_pct or 0.0 for m in moves) / len(moves)
    up = mean > 0
    biggest = max(abs(m.close_pct or 0.0) for m in moves)
    extends = any(m.streak >= 2 for m in moves if (m.close_pct or 0) * mean > 0)
    if abs(mean) < 0.2:
        verb = "little changed"
    elif extends:
        verb = "extends rally" if up else "extends slide"
    elif biggest >= 5:
        verb = "jumps" if up else "tumbles"
    else:
        verb = "rises" if up else "falls"
    places = [
        listing.label
        for m in moves
        if (m.close_pct or 0) * mean > 0 and (listing := expl.company.listing(m.symbol)) and listing.label
    ]
    where = f" in {' and '.join(dict.fromkeys(places))}" if places and verb != "little changed" else ""
    if expl.verdict == "stock-specific" and expl.drivers:
        why = " on " + ", ".join(_in_sentence(d.label) for d in expl.drivers[:2])
    elif expl.verdict == "market-wide":
        why = " as the whole market " + ("rises" if up else "falls")
    elif expl.verdict == "sector-wide":
        why = " with sector peers"
    else:
        why = "; no clear catalyst in the news"
    return f"{name} {verb}{where}{why}"


def lede(expl: Explanation, fn: Footnotes) -> str:
    """One paragraph of move descriptors, each figure footnoted to the bars it came from."""
    name = expl.company.short_name or expl.company.name
    parts = []
    for i, move in enumerate(m for m in expl.moves if m.close_pct is not None):
        note = fn.cite(_bar_note(move))
        who = f"{name}'s {_listing_name(expl, move)}" if i == 0 else f"Its {_listing_name(expl, move)}"
        verb = "rose" if (move.close_pct or 0) > 0 else "fell" if (move.close_pct or 0) < 0 else "were unchanged"
        text = f"{who} ({move.symbol}) {verb} {_pct(move.close_pct or 0)}{note} to {_money(expl, move)}"
        if i == 0:
            text += f" on {_weekday(move.session)}, {move.session:%d %b %Y}"
        if move.high_pct is not None and (move.close_pct or 0) > 0 and move.high_pct - (move.close_pct or 0) >= 1:
            text += f", after climbing as much as {_pct(move.high_pct)}{note} during the session"
        elif move.low_pct is not None and (move.close_pct or 0) < 0 and (move.close_pct or 0) - move.low_pct >= 1:
            text += f", after falling as much as {_pct(move.low_pct)}{note} during the session"
        if move.prev_pct is not None and move.prev_session is not None and abs(move.prev_pct) >= 2:
            same = (move.prev_pct > 0) == ((move.close_pct or 0) > 0)
            prev_note = fn.cite(f"{move.symbol} daily bars: change on {move.prev_session} vs the session before")
            what = "gain" if move.prev_pct > 0 else "drop"
            text += (
                f", {'extending' if same else 'reversing'} {_weekday(move.prev_session)}'s "
                f"{_pct(move.prev_pct)} {what}{prev_note}"
            )
        if move.limit_pct is not None and move.limit_hit:
            text += f", closing limit-{move.limit_hit} at the {move.limit_pct:g}% band"
        n = move.streak
        if n >= 3 and n in move.cum_pct:
            cum_note = fn.cite(
                f"{move.symbol} daily bars: close on {move.session} vs the close {n} sessions earlier"
            )
            text += (
                f"; it is {'up' if move.cum_pct[n] > 0 else 'down'} {_pct(move.cum_pct[n])}{cum_note} "
                f"over {_NUMBER_WORDS.get(n, str(n))} sessions"
            )
        parts.append(text + ".")
    return " ".join(parts)


def context(expl: Explanation, fn: Footnotes, names: dict[str, str] | None = None) -> str:
    """The market around the move, and the verdict in words; ``names`` maps index symbols to names."""
    bits = []
    for b in expl.benchmark_moves:
        if b.close_pct is None:
            continue
        bits.append(
            f"the {(names or {}).get(b.symbol, b.symbol)} {'rose' if b.close_pct > 0 else 'fell'} "
            f"{_pct(b.close_pct)}{fn.cite(_bar_note(b))}"
        )
    text = ("On the day, " + ", ".join(bits) + ".") if bits else "No benchmark figures for the day."
    for m in expl.moves:
        if m.ar is not None and m.z is not None:
            text += (
                f" {m.symbol}'s abnormal return against {m.benchmark} was {m.ar:+.2f}% (z = {m.z:.1f}, "
                f"p = {m.p:.3f}){fn.cite(_bar_note(m) + f' and {m.benchmark} bars; market model over 240 sessions')}."
            )
    verdicts = {
        "stock-specific": "The move is stock-specific, and the news explains it.",
        "market-wide": "The move is market-wide: the whole market moved the same way.",
        "sector-wide": "The move is sector-wide: peers moved the same way.",
        "unexplained": "The move is unexplained: the news before the cutoff gives no reason with enough evidence.",
    }
    return f"{text} {verdicts[expl.verdict]} Confidence {expl.confidence:.2f}."


_env = Environment(
    loader=PackageLoader("movedesk.publish", "templates"),
    # "brief.html.j2" ends in ".html.j2": escape HTML templates, never the Markdown ones
    autoescape=select_autoescape(enabled_extensions=("html.j2", "html"), default_for_string=True),
    keep_trailing_newline=True,
    trim_blocks=True,
    lstrip_blocks=True,
)


def _html_notes(text: str) -> Markup:
    """Escape article-derived text, then turn [^n] markers into footnote links."""
    safe = str(escape(text))
    return Markup(re.sub(r"\[\^(\d+)\]", r'<sup><a href="#fn-\1" id="ref-\1">\1</a></sup>', safe))


def _benchmark_names(expl: Explanation) -> dict[str, str]:
    from movedesk.errors import UnknownCompany
    from movedesk.registry import default_registry

    names = {}
    for b in expl.benchmark_moves:
        try:
            company = default_registry().lookup(b.symbol)
        except UnknownCompany:
            continue
        names[b.symbol] = company.short_name or company.name
    return names


def brief_context(expl: Explanation) -> dict[str, Any]:
    fn = Footnotes()
    head = headline(expl)
    lede_text = lede(expl, fn)
    context_text = context(expl, fn, _benchmark_names(expl))
    source_no = {c.article_id: i + 1 for i, c in enumerate(expl.articles)}
    drivers = [
        {
            "label": d.label,
            "theme": d.theme,
            "category": d.category.replace("_", " "),
            "score": d.score,
            "parts": d.score_parts,
            "evidence": [
                {"text": " ".join(s.text.split()), "source": source_no.get(s.article_id), "span": s}
                for s in d.evidence[:3]
            ],
        }
        for d in expl.drivers
    ]
    return {
        "slug": slug(expl),
        "headline": head,
        "lede": lede_text,
        "context": context_text,
        "expl": expl,
        "drivers": drivers,
        "analysts": [
            {"view": v, "rationale": " ".join(v.rationale.text.split()), "source": source_no.get(v.article_id)}
            for v in expl.analysts
        ],
        "checks": [
            {"v": v, "source": source_no.get(v.claim.article_id), "claim": " ".join(v.claim.text.split())}
            for v in expl.verifications
        ],
        "footnotes": fn.notes,
        "html_notes": _html_notes,
    }


def slug(expl: Explanation) -> str:
    return f"{expl.company.id}-{expl.session:%Y-%m-%d}"


def render_brief(expl: Explanation, *, chart_svg: str = "", chart_file: str = "") -> Brief:
    """Render the three formats; ``chart_svg`` is inlined in HTML, ``chart_file`` linked from Markdown."""
    ctx = brief_context(expl)
    markdown = _env.get_template("brief.md.j2").render(**ctx, chart_file=chart_file)
    html = _env.get_template("brief.html.j2").render(**ctx, chart_svg=Markup(chart_svg))
    return Brief(
        slug=ctx["slug"],
        headline=ctx["headline"],
        lede=ctx["lede"],
        explanation=expl,
        markdown=markdown,
        html=html,
    )


def brief_json(brief: Brief) -> dict[str, Any]:
    """The JSON form: headline, lede, footnotes and the full explanation (no rendered HTML)."""
    ctx = brief_context(brief.explanation)
    return {
        "schema_version": SCHEMA_VERSION,
        "kind": "brief",
        "slug": brief.slug,
        "headline": brief.headline,
        "lede": brief.lede,
        "context": ctx["context"],
        "footnotes": ctx["footnotes"],
        "explanation": brief.explanation.to_json_dict(),
    }
