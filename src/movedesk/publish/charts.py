"""Price chart of a company's listings and their benchmarks over the last sessions, rebased to 100.

SVG for web pages (inline, deterministic: fixed hash salt, no date metadata) and PNG for e-mail.
"""

from __future__ import annotations

import datetime as dt
import io

import matplotlib
import pandas as pd
from matplotlib.figure import Figure

from movedesk.detect.descriptors import trusted
from movedesk.models import Explanation

_COLOURS = ("#b2182b", "#2166ac", "#1b7837", "#762a83", "#e08214", "#4d4d4d")


def price_chart(bars: pd.DataFrame, symbols: list[str], session: dt.date, *, sessions: int = 20) -> Figure:
    """Close of each symbol over its last ``sessions`` trusted bars up to ``session``, rebased to 100."""
    # Figure() without pyplot: no global state, safe in a web server's threads.
    fig = Figure(figsize=(7.2, 3.4), dpi=100)
    ax = fig.subplots()
    for i, symbol in enumerate(symbols):
        series = trusted(bars[(bars["symbol"] == symbol) & (bars["session"] <= session)]).tail(sessions + 1)
        if len(series) < 2:
            continue
        values = series["close"].to_numpy() / float(series["close"].iloc[0]) * 100
        dashed = symbol.startswith("^")
        ax.plot(
            pd.to_datetime(series["session"]),
            values,
            label=symbol,
            color=_COLOURS[i % len(_COLOURS)],
            linestyle="--" if dashed else "-",
            linewidth=1.2 if dashed else 2.0,
        )
    ax.axvline(pd.Timestamp(session),  # type: ignore[arg-type]
               color="#999", linewidth=0.8)
    ax.set_ylabel("rebased to 100")
    ax.grid(True, linewidth=0.3)
    ax.legend(loc="upper left", fontsize=8, frameon=False)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    fig.autofmt_xdate()
    fig.tight_layout()
    return fig


def to_svg(fig: Figure) -> str:
    with matplotlib.rc_context({"svg.hashsalt": "movedesk", "svg.fonttype": "none"}):
        buf = io.StringIO()
        fig.savefig(buf, format="svg", metadata={"Date": None, "Creator": None})
    text = buf.getvalue()
    return text[text.index("<svg") :]


def to_png(fig: Figure) -> bytes:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", metadata={"Software": None})
    return buf.getvalue()


def chart_symbols(expl: Explanation) -> list[str]:
    """The series a brief's chart draws: the company's listings, then their benchmarks."""
    symbols = [m.symbol for m in expl.moves]
    symbols += [b.symbol for b in expl.benchmark_moves if b.symbol not in symbols]
    return symbols
