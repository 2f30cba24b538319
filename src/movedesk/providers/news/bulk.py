"""Bulk news files: JSON Lines (or a JSON array), CSV/TSV and Parquet, with a column map.

Columns are found by name (``title``/``headline``, ``body``/``text``/``content``, ``published``/``date``,
``url``/``link``, ``source``, ``author``/``authors``, ``tickers``, ``language``); a ``column_map`` of
``{"file column": "article field"}`` names the others. ``../shared/data/news/*.parquet`` loads as is.
Files are read in record batches, so a large file never sits in memory whole; a bad row becomes a
rejection with its row number and the rest of the file still lands.
"""

from __future__ import annotations

import json
import multiprocessing as mp
import os
import queue
import threading
import traceback
from collections import deque
from collections.abc import Iterable, Iterator, Mapping
from concurrent.futures import Future, ProcessPoolExecutor
from pathlib import Path
from typing import Any, TypeVar

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from movedesk.errors import DataValidationError, MissingColumn, MovedeskError
from movedesk.gather import columnar
from movedesk.gather.normalise import BuildOptions, Rejection, build_article
from movedesk.gather.provenance import alias_pattern
from movedesk.models import Article
from movedesk.store.arrow import ARTICLE_SCHEMA, articles_table

SUFFIXES = (".parquet", ".pq", ".jsonl", ".ndjson", ".json", ".csv", ".tsv")
BATCH_ROWS = 5_000
#: Files at least this big are parsed by worker processes.
PARALLEL_BYTES = 8 * 1024 * 1024
FIELDS: dict[str, tuple[str, ...]] = {
    "title": ("title", "headline", "heading", "subject"),
    "body": ("body", "text", "content", "article", "story", "description", "summary"),
    "published": (
        "published",
        "published_at",
        "publish_time",
        "pubdate",
        "pub_date",
        "date",
        "datetime",
        "time",
        "timestamp",
        "created_at",
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
        raise MissingColumn(f"no title or body column among {present[:12]}", hint="map one with --column NAME=title")
    return chosen


class BulkSource:
    """Many articles per file; ``fetch`` returns the path, ``items`` streams the rows."""

    name = "bulk"

    @staticmethod
    def table_stream(
        path: Path, build: BuildOptions, column_map: Mapping[str, str] | None = None, *, workers: int = 1
    ) -> Iterator[tuple[Any, int, list[Rejection]]]:
        """(articles table with fingerprints, rows read, rejections) per record batch of ``path``, in file
        order; with ``workers`` > 1 built by a second process (see :func:`table_stream_process`)."""
        if workers > 1:
            return table_stream_process(path, build, column_map)
        return table_stream(path, build, column_map)

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
                # pre_buffer=False: pre-buffering keeps what it read for the whole file, so memory grew with
                # the archive (125 MB at 60k articles against 32 MB flat); a local read gains nothing from it
                yield from pq.ParquetFile(path, pre_buffer=False).iter_batches(batch_size=self.batch_rows)
            elif suffix in (".csv", ".tsv"):
                parse = pacsv.ParseOptions(delimiter="\t" if suffix == ".tsv" else ",", newlines_in_values=True)
                convert = pacsv.ConvertOptions(strings_can_be_null=True, timestamp_parsers=[])
                reader = pacsv.open_csv(
                    path,
                    parse_options=parse,
                    convert_options=convert,
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
                job = (batch, columns, self.options, str(path), row_no, self.fast)
                row_no += batch.num_rows
                if pool is None:
                    yield from _build_batch(*job)
                    continue
                pending.append(pool.submit(_build_batch, *job))
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


def _build_batch(
    batch: pa.RecordBatch, columns: dict[str, str], options: BuildOptions, ref: str, first_row: int, fast: bool
) -> list[Article | Rejection]:
    """Rows of one record batch as Articles or Rejections, in file order (runs in a worker process for
    big files). Batches the column-wise builder takes (zoned Parquet times…) go through it; the others,
    and every batch when ``fast`` is off, through :func:`build_article` row by row."""
    if fast and columnar.fits(batch, columns, options):
        return columnar.batch_items(batch, columns, options, ref, first_row)
    return _build_rows(_job(batch, columns, options, ref, first_row))


def _job(batch: pa.RecordBatch, columns: dict[str, str], options: BuildOptions, ref: str, first_row: int) -> _Job:
    data = {field: batch.column(col).to_pylist() for field, col in columns.items()}
    errors = batch.column("__error__").to_pylist() if "__error__" in batch.schema.names else None
    return data, errors, options, ref, first_row, _may_name_outlets(batch, columns, data, options)


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
        cols[name] = (
            pa.array([v if v is None or isinstance(v, str | list) else str(v) for v in values])
            if any(isinstance(v, dict) for v in values)
            else _safe_array(values)
        )
    return pa.RecordBatch.from_pydict(cols)


def _safe_array(values: list[Any]) -> pa.Array:
    try:
        return pa.array(values)
    except (pa.ArrowInvalid, pa.ArrowTypeError):
        return pa.array([None if v is None else v if isinstance(v, list) else str(v) for v in values])


# -- the column-wise stream of a bulk file, for the ingest of large archives ------------------------------
# ``table_stream`` builds each record batch into an articles table with its dedup fingerprints
# (:mod:`movedesk.gather.columnar`), falling back to the per-row builder for batches the column-wise one
# refuses; ``table_stream_process`` does the same in a second process a few batches ahead.

Stream = Iterator[tuple[pa.Table, int, list[Rejection]]]


def table_stream(path: Path, build: BuildOptions, column_map: Mapping[str, str] | None = None) -> Stream:
    """(articles with their fingerprints, rows read, rejections) per record batch of a bulk file, in file
    order. Batches :func:`fits` refuses go through the per-row builder. A file that cannot be read (any
    further) ends with a rejection of the whole file, as ``iter_items`` reports it."""
    ref = str(path)
    source = BulkSource(options=build, column_map=column_map, fast=True)
    row_no = 0
    columns: dict[str, str] | None = None
    try:
        for record_batch in _prefetched(source.batches(source.fetch(path))):
            if columns is None:
                columns = resolve_columns([n for n in record_batch.schema.names if n != "__error__"], column_map)
            if columnar.fits(record_batch, columns, build):
                table, rejected = columnar.build_table(record_batch, columns, build, ref, row_no)
            else:
                items = _build_rows(_job(record_batch, columns, build, ref, row_no))
                table = articles_table([x for x in items if isinstance(x, Article)])
                rejected = [x for x in items if isinstance(x, Rejection)]
            row_no += record_batch.num_rows
            yield columnar.with_fingerprints(table), record_batch.num_rows, rejected
    except (MovedeskError, OSError, UnicodeError) as exc:
        reason = exc.message if isinstance(exc, MovedeskError) else f"{type(exc).__name__}: {exc}"
        yield columnar.with_fingerprints(ARTICLE_SCHEMA.empty_table()), 0, [Rejection(ref, reason)]


_T = TypeVar("_T")


def _prefetched(items: Iterator[_T]) -> Iterator[_T]:
    """``items`` in order, the next one produced by a thread while the caller works on this one (reading
    and decompressing a record batch happens in Arrow, without the GIL). Its exceptions are raised here."""
    box: queue.Queue[tuple[bool, Any]] = queue.Queue(maxsize=1)
    stop = threading.Event()

    def produce() -> None:
        try:
            for item in items:
                while not stop.is_set():
                    try:
                        box.put((True, item), timeout=0.1)
                        break
                    except queue.Full:
                        continue
                if stop.is_set():
                    return
            box.put((False, None))
        except BaseException as exc:  # handed to the consumer, which raises it
            box.put((False, exc))

    thread = threading.Thread(target=produce, name="movedesk-bulk-read", daemon=True)
    thread.start()
    try:
        while True:
            more, item = box.get()
            if not more:
                if item is not None:
                    raise item
                return
            yield item
    finally:
        stop.set()
        while thread.is_alive():  # let a blocked producer finish its put
            try:
                box.get_nowait()
            except queue.Empty:
                thread.join(timeout=0.05)


#: Record batches a worker process may build ahead of the process that stores them.
AHEAD = 3


def table_stream_process(path: Path, build: BuildOptions, column_map: Mapping[str, str] | None = None) -> Stream:
    """:func:`table_stream` computed by a second process (spawned, so it shares no threads or locks with
    this one), at most :data:`AHEAD` batches ahead. It stops when this generator is closed or this
    process dies; an error in it is raised here."""
    ctx = mp.get_context("spawn")
    box: Any = ctx.Queue(maxsize=AHEAD)
    worker = ctx.Process(
        target=_stream_worker, args=(str(path), build, dict(column_map or {}), box, os.getpid()), daemon=True
    )
    worker.start()
    try:
        while True:
            try:
                kind, item = box.get(timeout=1.0)
            except queue.Empty:
                if not worker.is_alive():
                    raise RuntimeError(f"the process reading {path} stopped (exit code {worker.exitcode})") from None
                continue
            if kind == "done":
                return
            if kind == "error":
                raise RuntimeError(f"reading {path} failed in the worker process:\n{item}")
            yield item
    finally:
        if worker.is_alive():
            worker.terminate()
        worker.join()
        box.close()


def _stream_worker(path: str, build: BuildOptions, column_map: dict[str, str], box: Any, parent: int) -> None:
    """The body of :func:`table_stream_process`'s process: every item into ``box``, then "done"."""

    def put(item: tuple[str, Any]) -> bool:
        while os.getppid() == parent:  # an orphan (the parent was killed) stops
            try:
                box.put(item, timeout=0.5)
                return True
            except queue.Full:
                continue
        return False

    try:
        for item in table_stream(Path(path), build, column_map):
            if not put(("item", item)):
                return
    except Exception:  # handed to the parent, which raises it
        put(("error", traceback.format_exc()))
        return
    put(("done", None))
