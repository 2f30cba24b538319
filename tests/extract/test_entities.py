"""Company linking: aliases, tickers, possessives, Chinese names, common-word names, coreference."""

from __future__ import annotations

import datetime as dt
import time

from movedesk.extract.entities import link_companies, matcher_for
from movedesk.extract.pipeline import run
from movedesk.extract.reader import article_from_text
from movedesk.models import Company, Listing
from movedesk.registry import Registry, default_registry

MON = dt.datetime(2024, 12, 23, 6, 0, tzinfo=dt.UTC)


def _mentions(text: str) -> list[tuple[str, str, str]]:
    doc = run(article_from_text(text, published=MON), components=["companies"])
    return [(m.text, m.company_id, m.method) for m in doc.mentions]


def _ids(text: str) -> set[str]:
    return link_companies(article_from_text(text, published=MON), default_registry())


def test_tickers_in_their_news_spellings() -> None:
    assert "SMIC" in _ids("Chipmaker results\nThe foundry (688981.SH) and its H shares (0981.HK) rose.")
    assert "AAPL" in _ids("Phone maker results\nThe company (NASDAQ: AAPL) reported on Tuesday.")
    assert "GOOGL" in _ids("Search results\nShares of the search giant ( GOOG.O ) rose.")
    assert "JNJ" in _ids("Drugmaker\nThe drugmaker <JNJ.N> gained 0.2%.")


def test_name_before_a_ticker_is_one_company_mention() -> None:
    found = _mentions("Drugmakers\nJohnson & Johnson <JNJ.N> shares gained 0.20% after results.")
    assert ("Johnson & Johnson", "JNJ", "ticker_name") in found


def test_possessive_and_chinese_names() -> None:
    found = _mentions("SMIC's Shanghai-listed shares rose\n中芯国际港股周一涨2.8%。")
    assert ("SMIC", "SMIC", "alias") in found
    assert ("中芯国际", "SMIC", "alias") in found


def test_common_word_names_need_a_business_context() -> None:
    assert "AAPL" in _ids("Tech stocks\nApple shares rose 2% after the iPhone maker reported record sales.")
    assert "AAPL" not in _ids("Orchard report\nShe ate an apple and a pear in the orchard.")
    assert "AAPL" not in _ids("Orchard report\nApple and pear trees blossomed early this spring.")
    assert "TGT" in _ids("Retail\nTarget Corp said quarterly sales fell as shoppers cut spending.")
    assert "TGT" not in _ids("Analysts\nThe broker raised its price target on the stock.")


def test_lowercase_words_never_link_to_capitalised_names() -> None:
    assert _ids("Markets\nThe news reports said little about the outlook.") == set()


def test_light_coreference_to_the_last_company() -> None:
    doc = run(
        article_from_text("SMIC rallies\nSMIC rose 5%. Its Hong Kong-listed shares gained 3.7%.", published=MON),
        components=["companies"],
    )
    coref = [m for m in doc.mentions if m.method == "coref"]
    assert coref and coref[0].company_id == "SMIC" and coref[0].listing == "0981.HK"


def test_matcher_is_cached_and_builds_fast_for_thousands_of_companies() -> None:
    reg = default_registry()
    assert matcher_for(reg) is matcher_for(reg)
    big = Registry(
        [
            Company(
                id=f"C{i}",
                name=f"Company Number {i} Holdings",
                aliases=(f"Cono{i}",),
                listings=(Listing(symbol=f"{i:06d}.SS", mic="XSHG", currency="CNY", label="Shanghai"),),
            )
            for i in range(5000)
        ]
    )
    t0 = time.perf_counter()
    m = matcher_for(big)
    elapsed = time.perf_counter() - t0
    assert m.size == 5000 and elapsed >= 0  # built once; no wall-clock assertion
    text = "Company Number 4321 Holdings and Cono17 rose."
    doc_ids = {e.company_id for _, _, entries in m.hits(text) for e in entries}
    assert doc_ids == {"C4321", "C17"}
