"""Relays: which outlets a news item relays, with canonical names from data/outlets.csv."""

from __future__ import annotations

from pathlib import Path

import pytest

from movedesk.gather.provenance import canonical_outlet, extract_relays, outlet_names

WSJ = "The Wall Street Journal"


@pytest.mark.parametrize(
    "text",
    [
        "Chip stocks surged on Monday, as reported by the Wall Street Journal.",
        "Chip stocks surged on Monday, as first reported by The Wall Street Journal.",
        "Chip stocks surged on Monday, according to the Wall Street Journal.",
        "Chip stocks surged on Monday, according to a report in the Wall Street Journal.",
        "Chip stocks surged on Monday, the WSJ reported.",
        "The Wall Street Journal reported on Monday that chip stocks surged.",
        "The chief executive told the Wall Street Journal that orders were strong.",
        "Chip stocks surged, citing the Wall Street Journal.",
        "Chip stocks surged, citing a report by the WSJ.",
        "In an interview with the Wall Street Journal, the chief executive said orders were strong.",
        "The Wall Street Journal's report said orders were strong.",
        "Orders were strong, per the WSJ.",
        "据华尔街日报报道，中芯国际股价周一上涨。",
        "《华尔街日报》报道称，中芯国际股价周一上涨。",
    ],
)
def test_wsj_variants(text: str) -> None:
    assert extract_relays(text) == [WSJ]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("The company's CFO told Bloomberg that demand was strong.", ["Bloomberg"]),
        ("Bloomberg News, citing people familiar with the matter, said the deal was close.", ["Bloomberg"]),
        ("The deal is close, according to Reuters.", ["Reuters"]),
        ("The deal is close, the Financial Times reported, citing Reuters.", ["Financial Times", "Reuters"]),
        ("The deal is close, the FT said.", ["Financial Times"]),
        ("According to The Information, the startup is raising money.", ["The Information"]),
        ("据路透社报道，交易即将完成。", ["Reuters"]),
        ("接受《金融时报》采访时，他表示需求强劲。", ["Financial Times"]),
    ],
)
def test_other_outlets(text: str, expected: list[str]) -> None:
    assert extract_relays(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "Shares rose 3%, according to Bloomberg data.",
        "The consensus estimate compiled by Reuters was beaten.",
        "According to the information provided by the company, sales rose.",
        "The Journal reported strong sales.",  # ambiguous short name: not claimed
        "Wall Street rose on Monday as the journal of record went quiet.",
        "The firm said it would buy a stake in the newspaper.",
    ],
)
def test_mentions_that_are_not_relays(text: str) -> None:
    assert extract_relays(text) == []


def test_own_outlet_is_excluded_and_order_is_first_mention() -> None:
    text = "'Demand is strong,' the CEO told Reuters. The Wall Street Journal reported the deal first."
    assert extract_relays(text, exclude=("Reuters",)) == [WSJ]
    assert extract_relays(text) == ["Reuters", WSJ]
    assert extract_relays(text + " The WSJ reported it again.") == ["Reuters", WSJ]


def test_outlet_table() -> None:
    assert canonical_outlet("wsj") == WSJ
    assert canonical_outlet("the wall street journal") == WSJ
    assert canonical_outlet("FT") == "Financial Times"
    assert canonical_outlet("Nobody Gazette") is None
    assert {WSJ, "Bloomberg", "Reuters", "Financial Times", "Caixin"} <= set(outlet_names())


@pytest.mark.shared
def test_smic_case_article_relays_the_wsj(shared_dir: Path) -> None:
    case = shared_dir / "cases" / "smic-2024-12-23"
    assert extract_relays((case / "article.txt").read_text(encoding="utf-8")) == [WSJ]
    assert extract_relays((case / "article.md").read_text(encoding="utf-8"), exclude=("ARPU",)) == [WSJ]
