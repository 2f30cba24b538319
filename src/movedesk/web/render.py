"""HTML for web pages: one autoescaping Jinja environment, and briefs rendered safely from the store.

Every string that came from an article (titles, sentences, analyst names, URLs) passes through Jinja's
autoescape here; only the chart SVG (drawn by matplotlib from prices) and the footnote markup built by
``publish.brief._html_notes`` (which escapes first) are marked safe.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

from jinja2 import ChoiceLoader, Environment, PackageLoader
from markupsafe import Markup

from movedesk.publish.brief import brief_context
from movedesk.publish.charts import price_chart, to_svg
from movedesk.publish.newsletter import explanation_of
from movedesk.publish.writer import chart_symbols

if TYPE_CHECKING:
    from movedesk.desk import Desk
    from movedesk.models import Company

env = Environment(
    loader=ChoiceLoader([PackageLoader("movedesk.web", "templates"), PackageLoader("movedesk.publish", "templates")]),
    autoescape=True,
    trim_blocks=True,
    lstrip_blocks=True,
)


def page(template: str, **ctx: Any) -> str:
    return env.get_template(template).render(**ctx)


def brief_body(desk: Desk, payload: dict[str, Any]) -> tuple[str, Markup]:
    """(headline, article HTML with inline SVG chart) of a stored brief, every article string escaped."""
    expl = explanation_of(payload)
    symbols = chart_symbols(expl)
    bars = desk.store.bars(symbols, expl.session - dt.timedelta(days=60), expl.session)
    svg = to_svg(price_chart(bars, symbols, expl.session)) if not bars.empty else ""
    ctx = brief_context(expl)
    html = env.get_template("brief.html.j2").render(**ctx, chart_svg=Markup(svg))
    return str(ctx["headline"]), Markup(html)


def recent_moves(desk: Desk, company: Company, sessions: int = 10) -> list[dict[str, Any]]:
    """Close-to-close changes of each listing over its last ``sessions`` bars, newest first."""
    rows: list[dict[str, Any]] = []
    symbols = [x.symbol for x in company.listings]
    if not symbols:
        return rows
    bars = desk.store.bars(symbols)
    for symbol, group in bars.groupby("symbol"):
        group = group[group["flags"].isna()].tail(sessions + 1)
        closes = group["close"].tolist()
        days = group["session"].tolist()
        for i in range(1, len(closes)):
            rows.append(
                {
                    "symbol": symbol,
                    "session": days[i],
                    "close": closes[i],
                    "pct": (closes[i] / closes[i - 1] - 1) * 100 if closes[i - 1] else None,
                }
            )
    rows.sort(key=lambda r: (r["session"], r["symbol"]), reverse=True)
    return rows
