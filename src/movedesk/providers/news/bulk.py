"""Bulk news files: JSON Lines (or a JSON array), CSV/TSV and Parquet, with a column map.

Columns are found by name (``title``/``headline``, ``body``/``text``/``content``, ``published``/``date``,
``url``/``link``, ``source``, ``author``/``authors``, ``tickers``, ``language``); a ``column_map`` of
``{"file column": "article field"}`` names the others. ``../shared/data/news/*.parquet`` loads as is.
Files are read in record batches, so a large file never sits in memory whole; a bad row becomes a
rejection with its row number and the rest of the file still lands.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import json
import multiprocessing as mp
import os
import re
from collections import deque
from collections.abc import Iterable, Iterator, Mapping
from concurrent.futures import Future, ProcessPoolExecutor
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from movedesk.errors import DataValidationError, MissingColumn, MovedeskError
from movedesk.gather.identity import canonical_url
from movedesk.gather.normalise import (
    MAX_BODY_CHARS,
    MAX_TITLE_CHARS,
    BuildOptions,
    Rejection,
    _authors,
    _host,
    _language,
    _strings,
    build_article,
    cap_body,
    clean_text,
)
from movedesk.gather.provenance import _is_cjk, _outlets, alias_pattern, canonical_outlet, extract_relays
from movedesk.gather.timestamps import check_published
from movedesk.models import Article

SUFFIXES = (".parquet", ".pq", ".jsonl", ".ndjson", ".json", ".csv", ".tsv")
BATCH_ROWS = 5_000
#: Files at least this big are parsed by worker processes.
PARALLEL_BYTES = 8 * 1024 * 1024
FIELDS: dict[str, tuple[str, ...]] = {
    "title": ("title", "headline", "heading", "subject"),
    "body": ("body", "text", "content", "article", "story", "description", "summary"),
    "published": (
        "published", "published_at", "publish_time", "pubdate", "pub_date", "date", "datetime", "time",
        "timestamp", "created_at",
    ),
    "url": ("url", "link", "href", "permalink"),
    "source": ("source", "publisher", "outlet", "site", "provider"),
    "authors": ("authors", "author", "byline"),
    "tickers": ("tickers", "symbols", "rics", "ticker"),
    "language": ("language", "lang"),
    "relays": ("relays",),
}


def resolve_columns(names: Iterable[str], column_map: Mapping[str, str] | None = None) -> dict[str, str]:
    """{article field: file column}; explicit ``column_map`` entries win over names found by alias."""
    present = list(names)
    lower = {n.lower(): n for n in present}
    chosen: dict[str, str] = {}
    for column, field in (column_map or {}).items():
        if field not in FIELDS:
            raise DataValidationError(f"--column {column}={field}: unknown field; use one of {', '.join(FIELDS)}")
        if column not in present:
            raise MissingColumn(f"--column {column}={field}: the file has no column {column!r}")
        chosen[field] = column
    used = set(chosen.values())
    for field, aliases in FIELDS.items():
        if field in chosen:
            continue
        for alias in aliases:
            if alias in lower and lower[alias] not in used:
                chosen[field] = lower[alias]
                used.add(lower[alias])
                break
    if "title" not in chosen and "body" not in chosen:
        raise MissingColumn(
            f"no title or body column among {present[:12]}", hint="map one with --column NAME=title"
        )
    return chosen


class BulkSource:
    """Many articles per file; ``fetch`` returns the path, ``items`` streams the rows."""

    name = "bulk"

    def __init__(
        self,
        options: BuildOptions | None = None,
        column_map: Mapping[str, str] | None = None,
        batch_rows: int = BATCH_ROWS,
        workers: int | None = None,
        fast: bool = True,
    ) -> None:
        self.options = options or BuildOptions()
        self.column_map = dict(column_map or {})
        self.batch_rows = batch_rows
        self.workers = min(workers, os.cpu_count() or 1) if workers is not None else 1
        self.fast = fast

    def fetch(self, query: str | Path) -> Path:
        path = Path(query)
        if not path.exists():
            raise DataValidationError(f"{path} does not exist")
        if path.stat().st_size == 0:
            raise DataValidationError(f"{path} is empty (0 bytes)")
        return path

    def batches(self, path: Path) -> Iterator[pa.RecordBatch]:
        suffix = path.suffix.lower()
        try:
            if suffix in (".parquet", ".pq"):
                yield from pq.ParquetFile(path).iter_batches(batch_size=self.batch_rows)
            elif suffix in (".csv", ".tsv"):
                parse = pacsv.ParseOptions(delimiter="\t" if suffix == ".tsv" else ",", newlines_in_values=True)
                convert = pacsv.ConvertOptions(strings_can_be_null=True, timestamp_parsers=[])
                reader = pacsv.open_csv(
                    path, parse_options=parse, convert_options=convert,
                    read_options=pacsv.ReadOptions(block_size=8 << 20),
                )
                yield from reader
            elif suffix == ".json":
                yield from self._json(path)
            else:
                yield from self._jsonl(path)
        except (pa.ArrowInvalid, OSError, ValueError) as exc:
            raise DataValidationError(f"cannot read {path.name}: {str(exc).splitlines()[0]}") from exc

    def _json(self, path: Path) -> Iterator[pa.RecordBatch]:
        """A JSON array of objects, or an object holding one under ``articles``/``items``/``data``."""
        try:
            data: Any = json.loads(path.read_text(encoding="utf-8", errors="replace"))
        except json.JSONDecodeError as exc:
            raise DataValidationError(f"{path.name} is not valid JSON (line {exc.lineno}: {exc.msg})") from exc
        if isinstance(data, dict):
            data = next((data[k] for k in ("articles", "items", "data", "news") if isinstance(data.get(k), list)), None)
        if not isinstance(data, list):
            raise DataValidationError(f"{path.name}: expected a JSON array of articles")
        rows = [
            r if isinstance(r, dict) else {"__error__": f"item {i}: not a JSON object"} for i, r in enumerate(data, 1)
        ]
        for start in range(0, len(rows), self.batch_rows):
            yield _rows_batch(rows[start : start + self.batch_rows])

    def _jsonl(self, path: Path) -> Iterator[pa.RecordBatch]:
        rows: list[dict[str, Any]] = []
        with path.open(encoding="utf-8", errors="replace") as fh:
            for lineno, line in enumerate(fh, start=1):
                if not line.strip():
                    continue
                try:
                    row = json.loads(line)
                except json.JSONDecodeError as exc:
                    row = {"__error__": f"line {lineno}: not JSON ({exc.msg})"}
                if not isinstance(row, dict):
                    row = {"__error__": f"line {lineno}: not a JSON object"}
                rows.append(row)
                if len(rows) >= self.batch_rows:
                    yield _rows_batch(rows)
                    rows = []
        if rows:
            yield _rows_batch(rows)

    def items(self, path: Path) -> Iterator[Article | Rejection]:
        """Every row as an Article or a Rejection, in file order.

        With ``workers`` > 1, large files are parsed by that many worker processes (at most one per
        core), a few record batches ahead of the consumer; rows keep their order. It pays on an idle
        multi-core machine and costs on a busy one, so the default is one process.
        """
        columns: dict[str, str] | None = None
        row_no = 0
        pool = self._pool(path)
        pending: deque[Future[list[Article | Rejection]]] = deque()
        try:
            for batch in self.batches(path):
                if columns is None:
                    columns = resolve_columns([n for n in batch.schema.names if n != "__error__"], self.column_map)
                job = _job(batch, columns, self.options, str(path), row_no, fast=self.fast)
                row_no += batch.num_rows
                build = _build_rows_fast if self.fast else _build_rows
                if pool is None:
                    yield from build(job)
                    continue
                pending.append(pool.submit(build, job))
                while len(pending) > 2 * self.workers:
                    yield from pending.popleft().result()
            while pending:
                yield from pending.popleft().result()
        finally:
            if pool is not None:
                for future in pending:
                    future.cancel()
                pool.shutdown(wait=True, cancel_futures=True)

    def _pool(self, path: Path) -> ProcessPoolExecutor | None:
        if self.workers < 2 or path.stat().st_size < PARALLEL_BYTES or "fork" not in mp.get_all_start_methods():
            return None
        return ProcessPoolExecutor(max_workers=self.workers, mp_context=mp.get_context("fork"))

    def normalise(self, raw: Path) -> Iterable[Article]:
        return (x for x in self.items(raw) if isinstance(x, Article))

    def validate(self, articles: Iterable[Article]) -> Iterable[Article]:
        return articles


_Job = tuple[dict[str, list[Any]], list[Any] | None, BuildOptions, str, int, list[bool] | None]


def _job(
    batch: pa.RecordBatch, columns: dict[str, str], options: BuildOptions, ref: str, first_row: int, fast: bool = False
) -> _Job:
    data = {
        field: _tuples(batch.column(col)) if fast and field == "tickers" else batch.column(col).to_pylist()
        for field, col in columns.items()
    }
    errors = batch.column("__error__").to_pylist() if "__error__" in batch.schema.names else None
    # The fast builder takes rows with zoned timestamps; other files keep the per-row path and its prefilter.
    may_relay = None if fast and _zoned(batch, columns) else _may_name_outlets(batch, columns, data, options)
    return data, errors, options, ref, first_row, may_relay


def _zoned(batch: pa.RecordBatch, columns: dict[str, str]) -> bool:
    if "published" not in columns:
        return False
    kind = batch.column(columns["published"]).type
    return pa.types.is_timestamp(kind) and kind.tz is not None


def _tuples(column: pa.Array) -> list[Any]:
    """A list<string> column as tuples of its non-null strings (what ``_strings`` makes of each list), fast;
    other types as plain Python values."""
    if isinstance(column, pa.ChunkedArray):
        column = column.combine_chunks()
    if not (pa.types.is_list(column.type) or pa.types.is_large_list(column.type)) or not pa.types.is_string(
        column.type.value_type
    ):
        return list(column.to_pylist())
    offsets = column.offsets.to_numpy().tolist()
    flat = column.values.to_pylist()
    nulls = column.is_null().to_numpy(zero_copy_only=False).tolist()
    clean = None not in flat
    out: list[Any] = []
    for i, null in enumerate(nulls):
        if null:
            out.append(None)
            continue
        part = flat[offsets[i] : offsets[i + 1]]
        out.append(tuple(part) if clean else tuple(x for x in part if x is not None))
    return out


def _may_name_outlets(
    batch: pa.RecordBatch, columns: dict[str, str], data: dict[str, list[Any]], options: BuildOptions
) -> list[bool] | None:
    """Per row: could the text name an outlet other than the row's own? One vectorised regex pass."""
    if "relays" in columns:
        return None
    sources = {options.source} if options.source else set(data.get("source") or [None])
    own = tuple(str(x) for x in sources if x) if len(sources) == 1 else ()
    try:
        pattern = alias_pattern(own)
        hit = None
        for field in ("title", "body"):
            if field in columns:
                col = pc.cast(batch.column(columns[field]), pa.large_string())
                found = pc.fill_null(pc.match_substring_regex(col, pattern), False)
                hit = found if hit is None else pc.or_(hit, found)
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError, pa.ArrowTypeError):
        return None
    return None if hit is None else [bool(x) for x in hit.to_pylist()]


