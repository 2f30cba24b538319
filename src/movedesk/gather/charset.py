"""Bytes to text for fetched pages and files: BOM, declared charset, sniffed meta, then a plausibility check.

A declared charset is trusted only when the bytes agree with it: valid UTF-8 is read as UTF-8 whatever the
header says; Chinese bytes declared as Latin-1 (or as the wrong Chinese encoding) are read with whichever
of GB18030 / Big5-HKSCS gives the most plausible Chinese. GB2312 and GBK are read as their superset GB18030,
Big5 as Big5-HKSCS.
"""

from __future__ import annotations

import codecs
import re

from movedesk.gather.language import chinese_plausibility

_ALIASES = {
    "gb2312": "gb18030",
    "gbk": "gb18030",
    "x-gbk": "gb18030",
    "cp936": "gb18030",
    "hz-gb-2312": "gb18030",
    "big5": "big5hkscs",
    "x-big5": "big5hkscs",
    "cp950": "big5hkscs",
    "iso-8859-1": "cp1252",
    "latin-1": "cp1252",
    "latin1": "cp1252",
    "us-ascii": "cp1252",
    "ascii": "cp1252",
}
_CJK_CODECS = ("gb18030", "big5hkscs")
_META = re.compile(
    rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_.:-]+)|<\?xml[^>]+encoding\s*=\s*["']([A-Za-z0-9_.:-]+)""",
    re.I,
)
_HEADER = re.compile(r"charset\s*=\s*[\"']?([A-Za-z0-9_.:-]+)", re.I)


def normalise_encoding(name: str | None) -> str | None:
    """A Python codec name for a declared charset, or None when Python does not know it."""
    if not name:
        return None
    key = name.strip().strip("\"'").lower()
    key = _ALIASES.get(key, key)
    try:
        return codecs.lookup(key).name
    except LookupError:
        return None


def charset_from_content_type(content_type: str | None) -> str | None:
    m = _HEADER.search(content_type or "")
    return m.group(1) if m else None


def sniff_charset(data: bytes) -> str | None:
    """The charset named by an HTML ``<meta>`` or an XML declaration in the first 4 KB."""
    m = _META.search(data[:4096])
    if not m:
        return None
    return (m.group(1) or m.group(2)).decode("ascii", "replace")


def decode(data: bytes, declared: str | None = None) -> tuple[str, str]:
    """(text, codec used). ``declared`` is the HTTP header's charset, if any."""
    boms = ((codecs.BOM_UTF8, "utf-8"), (codecs.BOM_UTF16_LE, "utf-16-le"), (codecs.BOM_UTF16_BE, "utf-16-be"))
    for bom, codec in boms:
        if data.startswith(bom):
            return data[len(bom) :].decode(codec, "replace"), codec
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    named = [c for c in (normalise_encoding(declared), normalise_encoding(sniff_charset(data))) if c]
    decoded: dict[str, str] = {}
    for codec in [*named, *_CJK_CODECS]:
        if codec in decoded:
            continue
        try:
            decoded[codec] = data.decode(codec)
        except (UnicodeDecodeError, LookupError):
            continue
    scores = {c: chinese_plausibility(t) for c, t in decoded.items() if c in _CJK_CODECS or c in named}
    best = max(scores, key=lambda c: scores[c], default=None)
    if best is not None and scores[best] >= 0.3:
        return decoded[best], best
    for codec in named:
        if codec in decoded:
            return decoded[codec], codec
    try:  # bytes that fit no declared charset: Windows-1252 reads almost anything Western
        return data.decode("cp1252"), "cp1252"
    except UnicodeDecodeError:
        codec = named[0] if named else "utf-8"
        return data.decode(codec, "replace"), codec
