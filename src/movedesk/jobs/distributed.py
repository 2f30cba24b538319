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
  ``movedesk ingest news`` does. Then each file's new articles go back to a worker, which reads them from
  the file again, links them to the companies they name and extracts them; the client stores the links
  and the extraction payloads.
* Daily edition: the scan as above; the news each top mover's explanation reads is extracted by the
  workers ahead, and this process explains the moves from those cached extractions (explain itself needs
  the store, which workers do not open).

The worker tasks and the client's writes are in :mod:`movedesk.jobs.dask_work`; the scheduler string and
the client in :mod:`movedesk.jobs.dask_cluster`.

>>> from movedesk.jobs.distributed import client_for
>>> with client_for(None, None) as client:
...     client is None
True
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from movedesk.jobs.dask_cluster import AHEAD, client_for, client_mapper, parse_scheduler, worker_count
from movedesk.jobs.dask_work import (
    WorkerTables,
    archive_files,
    link_and_extract_file,
    link_on_workers,
    warm_extractions,
)

if TYPE_CHECKING:
    import datetime as dt

    from distributed import Client

    from movedesk.desk import Desk
    from movedesk.detect.scan import ScanResult
    from movedesk.gather.ingest import IngestReport
    from movedesk.publish.edition import Edition

__all__ = ["build_edition", "client_for", "client_mapper", "ingest_news", "parse_scheduler", "scan", "worker_count"]

log = logging.getLogger(__name__)

#: Listings per scan partition at most (a panel is also cut into at least two parts a worker).
SCAN_PART_LISTINGS = 2_000
#: Movers whose news is extracted ahead beyond the edition's ``top`` (for those explain refuses).
SPARE_MOVERS = 3


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
    link_progress = options.pop("link_progress", None)
    tables = WorkerTables(client, archive_files(paths), AHEAD * worker_count(client))
    report = desk.ingest_news(paths, extract=False, link=False, tables=tables, **options)
    gone = set(report.demoted_ids)
    by_file, elsewhere = tables.files_of([i for i in report.new_ids if i not in gone])
    tasks: list[tuple[Any, ...]] = [
        (link_and_extract_file, path, tables.build, tables.column_map, ids) for path, ids in by_file.items()
    ]
    link_on_workers(desk, elsewhere, client=client, extract=extract, files=tasks, progress=link_progress)
    return report


# -- the daily edition -----------------------------------------------------------------------------------
def build_edition(
    desk: Desk,
    session: dt.date,
    *,
    client: Client | None = None,
    scheduler: str | None = None,
    universe: str | None = None,
    top: int = 5,
    min_z: float | None = None,
    scope: str | None = None,
    scope_label: str | None = None,
) -> Edition:
    """``publish.edition.build_edition`` with the scan partitioned over the workers and the news of the
    movers it explains extracted by them first; this process explains each move from those extractions and
    builds the briefs, the same briefs as without a scheduler."""
    from movedesk.publish.edition import build_edition as build

    if client is None and parse_scheduler(scheduler)[0] is not None:
        with client_for(scheduler) as opened:
            return build_edition(desk, session, client=opened, universe=universe, top=top, min_z=min_z,
                                 scope=scope, scope_label=scope_label)  # fmt: skip
    movers = None
    if client is not None:
        parts = max(2 * worker_count(client), _parts_for(desk, universe))
        movers = desk.top_movers(session, universe=universe, min_z=min_z, parts=parts, mapper=client_mapper(client))
        warm_extractions(desk, movers[0][: top + SPARE_MOVERS], session, client=client)
    return build(desk, session, universe=universe, top=top, min_z=min_z, scope=scope, scope_label=scope_label,
                 movers=movers)  # fmt: skip