def _build_rows(job: _Job) -> list[Article | Rejection]:
    """Rows of one record batch as Articles or Rejections (runs in a worker process for big files)."""
    data, errors, options, ref, first_row, may_relay = job
    out: list[Article | Rejection] = []
    n = len(next(iter(data.values()))) if data else 0
    for i in range(n):
        row_no = first_row + i + 1
        if errors is not None and errors[i]:
            out.append(Rejection(f"{ref}:{row_no}", str(errors[i])))
            continue
        try:
            out.append(
                build_article(
                    **{field: values[i] for field, values in data.items()},
                    options=options,
                    scan_relays=may_relay is None or may_relay[i],
                )
            )
        except MovedeskError as exc:
            out.append(Rejection(f"{ref}:{row_no}", exc.message))
    return out


def _rows_batch(rows: list[dict[str, Any]]) -> pa.RecordBatch:
    names: dict[str, None] = {}
    for row in rows:
        names.update(dict.fromkeys(row))
    cols = {}
    for name in names:
        values = [row.get(name) for row in rows]
        cols[name] = pa.array([v if v is None or isinstance(v, str | list) else str(v) for v in values]) if any(
            isinstance(v, dict) for v in values
        ) else _safe_array(values)
    return pa.RecordBatch.from_pydict(cols)


