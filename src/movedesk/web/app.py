"""The web app: ``create_app(settings)`` → FastAPI with pages, the JSON API and the sign-up flow.

No business logic here: routes call the desk, the explain layer and ``publish.newsletter``. Two
pure-ASGI layers wrap the app: secure headers on every response, and a cache that answers repeated
requests for a brief page without entering the framework at all.

>>> from movedesk.config import Settings
>>> app = create_app(Settings(db=":memory:", secret_key="k"))
>>> app.title
'movedesk'
"""

from __future__ import annotations

import contextlib
import logging
import secrets
from collections.abc import AsyncIterator
from typing import Any

from exchange_calendars.errors import DateOutOfBounds
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, JSONResponse, Response
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from movedesk.config import Settings, is_server_url
from movedesk.errors import (
    ConfigError,
    DataValidationError,
    InsufficientData,
    MovedeskError,
    NoCalendar,
    NotATradingSession,
    ProviderError,
    StoreError,
    UnknownCommand,
    UnknownCompany,
)
from movedesk.web.deps import DeskFactory, PageCache, RateLimiter, WebState
from movedesk.web.render import page

log = logging.getLogger(__name__)

SECURITY_HEADERS: tuple[tuple[bytes, bytes], ...] = (
    (
        b"content-security-policy",
        b"default-src 'none'; style-src 'unsafe-inline'; img-src 'self' data:; form-action 'self'; "
        b"base-uri 'none'; frame-ancestors 'none'",
    ),
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", b"no-referrer"),
    (b"cross-origin-opener-policy", b"same-origin"),
    (b"cross-origin-resource-policy", b"same-origin"),
    (b"permissions-policy", b"camera=(), microphone=(), geolocation=(), interest-cohort=()"),
)

#: HTTP status for each error class (most specific class wins; 4xx: the request named something wrong).
STATUS: tuple[tuple[type[MovedeskError], int], ...] = (
    (UnknownCompany, 404),
    (InsufficientData, 404),
    (NotATradingSession, 422),
    (NoCalendar, 422),
    (DataValidationError, 422),
    (UnknownCommand, 400),
    (ConfigError, 400),
    (ProviderError, 502),
    (StoreError, 503),
)


def status_of(exc: MovedeskError) -> int:
    for cls, status in STATUS:
        if isinstance(exc, cls):
            return status
    return 400


def error_body(code: str, message: str, hint: str = "") -> dict[str, str]:
    return {"code": code, "message": message, "hint": hint}


class SecureHeaders:
    """Adds CSP, nosniff, frame and referrer headers to every HTTP response."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                names = {k.lower() for k, _ in message.get("headers", [])}
                extra = [(k, v) for k, v in SECURITY_HEADERS if k not in names]
                message["headers"] = list(message.get("headers", [])) + extra
            await send(message)

        await self.app(scope, receive, send_with_headers)


class BriefPageCache:
    """Serves cached ``GET /briefs/{slug}`` pages straight from memory (with ETag / 304)."""

    def __init__(self, app: ASGIApp, cache: PageCache) -> None:
        self.app = app
        self.cache = cache

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        # HEAD arrives here as GET (HeadAsGet wraps this layer and drops the body)
        if scope["type"] == "http" and scope["method"] == "GET" and scope["path"].startswith("/briefs/"):
            hit = self.cache.get(scope["path"])
            if hit is not None:
                body, etag = hit
                headers = [
                    (b"content-type", b"text/html; charset=utf-8"),
                    (b"etag", etag),
                    (b"cache-control", b"public, max-age=60"),
                    (b"x-movedesk-cache", b"hit"),
                ]
                inm = next((v for k, v in scope["headers"] if k == b"if-none-match"), None)
                if inm == etag:
                    await send({"type": "http.response.start", "status": 304, "headers": headers})
                    await send({"type": "http.response.body", "body": b""})
                    return
                headers.append((b"content-length", str(len(body)).encode()))
                await send({"type": "http.response.start", "status": 200, "headers": headers})
                await send({"type": "http.response.body", "body": body})
                return
        await self.app(scope, receive, send)


class HeadAsGet:
    """Answers HEAD wherever GET is answered: the request goes on as GET, the body is dropped and the
    headers (content-length included) are kept. FastAPI routes declared with ``get`` take GET only."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "HEAD":
            await self.app(scope, receive, send)
            return

        async def send_headers_only(message: Message) -> None:
            if message["type"] == "http.response.body":
                message = {**message, "body": b""}
            await send(message)

        await self.app({**scope, "method": "GET"}, receive, send_headers_only)


