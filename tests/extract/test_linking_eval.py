"""The company-linking scorer: which gold entities count as companies, which SEntFiN rows are categories,
and that adjacent mentions of two companies stay two predicted spans."""

from __future__ import annotations

from pathlib import Path

import pytest

from movedesk.eval.extract import gold_is_company, predicted_spans, sentfin_is_category
from movedesk.models import Company
from movedesk.models.news import Mention
from movedesk.registry import Registry

REG = Registry(
    [
        Company(id="OIL", name="Oil India Ltd.", aliases=("Oil India", "OIL")),
        Company(id="CENTRALBK", name="Central Bank of India", aliases=("Central Bank", "CBI")),
        Company(id="RCOM", name="Reliance Communications", aliases=("RCOM",)),
        Company(id="MARUTI", name="Maruti Suzuki India Ltd.", aliases=("MARUTI", "Maruti Suzuki")),
        Company(id="WIPRO", name="Wipro Ltd."),
    ]
)


def test_gold_names_a_company_only_when_written_as_one() -> None:
    assert not gold_is_company(REG, "oil") and not gold_is_company(REG, "Oil")
    assert gold_is_company(REG, "OIL") and gold_is_company(REG, "Oil India")
    assert not gold_is_company(REG, "central bank") and gold_is_company(REG, "Central Bank")
    assert gold_is_company(REG, "RCom") and gold_is_company(REG, "Maruti")
    assert gold_is_company(REG, "Wipro") and gold_is_company(REG, "Wipro Ltd")
    assert not gold_is_company(REG, "Sensex")


def test_sentfin_category_rows() -> None:
    assert sentfin_is_category("STKSPACE", ["Stock exchanges", "stock market", "STKSPACE", "stocks", "stock"])
    assert sentfin_is_category("PSUBANKS", ["Public sector banks", "PSU bank stocks", "PSUBANKS"])
    assert sentfin_is_category("REGORG", ["Supreme Court", "SEBI", "SC"])
    assert not sentfin_is_category("ECLERC", ["eClerx Services Ltd.", "eClerx Services", "eClerx"])
    assert not sentfin_is_category("DHAMPURSUG", ["Dhampur Sugar Mills Ltd.", "Dhampur Sugar Mills"])
    assert not sentfin_is_category("L&TFH", ["L&T Finance Holdings", "L&T Mutual Fund"])


def test_adjacent_mentions_merge_only_within_one_company() -> None:
    two = [
        Mention(article_id="a", company_id="JPM", start=0, end=8, text="JPMorgan", method="alias"),
        Mention(article_id="a", company_id="HSBC", start=10, end=14, text="HSBC", method="alias"),
    ]
    assert predicted_spans(two) == [(0, 8), (10, 14)]
    one = [
        Mention(article_id="a", company_id="AAPL", start=0, end=9, text="Apple Inc", method="alias"),
        Mention(article_id="a", company_id="AAPL", start=12, end=18, text="AAPL.O", method="ticker"),
    ]
    assert predicted_spans(one) == [(0, 9)]


@pytest.mark.shared
def test_every_sentfin_category_row_is_dropped_from_the_eval_registry(shared_dir: Path) -> None:
    from movedesk.eval.extract import sentfin_registry

    full = sentfin_registry(shared_dir, companies_only=False)
    companies = sentfin_registry(shared_dir)
    dropped = {c.id for c in full} - {c.id for c in companies}
    assert {"STKSPACE", "CURRENCY", "REGORG", "INDSTOCKS"} <= dropped
    assert {"SBIN", "RCOM", "ECLERC", "BSE"} <= {c.id for c in companies}
    assert 60 <= len(dropped) <= 120
