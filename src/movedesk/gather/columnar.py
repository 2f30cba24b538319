"""Bulk files column-wise: a record batch becomes an Arrow table of articles, without an object per row.

The bulk fast path (``IngestOptions(fast=True)``, the default) reads Parquet files through
:func:`build_table`, and :class:`movedesk.gather.ingest.Ingestor` de-duplicates and stores those tables
as they are. Every value is the one :func:`movedesk.gather.normalise.build_article` gives the same row
(``tests/gather/test_fast_bulk.py`` compares them field by field):

* the common row — a zoned publish time inside the sanity limits, a URL, a title and body of printable
  ASCII and newlines once HTML entities are unescaped — is built here, with vectorised checks and a
  numpy pass over the text bytes that does what :func:`~movedesk.gather.normalise.clean_text` does to
  such text (runs of spaces and newlines collapsed, paragraphs kept, ends stripped);
* the relay scan (:func:`~movedesk.gather.provenance.extract_relays`) runs only on texts where an outlet
  alias stands next to a relay cue word (:func:`~movedesk.gather.provenance.relay_cue_pattern`, one RE2
  pass per batch; a superset of the texts in which the scan can find anything);
* every other row (no URL, no time, a time out of range, other characters, a body over the cap…) goes
  through ``build_article`` itself, and a batch whose file does not fit (times as text, a ``relays``
  column, a default zone) through the per-row builder whole.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import html
import html.entities
import re
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from movedesk.errors import MovedeskError
from movedesk.gather.dedup import Fingerprints
from movedesk.gather.identity import canonical_url
from movedesk.gather.normalise import (
    MAX_BODY_CHARS,
    MAX_TITLE_CHARS,
    BuildOptions,
    Rejection,
    _authors,
    _host,
    _strings,
    build_article,
)
from movedesk.gather.provenance import extract_relays, relay_cue_pattern
from movedesk.gather.timestamps import EARLIEST, FUTURE_SLACK
from movedesk.models import Article
from movedesk.store.arrow import ARTICLE_SCHEMA, STAMP, TEXT, TEXTS, articles_table

_SCHEME = re.compile(r"^[a-zA-Z][a-zA-Z0-9+.-]*://")


def table_articles(table: pa.Table) -> list[Article]:
    """The Articles of a table with :data:`ARTICLE_SCHEMA` (for stores that take objects)."""
    out = []
    for row in table.to_pylist():
        for key in ("authors", "relays", "tickers"):
            row[key] = tuple(row[key] or ())
        for key in ("published", "first_seen"):
            row[key] = row[key].astimezone(dt.UTC)
        out.append(Article(**row))
    return out


def fits(batch: pa.RecordBatch, columns: Mapping[str, str], options: BuildOptions) -> bool:
    """Can :func:`build_table` take this batch? Zoned times (s/ms/us) and string text columns, no
    ``relays`` column, no default zone, no rows that failed to parse."""
    if "relays" in columns or "published" not in columns or options.default_tz is not None:
        return False
    if "__error__" in batch.schema.names:
        return False
    kind = batch.column(columns["published"]).type
    if not (pa.types.is_timestamp(kind) and kind.tz is not None and kind.unit in ("s", "ms", "us")):
        return False
    for field in ("title", "body", "url", "source"):
        if field in columns:
            t = batch.column(columns[field]).type
            if not (pa.types.is_string(t) or pa.types.is_large_string(t) or pa.types.is_null(t)):
                return False
    return "title" in columns or "body" in columns


def build_table(
    batch: pa.RecordBatch,
    columns: Mapping[str, str],
    options: BuildOptions,
    ref: str,
    first_row: int,
    *,
    now: dt.datetime | None = None,
) -> tuple[pa.Table, list[Rejection]]:
    """The rows of ``batch`` (which :func:`fits`) as articles, in file order, and the rejected rows."""
    table, rejected = _build(batch, columns, options, ref, first_row, now=now)
    return table, [r for _, r in rejected]


def batch_items(
    batch: pa.RecordBatch, columns: Mapping[str, str], options: BuildOptions, ref: str, first_row: int
) -> list[Article | Rejection]:
    """The rows of ``batch`` (which :func:`fits`) as Articles and Rejections in file order, for callers
    that take objects (``BulkSource.items``)."""
    table, rejected = _build(batch, columns, options, ref, first_row)
    out: list[Article | Rejection] = list(table_articles(table))
    for row, rejection in rejected:  # rows ascending: each lands at its file position
        out.insert(row, rejection)
    return out


def _build(
    batch: pa.RecordBatch,
    columns: Mapping[str, str],
    options: BuildOptions,
    ref: str,
    first_row: int,
    *,
    now: dt.datetime | None = None,
) -> tuple[pa.Table, list[tuple[int, Rejection]]]:
    now = now or dt.datetime.now(dt.UTC)
    first_seen = options.first_seen or now
    n = batch.num_rows

    def column(field: str) -> pa.Array | None:
        if field not in columns:
            return None
        col = batch.column(columns[field])
        return col.combine_chunks() if isinstance(col, pa.ChunkedArray) else col

    ok = np.ones(n, dtype=bool)  # rows built here; the others go through build_article
    published = pc.cast(column("published"), STAMP)
    earliest = pa.scalar(EARLIEST, STAMP)
    latest = pa.scalar(now + FUTURE_SLACK, STAMP)
    in_range = pc.and_(pc.greater_equal(published, earliest), pc.less_equal(published, latest))
    ok &= _np_bool(pc.fill_null(in_range, False))

    titles, title_plain = _unescaped(column("title"), n)
    bodies, body_plain = _unescaped(column("body"), n)
    ok &= title_plain & body_plain
    titles = _clean_plain(_blank_where(titles, ~ok), paragraphs=False)
    bodies = _clean_plain(_blank_where(bodies, ~ok), paragraphs=True)
    title_len = pc.binary_length(titles).to_numpy(zero_copy_only=False)
    ok &= (title_len > 0) & (title_len <= MAX_TITLE_CHARS)
    ok &= pc.binary_length(bodies).to_numpy(zero_copy_only=False) <= MAX_BODY_CHARS

    urls = _values(column("url"), n)
    sources = _values(column("source"), n)
    ids: list[str | None] = [None] * n
    url_out: list[str | None] = [None] * n
    src_out: list[str | None] = [None] * n
    ok_list = ok.tolist()
    as_is = _canonical_as_is(column("url"), n)
    for i in range(n):
        if not ok_list[i]:
            continue
        url = urls[i]
        if as_is[i]:
            url_s = url
        else:
            url_s = url.strip() if url is not None else None
            if not url_s or not _SCHEME.match(url_s):  # the text-hash id: left to build_article
                ok_list[i] = False
                continue
            url_s = canonical_url(url_s)
        url_out[i] = url_s
        ids[i] = hashlib.sha1(("url:" + url_s).encode("utf-8")).hexdigest()[:20]
        source = sources[i]
        src = source.strip() if source is not None else None
        src_out[i] = src or options.source or _host(url_s) or "unknown"
    ok = np.array(ok_list, dtype=bool)
    rows = np.flatnonzero(ok)

    articles = ARTICLE_SCHEMA.empty_table()
    if len(rows):
        articles = _fast_rows(
            rows,
            ids=ids,
            urls=url_out,
            sources=src_out,
            titles=titles,
            bodies=bodies,
            published=published,
            languages=_values(column("language"), n, text=False),
            authors=_values(column("authors"), n, text=False),
            tickers=_tickers(column("tickers"), n),
            options=options,
            first_seen=first_seen,
        )
    slow = np.flatnonzero(~ok)
    rejected: list[tuple[int, Rejection]] = []  # (row in the batch, why)
    if len(slow):
        raw = {field: batch.column(col).take(pa.array(slow)).to_pylist() for field, col in columns.items()}
        built: list[Article] = []
        built_at: list[int] = []
        for j, i in enumerate(slow.tolist()):
            try:
                fields = {"title": None, **{f: v[j] for f, v in raw.items()}}  # a file may have a body only
                built.append(build_article(**fields, options=options))
                built_at.append(i)
            except MovedeskError as exc:
                rejected.append((i, Rejection(f"{ref}:{first_row + i + 1}", exc.message)))
        if built:
            order = np.argsort(np.concatenate((rows, np.array(built_at, dtype=np.int64))), kind="stable")
            articles = pa.concat_tables([articles, articles_table(built)]).take(pa.array(order))
    return articles, rejected


def _fast_rows(
    rows: np.ndarray,
    *,
    ids: list[str | None],
    urls: list[str | None],
    sources: list[str | None],
    titles: pa.Array,
    bodies: pa.Array,
    published: pa.Array,
    languages: list[Any],
    authors: list[Any],
    tickers: list[Any],
    options: BuildOptions,
    first_seen: dt.datetime,
) -> pa.Table:
    take = pa.array(rows)
    row_list = rows.tolist()
    title_c = pc.take(titles, take)
    body_c = pc.take(bodies, take)
    text = pc.binary_join_element_wise(title_c, body_c, pa.scalar("\n", pa.large_string()))
    src = [sources[i] for i in row_list]
    # language: as _language() for ASCII text, which detect_language calls "en" when a Latin letter is in
    # its sample and "und" otherwise (Chinese needs ideographs)
    letter = _rows_with(title_c, _is_letter)  # a title is at most 1,000 of the 4,000 characters sampled
    if not letter.all():
        rest = np.flatnonzero(~letter)
        sample = pc.utf8_slice_codeunits(pc.take(text, pa.array(rest)), 0, 4000)
        letter[rest] = _rows_with(pc.cast(sample, pa.large_string()), _is_letter)
    has_letter = letter.tolist()
    lang = []
    for j, i in enumerate(row_list):
        value = languages[i]
        given = options.language or (str(value) if value and value == value else None)
        if given and not given.lower().startswith("zh"):
            lang.append(given)
        elif given:
            lang.append("zh-Hant" if given.lower() in ("zh-hant", "zh-tw", "zh-hk") else "zh-Hans")
        else:
            lang.append("en" if has_letter[j] else "und")
    relays: list[tuple[str, ...]] = [()] * len(row_list)
    own = tuple(sorted(set(src))) if len(set(src)) == 1 else ()
    cue = pc.fill_null(pc.match_substring_regex(text, relay_cue_pattern(own)), True)
    hits = np.flatnonzero(_np_bool(cue))
    if len(hits):
        for j, t in zip(hits.tolist(), pc.take(text, pa.array(hits)).to_pylist(), strict=True):
            relays[j] = tuple(extract_relays(t, exclude=(src[j],)))
    m = len(row_list)
    return pa.table(
        {
            "id": pa.array([ids[i] for i in row_list], TEXT),
            "source": pa.array(src, TEXT),
            "url": pa.array([urls[i] for i in row_list], TEXT),
            "title": pc.cast(title_c, TEXT),
            "body": pc.cast(body_c, TEXT),
            "language": pa.array(lang, TEXT),
            "authors": pa.array([_authors_fast(authors[i]) for i in row_list], TEXTS),
            "published": pc.take(published, take),
            "published_inferred": pa.array(np.zeros(m, dtype=bool)),
            "first_seen": pa.array([first_seen] * m, STAMP),
            "relays": pa.array(relays, TEXTS),
            "cluster_id": pa.nulls(m, TEXT),
            "tickers": pa.array([tickers[i] for i in row_list], TEXTS),
        },
        schema=ARTICLE_SCHEMA,
    )


def _is_letter(data: np.ndarray) -> np.ndarray:
    return ((data >= 65) & (data <= 90)) | ((data >= 97) & (data <= 122))


def _authors_fast(value: Any) -> tuple[str, ...]:
    """:func:`~movedesk.gather.normalise._authors`, without its regular expression for a single name."""
    if value is None:
        return ()
    if isinstance(value, str) and not (";" in value or "," in value or "&" in value or "and" in value):
        name = value.strip()
        return (name,) if name else ()
    return _authors(value)


#: URLs that canonical_url and build_article's checks leave as they are: a lower-case ASCII scheme and
#: host, a path, no query or fragment, no trailing slash or space.
_AS_IS_URL = (
    r"^[a-z][a-z0-9+.-]*://[\x21\x22\x24-\x2e\x30-\x3e\x40\x5b-\x7e]*/[^?#]*[\x21\x22\x24-\x2e\x30-\x3e\x40-\x7e]$"
)


def _canonical_as_is(col: pa.Array | None, n: int) -> list[bool]:
    if col is None or pa.types.is_null(col.type):
        return [False] * n
    return _np_bool(pc.fill_null(pc.match_substring_regex(col, _AS_IS_URL), False)).tolist()


def _np_bool(arr: pa.Array | pa.ChunkedArray) -> np.ndarray:
    return np.asarray(arr.to_numpy(zero_copy_only=False), dtype=bool)


def _values(col: pa.Array | None, n: int, *, text: bool = True) -> list[Any]:
    if col is None:
        return [None] * n
    return list(col.to_pylist())


def _tickers(col: pa.Array | None, n: int) -> list[tuple[str, ...]]:
    """What build_article stores as tickers: the non-null strings of a list, or of a comma list."""
    if col is None:
        return [()] * n
    if (pa.types.is_list(col.type) or pa.types.is_large_list(col.type)) and pa.types.is_string(col.type.value_type):
        offsets = col.offsets.to_numpy().tolist()
        flat = col.values.to_pylist()
        nulls = col.is_null().to_numpy(zero_copy_only=False).tolist()
        clean = None not in flat
        out: list[tuple[str, ...]] = []
        for i, null in enumerate(nulls):
            part = () if null else tuple(flat[offsets[i] : offsets[i + 1]])
            out.append(part if clean else tuple(x for x in part if x is not None))
        return out
    return [_strings(v) for v in col.to_pylist()]


def _unescaped(col: pa.Array | None, n: int) -> tuple[pa.Array, np.ndarray]:
    """(text, plain): the column as large strings, nulls as "", HTML entities unescaped where there is an
    ``&`` (as clean_text does first); plain where only printable ASCII and newlines are left and the raw
    text was not long enough for build_article to cut it before cleaning."""
    if col is None:
        return pa.array([""] * n, pa.large_string()), np.ones(n, dtype=bool)
    arr = pc.fill_null(pc.cast(col, pa.large_string()), "")
    short = np.diff(_offsets(arr)) <= 2 * MAX_BODY_CHARS  # bytes: at least the characters build_article counts
    amp = _rows_with(arr, lambda data: data == 38)
    if amp.any():  # of the rows with an "&", those where html.unescape can change something
        amp[amp] = _np_bool(pc.match_substring_regex(arr.filter(pa.array(amp)), _entity_pattern()))
    if amp.any():
        idx = np.flatnonzero(amp)
        fixed = [html.unescape(s) for s in pc.take(arr, pa.array(idx)).to_pylist()]
        arr = pc.replace_with_mask(arr, pa.array(amp), pa.array(fixed, pa.large_string()))
    odd = _rows_with(arr, lambda data: ((data < 32) & (data != 10)) | (data > 126))
    return arr, short & ~odd


@functools.cache
def _entity_pattern() -> str:
    """Where :func:`html.unescape` replaces something: a numeric reference, a named one with its ";", or
    one of the names HTML5 also knows without it (matched as a prefix, as unescape does)."""
    bare = sorted((k for k in html.entities.html5 if not k.endswith(";")), key=len, reverse=True)
    return "&(?:#|[A-Za-z][A-Za-z0-9]*;|" + "|".join(re.escape(k) for k in bare) + ")"


def _offsets(arr: pa.Array) -> np.ndarray:
    """The value offsets of a large-string array, from its first value."""
    return np.frombuffer(arr.buffers()[1], dtype=np.int64)[arr.offset : arr.offset + len(arr) + 1]


def _rows_with(arr: pa.Array, test: Callable[[np.ndarray], np.ndarray]) -> np.ndarray:
    """Per row of a large-string array: does ``test`` hold for any of its bytes?"""
    n = len(arr)
    out = np.zeros(n, dtype=bool)
    offsets = _offsets(arr)
    if n == 0 or arr.buffers()[2] is None or offsets[-1] == offsets[0]:
        return out
    data = np.frombuffer(arr.buffers()[2], dtype=np.uint8)[offsets[0] : offsets[-1]]
    hits = np.flatnonzero(test(data)) + offsets[0]
    if len(hits):
        out[np.unique(np.searchsorted(offsets, hits, side="right") - 1)] = True
    return out


def _blank_where(arr: pa.Array, mask: np.ndarray) -> pa.Array:
    """``arr`` with the masked rows emptied (so the byte passes below only see plain text)."""
    if not mask.any():
        return arr
    return pc.if_else(pa.array(mask), pa.scalar("", pa.large_string()), arr)


def _clean_plain(arr: pa.Array, *, paragraphs: bool) -> pa.Array:
    """clean_text of plain strings (printable ASCII and newlines), on the bytes of the whole column.

    Every maximal run of spaces and newlines inside a string becomes "\\n\\n" (two or more newlines),
    "\\n" (one) or " " (none); runs at either end go. That is what clean_text's passes (collapse spaces,
    drop spaces next to a newline, cut 3+ newlines to 2, strip) leave of such text. With
    ``paragraphs=False`` every run becomes " " (a title: ``" ".join(clean_text(t).split())``). Only the
    runs that change are looked at: the single spaces between words, nearly all of them, stay as they are.
    """
    n = len(arr)
    arr = pc.cast(arr, pa.large_string())
    offsets = np.frombuffer(arr.buffers()[1], dtype=np.int64)[arr.offset : arr.offset + n + 1].copy()
    data_buf = arr.buffers()[2]
    if n == 0 or data_buf is None or offsets[-1] == offsets[0]:
        return pa.array([""] * n, pa.large_string())
    data = np.frombuffer(data_buf, dtype=np.uint8)[offsets[0] : offsets[-1]].copy()
    offsets -= offsets[0]
    size = len(data)
    lengths = np.diff(offsets)
    nl = data == 10
    ws = nl | (data == 32)
    nonempty = lengths > 0
    firsts, lasts = offsets[:-1][nonempty], offsets[1:][nonempty] - 1
    starts_doc = np.zeros(size + 1, dtype=bool)
    starts_doc[firsts] = True
    starts_doc[size] = True  # the end of the last string
    # bytes of the runs that change: runs of two or more, runs holding a newline, runs at an end (a pair
    # across two strings is two runs at an end)
    pair = ws[:-1] & ws[1:]
    special = nl
    special[:-1] |= pair
    special[1:] |= pair
    special[firsts[ws[firsts]]] = True
    special[lasts[ws[lasts]]] = True
    pos = np.flatnonzero(special)
    if len(pos) == 0:
        return arr
    # group them into runs (a new run after a gap or at the start of a string)
    new_run = np.ones(len(pos), dtype=bool)
    new_run[1:] = (pos[1:] != pos[:-1] + 1) | starts_doc[pos[1:]]
    run_first = pos[new_run]
    run_of = np.cumsum(new_run) - 1
    run_last = pos[np.append(np.flatnonzero(new_run)[1:], len(pos)) - 1]
    edge = starts_doc[run_first] | starts_doc[run_last + 1]
    if paragraphs:
        newlines = np.bincount(run_of, weights=data[pos] == 10, minlength=len(run_first)).astype(np.int64)
        out_len = np.where(edge, 0, np.where(newlines >= 2, 2, 1))
        data[run_first] = np.where(newlines == 0, 32, 10).astype(np.uint8)
        data[run_first[out_len == 2] + 1] = 10
    else:
        out_len = np.where(edge, 0, 1)
        data[run_first] = 32
    keep = np.ones(size, dtype=bool)
    keep[pos] = False
    keep[run_first[out_len >= 1]] = True
    keep[run_first[out_len == 2] + 1] = True
    doc_of_run = np.searchsorted(offsets, run_first, side="right") - 1
    removed = np.bincount(doc_of_run, weights=(run_last - run_first + 1) - out_len, minlength=n)
    new_offsets = np.concatenate(([0], np.cumsum(lengths - removed.astype(np.int64))))
    return pa.LargeStringArray.from_buffers(n, pa.py_buffer(new_offsets), pa.py_buffer(data[keep]))


def text_fingerprints(table: pa.Table) -> Fingerprints:
    """:func:`~movedesk.gather.dedup.fingerprints` of :func:`~movedesk.gather.dedup.prepare` of every row's
    title and body; when every row is ASCII (prepare changes nothing), straight from the Arrow buffers."""
    from movedesk.gather.dedup import fingerprints, fingerprints_joined, prepare
    from movedesk.gather.language import is_chinese

    n = table.num_rows
    if n == 0:
        return fingerprints([])
    newline = pa.scalar("\n", pa.large_string())
    title = pc.cast(table.column("title"), pa.large_string())
    body = pc.cast(table.column("body"), pa.large_string())
    joined = pc.binary_join_element_wise(title, body, pa.scalar("", pa.large_string()), newline)
    joined = joined.combine_chunks() if isinstance(joined, pa.ChunkedArray) else joined
    offsets = _offsets(joined)
    if bool(pc.all(pc.string_is_ascii(joined)).as_py()):
        data_buf = joined.buffers()[2]
        data = memoryview(data_buf)[offsets[0] : offsets[-1]] if data_buf is not None else b""
        return fingerprints_joined(data, offsets - offsets[0])
    titles = table.column("title").to_pylist()
    bodies = table.column("body").to_pylist()
    langs = table.column("language").to_pylist()
    return fingerprints([prepare(t, b, cjk=is_chinese(lang)) for t, b, lang in zip(titles, bodies, langs, strict=True)])


#: Columns :func:`with_fingerprints` adds to an articles table (dropped before it is stored).
PRINT_COLUMNS = ("_exact", "_signature", "_words")


def with_fingerprints(table: pa.Table) -> pa.Table:
    """``table`` with its rows' fingerprints (text hash, MinHash signature, word count) as extra columns,
    so that they can be taken in a background thread and travel with the rows into any batch."""
    prints = text_fingerprints(table)
    n = table.num_rows
    sig = np.ascontiguousarray(prints.signatures, dtype=np.uint64)
    words = prints.words if prints.words is not None else np.zeros(n, dtype=np.int64)
    width = sig.shape[1] * 8
    signature = pa.FixedSizeBinaryArray.from_buffers(pa.binary(width), n, [None, pa.py_buffer(sig.tobytes())])
    return (
        table.append_column("_exact", pa.array(prints.exact, TEXT))
        .append_column("_signature", signature)
        .append_column("_words", pa.array(words, pa.int64()))
    )


def attached_fingerprints(table: pa.Table, order: Sequence[int]) -> Fingerprints:
    """The fingerprints :func:`text_fingerprints` gives rows ``order`` of ``table`` (in that order), from
    the columns :func:`with_fingerprints` added. Texts of fewer words than a shingle get their signature
    for their position in ``order`` (it depends on it)."""
    from movedesk.gather.dedup import SHINGLE, fingerprint_at, prepare
    from movedesk.gather.language import is_chinese

    n = len(order)
    take = pa.array(order, pa.int64())
    prints = table.select(list(PRINT_COLUMNS)).take(take)
    sig_col = prints.column("_signature").combine_chunks()
    width = sig_col.type.byte_width
    raw = np.frombuffer(sig_col.buffers()[1], dtype=np.uint8)[sig_col.offset * width : (sig_col.offset + n) * width]
    signatures = raw.view(np.uint64).reshape(n, width // 8).copy()
    words = prints.column("_words").to_numpy()
    for i in np.flatnonzero((words > 0) & (words < SHINGLE)).tolist():
        title, body, lang = (table.column(c)[order[i]].as_py() for c in ("title", "body", "language"))
        signatures[i] = fingerprint_at(prepare(title, body, cjk=is_chinese(lang)), i)
    return Fingerprints(prints.column("_exact").to_pylist(), signatures, words)
