"""`movedesk serve` and the daily job share one DuckDB file: the server holds the store only while it
handles a request, so `movedesk send` (another process) runs while the server keeps serving."""

from __future__ import annotations

import os
import subprocess
import sys

import httpx
import pytest

from .conftest import Inbox, LiveServer


@pytest.mark.slow
@pytest.mark.duckdb_only  # PostgreSQL has no file to share: tests/web/test_postgres_workers.py
def test_send_runs_while_the_server_serves(live_server: LiveServer, smtp: Inbox) -> None:
    with live_server.state.using() as desk:
        desk.store.add_subscribers([("co-1", "co@example.com", "active", "daily")])
    page = f"{live_server.url}/briefs/{live_server.slug}"
    assert httpx.get(page).status_code == 200  # now cached
    s = live_server.settings
    env = {**os.environ, "PYTHONWARNINGS": "ignore", "MOVEDESK_SECRET_KEY": s.secret_key,
           "MOVEDESK_SMTP_HOST": s.smtp_host, "MOVEDESK_SMTP_PORT": str(s.smtp_port),
           "MOVEDESK_BASE_URL": s.base_url}
    job = subprocess.Popen([sys.executable, "-m", "movedesk", "--db", s.db, "send"], env=env,
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    pages, api = [], []
    with httpx.Client(timeout=10) as client:
        while job.poll() is None:
            pages.append(client.get(page).status_code)
            r = client.get(f"{live_server.url}/api/v1/briefs")
            api.append(r.status_code if r.status_code == 200 else (r.status_code, r.json()["code"]))
        out, err = job.communicate()
        assert job.returncode == 0, err[-2000:]
        assert "sent 1" in out
        assert set(pages) == {200}  # the cached brief never needs the store
        assert set(api) <= {200, (503, "W013")}  # while the job holds the file: store busy, retry later
        assert client.get(f"{live_server.url}/api/v1/briefs").status_code == 200
    assert [m["To"] for m in smtp.wait_for(1)] == ["co@example.com"]
