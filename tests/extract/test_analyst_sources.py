"""Analyst views come only from a firm in a source position: not from a firm named as a company, a deal
party, a rating agency acting on a country, or a surname that is also a firm's name. Sentences written
for the tests."""

from __future__ import annotations

import datetime as dt

import pytest

from movedesk.extract.pipeline import run
from movedesk.extract.reader import article_from_text

WHEN = dt.datetime(2024, 12, 23, 6, 0, tzinfo=dt.UTC)


def _views(text: str) -> set[tuple[str, str]]:
    doc = run(article_from_text("Markets\n" + text, published=WHEN), components=["analysts"])
    return {(v.firm, v.stance) for v in doc.analysts}


def _firms(text: str) -> set[str]:
    return {firm for firm, _ in _views(text)}


@pytest.mark.parametrize(
    "text",
    [
        "Credit Suisse shares fell 3% after the bank reported a loss, and analysts said the outlook was weak.",
        "Analysts said Goldman Sachs, which advised on the deal, was set to earn large fees.",
        "Goldman Sachs Group Inc ( GS.N ) sees a cautious year for its dealmaking, its finance chief told analysts.",
        "Morgan Stanley spokeswoman Jane Roe said the bank expects a positive impact on credit markets.",
        "Analysts said DBS' decision to cut fees was meant to keep pace with other lenders.",
        "Moody's cut Greece's sovereign rating further into junk, citing the country's debt burden.",
        "Fitch put Cyprus on rating watch negative, saying the banking shock could hurt public finances.",
        "Tighter regulation of rating agencies such as Moody's Corp and Fitch Ratings is proposed, analysts said.",
    ],
)
def test_firms_that_are_not_the_source_give_no_view(text: str) -> None:
    assert _views(text) == set()


def test_a_surname_that_is_a_firm_is_not_a_second_firm() -> None:
    assert _firms("JPMorgan analyst Ken Goldman said in a client note that margins could narrow.") == {"JPMorgan"}


def test_companies_listed_in_an_analysts_sentence_are_not_views() -> None:
    text = "Barclays analyst Jason Smith wrote that Bank of America, Citigroup and Wells Fargo could benefit."
    assert _firms(text) == {"Barclays"}


@pytest.mark.parametrize(
    ("text", "firm"),
    [
        ('"Demand is fading," said Jane Roe, chief economist at Nomura in Tokyo, citing uncertainty.', "Nomura"),
        ("The stock rose 5% after an upgrade by Deutsche Bank, which sees upside from new orders.", "Deutsche Bank"),
        ("Moody's downgraded the carmaker's debt to junk, citing weak sales.", "Moody's"),
        ("The carmaker was downgraded to junk on Monday by Standard & Poor's.", "S&P Global Ratings"),
        ('"Margins are at risk," said John Doe, co-head of research for Asia at Deutsche Bank.', "Deutsche Bank"),
        ("JANE ROE, SENIOR ECONOMIST, WELLS FARGO SECURITIES: \"Pricing trends are improving.\"", "Wells Fargo"),
        ("Goldman Sachs strategist John Doe said investors are too pessimistic about the outlook.", "Goldman Sachs"),
    ],
)
def test_firms_in_a_source_position_give_a_view(text: str, firm: str) -> None:
    assert firm in _firms(text)