def _safe_array(values: list[Any]) -> pa.Array:
    try:
        return pa.array(values)
    except (pa.ArrowInvalid, pa.ArrowTypeError):
        return pa.array([None if v is None else v if isinstance(v, list) else str(v) for v in values])


_SCHEME = re.compile(r"^[a-zA-Z][a-zA-Z0-9+.-]*://")


def _build_rows_fast(job: _Job) -> list[Article | Rejection]:
    """As :func:`_build_rows`, with the same results, faster for the common bulk row.

    A row whose ``published`` is a tz-aware datetime (a Parquet timestamp column with a zone) and that
    has no ``relays`` column is built here: no zone look-up (a zoned time needs none), the provenance
    scan only for texts in which some outlet alias occurs with word boundaries (one RE2 pass over the
    batch's cleaned texts; :func:`extract_relays` finds nothing in the others), plain-ASCII titles and
    bodies cleaned in Arrow (:func:`_clean_column`). The other rows of such a batch (no time, no URL,
    rejected) go through :func:`build_article`; batches of other files (times as text, CSV, JSON) take
    :func:`_build_rows` whole, with its raw-text prefilter, as before.
    """
    data, errors, options, ref, first_row, may_relay = job
    n = len(next(iter(data.values()))) if data else 0
    if may_relay is not None or "relays" in data or options.default_tz is not None:
        return _build_rows(job)
    now = dt.datetime.now(dt.UTC)
    first_seen = options.first_seen or now
    none = [None] * n
    titles, bodies, urls = data.get("title", none), data.get("body", none), data.get("url", none)
    published, sources = data.get("published", none), data.get("source", none)
    authors, languages, tickers = data.get("authors", none), data.get("language", none), data.get("tickers", none)
    out: list[Article | Rejection | None] = [None] * n
    fields: dict[int, dict[str, Any]] = {}
    clean_titles = _clean_column(titles, None)
    clean_bodies = _clean_column(bodies, 2 * MAX_BODY_CHARS)
    for i in range(n):
        row_no = first_row + i + 1
        if errors is not None and errors[i]:
            out[i] = Rejection(f"{ref}:{row_no}", str(errors[i]))
            continue
        pub = published[i]
        if not (isinstance(pub, dt.datetime) and pub.tzinfo is not None):
            out[i] = _build_one(data, i, options, ref, row_no)
            continue
        title, body = titles[i], bodies[i]
        title_c, body_c = clean_titles[i], clean_bodies[i]
        if title_c is not None:
            title_s = title_c
        else:
            title_s = clean_text(str(title)) if title is not None and title == title else ""
        if body_c is not None:
            body_s = body_c
        else:
            raw_body = str(body) if body is not None and body == body else ""
            if len(raw_body) > 2 * MAX_BODY_CHARS:
                raw_body = raw_body[: 2 * MAX_BODY_CHARS]
            body_s = clean_text(raw_body)
        if not title_s:
            lines = [ln for ln in body_s.split("\n") if ln.strip()]
            if not lines:
                out[i] = _build_one(data, i, options, ref, row_no)
                continue
            title_s = lines[0][:200]
            body_s = "\n".join(lines[1:]) if len(lines[0]) <= 200 else body_s
        title_s = " ".join(title_s.split())[:MAX_TITLE_CHARS]
        body_s, _capped = cap_body(body_s)
        url = urls[i]
        url_s = str(url).strip() if url is not None and url == url and str(url).strip() else None
        if url_s is not None and not _SCHEME.match(url_s):
            url_s = None
        if url_s is None:  # the text-hash id: leave it to build_article
            out[i] = _build_one(data, i, options, ref, row_no)
            continue
        url_s = canonical_url(url_s)
        when = pub.astimezone(dt.UTC)
        reason = check_published(when, now=now)
        if reason:
            out[i] = _build_one(data, i, options, ref, row_no)
            continue
        source = sources[i]
        src = str(source).strip() if source is not None and source == source and str(source).strip() else None
        src = src or options.source or _host(url_s) or "unknown"
        language = languages[i]
        text = f"{title_s}\n{body_s}"
        lang = _language(options.language or (str(language) if language and language == language else None), text)
        tick = tickers[i]
        fields[i] = {
            "id": hashlib.sha1(("url:" + url_s).encode("utf-8")).hexdigest()[:20],
            "source": src,
            "url": url_s,
            "title": title_s,
            "body": body_s,
            "language": lang,
            "authors": _authors(authors[i]),
            "published": when,
            "published_inferred": False,
            "first_seen": first_seen,
            "relays": (),
            "cluster_id": None,
            "tickers": tick if isinstance(tick, tuple) else _strings(tick),
        }
    if fields:
        rows = list(fields)
        texts = [f"{fields[i]['title']}\n{fields[i]['body']}" for i in rows]
        for i, text, hit in zip(rows, texts, _names_outlet(texts, [fields[i]["source"] for i in rows]), strict=True):
            if hit:
                fields[i]["relays"] = tuple(extract_relays(text, exclude=(fields[i]["source"],)))
        for i in rows:
            out[i] = Article(**fields[i])
    return [x for x in out if x is not None]


