"""The work Dask workers do for the desk, and the client's side of it (``movedesk.jobs.distributed``).

Workers never open the store (DuckDB allows one writing process): the client ships what they need (the
path of a Parquet file, or articles) and writes what they send back (article tables, links, extraction
payloads), in the order one process would.
"""

from __future__ import annotations

import functools
from collections import deque
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from movedesk.errors import ConfigError
from movedesk.jobs.dask_cluster import AHEAD, worker_count

if TYPE_CHECKING:
    import datetime as dt

    import pyarrow as pa
    from distributed import Client, Future

    from movedesk.desk import Desk
    from movedesk.extract.options import ExtractOptions
    from movedesk.gather.normalise import BuildOptions, Rejection
    from movedesk.models import Article, Company
    from movedesk.registry import Registry

#: New articles a worker links and extracts per task.
EXTRACT_CHUNK = 400


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
    articles: list[Article],
    setup: WorkerSetup,
    registry: Registry | None,
    skip: frozenset[str],
    *,
    link: bool = True,
) -> tuple[list[tuple[str, str]], list[tuple[str, dict[str, Any]]]]:
    """On a worker: the (article, company) links of ``articles`` and, unless ``setup.version`` is empty, the
    extraction payload of each linked article not in ``skip`` (already extracted). ``link=False``: no
    links, and every article not in ``skip`` is extracted (the news an explanation reads)."""
    from movedesk.extract.cache import pipeline_key
    from movedesk.extract.entities import link_companies
    from movedesk.extract.pipeline import extract_article
    from movedesk.registry import default_registry

    _prepare(setup.holidays, setup.closures)
    reg = registry if registry is not None else default_registry()
    links = [(a.id, cid) for a in articles for cid in sorted(link_companies(a, reg, setup.options))] if link else []
    payloads: list[tuple[str, dict[str, Any]]] = []
    if not setup.version:
        return links, payloads
    if pipeline_key(setup.options) != setup.version:
        raise ConfigError(
            "a Dask worker runs another version of movedesk's extraction than this process",
            hint="install the same movedesk on the workers as on the client",
        )
    linked = {aid for aid, _ in links} if link else {a.id for a in articles}
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


def link_on_workers(
    desk: Desk,
    article_ids: Sequence[str],
    *,
    client: Client,
    extract: bool = False,
    chunk: int = EXTRACT_CHUNK,
    files: Sequence[tuple[Any, ...]] = (),
    link: bool = True,
    progress: Callable[[int, int], None] | None = None,
) -> int:
    """``Desk.link_articles(article_ids, extract=extract)`` with the linking and extraction done by the
    workers, ``chunk`` articles (read from the store) a task, plus the tasks ``files`` (a worker function
    and its leading arguments, the last one the ids: :func:`link_and_extract_file`); the links and
    payloads are stored here, in task order; ``progress(done, total)`` counts the articles settled.
    Returns the number of links added."""
    from movedesk.registry import default_registry

    cache = desk.extraction_cache
    version = cache.version() if extract else ""
    setup = WorkerSetup(cache.options or _current_options(), version, desk.settings.holidays, desk.settings.closures)
    registry: Any = None
    if desk.registry is not default_registry():
        registry = client.scatter(desk.registry, broadcast=True)
    ahead = AHEAD * worker_count(client)
    pending: deque[tuple[Future[Any], int]] = deque()
    ids = list(article_ids)
    total = len(ids) + sum(len(task[-1]) for task in files)
    added = done = 0

    def skip(ids: Sequence[str]) -> frozenset[str]:
        return frozenset(desk.store.extractions(list(ids), version)) if version else frozenset()

    def settle() -> None:
        nonlocal added, done
        future, count = pending.popleft()
        links, payloads = future.result()
        future.release()
        added += int(desk.store.link_companies(links))
        store_extractions(desk, version, payloads)
        done += count
        if progress is not None:
            progress(done, total)

    def submit(fn: Callable[..., Any], count: int, *args: Any) -> None:
        pending.append((client.submit(fn, *args, pure=False), count))
        while len(pending) >= ahead:
            settle()

    for fn, *args in files:
        submit(fn, len(args[-1]), *args, setup, registry, skip(args[-1]))
    for lo in range(0, len(ids), max(1, chunk)):
        some = ids[lo : lo + chunk]
        articles = desk.store.articles_by_id(some)
        submit(functools.partial(link_and_extract, link=link), len(some), articles, setup, registry,
               skip([a.id for a in articles]))  # fmt: skip
    while pending:
        settle()
    return added


def warm_extractions(
    desk: Desk, companies: Sequence[Company], session: dt.date, *, client: Client, chunk: int = EXTRACT_CHUNK
) -> int:
    """Extract on the workers the news each company's explanation of ``session`` will read and is not cached
    yet, and cache it: ``explain`` then reads every extraction it needs, the same payloads it would have
    computed. Returns how many articles were sent."""
    from movedesk.errors import MovedeskError
    from movedesk.explain.explain import news_window

    articles: dict[str, None] = {}
    for company in companies:
        try:
            since, until = news_window(company, session, lookback_days=desk.settings.lookback_days)
        except MovedeskError:  # explain reports it; nothing to read ahead
            continue
        articles.update(dict.fromkeys(a.id for a in desk.company_news(company.id, since, until)))
    link_on_workers(desk, list(articles), client=client, extract=True, chunk=chunk, link=False)
    return len(articles)


def store_extractions(desk: Desk, version: str, payloads: Sequence[tuple[str, dict[str, Any]]]) -> None:
    """Cache extraction payloads under ``version``, in one statement."""
    desk.store.put_extractions(payloads, version)


def _current_options() -> ExtractOptions:
    from movedesk.extract.options import current

    return current()
