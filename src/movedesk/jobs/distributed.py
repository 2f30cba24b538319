"""Dask distributed for the batch paths: the market-wide scan over listing partitions, and the ingest and
extraction of a partitioned Parquet news archive. Results are the same as on one process.

``scheduler`` chooses where the work runs (``--scheduler`` on the CLI, else ``MOVEDESK_SCHEDULER``):

* ``None`` or ``""`` — this process alone, no Dask at all (the default);
* ``local`` or ``local:N`` — a ``LocalCluster`` of N worker processes (default: one a core) on loopback,
  started for the call and closed after it;
* ``tcp://host:port`` (any Dask address) — the workers of a running cluster (``dask scheduler`` and
  ``dask worker``); they need the same movedesk installed.

Dask is an optional extra (``pip install "movedesk[dask]"``), imported only when a scheduler is named.

The store has one writer (DuckDB allows one writing process), so workers never open it: the client
reads what they need, ships it, and writes what they send back, in the order one process would.

* Scan: each (calendar, benchmark) panel is cut into listing partitions that carry the benchmark's
  returns (:mod:`movedesk.detect.partition`); workers scan them, the client combines them.
* Archive: workers read the Parquet files (one task a file) into article tables with their
  fingerprints; the client de-duplicates and writes them in file order, exactly as
  ``movedesk ingest news`` does. Then the new articles go to the workers in chunks to be linked to the
  companies they name and extracted; the client stores the links and the extraction payloads.

>>> from movedesk.jobs.distributed import client_for
>>> with client_for(None, None) as client:
...     client is None
True
"""

from __future__ import annotations

import contextlib
import functools
import importlib
import logging
import os
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from movedesk.errors import ConfigError

if TYPE_CHECKING:
    import datetime as dt

    import pyarrow as pa
    from distributed import Client, Future

    from movedesk.desk import Desk
    from movedesk.detect.scan import ScanResult
    from movedesk.extract.options import ExtractOptions
    from movedesk.gather.ingest import IngestReport
    from movedesk.gather.normalise import BuildOptions, Rejection
    from movedesk.models import Article
    from movedesk.registry import Registry

log = logging.getLogger(__name__)

INSTALL_HINT = 'install the Dask extra: pip install "movedesk[dask]"'
#: Listings per scan partition at most (a panel is also cut into at least two parts a worker).
SCAN_PART_LISTINGS = 2_000
#: New articles a worker links and extracts per task.
EXTRACT_CHUNK = 400
#: Tasks in flight per worker (more keep workers busy; fewer keep the client's memory down).
AHEAD = 2


def _distributed() -> Any:
    """The ``distributed`` package, or a ConfigError telling how to install it."""
    try:
        return importlib.import_module("distributed")
    except ImportError as exc:
        raise ConfigError(
            f"a Dask scheduler was asked for, but Dask is not installed ({exc})", hint=INSTALL_HINT
        ) from exc


def parse_scheduler(scheduler: str | None, workers: int | None = None) -> tuple[str | None, int | None]:
    """``(address, local workers)``: address None for this process alone, ``local`` for a LocalCluster."""
    text = (scheduler or "").strip()
    if not text:
        return (None, None) if not workers or workers <= 1 else ("local", workers)
    if text == "local" or text.startswith("local:"):
        count = text.partition(":")[2]
        if count:
            if not count.isdigit() or int(count) < 1:
                raise ConfigError(f"scheduler {text!r}: the worker count after 'local:' must be a whole number ≥ 1")
            workers = int(count)
        return "local", workers or os.cpu_count() or 1
    if "://" not in text:
        raise ConfigError(
            f"scheduler {text!r} is not a Dask address",
            hint="use tcp://host:port for a running cluster, local[:N] for N local worker processes, or nothing",
        )
    return text, None