def _clean_column(values: list[Any], limit: int | None) -> list[str | None]:
    """:func:`clean_text` of every plain string of a column, in a few Arrow passes; None for the others.

    Plain means printable ASCII and newlines, without ``&``: then ``clean_text`` only collapses runs of
    spaces, drops spaces next to newlines, cuts runs of blank lines to one and strips spaces and
    newlines, which the RE2 replacements below do identically. Strings longer than ``limit`` are left to
    the caller (``build_article`` cuts bodies before cleaning them).
    """
    out: list[str | None] = [None] * len(values)
    try:
        arr = pa.array(values, type=pa.large_string())
    except (pa.ArrowInvalid, pa.ArrowTypeError):  # not all strings: leave the column to the per-row path
        return out
    plain = pc.invert(pc.match_substring_regex(arr, "[^\\n\\x20-\\x7e]|&"))
    if limit is not None:
        plain = pc.and_(plain, pc.less_equal(pc.binary_length(arr), limit))
    rows = pc.indices_nonzero(pc.fill_null(plain, False))
    if len(rows) == 0:
        return out
    arr = pc.take(arr, rows)
    arr = pc.replace_substring_regex(arr, " {2,}", " ")
    arr = pc.replace_substring(arr, " \n", "\n")
    arr = pc.replace_substring(arr, "\n ", "\n")
    arr = pc.replace_substring_regex(arr, "\n{3,}", "\n\n")
    arr = pc.ascii_trim(arr, " \n")
    for i, text in zip(rows.to_pylist(), arr.to_pylist(), strict=True):
        out[i] = text
    return out


