"""Write a brief to disk: Markdown, HTML page, JSON, and the chart as SVG and PNG."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import TYPE_CHECKING

from markupsafe import Markup

from movedesk.errors import OutputNotWritable
from movedesk.models import Brief, Explanation
from movedesk.publish.brief import _env, brief_json, render_brief
from movedesk.publish.charts import price_chart, to_png, to_svg

if TYPE_CHECKING:
    from movedesk.desk import Desk

FORMATS = ("md", "html", "json")


def build_brief(desk: Desk, expl: Explanation, *, chart_file: str = "") -> tuple[Brief, str, bytes]:
    """Render the brief with its chart; returns (brief, svg, png)."""
    symbols, bars = desk.chart_bars(expl)
    svg = to_svg(price_chart(bars, symbols, expl.session))
    png = to_png(price_chart(bars, symbols, expl.session))
    return render_brief(expl, chart_svg=svg, chart_file=chart_file), svg, png


def html_page(brief: Brief) -> str:
    """The brief as a standalone HTML document."""
    return _env.get_template("page.html.j2").render(title=brief.headline, body=Markup(brief.html))


def check_writable(out: Path) -> None:
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise OutputNotWritable(f"cannot create the output folder {out}: {exc.strerror}") from exc
    if not os.access(out, os.W_OK):
        raise OutputNotWritable(f"the output folder {out} is not writable")


def write_brief(
    desk: Desk, expl: Explanation, out: str | Path, *, formats: tuple[str, ...] = FORMATS
) -> dict[str, Path]:
    """Write ``<COMPANY>-<DATE>.{md,html,json}`` (+ .svg/.png chart) into ``out``; returns the paths."""
    return write_brief_files(desk, expl, out, formats=formats)[1]


def write_brief_files(
    desk: Desk, expl: Explanation, out: str | Path, *, formats: tuple[str, ...] = FORMATS
) -> tuple[Brief, dict[str, Path]]:
    """``write_brief`` that also returns the brief it rendered (so callers need not render it again)."""
    out = Path(out)
    check_writable(out)
    stem = f"{expl.company.id}-{expl.session:%Y-%m-%d}"
    brief, svg, png = build_brief(desk, expl, chart_file=f"{stem}.png")
    payload = brief_json(brief)
    files: dict[str, str | bytes] = {"svg": svg, "png": png}
    if "md" in formats:
        files["md"] = brief.markdown
    if "html" in formats:
        files["html"] = html_page(brief)
    if "json" in formats:
        files["json"] = json.dumps(payload, ensure_ascii=False, indent=2, sort_keys=False) + "\n"
    paths = {}
    try:
        for ext, content in files.items():
            path = out / f"{stem}.{ext}"
            if isinstance(content, bytes):
                path.write_bytes(content)
            else:
                path.write_text(content, encoding="utf-8")
            paths[ext] = path
    except OSError as exc:
        raise OutputNotWritable(f"cannot write the brief into {out}: {exc.strerror}") from exc
    desk.store.put_brief(brief.slug, expl.company.id, expl.session, payload)
    return brief, paths
