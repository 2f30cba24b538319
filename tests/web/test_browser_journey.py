"""Debian Chromium driven by Playwright through the reader's journey, against the app under uvicorn:
front page → brief (with a hostile article that must stay inert) → sign-up → confirmation link from the
SMTP server → edition mail → one-click unsubscribe; and a forged unsubscribe link refused.

Screenshots go to tests/artifacts/ (git-ignored); the demo brief's also to docs/screenshot-brief.png.
"""

from __future__ import annotations

import os
import re
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from movedesk.jobs.daily import send_edition
from movedesk.publish.mailer import SmtpMailer

from .builders import MARKERS
from .conftest import CHROMIUM_FLAGS, ROOT, Inbox, LiveServer

pytestmark = pytest.mark.slow


@pytest.fixture
def browser_page(chromium_path: str, tmp_path: Path) -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        context = pw.chromium.launch_persistent_context(
            str(tmp_path / "chromium-profile"),  # a fresh, empty user-data dir
            executable_path=chromium_path,
            headless=True,
            args=CHROMIUM_FLAGS,
            viewport={"width": 1100, "height": 900},
            java_script_enabled=True,  # scripts allowed: the page itself must keep hostile text inert
        )
        try:
            yield context.new_page()
        finally:
            context.close()


def _reader(server: LiveServer) -> tuple[str, str]:
    with server.state.using() as desk:
        sub = desk.store.subscriber(email="reader@example.com")
    return sub["status"], sub["frequency"]


def _link(text: str, path: str) -> str:
    found = re.search(rf"https?://[^\s\"<>]+{re.escape(path)}\?token=[^\s\"<>]+", text)
    assert found, f"no {path} link in the mail"
    return found.group(0)


