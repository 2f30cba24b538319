"""The Dask cluster behind ``--scheduler``: which one a scheduler string names, a client to it, and ``map``
on its workers. Dask is an optional extra, imported only here and only when a scheduler is named."""

from __future__ import annotations

import contextlib
import importlib
import logging
import os
from collections.abc import Callable, Iterator, Sequence
from typing import TYPE_CHECKING, Any

from movedesk.errors import ConfigError

if TYPE_CHECKING:
    from distributed import Client

INSTALL_HINT = 'install the Dask extra: pip install "movedesk[dask]"'
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
def client_for(scheduler: str | None, workers: int | None = None, *, timeout: float = 10.0) -> Iterator[Client | None]:
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