@contextlib.contextmanager
def client_for(
    scheduler: str | None, workers: int | None = None, *, timeout: float = 10.0
) -> Iterator[Client | None]:
    """A Dask ``Client`` for ``scheduler`` (see the module docstring), or None for this process alone.

    A local cluster is started here (``workers`` processes of one thread each, loopback, no dashboard)
    and closed on exit; a remote cluster is only connected to (a ConfigError after ``timeout`` seconds)."""
    address, count = parse_scheduler(scheduler, workers)
    if address is None:
        yield None
        return
    distributed = _distributed()
    if address == "local":
        cluster = distributed.LocalCluster(
            n_workers=count, threads_per_worker=1, processes=True, dashboard_address=None, host="127.0.0.1",
            silence_logs=logging.WARNING,
        )  # fmt: skip
        try:
            with distributed.Client(cluster) as client:
                yield client
        finally:
            cluster.close()
        return
    try:
        client = distributed.Client(address, timeout=timeout)
    except (OSError, TimeoutError) as exc:
        raise ConfigError(
            f"cannot reach the Dask scheduler at {address}: {exc}",
            hint="start it (dask scheduler; dask worker ADDRESS) or check --scheduler / MOVEDESK_SCHEDULER",
        ) from exc
    with client:
        yield client


def worker_count(client: Client) -> int:
    return max(1, len(client.scheduler_info().get("workers", {})))


def client_mapper(client: Client) -> Callable[[Callable[[Any], Any], Sequence[Any]], list[Any]]:
    """``map`` on the client's workers: the results in the order of the items."""

    def mapper(fn: Callable[[Any], Any], items: Sequence[Any]) -> list[Any]:
        if not items:
            return []
        futures = client.map(fn, list(items), pure=False)
        return list(client.gather(futures))

    return mapper


# -- the market-wide scan --------------------------------------------------------------------------------
def scan(
    desk: Desk,
    start: dt.date,
    end: dt.date | None = None,
    *,
    client: Client | None = None,
    scheduler: str | None = None,
    **options: Any,
) -> ScanResult:
    """``Desk.scan`` with each panel cut into listing partitions scanned by the workers of ``client`` (or of
    ``scheduler``); this process alone when neither names one. ``options`` are ``Desk.scan``'s."""
    if client is None and parse_scheduler(scheduler)[0] is not None:
        with client_for(scheduler) as opened:
            return scan(desk, start, end, client=opened, **options)
    if client is None:
        return desk.scan(start, end, **options)
    n = worker_count(client)
    parts = max(2 * n, _parts_for(desk, options.get("universe")))
    return desk.scan(start, end, parts=parts, mapper=client_mapper(client), **options)


