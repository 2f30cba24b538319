"""HTML for web pages: one autoescaping Jinja environment, and briefs rendered safely from the store.

Every string that came from an article (titles, sentences, analyst names, URLs) passes through Jinja's
autoescape here; only the chart SVG (drawn by matplotlib from prices) and the footnote markup built by
``publish.brief._html_notes`` (which escapes first) are marked safe.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from jinja2 import ChoiceLoader, Environment, PackageLoader
from markupsafe import Markup

from movedesk.publish.brief import brief_context
from movedesk.publish.charts import price_chart, to_svg
from movedesk.publish.mailings import explanation_of

if TYPE_CHECKING:
    from movedesk.desk import Desk

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
    symbols, bars = desk.chart_bars(expl)
    svg = to_svg(price_chart(bars, symbols, expl.session)) if not bars.empty else ""
    ctx = brief_context(expl)
    html = env.get_template("brief.html.j2").render(**ctx, chart_svg=Markup(svg))
    return str(ctx["headline"]), Markup(html)