def test_reader_journey(live_server: LiveServer, smtp: Inbox, browser_page: Any, artifacts: Path) -> None:
    page = browser_page
    dialogs: list[str] = []
    console_errors: list[str] = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    page.on("console", lambda m: console_errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: console_errors.append(str(e)))

    # front page: the edition's top mover with its one-line reason
    page.goto(live_server.url + "/")
    assert "The day's movers" in page.inner_text("h1")
    assert "China AI boom" in page.inner_text("ol.movers")
    page.screenshot(path=str(artifacts / "01-front.png"), full_page=True)

    # the brief: chart, drivers, analysts, checks, sources; the hostile article is shown as text
    with page.expect_navigation():
        page.click("a.brief-link")
    page.wait_for_url(f"**/briefs/{live_server.slug}")
    assert page.locator("figure.chart svg").count() == 1
    for heading in ("Why it moved", "Analysts", "Checking the numbers", "Sources"):
        assert page.get_by_role("heading", name=heading).count() == 1
    sources = page.inner_text("ol.sources")
    assert '<script>alert("xss-title")</script>' in sources  # visible as text, not run
    assert page.evaluate("document.querySelectorAll('script').length") == 0
    assert page.evaluate("document.querySelectorAll('[onerror],[onmouseover],img[src=\"x\"]').length") == 0
    assert page.evaluate("[...document.links].filter(a => a.href.startsWith('javascript:')).length") == 0
    page.screenshot(path=str(artifacts / "02-brief.png"), full_page=True)

    # sign-up (no JavaScript needed: a plain form post with a CSRF token)
    with page.expect_navigation():
        page.click("#brief-subscribe")
    page.wait_for_url("**/subscribe")
    page.fill("#email", "Reader@Example.com")
    page.fill("#watch", "中芯国际, 0700.HK")
    page.select_option("#frequency", "both")
    page.screenshot(path=str(artifacts / "03-signup.png"), full_page=True)
    with page.expect_navigation():
        page.click("#signup-submit")
    assert "Check your inbox" in page.inner_text("h1")

    # the confirmation mail reaches the SMTP server; its link activates the subscription
    mail = smtp.wait_for(1)[0]
    assert mail["To"] == "reader@example.com"
    text = mail.get_body(preferencelist=("plain",)).get_content()  # type: ignore[union-attr]
    page.goto(_link(text, "/confirm"))
    assert "Confirm your subscription" in page.inner_text("h1")  # opening the link confirms nothing
    assert _reader(live_server)[0] == "pending"
    with page.expect_navigation():
        page.click("#confirm-subscription")
    assert "You are subscribed" in page.inner_text("h1")
    assert "SMIC" in page.inner_text("#message") and "0700.HK" in page.inner_text("#message")
    page.screenshot(path=str(artifacts / "04-confirmed.png"), full_page=True)
    assert _reader(live_server) == ("active", "both")

    # the edition mail: HTML + text + inline PNG chart, List-Unsubscribe headers
    smtp.clear()
    with live_server.state.using() as desk:
        report = send_edition(desk, SmtpMailer(live_server.settings))
    assert report.sent == 1
    edition_mail = smtp.wait_for(1)[0]
    assert edition_mail["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    types = [p.get_content_type() for p in edition_mail.walk()]
    assert {"text/plain", "text/html", "image/png"} <= set(types)
    assert "/manage?token=" in edition_mail.get_body(preferencelist=("plain",)).get_content()  # type: ignore[union-attr]
    unsubscribe = str(edition_mail["List-Unsubscribe"]).strip().strip("<>")
    html = edition_mail.get_body(preferencelist=("html",)).get_content()  # type: ignore[union-attr]
    assert "<script" not in html

    # a forged (tampered) unsubscribe link is refused and changes nothing
    forged = unsubscribe[:-3] + ("AAA" if not unsubscribe.endswith("AAA") else "BBB")
    response = page.goto(forged)
    assert response is not None and response.status == 422
    assert "not valid" in page.inner_text("#message")
    page.screenshot(path=str(artifacts / "05-forged-unsubscribe.png"), full_page=True)
    assert _reader(live_server)[0] == "active"

    # the real link: a page with a button (GET never unsubscribes), then done
    page.goto(unsubscribe)
    assert _reader(live_server)[0] == "active"
    with page.expect_navigation():
        page.click("#unsubscribe-confirm")
    assert "Unsubscribed" in page.inner_text("h1")
    page.screenshot(path=str(artifacts / "06-unsubscribed.png"), full_page=True)
    assert _reader(live_server)[0] == "unsubscribed"

    assert dialogs == [], f"a script ran: {dialogs}"
    assert not [e for e in console_errors if any(m in e for m in MARKERS)], console_errors
    # the only console error allowed: the refused forged link (422), provoked on purpose
    assert all("status of 422" in e for e in console_errors), console_errors


def test_one_click_unsubscribe_post(live_server: LiveServer) -> None:
    """RFC 8058: the mail client POSTs List-Unsubscribe=One-Click to the URL from the header."""
    state = live_server.state
    with state.lock:
        sid = state.desk.store.upsert_subscriber(subscriber_id="one-click", email="one@example.com", frequency="daily")
        state.desk.store.set_subscriber(sid, status="active")
        url = state.newsletter.unsubscribe_url(sid)
    r = httpx.post(
        url, content=b"List-Unsubscribe=One-Click", headers={"content-type": "application/x-www-form-urlencoded"}
    )
    assert r.status_code == 200
    with state.using() as desk:
        assert desk.store.subscriber(sid)["status"] == "unsubscribed"


@pytest.fixture
def no_js_page(chromium_path: str, tmp_path: Path) -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        context = pw.chromium.launch_persistent_context(
            str(tmp_path / "chromium-profile-nojs"),
            executable_path=chromium_path,
            headless=True,
            args=CHROMIUM_FLAGS,
            viewport={"width": 1100, "height": 900},
            java_script_enabled=False,
        )
        try:
            yield context.new_page()
        finally:
            context.close()


def test_demo_brief_without_javascript(
    settings_for: Any, smtp: Inbox, no_js_page: Any, artifacts: Path, tmp_path: Path
) -> None:
    """The shipped demo (real extraction and explanation), browsed with JavaScript off: the front page,
    the brief with its chart, search in Chinese, and the sign-up form all work. Its brief is the README
    screenshot: docs/screenshot-brief.png is rewritten when missing or with MOVEDESK_UPDATE_SCREENSHOT=1."""
    from movedesk.demo import run_demo

    from .conftest import serve

    def fill(settings: Any) -> str:
        run_demo(tmp_path / "demo-out", db=settings.db)
        return "SMIC-2024-12-23"

    page = no_js_page
    with serve(settings_for, fill) as server:
        page.goto(server.url + "/")
        assert "Monday 23 December 2024" in page.inner_text("h1")  # the demo publishes its edition
        with page.expect_navigation():
            page.click("a.brief-link")
        page.wait_for_url(f"**/briefs/{server.slug}")
        assert page.locator("figure.chart svg").count() == 1
        assert page.locator("ol.drivers > li").count() >= 1
        assert page.locator("table.checks tbody tr").count() >= 1
        page.screenshot(path=str(artifacts / "screenshot-brief.png"),
                        clip={"x": 0, "y": 0, "width": 1100, "height": 1500}, full_page=True)
        readme_image = ROOT / "docs" / "screenshot-brief.png"
        if os.environ.get("MOVEDESK_UPDATE_SCREENSHOT") == "1" or not readme_image.exists():
            readme_image.parent.mkdir(exist_ok=True)
            shutil.copyfile(artifacts / "screenshot-brief.png", readme_image)

        page.fill("input[name=q]", "中芯国际")
        with page.expect_navigation():
            page.click("header.site button")
        assert "Semiconductor Manufacturing International" in page.inner_text("ul.hits")
        with page.expect_navigation():
            page.click("ul.hits a")
        assert "Recent moves" in page.inner_text("main")

        with page.expect_navigation():

            page.click("#nav-subscribe")
        page.fill("#email", "nojs@example.com")
        with page.expect_navigation():
            page.click("#signup-submit")
        assert "Check your inbox" in page.inner_text("h1")
        assert smtp.wait_for(1)[0]["To"] == "nojs@example.com"
