"""Company-linking rules added for issue 6: person names, codes, contact lines, possessives without an
apostrophe, brand spellings, names that equal a ticker, lists of companies. Sentences written for the tests."""

from __future__ import annotations

import datetime as dt

from movedesk.extract.doc import Doc
from movedesk.extract.entities import find_mentions
from movedesk.models import Article, Company
from movedesk.registry import Registry, default_registry

WHEN = dt.datetime(2024, 12, 23, 6, 0, tzinfo=dt.UTC)

#: a small registry shaped like the SEntFiN entity list: short names that are also given names or acronyms
INDIAN = Registry(
    [
        Company(id="DEEPAKFERT", name="Deepak Fertilisers", aliases=("Deepak",)),
        Company(id="RANBAXY", name="Ranbaxy Laboratories", aliases=("Ranbaxy",)),
        Company(id="PRAKASH", name="Prakash Industries", aliases=("Prakash",)),
        Company(id="SBIN", name="State Bank of India", aliases=("SBI",)),
        Company(id="RCOM", name="Reliance Communications", aliases=("RCOM",)),
        Company(id="CENTRALBK", name="Central Bank of India", aliases=("CBI",)),
        Company(id="BANKINDIA", name="Bank of India"),
        Company(id="TECHM", name="Tech Mahindra"),
    ]
)


def _found(text: str, registry: Registry | None = None) -> list[tuple[str, str, str]]:
    title, _, body = text.partition("\n")
    art = Article(id="t", source="test", title=title, body=body, published=WHEN, first_seen=WHEN)
    doc = Doc.from_article(art, registry or default_registry())
    return [(m.text, m.company_id, m.method) for m in find_mentions(doc) if m.method != "coref"]


def _ids(text: str, registry: Registry | None = None) -> set[str]:
    return {cid for _, cid, _ in _found(text, registry)}


def test_a_given_name_in_an_attribution_is_a_person() -> None:
    assert _ids("\nBuy Ranbaxy for the short term: Deepak Mohoni", INDIAN) == {"RANBAXY"}
    assert _ids("\nRanbaxy looks cheap, says Prakash Diwan, Brokerage Ltd", INDIAN) == {"RANBAXY"}
    assert _ids("\nRanbaxy appoints Deepak Amitabh as chief executive", INDIAN) == {"RANBAXY"}
    # the company itself still links
    assert _ids("\nDeepak shares rose 4% after the fertiliser maker's results", INDIAN) == {"DEEPAKFERT"}


def test_a_capitalised_word_before_a_name_makes_it_part_of_a_longer_one() -> None:
    assert "F" not in _ids("\nThe day of mourning for former President Gerald Ford closed markets.")
    assert "WAT" not in _ids("\nThe firm was targeted by short-seller Muddy Waters last year.")
    assert _ids("\nThe rupee rose on suspected Reserve Bank of India intervention.", INDIAN) == set()
    assert "F" in _ids("\nShares of Ford rose 2% on Tuesday.")
    assert "GOOGL" in _ids("\nOn Tuesday Google raised its forecast.")  # a weekday is no given name


def test_a_unit_or_product_after_the_name_still_links_the_company() -> None:
    assert "VZ" in _ids("\nVerizon Wireless said on Tuesday that its new unlimited plan starts next month.")
    assert "BA" in _ids("\nThree Boeing Dreamliner jets were grounded on Monday.")


def test_possessive_without_an_apostrophe_links_the_name() -> None:
    found = _found("\nEPFO subscribes to SBIs entire bond issue; Tech Mahindras balance sheet improves", INDIAN)
    assert ("SBI", "SBIN", "alias") in found
    assert ("Tech Mahindra", "TECHM", "alias") in found


def test_brand_spelling_of_an_acronym_links() -> None:
    assert _ids("\nRCom rallies 20% in April", INDIAN) == {"RCOM"}
    assert _ids("\nThe rcom unit of the index fell", INDIAN) == set()


def test_ambiguous_acronym_needs_a_business_context() -> None:
    assert _ids("\nCBI registers an inquiry into the mine allocation", INDIAN) == set()
    assert _ids("\nCBI shares fell 3% after the bank's quarterly loss", INDIAN) == {"CENTRALBK"}


def test_reuters_codes_and_contact_lines_are_not_names() -> None:
    assert _ids("\nAdbri <ABC.AX> fell 19% after the building materials maker cut its outlook.") == set()
    assert "CBS" not in _ids("\nThe supplier sold parts to Chrysler LLC CBS.UL. Its revenue fell.")
    contact = "\n(Reporting by Jane Doe; Editing by John Roe) ((jane.doe@thomsonreuters.com; Twitter: @janedoe))"
    assert _ids(contact) == set()


def test_names_that_equal_their_ticker_link() -> None:
    assert "IBM" in _ids("\nIBM offered to buy the server maker for $10 a share.")
    assert "KKR" in _ids("\nPrivate equity firm KKR agreed to buy the retailer.")
    assert "MSCI" not in _ids("\nThe MSCI World index rose 1% on Friday.")


def test_common_word_names_listed_with_companies_link() -> None:
    assert "AAPL" in _ids("\nHe bought Apple and Microsoft options in May.")
    assert "META" in _ids("\nShares of Alphabet, Meta and Pinterest slid during the quarter.")
    assert "AAPL" not in _ids("\nShe bought apples and pears in May.")


def test_the_name_before_a_code_is_the_last_item_of_a_list() -> None:
    found = _found("\nThe fund holds Zoom, Tesla Inc <TSLA.O> and Roku Inc <ROKU.O>.")
    assert ("Tesla Inc", "TSLA", "ticker_name") in found
    found = _found("\nIts top weights: right now, Apple is almost 7% and Microsoft <MSFT.O> is almost 6%.")
    assert ("Microsoft", "MSFT", "ticker_name") in found