def _build_one(data: dict[str, list[Any]], i: int, options: BuildOptions, ref: str, row_no: int) -> Article | Rejection:
    try:
        return build_article(**{field: values[i] for field, values in data.items()}, options=options)
    except MovedeskError as exc:
        return Rejection(f"{ref}:{row_no}", exc.message)


def _names_outlet(texts: list[str], sources: list[str]) -> list[bool]:
    """Per text: could :func:`extract_relays` find an outlet in it other than its source? (A superset.)

    True when an outlet alias other than those of the source (when all texts share one) occurs with the
    word boundaries :func:`extract_relays` demands (Latin aliases) or anywhere (CJK aliases).
    """
    own = tuple(sorted(set(sources))) if len(set(sources)) == 1 else ()
    try:
        found = pc.match_substring_regex(pa.array(texts, type=pa.large_string()), _boundary_pattern(own))
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError, pa.ArrowTypeError):
        return [True] * len(texts)
    return [bool(x) for x in pc.fill_null(found, True).to_pylist()]


@functools.cache
def _boundary_pattern(exclude: tuple[str, ...]) -> str:
    skip = {canonical_outlet(x) or x for x in exclude}
    aliases = sorted((a for a, o in _outlets().canonical.items() if o not in skip), key=len, reverse=True)
    latin = "|".join(re.escape(a) for a in aliases if not _is_cjk(a[0]))
    cjk = "|".join(re.escape(a) for a in aliases if _is_cjk(a[0]))
    parts = [f"(?:^|[^0-9A-Za-z_\\-])(?:{latin})(?:[^0-9A-Za-z_]|$)"] if latin else []
    if cjk:
        parts.append(f"(?:{cjk})")
    return "|".join(parts) or "$^"
