"""Real components for the web tests: an aiosmtpd SMTP server and the app under uvicorn, both on free
loopback ports in this process, and Debian's Chromium (skipped with a reason when absent, FAILS in CI)."""

from __future__ import annotations

import contextlib
import email
import email.policy
import os
import shutil
import socket
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest

from movedesk.config import Settings


def _need(module: str, why: str) -> None:
    """Skip when an optional dependency is missing, but fail under CI=true (where .[dev] installs it)."""
    import importlib.util

    if importlib.util.find_spec(module) is None:
        if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
            raise RuntimeError(f"CI=true but {module} is not installed: {why}")
        pytest.skip(f"needs {module}: {why}", allow_module_level=True)


_need("fastapi", "the web tests need the [web] extra (pip install -e '.[dev]')")
_need("aiosmtpd", "the web tests need aiosmtpd (pip install -e '.[dev]')")
_need("itsdangerous", "the web tests need the [web] extra (pip install -e '.[dev]')")

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "tests" / "artifacts"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def in_ci() -> bool:
    return os.environ.get("CI", "").lower() in ("1", "true", "yes")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Inbox:
    """What the test SMTP server accepted: (recipients, raw bytes), in order of acceptance."""

    messages: list[tuple[list[str], bytes]] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)
    #: called before accepting each message with its number (1-based) and the client's (host, port);
    #: may return an SMTP reply to refuse it
    before_accept: Callable[[int, tuple[str, int]], str | None] | None = None
    _seen: int = 0
    port: int = 0

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        with self.lock:
            self._seen += 1
            n = self._seen
        if self.before_accept is not None:
            reply = self.before_accept(n, tuple(session.peer))
            if reply:
                return reply
        with self.lock:
            self.messages.append((list(envelope.rcpt_tos), bytes(envelope.original_content or envelope.content)))
        return "250 Message accepted for delivery"

    def parsed(self) -> list[EmailMessage]:
        with self.lock:
            raw = [m for _, m in self.messages]
        return [email.message_from_bytes(m, policy=email.policy.default) for m in raw]  # type: ignore[misc]

    def wait_for(self, count: int, timeout: float = 10.0) -> list[EmailMessage]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if len(self.messages) >= count:
                return self.parsed()
            time.sleep(0.02)
        raise AssertionError(f"expected {count} mails, the SMTP server got {len(self.messages)}")

    def clear(self) -> None:
        with self.lock:
            self.messages.clear()


@pytest.fixture
def smtp() -> Iterator[Inbox]:
    from aiosmtpd.controller import Controller

    inbox = Inbox()
    inbox.port = free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=inbox.port)
    controller.start()
    try:
        yield inbox
    finally:
        controller.stop()


@pytest.fixture(params=["duckdb", "postgresql"])
def web_db(request: pytest.FixtureRequest, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    """The web tests' store, once a DuckDB file and once a PostgreSQL schema (whose send journal goes to the
    state folder, here inside the test's temp dir)."""
    if request.param == "duckdb":
        return str(tmp_path / "web.duckdb")
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))
    return str(request.getfixturevalue("pg_url"))


@pytest.fixture
def settings_for(web_db: str, smtp: Inbox) -> Callable[[int], Settings]:
    def make(web_port: int = 8000) -> Settings:
        return Settings(
            db=web_db,
            secret_key="test-secret-key-not-for-production",
            smtp_host="127.0.0.1",
            smtp_port=smtp.port,
            mail_from="movedesk <briefs@movedesk.test>",
            base_url=f"http://127.0.0.1:{web_port}",
        )

    return make


@dataclass
class LiveServer:
    url: str
    settings: Settings
    app: Any
    slug: str

    @property
    def state(self) -> Any:
        return self.app.state.web


@contextlib.contextmanager
def serve(settings_for: Callable[[int], Settings], fill: Callable[[Settings], str]) -> Iterator[LiveServer]:
    """The app under uvicorn on a free loopback port, over a store that ``fill(settings)`` builds."""
    import uvicorn

    from movedesk.web.app import create_app

    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = int(sock.getsockname()[1])
    settings = settings_for(port)
    slug = fill(settings)
    app = create_app(settings)
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", lifespan="on"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 15
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("uvicorn did not start")
        time.sleep(0.02)
    try:
        yield LiveServer(f"http://127.0.0.1:{port}", settings, app, slug)
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        sock.close()


@pytest.fixture
def live_server(settings_for: Callable[[int], Settings]) -> Iterator[LiveServer]:
    """The app under uvicorn over the test store (one brief with a hostile article, one edition)."""
    from .builders import build_store

    with serve(settings_for, lambda s: build_store(s.db, s)) as server:
        yield server


@pytest.fixture(scope="session")
def chromium_path() -> str:
    if not Path(CHROMIUM).exists() and not shutil.which("chromium"):
        if in_ci():
            pytest.fail(f"CI=true but {CHROMIUM} is missing: .ci/run must install Debian's chromium")
        pytest.skip(f"needs Debian's Chromium at {CHROMIUM} (apt-get install -y chromium)")
    try:
        import playwright  # noqa: F401
    except ImportError:
        if in_ci():
            pytest.fail("CI=true but playwright is not installed (pip install -e '.[dev]')")
        pytest.skip("needs playwright for Python (pip install -e '.[dev]')")
    return CHROMIUM if Path(CHROMIUM).exists() else str(shutil.which("chromium"))


@pytest.fixture
def artifacts() -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    return ARTIFACTS
