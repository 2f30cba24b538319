"""Shared fixtures: the ../shared data folder (skip when absent, fail under CI) and temporary stores."""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("MOVEDESK_SHARED", ROOT.parent / "shared"))


#: Skips that stay allowed under CI=true: they depend on who runs the tests, not on what is installed.
ALLOWED_SKIPS = ("root can write a read-only folder",)


def on_ci() -> bool:
    return os.environ.get("CI", "").lower() in ("1", "true", "yes")


def _shared() -> Path:
    if (SHARED / "data").is_dir():
        return SHARED
    if on_ci():
        pytest.fail(f"CI=true but the shared data folder {SHARED} is missing: these tests must not skip in CI")
    pytest.skip(f"needs the shared data folder {SHARED} (absent on this machine)")


@pytest.fixture(scope="session")
def shared_dir() -> Path:
    """Path of ../shared; skips the test with a reason when it is absent (fails when CI=true)."""
    return _shared()


@pytest.fixture(scope="session")
def pg_server():  # type: ignore[no-untyped-def]
    """URL of a PostgreSQL server for the tests: ``MOVEDESK_TEST_PG`` (what ``.ci/run`` starts), else a
    throwaway cluster started here from Debian's binaries; skips with a reason without one (fails under CI)."""
    url = os.environ.get("MOVEDESK_TEST_PG")
    if url:
        yield url
        return
    try:
        import psycopg  # noqa: F401
        import psycopg_pool  # noqa: F401
    except ImportError:
        _skip_or_fail('needs psycopg and psycopg_pool (pip install ".[postgres]")')
    from movedesk.testing.postgres import server_binaries, throwaway_cluster

    if server_binaries() is None:
        _skip_or_fail("needs PostgreSQL's server binaries (apt-get install postgresql) or MOVEDESK_TEST_PG")
    with throwaway_cluster() as started:
        yield started


def _skip_or_fail(reason: str) -> None:
    if on_ci():
        pytest.fail(f"CI=true but {reason}: the PostgreSQL tests must not skip in CI")
    pytest.skip(reason)


@contextlib.contextmanager
def _fresh_schema(server: str) -> Iterator[str]:
    """A new, empty schema on ``server`` as a store URL; dropped at the end."""
    from movedesk.testing.postgres import create_schema, drop_schema

    url = create_schema(server)
    try:
        yield url
    finally:
        drop_schema(server, url)


@pytest.fixture
def pg_url(pg_server: str) -> Iterator[str]:
    """A fresh, empty schema on the test server, as a store URL (dropped after the test)."""
    with _fresh_schema(pg_server) as url:
        yield url


@pytest.fixture(scope="module", params=["duckdb", "postgresql"])
def module_store_url(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """As ``store_url``, for a module's shared store: a DuckDB file, then a PostgreSQL schema."""
    if request.param == "duckdb":
        yield str(tmp_path_factory.mktemp("store") / "module.duckdb")
        return
    with _fresh_schema(request.getfixturevalue("pg_server")) as url:
        yield url


@pytest.fixture(params=["duckdb", "postgresql"])
def store_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A new store's URL on each backend: a DuckDB file, and a PostgreSQL schema of its own."""
    if request.param == "duckdb":
        return str(tmp_path / "test.duckdb")
    return str(request.getfixturevalue("pg_url"))


@pytest.fixture
def store(store_url: str):  # type: ignore[no-untyped-def]
    """An open, empty store, once on DuckDB and once on PostgreSQL."""
    from movedesk.store import open_store

    s = open_store(store_url)
    yield s
    s.close()


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """A ``duckdb_only`` test (about the file itself) runs on DuckDB only: its PostgreSQL copies are
    deselected, not skipped (a skip fails under CI)."""
    dropped = [
        item for item in items
        if item.get_closest_marker("duckdb_only")
        and "postgresql" in getattr(getattr(item, "callspec", None), "params", {}).values()
    ]  # fmt: skip
    if dropped:
        config.hook.pytest_deselected(items=dropped)
        items[:] = [item for item in items if item not in dropped]


_ci_skips: list[str] = []


def _note_skip(report: pytest.CollectReport | pytest.TestReport) -> None:
    if report.skipped and not hasattr(report, "wasxfail"):
        longrepr = report.longrepr
        reason = longrepr[2] if isinstance(longrepr, tuple) else str(longrepr)
        if not any(allowed in reason for allowed in ALLOWED_SKIPS):
            _ci_skips.append(f"{report.nodeid}: {reason}")


def pytest_collectreport(report: pytest.CollectReport) -> None:
    _note_skip(report)


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    _note_skip(report)


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    """Under CI every extra, tool and data set is installed: a skip means a test did not run. Fail."""
    if on_ci() and _ci_skips:
        reporter = session.config.pluginmanager.get_plugin("terminalreporter")
        if reporter is not None:
            reporter.write_line(f"CI=true: {len(_ci_skips)} tests skipped; under CI nothing may skip:", red=True)
            for line in _ci_skips[:50]:
                reporter.write_line(f"  {line}", red=True)
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


@pytest.fixture
def locked_store(tmp_path: Path):  # type: ignore[no-untyped-def]
    """A movedesk store file whose DuckDB lock another process holds for the test's duration."""
    import subprocess
    import sys

    from movedesk.store import open_store

    path = tmp_path / "busy.duckdb"
    open_store(path).close()
    holder = subprocess.Popen(
        [sys.executable, "-c", f"import duckdb,time; c=duckdb.connect({str(path)!r}); print('ok', flush=True); "
         "time.sleep(60)"],
        stdout=subprocess.PIPE, text=True,
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "ok"
        yield path
    finally:
        holder.kill()
        holder.wait()

