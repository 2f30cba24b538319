"""HTML pages: front page (latest edition), brief, company, search. They work without JavaScript."""

from __future__ import annotations

import datetime as dt
from typing import Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, PlainTextResponse, Response

from movedesk.errors import UnknownCompany
from movedesk.web.deps import StateDep, etag_of
from movedesk.web.render import brief_body, page
from movedesk.web.security import csrf_pair, set_csrf_cookie

router = APIRouter(include_in_schema=False)

_VERDICT_REASON = {
    "market-wide": "the whole market moved",
    "sector-wide": "sector peers moved alike",
    "unexplained": "no clear catalyst in the news",
}


def front_item(brief: dict[str, Any]) -> dict[str, Any]:
    """Headline, moves and a one-line reason of a stored brief payload."""
    expl = brief.get("explanation", {})
    drivers = [d.get("label", "") for d in expl.get("drivers", [])][:2]
    verdict = str(expl.get("verdict", ""))
    reason = ", ".join(d for d in drivers if d) if verdict == "stock-specific" and drivers else None
    return {
        "slug": brief["slug"],
        "headline": brief["headline"],
        "moves": expl.get("moves", []),
        "reason": reason or _VERDICT_REASON.get(verdict, verdict),
    }


@router.get("/", response_class=HTMLResponse)
def front_page(request: Request, state: StateDep) -> Response:
    with state.lock:
        edition = state.desk.edition()
        briefs = edition["briefs"] if edition and edition.get("briefs") else state.desk.briefs(limit=10)
    view = None
    if edition:
        session = dt.date.fromisoformat(str(edition["session"]))
        view = {
            "session_label": f"{session:%A %d %B %Y}",
            "market": edition.get("market", []),
            "quiet": not edition.get("briefs"),
        }
    cookie, token = csrf_pair(request, state.settings)
    html = page("index.html.j2", edition=view, items=[front_item(b) for b in briefs], csrf=token)
    response = HTMLResponse(html)
    set_csrf_cookie(response, cookie, state.settings)
    return response


@router.get("/briefs/{slug}", response_class=HTMLResponse)
def brief_page(slug: str, state: StateDep) -> Response:
    key = f"/briefs/{slug}"
    with state.lock:
        payload = state.desk.brief(slug)
        if payload is None:
            from fastapi import HTTPException

            raise HTTPException(404, f"no brief {slug!r}")
        headline, body = brief_body(state.desk, payload)
    company = payload["explanation"]["company"]
    html = page(
        "brief_page.html.j2",
        headline=headline,
        body=body,
        slug=slug,
        company_id=company["id"],
        company_name=company["name"],
    ).encode()
    etag = etag_of(html)
    state.pages.put(key, html, etag)
    return Response(html, media_type="text/html; charset=utf-8", headers={"etag": etag.decode(),
                                                                          "x-movedesk-cache": "miss"})


@router.get("/companies/{company}", response_class=HTMLResponse)
def company_page(company: str, state: StateDep) -> Response:
    with state.lock:
        found = state.desk.registry.lookup(company)
        briefs = state.desk.briefs(company_id=found.id, limit=20)
        moves = state.desk.recent_moves(found)
    return HTMLResponse(page("company.html.j2", company=found, briefs=briefs, moves=moves))


@router.get("/search", response_class=HTMLResponse)
def search_page(state: StateDep, q: str = Query("", max_length=100)) -> Response:
    q = q.strip()
    hits = []
    if q:
        with state.lock:
            registry = state.desk.registry
        try:
            hits = [registry.lookup(q)]
        except UnknownCompany:
            hits = []
        hits += [c for c in registry.search(q, limit=20) if c not in hits]
    return HTMLResponse(page("search.html.j2", q=q, hits=hits[:20]))


@router.get("/favicon.ico")
def favicon() -> Response:
    return Response(status_code=204, headers={"cache-control": "public, max-age=86400"})


@router.get("/healthz", response_class=PlainTextResponse)
def healthz() -> str:
    return "ok"
