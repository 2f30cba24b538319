"""Test stores for the web and newsletter tests: the demo bars, articles written for these tests (one of
them hostile: <script>, javascript: links, event handlers), and a brief + edition built from them.

The Explanation is assembled here from real moves computed by the desk over the demo bars, so these
tests do not depend on the extraction models; the hostile strings sit in every place a brief shows
article-derived text (title, URL, evidence sentence, analyst firm and rationale, claim text).
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from movedesk.config import Settings
from movedesk.demo import demo_data
from movedesk.desk import Desk
from movedesk.jobs.daily import store_edition
from movedesk.models import AnalystView, Article, Citation, Claim, Driver, Explanation, Span, Verification
from movedesk.publish.brief import render_brief
from movedesk.publish.edition import Edition

SESSION = dt.date(2024, 12, 23)
SLUG = f"SMIC-{SESSION:%Y-%m-%d}"
XSS_TITLE = 'SMIC rallies <script>alert("xss-title")</script> on AI chip demand'
XSS_URL = "javascript:alert('xss-url')"
XSS_EVIDENCE = 'SMIC jumped as AI chip demand surged <img src=x onerror=alert("xss-img")> <script>alert(1)</script>'
XSS_FIRM = '<b onmouseover=alert("xss-firm")>Evil Research</b>'
XSS_LINK = "<a href=\"javascript:alert('xss-link')\">click me</a>"
MARKERS = ("xss-title", "xss-url", "xss-img", "xss-firm", "xss-link")


def _article(aid: str, title: str, body: str, when: dt.datetime, url: str | None) -> Article:
    return Article(
        id=aid,
        source="movedesk test wire",
        url=url,
        title=title,
        body=body,
        language="en",
        published=when,
        first_seen=when,
    )


def articles() -> list[Article]:
    t0 = dt.datetime(2024, 12, 23, 3, 0, tzinfo=dt.UTC)
    return [
        _article(
            "test-xss",
            XSS_TITLE,
            f"{XSS_EVIDENCE}. Analysts at {XSS_FIRM} see more upside. {XSS_LINK}",
            t0,
            XSS_URL,
        ),
        _article(
            "test-plain",
            "SMIC extends gains as investors bet on chip self-sufficiency",
            "Shares of SMIC rose again on Monday as investors bet on Beijing's support for local chipmakers.",
            t0 + dt.timedelta(hours=1),
            "https://example.invalid/smic-gains",
        ),
    ]


def explanation(desk: Desk) -> Explanation:
    company = desk.registry.lookup("SMIC")
    moves = desk.moves_of(company, SESSION)
    bench = [desk.move(s, SESSION) for s in ("^STAR50", "^HSI")]
    xss, plain = articles()
    evidence = Span(
        article_id=xss.id, start=len(xss.title) + 1, end=len(xss.title) + 1 + len(XSS_EVIDENCE), text=XSS_EVIDENCE
    )
    claim = Claim(
        article_id=xss.id,
        start=0,
        end=10,
        text=f"rose 2.8% {XSS_LINK}",
        company_id="SMIC",
        listing="0981.HK",
        direction="up",
        value=2.8,
        qualifier="close",
        session=SESSION,
    )
    return Explanation(
        company=company,
        session=SESSION,
        cutoff=dt.datetime(2024, 12, 23, 8, 10, tzinfo=dt.UTC),
        moves=tuple(moves),
        benchmark_moves=tuple(bench),
        verdict="stock-specific",
        confidence=0.7,
        confidence_inputs={"max_abs_z": 1.0},
        drivers=(
            Driver(
                theme="ai",
                label="China AI boom",
                score=0.8,
                score_parts={"evidence": 0.8},
                evidence=(evidence,),
                sources=(xss.id,),
            ),
        ),
        analysts=(
            AnalystView(
                article_id=xss.id,
                firm=XSS_FIRM,
                stance="positive",
                company_id="SMIC",
                rationale=Span(article_id=xss.id, start=0, end=5, text=f"more upside {XSS_LINK}"),
            ),
        ),
        verifications=(
            Verification(
                claim=claim, listing="0981.HK", session=SESSION, computed=2.83, verdict="true", note="close-to-close"
            ),
        ),
        articles=tuple(
            Citation(article_id=a.id, source=a.source, url=a.url, title=a.title, published=a.published)
            for a in (xss, plain)
        ),
    )


def build_store(db: str | Path, settings: Settings) -> str:
    """Fill ``db`` with bars, articles, one brief and one edition; returns the brief slug."""
    with Desk.open(db, settings) as desk:
        desk.ingest_prices([demo_data() / "bars.csv"])
        desk.store.upsert_articles(articles())
        desk.store.link_companies([(a.id, "SMIC") for a in articles()])
        brief = render_brief(explanation(desk))
        edition = Edition(
            session=SESSION, briefs=[brief], market=[{"benchmark": "^HSI", "verdict": "no market-wide move"}]
        )
        store_edition(desk, edition)
    return brief.slug


def add_subscribers(db: str | Path, settings: Settings, n: int, *, prefix: str = "reader") -> list[str]:
    """``n`` active daily subscribers; returns their addresses."""
    emails = [f"{prefix}{i:05d}@example.com" for i in range(n)]
    with Desk.open(db, settings) as desk:
        desk.store.add_subscribers([(f"{prefix}-{i:05d}", e, "active", "daily") for i, e in enumerate(emails)])
    return emails
