"""Fixtures for the extract tests: articles from the demo folder, the shared SMIC case, and a Chinese item."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from importlib import resources
from pathlib import Path

import pytest

from movedesk.extract.reader import article_from_text
from movedesk.models import Article

DEMO = Path(str(resources.files("movedesk") / "data" / "demo" / "news"))

# Written for these tests by the movedesk developers (not a copy of any published article): the facts of
# the SMIC case, in Chinese.
ZH_SMIC = """---
title: 中芯国际A股盘中一度涨5.2%，港股四个交易日累计涨逾16%
published: 2024-12-23
source: movedesk 测试稿
language: zh
---
中芯国际A股周一盘中一度涨5.2%，随后收涨约2.7%，延续上周五10%的涨幅。中芯国际港股周一涨3.7%，四个交易日累计上涨逾16%。
据华尔街日报报道，字节跳动火山引擎称，豆包大模型日均token使用量自5月以来增长33倍，人工智能热潮带动算力需求。
美国出口管制推动芯片国产化，本土晶圆代工厂有望受益。星展银行看好中芯国际，认为其将受益于国产化趋势。
大和分析师徐礼杰则态度谨慎，认为订单转移对中芯国际的帮助尚不确定，因为其产能主要在成熟制程。
"""


def _demo_article(name: str) -> Article:
    path = next(DEMO.glob(f"{name}*.md"))
    return article_from_text(path.read_text(encoding="utf-8"), name=path.name)


@pytest.fixture
def demo_article() -> Callable[[str], Article]:
    """Loader of the shipped demo items by number prefix ("01", "07"…)."""
    return _demo_article


@pytest.fixture
def smic_article(shared_dir: Path) -> Article:
    """The shared reference article (third-party text, read at run time), published Monday 2024-12-23
    (the day is known, the time of day is not: ``published_inferred``)."""
    text = (shared_dir / "cases" / "smic-2024-12-23" / "article.md").read_text(encoding="utf-8")
    article = article_from_text(text, name="article.md")
    assert article.published_inferred and article.published.date() == dt.date(2024, 12, 23)
    return article


@pytest.fixture
def zh_article() -> Article:
    return article_from_text(ZH_SMIC, name="zh-smic.md")