def _parts_for(desk: Desk, universe: Any) -> int:
    """Enough parts that none holds more than SCAN_PART_LISTINGS listings."""
    return -(-len(desk.store.symbols()) // SCAN_PART_LISTINGS)


# -- the news archive ------------------------------------------------------------------------------------
@dataclass(frozen=True)
class WorkerSetup:
    """What a worker needs to extract as the client would: the options, the registry (None: the shipped
    one), the desk's listed holidays and closures, and the version the client stores results under."""

    options: ExtractOptions
    version: str
    holidays: str = ""
    closures: str = ""


@functools.cache
def _prepare(holidays: str, closures: str) -> None:
    from movedesk import calendars

    if holidays:
        calendars.load_holidays(holidays)
    if closures:
        calendars.load_closures(closures)


def build_tables(path: str, build: BuildOptions, column_map: dict[str, str] | None) -> list[Any]:
    """On a worker: one Parquet file as (article table with fingerprints, rows read, rejections) per
    record batch, in file order (what ``movedesk ingest news`` builds in its own process)."""
    from movedesk.gather.ingest import source_class

    return list(source_class("bulk").table_stream(Path(path), build, column_map))


def link_and_extract(
    articles: list[Article], setup: WorkerSetup, registry: Registry | None, skip: frozenset[str]
) -> tuple[list[tuple[str, str]], list[tuple[str, dict[str, Any]]]]:
    """On a worker: the (article, company) links of ``articles`` and, unless ``setup.version`` is empty, the
    extraction payload of each linked article not in ``skip`` (already extracted)."""
    from movedesk.extract.cache import pipeline_key
    from movedesk.extract.entities import link_companies
    from movedesk.extract.pipeline import extract_article
    from movedesk.registry import default_registry

    _prepare(setup.holidays, setup.closures)
    reg = registry if registry is not None else default_registry()
    links = [(a.id, cid) for a in articles for cid in sorted(link_companies(a, reg))]
    payloads: list[tuple[str, dict[str, Any]]] = []
    if not setup.version:
        return links, payloads
    if pipeline_key(setup.options) != setup.version:
        raise ConfigError(
            "a Dask worker runs another version of movedesk's extraction than this process",
            hint="install the same movedesk on the workers as on the client",
        )
    linked = {aid for aid, _ in links}
    done: set[str] = set()
    for a in articles:
        if a.id in linked and a.id not in skip and a.id not in done:
            done.add(a.id)
            payloads.append((a.id, extract_article(a, reg, options=setup.options).to_json_dict()))
    return links, payloads


def link_and_extract_file(
    path: str,
    build: BuildOptions,
    column_map: dict[str, str] | None,
    ids: list[str],
    setup: WorkerSetup,
    registry: Registry | None,
    skip: frozenset[str],
) -> tuple[list[tuple[str, str]], list[tuple[str, dict[str, Any]]]]:
    """On a worker: :func:`link_and_extract` of the articles ``ids`` of one Parquet file, read from the file
    again (the first row of each id, as the ingest stored it) rather than shipped from the store."""
    from movedesk.gather.columnar import table_articles
    from movedesk.store.arrow import ARTICLE_SCHEMA

    wanted = set(ids)
    claimed: set[str] = set()  # later rows of an id are copies the ingest did not store
    found: dict[str, Article] = {}
    for table, _rows, _rejected in build_tables(path, build, column_map):
        rows: list[int] = []
        for pos, key in enumerate(table.column("id").to_pylist()):
            if key in wanted and key not in claimed:
                claimed.add(key)
                rows.append(pos)
        if rows:
            for article in table_articles(table.select(ARTICLE_SCHEMA.names).take(rows)):
                found[article.id] = article
    return link_and_extract([found[i] for i in ids if i in found], setup, registry, skip)


class WorkerTables:
    """An ``IngestOptions.tables`` source: each Parquet file's tables built by a worker, a few files ahead
    of the one the client is de-duplicating (at most ``ahead`` files in flight or waiting). It keeps the
    ids each file held, so that the new ones can be sent back to a worker with their file."""

    def __init__(self, client: Client, files: Sequence[Path], ahead: int) -> None:
        self.client = client
        self.todo = deque(str(p) for p in files)
        self.ahead = max(1, ahead)
        self.futures: dict[str, Future[Any]] = {}
        self.build: BuildOptions | None = None
        self.column_map: dict[str, str] | None = None
        self.ids: dict[str, list[str]] = {}  # file -> the ids of its rows, in file order

    def _fill(self) -> None:
        while self.todo and len(self.futures) < self.ahead:
            path = self.todo.popleft()
            self.futures[path] = self.client.submit(build_tables, path, self.build, self.column_map, pure=False)

    def __call__(
        self, path: Path, build: BuildOptions, column_map: dict[str, str] | None
    ) -> Iterable[tuple[pa.Table, int, list[Rejection]]]:
        if self.build is None:
            self.build, self.column_map = build, column_map
        self._fill()
        future = self.futures.pop(str(path), None)
        if future is None or build is not self.build:  # not planned here: built as one process would
            return build_tables(str(path), build, column_map)
        tables = future.result()
        future.release()
        self._fill()
        self.ids[str(path)] = [key for table, _n, _r in tables for key in table.column("id").to_pylist()]
        return list(tables)

    def files_of(self, article_ids: Sequence[str]) -> tuple[dict[str, list[str]], list[str]]:
        """``article_ids`` by the first file that held each (in file order), and those no file held."""
        left = dict.fromkeys(article_ids)
        by_file: dict[str, list[str]] = {}
        for path, ids in self.ids.items():
            mine = [key for key in dict.fromkeys(ids) if key in left]
            for key in mine:
                del left[key]
            if mine:
                by_file[path] = mine
        return by_file, list(left)


def archive_files(paths: Iterable[str | Path]) -> list[Path]:
    """The Parquet files of ``paths`` (folders walked), in the order ``movedesk ingest news`` reads them."""
    from movedesk.gather.documents import SUFFIX_KIND

    out: list[Path] = []
    for query in paths:
        path = Path(query)
        children = sorted(p for p in path.rglob("*") if p.is_file() and p.suffix.lower() in SUFFIX_KIND) \
            if path.is_dir() else [path]  # fmt: skip
        out += [p for p in children if p.suffix.lower() in (".parquet", ".pq") and p.is_file()]
    return out


def ingest_news(
    desk: Desk,
    paths: Sequence[str | Path],
    *,
    client: Client | None = None,
    scheduler: str | None = None,
    extract: bool = False,
    **options: Any,
) -> IngestReport:
    """``Desk.ingest_news`` with the Parquet files read by the workers of ``client`` (or ``scheduler``) and
    the new articles linked (and with ``extract``, extracted) by them; this process writes everything.
    The store ends with the same articles, links and extraction payloads as without a scheduler."""
    if client is None and parse_scheduler(scheduler)[0] is not None:
        with client_for(scheduler) as opened:
            return ingest_news(desk, paths, client=opened, extract=extract, **options)
    if client is None:
        return desk.ingest_news(paths, extract=extract, **options)
    tables = WorkerTables(client, archive_files(paths), AHEAD * worker_count(client))
    report = desk.ingest_news(paths, extract=False, link=False, tables=tables, **options)
    gone = set(report.demoted_ids)
    by_file, elsewhere = tables.files_of([i for i in report.new_ids if i not in gone])
    tasks: list[tuple[Any, ...]] = [
        (link_and_extract_file, path, tables.build, tables.column_map, ids) for path, ids in by_file.items()
    ]
    link_on_workers(desk, elsewhere, client=client, extract=extract, files=tasks)
    return report


def link_on_workers(
    desk: Desk,
    article_ids: Sequence[str],
    *,
    client: Client,
    extract: bool = False,
    chunk: int = EXTRACT_CHUNK,
    files: Sequence[tuple[Any, ...]] = (),
) -> int:
    """``Desk.link_articles(article_ids, extract=extract)`` with the linking and extraction done by the
    workers, ``chunk`` articles (read from the store) a task, plus the tasks ``files`` (a worker function
    and its leading arguments, the last one the ids: :func:`link_and_extract_file`); the links and
    payloads are stored here, in task order. Returns the number of links added."""
    from movedesk.registry import default_registry

    cache = desk.extraction_cache
    version = cache.version() if extract else ""
    setup = WorkerSetup(cache.options or _current_options(), version, desk.settings.holidays, desk.settings.closures)
    registry: Any = None
    if desk.registry is not default_registry():
        registry = client.scatter(desk.registry, broadcast=True)
    ahead = AHEAD * worker_count(client)
    pending: deque[Future[Any]] = deque()
    added = 0

    def skip(ids: Sequence[str]) -> frozenset[str]:
        return frozenset(desk.store.extractions(list(ids), version)) if version else frozenset()

    def settle(future: Future[Any]) -> int:
        links, payloads = future.result()
        future.release()
        count = desk.store.link_companies(links)
        store_extractions(desk, version, payloads)
        return int(count)

    def submit(fn: Callable[..., Any], *args: Any) -> None:
        nonlocal added
        pending.append(client.submit(fn, *args, pure=False))
        while len(pending) >= ahead:
            added += settle(pending.popleft())

    for fn, *args in files:
        submit(fn, *args, setup, registry, skip(args[-1]))
    ids = list(article_ids)
    for lo in range(0, len(ids), max(1, chunk)):
        articles = [a for a in (desk.store.article(i) for i in ids[lo : lo + chunk]) if a]
        if articles:
            submit(link_and_extract, articles, setup, registry, skip([a.id for a in articles]))
    while pending:
        added += settle(pending.popleft())
    return added


def store_extractions(desk: Desk, version: str, payloads: Sequence[tuple[str, dict[str, Any]]]) -> None:
    """Cache extraction payloads under ``version``: in one call when the store can take many at once
    (``put_extractions``), else one by one in one transaction."""
    if not payloads:
        return
    bulk = getattr(desk.store, "put_extractions", None)
    if bulk is not None:
        bulk(payloads, version)
        return
    with desk.store.transaction():
        for article_id, payload in payloads:
            desk.store.put_extraction(article_id, version, payload)


def _current_options() -> ExtractOptions:
    from movedesk.extract.options import current

    return current()
