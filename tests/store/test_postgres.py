"""The PostgreSQL store end to end: the demo brief it produces is the golden one, the demo is idempotent on
it, several processes may open a new database at once, and what it refuses it refuses clearly."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from golden_brief import GOLDEN, golden_outputs, rounded
from movedesk.errors import StoreCorrupt, StoreError, StoreTooNew
from movedesk.store import SCHEMA_VERSION, open_store

# without the [postgres] extra the module skips (and under CI=true, where it is installed, a skip fails)
psycopg = pytest.importorskip("psycopg", reason='the PostgreSQL store needs pip install ".[postgres]"')
pytest.importorskip("psycopg_pool", reason='the PostgreSQL store needs pip install ".[postgres]"')
from movedesk.store.postgres_store import PostgresStore, redacted  # noqa: E402


def _schema(url: str) -> str:
    return url.split("search_path%3D")[-1]


def test_the_demo_brief_on_postgresql_is_the_golden_brief(pg_url: str) -> None:
    outputs = golden_outputs(pg_url)
    for name, text in outputs.items():
        expected = (GOLDEN / name).read_text(encoding="utf-8")
        if name.endswith(".json"):  # as test_golden: the same document, floats to 10 significant digits
            assert rounded(json.loads(text)) == rounded(json.loads(expected))
        else:
            assert text == expected, f"{name} differs on PostgreSQL"


def test_the_demo_runs_twice_on_postgresql_and_adds_nothing(pg_url: str, tmp_path: Path) -> None:
    def demo() -> str:
        done = subprocess.run([sys.executable, "-m", "movedesk", "--db", pg_url, "demo", "--out", str(tmp_path)],
                              capture_output=True, text=True, timeout=300)  # fmt: skip
        assert done.returncode == 0, done.stderr[-2000:]
        return done.stdout

    demo()
    with open_store(pg_url) as store:
        first = (store.count_articles(), len(store.bars()), len(store.briefs()), len(store.editions()))
    assert first[0] > 0 and first[2:] == (1, 1)
    demo()
    with open_store(pg_url) as store:
        assert (store.count_articles(), len(store.bars()), len(store.briefs()), len(store.editions())) == first
    assert (tmp_path / "SMIC-2024-12-23.md").read_text(encoding="utf-8").count("95.18") >= 1


def test_processes_opening_a_new_database_at_once_migrate_it_once(pg_url: str) -> None:
    errors: list[BaseException] = []

    def open_one() -> None:
        try:
            with open_store(pg_url) as store:
                assert store.schema_version() == SCHEMA_VERSION
        except BaseException as exc:  # handed to the test
            errors.append(exc)

    threads = [threading.Thread(target=open_one) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    with psycopg.connect(pg_url) as conn:
        rows = conn.execute("SELECT key, value FROM movedesk_meta").fetchall()
    assert rows == [("schema_version", str(SCHEMA_VERSION))]


def test_a_database_of_other_tables_is_refused_and_untouched(pg_url: str) -> None:
    with psycopg.connect(pg_url) as conn:
        conn.execute("CREATE TABLE ledger (id int)")
    with pytest.raises(StoreCorrupt, match="not a movedesk store"):
        open_store(pg_url)
    with psycopg.connect(pg_url) as conn:
        tables = conn.execute(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = %s", [_schema(pg_url)]
        ).fetchall()
    assert tables == [("ledger",)]


def test_a_newer_schema_is_refused(pg_url: str) -> None:
    open_store(pg_url).close()
    with psycopg.connect(pg_url) as conn:
        conn.execute("UPDATE movedesk_meta SET value = %s", [str(SCHEMA_VERSION + 1)])
    with pytest.raises(StoreTooNew, match=f"schema version {SCHEMA_VERSION + 1}"):
        open_store(pg_url)


def test_a_read_only_store_refuses_writes(pg_url: str) -> None:
    open_store(pg_url).close()
    with open_store(pg_url, read_only=True) as store, pytest.raises(psycopg.errors.ReadOnlySqlTransaction):
        store.put_extraction("a", "p", {})


def test_an_unreachable_server_is_a_clear_error_without_the_password(pg_server: str) -> None:
    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    url = f"postgresql://desk:s3cret@127.0.0.1:{port}/movedesk"
    with pytest.raises(StoreError, match="cannot connect") as info:
        PostgresStore(url, timeout=1.0)
    assert "s3cret" not in str(info.value) and "s3cret" not in redacted(url)
