"""The reference case: what extraction must find in the SMIC article (English) and the Chinese item."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import pytest

from movedesk.extract.entities import link_companies
from movedesk.extract.pipeline import extract_article
from movedesk.models import Article
from movedesk.models.news import Claim, Extraction
from movedesk.registry import default_registry

FRI = dt.date(2024, 12, 20)
MON = dt.date(2024, 12, 23)


def _price(ex: Extraction, listing: str, value: float) -> Claim:
    found = [c for c in ex.claims if c.claim_type == "price" and c.listing == listing and c.value == value]
    assert found, f"no price claim {listing} {value}: {[(c.listing, c.value) for c in ex.claims]}"
    return found[0]


def _check_case_facts(article: Article, *, close_value: float = 2.7) -> Extraction:
    ex = extract_article(article)
    text = article.text
    # every located item points into Article.text
    for item in (*ex.mentions, *ex.claims):
        assert text[item.start : item.end] == item.text
    # SMIC linked, to both listings
    assert "SMIC" in link_companies(article, default_registry())
    listings = {m.listing for m in ex.mentions if m.company_id == "SMIC"} | {
        c.listing for c in ex.claims if c.company_id == "SMIC"
    }
    assert {"688981.SS", "0981.HK"} <= listings
    peak = _price(ex, "688981.SS", 5.2)
    assert (peak.direction, peak.qualifier, peak.session) == ("up", "intraday_high", MON)
    close = _price(ex, "688981.SS", close_value)
    assert (close.direction, close.qualifier, close.session) == ("up", "close", MON)
    friday = _price(ex, "688981.SS", 10.0)
    assert (friday.direction, friday.session) == ("up", FRI)
    hk = _price(ex, "0981.HK", 3.7)
    assert (hk.direction, hk.session) == ("up", MON)
    cum = _price(ex, "0981.HK", 16.0)
    assert (cum.qualifier, cum.sessions, cum.session, cum.direction) == ("cumulative", 4, MON, "up")
    assert cum.bound == "at_least"  # "over 16%" / "逾16%"
    # the 33-fold metric, its subject and base period
    metrics = [c for c in ex.claims if c.claim_type == "metric"]
    token = next(c for c in metrics if c.value == 33.0)
    assert token.unit == "x" and token.direction == "up"
    assert "token" in token.subject.lower()
    assert "doubao" in token.subject.lower() or "豆包" in token.subject
    assert "5月" in token.base_period or "since May" in token.base_period
    # analysts: DBS positive; Daiwa / Rick Hsu cautious, with a rationale span
    views = {v.firm: v for v in ex.analysts}
    assert views["DBS"].stance == "positive"
    daiwa = views["Daiwa"]
    assert daiwa.stance == "cautious"
    assert daiwa.rationale.text == text[daiwa.rationale.start : daiwa.rationale.end]
    assert daiwa.company_id == "SMIC"
    # drivers and provenance
    themes = {t.theme for t in ex.themes}
    assert {"ai_demand", "chip_localization", "export_controls"} <= themes
    assert any("Wall Street Journal" in r for r in ex.relays)
    return ex


@pytest.mark.shared
def test_smic_article_facts(smic_article: Article) -> None:
    ex = _check_case_facts(smic_article)
    daiwa = next(v for v in ex.analysts if v.firm == "Daiwa")
    assert daiwa.analyst == "Rick Hsu"
    assert "mature" in daiwa.rationale.text  # the "This is because…" sentence is part of the rationale
    # the token metric's subject is the quantity, not the speaker
    token = next(c for c in ex.claims if c.claim_type == "metric" and c.value == 33.0)
    assert "daily token use of the Doubao model" in token.subject
    assert token.base_period == "since May"
    assert "Tan Dai" not in token.subject
    assert _price(ex, "688981.SS", 10.0).text == "Friday's 10% gains"


def test_chinese_item_same_facts(zh_article: Article) -> None:
    ex = _check_case_facts(zh_article)
    assert ex.mentions[0].text == "中芯国际"
    assert _price(ex, "688981.SS", 5.2).text == "盘中一度涨5.2%"
    assert _price(ex, "688981.SS", 10.0).text == "上周五10%的涨幅"
    daiwa = next(v for v in ex.analysts if v.firm == "Daiwa")
    assert daiwa.analyst == "徐礼杰"


def test_demo_items(demo_article: Callable[[str], Article]) -> None:
    ex = extract_article(demo_article("01"))
    hk = _price(ex, "0981.HK", 8.2)
    assert hk.session == FRI
    hua = _price(ex, "1347.HK", 4.6)
    assert hua.company_id == "HUAHONG"
    ex2 = extract_article(demo_article("02"))
    assert _price(ex2, "688981.SS", 5.2).qualifier == "intraday_high"
    cum = _price(ex2, "0981.HK", 15.0)
    assert (cum.qualifier, cum.sessions) == ("cumulative", 4)
    ex3 = extract_article(demo_article("03"))
    assert {(v.firm, v.stance) for v in ex3.analysts} == {("DBS", "positive"), ("Daiwa", "cautious")}
    ex7 = extract_article(demo_article("07"))
    assert _price(ex7, "688981.SS", 5.2).qualifier == "intraday_high"
    assert _price(ex7, "0981.HK", 2.8).session == MON
    # distractors: Moutai is not in the registry, the Hang Seng is an index
    assert link_companies(demo_article("04"), default_registry()) == set()
    assert link_companies(demo_article("05"), default_registry()) == {"HSI"}
