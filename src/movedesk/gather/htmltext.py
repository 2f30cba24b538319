"""HTML fragments (feed summaries, page bodies) to plain text with paragraph breaks."""

from __future__ import annotations

import re

import lxml.html
from lxml import etree

_BLOCK = {
    "p", "div", "br", "li", "ul", "ol", "h1", "h2", "h3", "h4", "h5", "h6", "tr", "table", "blockquote",
    "section", "article", "header", "footer", "pre", "figcaption", "dd", "dt",
}
_DROP = ("script", "style", "noscript", "template", "iframe", "svg", "form", "nav", "button")
_TAG = re.compile(r"<[a-zA-Z/!?]")


def html_to_text(fragment: str) -> str:
    """Text of an HTML fragment; block elements become line breaks, scripts and styles are dropped."""
    if not fragment or not _TAG.search(fragment):
        return fragment or ""
    try:
        root = lxml.html.fragment_fromstring(fragment, create_parent="div")
    except (etree.ParserError, ValueError):
        return re.sub(r"<[^>]+>", " ", fragment)
    for bad in root.iter(*_DROP):
        bad.drop_tree()
    for el in root.iter():
        if isinstance(el.tag, str) and el.tag.lower() in _BLOCK:
            el.tail = "\n" + (el.tail or "")
            if el.tag.lower() == "br":
                continue
            el.text = "\n" + (el.text or "")
    return str(root.text_content())