def app_from_env() -> FastAPI:
    """The app of one of ``movedesk serve --workers N``'s processes: settings from ``MOVEDESK_*``."""
    return create_app(Settings())


def _default_factory(settings: Settings) -> Any:
    from movedesk.desk import Desk

    return Desk.open(settings.db, settings)


def create_app(
    settings: Settings,
    desk_factory: DeskFactory | None = None,
    *,
    signup_limit: tuple[int, float] = (5, 600.0),
    page_ttl: float = 300.0,
    release_store: bool | None = None,
) -> FastAPI:
    """The ASGI app. ``desk_factory(settings)`` opens the desk (default: ``Desk.open(settings.db)``).

    ``signup_limit`` is (sign-ups, seconds) per client address; ``page_ttl`` how long a rendered
    brief page is served from memory; ``release_store`` closes the store after each use so that
    ``movedesk run`` can write to the same DuckDB file while the server runs (default: for a DuckDB file, not
    for a PostgreSQL store, whose pool many processes share).
    """
    if release_store is None:
        release_store = not is_server_url(settings.db)
    if not settings.secret_key:
        log.warning("MOVEDESK_SECRET_KEY is not set: using a random key; links in mails die with this process")
        settings = settings.model_copy(update={"secret_key": secrets.token_urlsafe(32)})
    state = WebState(
        settings=settings,
        factory=desk_factory or _default_factory,
        signup_limiter=RateLimiter(*signup_limit),
        pages=PageCache(page_ttl),
        release_store=release_store,
    )
    @contextlib.asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        yield
        state.close()

    app = FastAPI(
        lifespan=lifespan,
        title="movedesk",
        version="1",
        description="Market moves explained from the news: moves, explanations, briefs, companies, articles.",
        openapi_url="/api/v1/openapi.json",
        docs_url=None,
        redoc_url=None,
    )
    app.state.web = state

    from movedesk.web.routes import api, apidocs, pages, subscribe

    app.include_router(api.router)
    app.include_router(apidocs.router)
    app.include_router(pages.router)
    app.include_router(subscribe.router)

    @app.exception_handler(MovedeskError)
    async def _movedesk_error(request: Request, exc: MovedeskError) -> Response:
        status = status_of(exc)
        headers = {"retry-after": "5"} if status == 503 else None  # e.g. the daily job holds the store
        if request.url.path.startswith("/api/"):
            return JSONResponse(error_body(exc.code, exc.message, exc.hint), status_code=status, headers=headers)
        html = page("message.html.j2", title="Sorry", message=exc.message, hint=exc.hint, error=True)
        return HTMLResponse(html, status_code=status, headers=headers)

    # a date outside an exchange calendar's range escapes the calendars layer as a foreign error;
    # it is the request's fault, so answer it as NotATradingSession rather than a 500
    @app.exception_handler(DateOutOfBounds)
    async def _out_of_calendar(request: Request, exc: Exception) -> Response:
        first = str(exc).split(" although")[0]
        return await _movedesk_error(request, NotATradingSession(f"{first}: outside the exchange calendar's range"))

    @app.exception_handler(RequestValidationError)
    async def _validation_error(request: Request, exc: RequestValidationError) -> Response:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in e.get('loc', ()))}: {e.get('msg', '')}" for e in exc.errors()[:5]
        )
        if request.url.path.startswith("/api/"):
            return JSONResponse(
                error_body(DataValidationError.code, f"invalid request: {problems}", "see /api/v1/openapi.json"),
                status_code=422,
            )
        html = page("message.html.j2", title="Bad request", message=f"invalid request: {problems}", error=True)
        return HTMLResponse(html, status_code=422)

    @app.exception_handler(StarletteHTTPException)
    async def _http_error(request: Request, exc: StarletteHTTPException) -> Response:
        message = str(exc.detail)
        if request.url.path.startswith("/api/"):
            return JSONResponse(
                error_body(f"HTTP{exc.status_code}", message), status_code=exc.status_code, headers=exc.headers
            )
        html = page("message.html.j2", title="Not here" if exc.status_code == 404 else "Error", message=message,
                    error=True)
        return HTMLResponse(html, status_code=exc.status_code, headers=exc.headers)

    app.add_middleware(BriefPageCache, cache=state.pages)
    app.add_middleware(HeadAsGet)
    app.add_middleware(SecureHeaders)  # outermost: every response, cached or not, gets the headers
    return app
