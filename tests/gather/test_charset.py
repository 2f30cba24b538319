"""Decoding fetched bytes: declared charsets, sniffed meta tags, and declarations that lie."""

from __future__ import annotations

import pytest

from movedesk.gather.charset import decode, normalise_encoding, sniff_charset

SIMPLIFIED = "中芯国际股价周一上涨，投资者看好国产芯片需求。"
TRADITIONAL = "中芯國際股價週一上漲，投資者看好國產晶片需求。"


@pytest.mark.parametrize(
    ("data", "declared", "text"),
    [
        (SIMPLIFIED.encode("utf-8"), None, SIMPLIFIED),
        (SIMPLIFIED.encode("gb2312"), "gb2312", SIMPLIFIED),
        (SIMPLIFIED.encode("gbk"), "GBK", SIMPLIFIED),
        (TRADITIONAL.encode("big5"), "big5", TRADITIONAL),
        # wrong declarations
        (SIMPLIFIED.encode("gbk"), "utf-8", SIMPLIFIED),
        (SIMPLIFIED.encode("gbk"), "iso-8859-1", SIMPLIFIED),
        (TRADITIONAL.encode("big5"), "gb2312", TRADITIONAL),
        (SIMPLIFIED.encode("utf-8"), "gb2312", SIMPLIFIED),
        (SIMPLIFIED.encode("utf-8"), "latin-1", SIMPLIFIED),
        ("café crème".encode("latin-1"), "utf-8", "café crème"),
        # undeclared
        (SIMPLIFIED.encode("gbk"), None, SIMPLIFIED),
        (TRADITIONAL.encode("big5"), None, TRADITIONAL),
        (b"\xef\xbb\xbf" + "naïve".encode(), "latin-1", "naïve"),
    ],
)
def test_decode(data: bytes, declared: str | None, text: str) -> None:
    assert decode(data, declared)[0] == text


def test_meta_charset_is_sniffed() -> None:
    page = f'<html><head><meta charset="gbk"></head><body>{SIMPLIFIED}</body></html>'.encode("gbk")
    assert sniff_charset(page) == "gbk"
    assert SIMPLIFIED in decode(page)[0]
    xml = f'<?xml version="1.0" encoding="big5"?><rss><title>{TRADITIONAL}</title></rss>'.encode("big5")
    assert sniff_charset(xml) == "big5"
    assert TRADITIONAL in decode(xml)[0]


def test_encoding_names() -> None:
    assert normalise_encoding("GB2312") == "gb18030"
    assert normalise_encoding("big5") == "big5hkscs"
    assert normalise_encoding("x-unknown-charset") is None
