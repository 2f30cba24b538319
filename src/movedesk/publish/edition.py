"""The daily edition: the day's top abnormal movers, each with its explanation, in one document."""

from __future__ import annotations

import datetime as dt
import json
import logging
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from markupsafe import Markup

from movedesk.errors import MovedeskError
from movedesk.explain.explain import explain
from movedesk.models import Brief, Company
from movedesk.models.base import SCHEMA_VERSION
from movedesk.publish.brief import _env, brief_json
from movedesk.publish.writer import build_brief, check_writable

if TYPE_CHECKING:
    from movedesk.desk import Desk
    from movedesk.detect.scan import ScanResult

log = logging.getLogger(__name__)


@dataclass
class Edition:
    session: dt.date
    briefs: list[Brief]
    market: list[dict[str, Any]]
    #: every significant mover of the scan the edition was built from, by |z| (None: not built by a scan)
    movers: list[Company] | None = None
    #: the market the edition covers (``hk``, ``cn``, ``us``: a scheduled market run) and its name; None: the
    #: day's edition of every market at once (``movedesk run --date D``)
    scope: str | None = None
    scope_label: str | None = None

    @property
    def slug(self) -> str:
        """``edition-<DATE>``, or ``edition-<MARKET>-<DATE>`` for a market's edition, so the Hong Kong and New
        York editions of one date are two editions (and two mailings)."""
        return f"edition-{self.scope}-{self.session:%Y-%m-%d}" if self.scope else f"edition-{self.session:%Y-%m-%d}"

    @property
    def title(self) -> str:
        movers = f"{self.scope_label or self.scope} movers" if self.scope else "the day's movers"
        return f"{movers}, {self.session:%A %d %B %Y}"


def build_edition(
    desk: Desk,
    session: dt.date,
    *,
    universe: str | None = None,
    top: int = 5,
    min_z: float | None = None,
    scope: str | None = None,
    scope_label: str | None = None,
    movers: tuple[list[Company], ScanResult] | None = None,
) -> Edition:
    """Scan the universe, explain the ``top`` companies by |z| (one brief per company); ``scope`` names the
    market of a market's edition (see ``Edition.slug``). ``movers``: ``desk.top_movers``'s answer when the
    caller has it already (a scheduler's scan, ``movedesk.jobs.distributed.build_edition``)."""
    companies, result = movers if movers is not None else desk.top_movers(session, universe=universe, min_z=min_z)
    briefs: list[Brief] = []
    for company in companies:
        if len(briefs) >= top:
            break
        try:
            expl = explain(desk, company, session)
        except MovedeskError as exc:
            log.warning("no brief for %s on %s: %s", company.id, session, exc)
            continue
        briefs.append(build_brief(desk, expl)[0])
    return Edition(session=session, briefs=briefs, market=market_rows(result.market), movers=companies,
                   scope=scope, scope_label=scope_label)


def market_rows(market: Any) -> list[dict[str, Any]]:
    """The scan's market verdicts (a frame) as the edition's rows."""
    return [{str(k): v for k, v in row.items()} for row in market.to_dict(orient="records")]


def edition_of(desk: Desk, session: dt.date, briefs: list[Brief], *, universe: str | None = None) -> Edition:
    """An edition of chosen briefs (the demo's), with the day's market verdicts from the scan."""
    result = desk.scan(session, None, universe=universe)
    return Edition(session=session, briefs=briefs, market=market_rows(result.market))


def edition_markdown(edition: Edition) -> str:
    lines = [f"# movedesk — {edition.title}", ""]
    for row in edition.market:
        lines.append(f"- market {row.get('benchmark')}: {row.get('verdict')}")
    lines.append("")
    for b in edition.briefs:
        lines.append(f"- **{b.headline}**")
    lines.append("")
    for b in edition.briefs:
        lines.append("---")
        lines.append("")
        lines.append(b.markdown.replace("\n# ", "\n## ").replace("[^", f"[^{b.slug}-"))
    return "\n".join(lines) + "\n"


def edition_html(edition: Edition) -> str:
    items = "".join(f"<li><a href='#{b.slug}'>{Markup.escape(b.headline)}</a></li>" for b in edition.briefs)
    body = Markup(f"<h1>{Markup.escape(edition.title[:1].upper() + edition.title[1:])}</h1><ol>{items}</ol>")
    body += Markup("<hr>").join(Markup(b.html) for b in edition.briefs)
    return _env.get_template("page.html.j2").render(title=f"movedesk {edition.session}", body=body)


def edition_json(edition: Edition) -> dict[str, Any]:
    payload: dict[str, Any] = {
        "schema_version": SCHEMA_VERSION,
        "kind": "edition",
        "session": edition.session.isoformat(),
        "market": edition.market,
        "briefs": [brief_json(b) for b in edition.briefs],
    }
    if edition.scope:
        payload["scope"] = edition.scope
        payload["scope_label"] = edition.scope_label or edition.scope
    return payload


def write_edition(
    desk: Desk,
    session: dt.date,
    out: str | Path,
    *,
    universe: str | None = None,
    top: int = 5,
    min_z: float | None = None,
) -> dict[str, Path]:
    """Write ``edition-<DATE>.{md,html,json}`` into ``out``."""
    out = Path(out)
    check_writable(out)
    edition = build_edition(desk, session, universe=universe, top=top, min_z=min_z)
    paths = {
        "md": out / f"{edition.slug}.md",
        "html": out / f"{edition.slug}.html",
        "json": out / f"{edition.slug}.json",
    }
    paths["md"].write_text(edition_markdown(edition), encoding="utf-8")
    paths["html"].write_text(edition_html(edition), encoding="utf-8")
    paths["json"].write_text(
        json.dumps(edition_json(edition), ensure_ascii=False, indent=2, default=str) + "\n", encoding="utf-8"
    )
    return paths
