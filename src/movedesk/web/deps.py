"""What routes depend on: the desk (behind one lock), the newsletter, the mailer, the caches, the limiter."""

from __future__ import annotations

import collections
import contextlib
import gc
import hashlib
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Annotated, Any

from fastapi import Depends, Request

from movedesk.config import Settings

if TYPE_CHECKING:
    from movedesk.desk import Desk
    from movedesk.publish.mailer import SmtpMailer
    from movedesk.publish.newsletter import Newsletter

DeskFactory = Callable[[Settings], "Desk"]


class RateLimiter:
    """Sliding window per key (client address): at most ``limit`` hits per ``window`` seconds."""

    def __init__(self, limit: int, window: float) -> None:
        self.limit = limit
        self.window = window
        self._hits: dict[str, collections.deque[float]] = {}
        self._lock = threading.Lock()

    def allow(self, key: str) -> bool:
        now = time.monotonic()
        with self._lock:
            hits = self._hits.setdefault(key, collections.deque())
            while hits and hits[0] <= now - self.window:
                hits.popleft()
            if len(hits) >= self.limit:
                return False
            hits.append(now)
            if len(self._hits) > 100_000:  # bounded memory under a flood of addresses
                self._hits = {k: v for k, v in self._hits.items() if v and v[-1] > now - self.window}
            return True


def etag_of(body: bytes) -> bytes:
    """A strong ETag of a rendered page (quoted, as sent)."""
    return b'"' + hashlib.sha256(body).hexdigest()[:32].encode() + b'"'


class PageCache:
    """Rendered pages by path, each kept ``ttl`` seconds (briefs only change when re-published)."""

    def __init__(self, ttl: float, max_items: int = 2000) -> None:
        self.ttl = ttl
        self.max_items = max_items
        self._items: dict[str, tuple[float, bytes, bytes]] = {}

    def get(self, key: str) -> tuple[bytes, bytes] | None:
        hit = self._items.get(key)
        if hit is None:
            return None
        expires, body, etag = hit
        if expires < time.monotonic():
            self._items.pop(key, None)
            return None
        return body, etag

    def put(self, key: str, body: bytes, etag: bytes) -> None:
        if len(self._items) >= self.max_items:
            self._items.pop(next(iter(self._items)), None)
        self._items[key] = (time.monotonic() + self.ttl, body, etag)

    def clear(self) -> None:
        self._items.clear()


class StoreSession:
    """The one lock around the store (DuckDB: one connection, one writer process).

    With ``release`` the store is closed each time the lock is released, so another process (the daily
    job, ``movedesk run``) can open the DuckDB file between requests; cached pages need no store at all.
    """

    def __init__(self, state: WebState, release: bool) -> None:
        self._lock = threading.Lock()
        self._state = state
        self.release = release

    def __enter__(self) -> None:
        self._lock.acquire()

    def __exit__(self, *exc: object) -> None:
        try:
            if self.release:
                self._state.close()
        finally:
            self._lock.release()


@dataclass
class WebState:
    """Everything the app holds for its lifetime; routes reach it through ``StateDep``."""

    settings: Settings
    factory: DeskFactory
    signup_limiter: RateLimiter
    pages: PageCache
    release_store: bool = True
    lock: StoreSession = field(init=False)
    explanations: dict[tuple[str, str, str], dict[str, Any]] = field(default_factory=dict)
    _desk: Desk | None = None
    _frozen: bool = False
    _newsletter: Newsletter | None = None
    _mailer: SmtpMailer | None = None

    def __post_init__(self) -> None:
        self.lock = StoreSession(self, self.release_store)

    @contextlib.contextmanager
    def using(self) -> Iterator[Desk]:
        """``with state.using() as desk:`` — the desk, under the store lock."""
        with self.lock:
            yield self.desk

    @property
    def desk(self) -> Desk:
        """The desk (opened on first use). Use it only while holding ``lock``: DuckDB is one connection."""
        if self._desk is None:
            self._desk = self.factory(self.settings)
            if not self._frozen:
                # The registry (thousands of companies) lives for the whole process: move it out of the
                # cyclic GC's reach, or every full collection walks it and stalls requests (p99).
                self._frozen = True
                gc.collect()
                gc.freeze()
        return self._desk

    @property
    def newsletter(self) -> Newsletter:
        if self._newsletter is None:
            self._newsletter = self.desk.newsletter()
        return self._newsletter

    @property
    def mailer(self) -> SmtpMailer:
        if self._mailer is None:
            from movedesk.publish.mailer import SmtpMailer

            self._mailer = SmtpMailer(self.settings, retries=2, backoff=0.2, timeout=10)
        return self._mailer

    def close(self) -> None:
        if self._desk is not None:
            self._desk.close()
            self._desk = None
            self._newsletter = None


def get_state(request: Request) -> WebState:
    state: WebState = request.app.state.web
    return state


StateDep = Annotated[WebState, Depends(get_state)]


def client_key(request: Request) -> str:
    return request.client.host if request.client else "unknown"
