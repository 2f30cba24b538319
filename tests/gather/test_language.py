"""Script-based language detection: English, simplified and traditional Chinese."""

from __future__ import annotations

from movedesk.gather.language import detect_language


def test_english() -> None:
    assert detect_language("Shares of the chipmaker rose 5% on Monday after strong orders.") == "en"


def test_english_story_quoting_a_chinese_name_stays_english() -> None:
    text = "SMIC (中芯国际) shares rose on Monday as investors bet on domestic chip demand. " * 3
    assert detect_language(text) == "en"


def test_simplified_and_traditional_chinese() -> None:
    assert detect_language("中芯国际股价周一上涨，这是连续第三个交易日走高，投资者看好国产芯片需求。") == "zh-Hans"
    assert detect_language("中芯國際股價週一上漲，這是連續第三個交易日走高，投資者看好國產晶片需求。") == "zh-Hant"


def test_mixed_chinese_with_latin_tickers_is_chinese() -> None:
    assert detect_language("中芯国际(688981.SS)周一涨5.2%，港股(0981.HK)涨3.7%，AI热潮带动芯片股。") == "zh-Hans"


def test_no_letters_is_undetermined() -> None:
    assert detect_language("12345 — 67.8%") == "und"
