"""The JSON API under /api/v1: moves, explanations, briefs, companies, articles, editions.

Lists are paginated (``page`` from 1, ``per_page`` up to 100) as ``{"items", "page", "per_page",
"next"}``. Errors are ``{"code", "message", "hint"}`` with the movedesk error code.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

import pandas as pd
from fastapi import APIRouter, Path, Query
from pydantic import BaseModel, Field

from movedesk.errors import InsufficientData, MovedeskError
from movedesk.web.deps import StateDep


class ErrorBody(BaseModel):
    code: str = Field(description="movedesk error code, e.g. W040 (see README)")
    message: str
    hint: str = ""


class Page(BaseModel):
    items: list[dict[str, Any]]
    page: int
    per_page: int
    next: int | None = Field(None, description="the next page number, or null on the last page")


ERRORS: dict[int | str, dict[str, Any]] = {
    400: {"model": ErrorBody},
    404: {"model": ErrorBody},
    422: {"model": ErrorBody},
}

router = APIRouter(prefix="/api/v1", responses=ERRORS)

PageQ = Annotated[int, Query(ge=1, le=1000, description="page number, from 1")]
PerPageQ = Annotated[int, Query(ge=1, le=100, description="items per page")]
DateQ = Annotated[dt.date, Query(description="session date, YYYY-MM-DD")]
NameP = Annotated[str, Path(min_length=1, max_length=100, description="company id, name or ticker")]


def _check_date(day: dt.date) -> dt.date:
    """Dates pandas cannot hold (with a few years of history before them) or more than a year ahead have
    no data; the exchange calendars judge every date in between."""
    earliest = (pd.Timestamp.min + pd.DateOffset(years=10)).date()
    if not earliest <= day <= dt.date.today() + dt.timedelta(days=366):
        raise InsufficientData(f"no data for {day}", hint="choose a date no later than next year")
    return day


def paginate(rows: list[Any], page: int, per_page: int) -> Page:
    """``rows`` holds at least page*per_page+1 items when there is a next page."""
    start = (page - 1) * per_page
    items = rows[start : start + per_page]
    return Page(items=items, page=page, per_page=per_page, next=page + 1 if len(rows) > start + per_page else None)


def _company_json(company: Any) -> dict[str, Any]:
    return dict(company.to_json_dict())


# -- companies -----------------------------------------------------------------------------------------
@router.get("/companies", response_model=Page, tags=["companies"])
def list_companies(
    state: StateDep,
    q: Annotated[str, Query(max_length=100, description="name or ticker, English or Chinese")] = "",
    page: PageQ = 1,
    per_page: PerPageQ = 20,
) -> Page:
    """Companies matching ``q`` (all companies when empty), best match first."""
    with state.lock:
        registry = state.desk.registry
    need = page * per_page + 1
    hits = registry.search(q, limit=need) if q.strip() else sorted(registry, key=lambda c: c.id)[:need]
    return paginate([_company_json(c) for c in hits], page, per_page)


@router.get("/companies/{company}", tags=["companies"])
def get_company(company: NameP, state: StateDep) -> dict[str, Any]:
    """One company by id, name or ticker, with its listings."""
    with state.lock:
        return _company_json(state.desk.registry.lookup(company))


# -- moves ---------------------------------------------------------------------------------------------
@router.get("/moves", response_model=Page, tags=["moves"])
def list_moves(
    state: StateDep,
    date: DateQ,
    min_z: Annotated[float, Query(ge=0, le=100, description="minimum |z| of the abnormal return")] = 0.0,
    universe: Annotated[str | None, Query(max_length=100, description="universe to scan (default: all)")] = None,
    page: PageQ = 1,
    per_page: PerPageQ = 20,
) -> Page:
    """Abnormal moves of the stored listings on a session (market-wide scan), largest |z| first."""
    day = _check_date(date)
    with state.lock:
        desk = state.desk
        result = desk.scan(day, None, universe=universe, min_z=min_z)
        frame = result.moves
        companies: list[str | None] = []
        for symbol in frame["symbol"] if not frame.empty else []:
            try:
                companies.append(desk.registry.lookup(str(symbol)).id)
            except MovedeskError:
                companies.append(None)
    if frame.empty:
        return paginate([], page, per_page)
    frame = frame.assign(company_id=pd.Series(companies, index=frame.index, dtype=object))
    rows = frame.astype(object).where(frame.notna(), None).to_dict(orient="records")
    rows = [{str(k): (v.isoformat() if isinstance(v, dt.date) else v) for k, v in r.items()} for r in rows]
    return paginate(rows, page, per_page)


@router.get("/moves/{symbol}/{date}", tags=["moves"])
def get_move(
    symbol: Annotated[str, Path(min_length=1, max_length=40)], date: dt.date, state: StateDep
) -> dict[str, Any]:
    """All descriptors of one listing on one session (abnormal return, z, p, limits, streak…)."""
    day = _check_date(date)
    with state.lock:
        return dict(state.desk.move(symbol, day).to_json_dict())


# -- explanations --------------------------------------------------------------------------------------
@router.get("/explanations/{company}/{date}", tags=["explanations"])
def get_explanation(
    company: NameP,
    date: dt.date,
    state: StateDep,
    cutoff: Annotated[dt.datetime | None, Query(description="use only news published up to this time")] = None,
) -> dict[str, Any]:
    """Why the company moved on the session: verdict, drivers with evidence, analysts, checked numbers."""
    day = _check_date(date)
    if cutoff is not None and cutoff.tzinfo is None:
        cutoff = cutoff.replace(tzinfo=dt.UTC)
    with state.lock:
        found = state.desk.registry.lookup(company)
        key = (found.id, day.isoformat(), cutoff.isoformat() if cutoff else "")
        cached = state.explanations.get(key)
        if cached is None:
            cached = dict(state.desk.explain(found, day, cutoff=cutoff).to_json_dict())
            if len(state.explanations) > 500:
                state.explanations.clear()
            state.explanations[key] = cached
    return cached


# -- briefs --------------------------------------------------------------------------------------------
@router.get("/briefs", response_model=Page, tags=["briefs"])
def list_briefs(
    state: StateDep,
    company: Annotated[str | None, Query(max_length=100, description="company id, name or ticker")] = None,
    page: PageQ = 1,
    per_page: PerPageQ = 20,
) -> Page:
    """Published briefs, newest session first (headline, lede, slug, verdict)."""
    with state.lock:
        company_id = state.desk.registry.lookup(company).id if company else None
        rows = state.desk.briefs(company_id=company_id, limit=page * per_page + 1)
    summary = [
        {
            "slug": b["slug"],
            "headline": b["headline"],
            "lede": b.get("lede", ""),
            "company_id": b["explanation"]["company"]["id"],
            "session": b["explanation"]["session"],
            "verdict": b["explanation"]["verdict"],
        }
        for b in rows
    ]
    return paginate(summary, page, per_page)


@router.get("/briefs/{slug}", tags=["briefs"])
def get_brief(slug: Annotated[str, Path(min_length=1, max_length=200)], state: StateDep) -> dict[str, Any]:
    """One brief in its JSON form (headline, lede, footnotes, full explanation)."""
    with state.lock:
        payload = state.desk.brief(slug)
    if payload is None:
        raise InsufficientData(f"no brief {slug!r}", hint="list briefs with /api/v1/briefs")
    return payload


# -- articles ------------------------------------------------------------------------------------------
@router.get("/articles", response_model=Page, tags=["articles"])
def list_articles(
    state: StateDep,
    company: Annotated[str | None, Query(max_length=100, description="company id, name or ticker")] = None,
    since: Annotated[dt.datetime | None, Query(description="published at or after (UTC)")] = None,
    until: Annotated[dt.datetime | None, Query(description="published at or before (UTC)")] = None,
    page: PageQ = 1,
    per_page: PerPageQ = 20,
) -> Page:
    """Stored articles, newest first; ``until`` gives the point-in-time view explain uses."""
    since = since.replace(tzinfo=dt.UTC) if since is not None and since.tzinfo is None else since
    until = until.replace(tzinfo=dt.UTC) if until is not None and until.tzinfo is None else until
    with state.lock:
        company_id = state.desk.registry.lookup(company).id if company else None
        rows = state.desk.articles(company=company_id, since=since, until=until, limit=page * per_page + 1)
    return paginate([a.to_json_dict() for a in rows], page, per_page)


@router.get("/articles/{article_id}", tags=["articles"])
def get_article(article_id: Annotated[str, Path(min_length=1, max_length=200)], state: StateDep) -> dict[str, Any]:
    """One stored article (title, body, source, times, relays)."""
    with state.lock:
        article = state.desk.article(article_id)
    if article is None:
        raise InsufficientData(f"no article {article_id!r}", hint="list articles with /api/v1/articles")
    return dict(article.to_json_dict())


# -- editions ------------------------------------------------------------------------------------------
@router.get("/editions", response_model=Page, tags=["editions"])
def list_editions(state: StateDep, page: PageQ = 1, per_page: PerPageQ = 20) -> Page:
    """Published daily editions, newest first."""
    with state.lock:
        rows = state.desk.editions(limit=per_page + 1, offset=(page - 1) * per_page)
    items = [{**r, "session": r["session"].isoformat(), "created": r["created"].isoformat()} for r in rows]
    return Page(items=items[:per_page], page=page, per_page=per_page, next=page + 1 if len(items) > per_page else None)


@router.get("/editions/{slug}", tags=["editions"])
def get_edition(slug: Annotated[str, Path(min_length=1, max_length=200)], state: StateDep) -> dict[str, Any]:
    """One edition (``latest`` for the newest): market verdicts and its briefs."""
    with state.lock:
        payload = state.desk.edition(None if slug == "latest" else slug)
    if payload is None:
        raise InsufficientData(f"no edition {slug!r}", hint="publish one with `movedesk run --date D`")
    return payload
