"""Many users at once on a PostgreSQL store: `movedesk serve --workers 4` keeps answering while `movedesk run`
publishes an edition and mails it. No request gets a 5xx, every reader gets the edition exactly once,
sign-ups made meanwhile are all kept, and a rerun of the send mails nobody again."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import httpx
import pytest

from movedesk.config import Settings
from movedesk.demo import demo_data

from .builders import add_subscribers, build_store
from .conftest import Inbox, free_port

SESSION = "2024-12-20"  # SMIC's limit-up Friday: the run publishes a new edition for it
READERS = 300


def _wait_healthy(url: str, server: subprocess.Popen[str], timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise AssertionError(f"movedesk serve exited: {server.communicate()[1][-2000:]}")
        try:
            if httpx.get(f"{url}/healthz", timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    raise AssertionError("movedesk serve --workers 4 did not come up")


def _sign_up(client: httpx.Client, url: str, email: str) -> int:
    form = client.get(f"{url}/subscribe")
    if form.status_code != 200:
        return form.status_code
    token = re.search(r'name="csrf" value="([^"]+)"', form.text)
    assert token, "the sign-up form has no CSRF token"
    form_data = {"email": email, "frequency": "daily", "csrf": token.group(1)}
    return client.post(f"{url}/subscribe", data=form_data).status_code


@pytest.mark.slow
def test_four_workers_serve_while_the_daily_run_publishes_and_mails(
    pg_url: str, smtp: Inbox, tmp_path: Path
) -> None:
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    settings = Settings(db=pg_url, secret_key="test-secret-key-not-for-production", smtp_host="127.0.0.1",
                        smtp_port=smtp.port, mail_from="movedesk <briefs@movedesk.test>", base_url=url)  # fmt: skip
    slug = build_store(pg_url, settings)
    readers = set(add_subscribers(pg_url, settings, READERS))
    env = {**os.environ, "PYTHONWARNINGS": "ignore", "MOVEDESK_SECRET_KEY": settings.secret_key,
           "MOVEDESK_SMTP_HOST": "127.0.0.1", "MOVEDESK_SMTP_PORT": str(smtp.port),
           "MOVEDESK_MAIL_FROM": settings.mail_from, "MOVEDESK_BASE_URL": url}  # fmt: skip
    server = subprocess.Popen(
        [sys.executable, "-m", "movedesk", "--db", pg_url, "serve", "--workers", "4", "--port", str(port),
         "--log-level", "warning"],
        env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        _wait_healthy(url, server)
        config = tmp_path / "run.toml"
        config.write_text(f'prices = ["{demo_data() / "bars.csv"}"]\nnews = ["{demo_data() / "news"}"]\n'
                          "top = 1\nconnections = 4\n", encoding="utf-8")  # fmt: skip
        job = subprocess.Popen(
            [sys.executable, "-m", "movedesk", "--db", pg_url, "run", "--date", SESSION, "--config", str(config),
             "--json"],
            env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        )  # fmt: skip
        statuses: Counter[int] = Counter()
        signed: list[str] = []  # sign-ups the site accepted (it then mails a confirmation)
        tried = 0
        paths = ["/", f"/briefs/{slug}", "/api/v1/briefs", "/api/v1/editions", "/api/v1/articles",
                 "/companies/SMIC", "/search?q=SMIC"]  # fmt: skip
        with httpx.Client(timeout=30) as client:
            while job.poll() is None or tried < 3:
                for path in paths:
                    statuses[client.get(f"{url}{path}").status_code] += 1
                email = f"newcomer{tried}@example.com"
                tried += 1
                code = _sign_up(client, url, email)
                statuses[code] += 1
                if code == 200:
                    signed.append(email)
            out, err = job.communicate()
            assert job.returncode == 0, err[-3000:]
            report = json.loads(out)
            editions = [e["slug"] for e in client.get(f"{url}/api/v1/editions").json()["items"]]
            assert client.get(f"{url}/api/v1/briefs/SMIC-{SESSION}").status_code == 200
        assert report["edition"] == f"edition-{SESSION}" and f"edition-{SESSION}" in editions
        assert sum(statuses.values()) >= 30, statuses  # the site was really used while the job ran
        assert not [s for s in statuses if s >= 500], statuses
        assert set(statuses) <= {200, 429}, statuses  # 429: the sign-up rate limit, per address
        assert signed, "no sign-up was accepted while the job ran"
        delivered = [str(m["To"]) for m in smtp.wait_for(READERS + len(signed), timeout=60)]
        time.sleep(1)  # a duplicate would arrive late: give it the time to
        delivered = [str(m["To"]) for m in smtp.parsed()]
        edition_mails = Counter(to for to in delivered if to in readers)
        assert set(edition_mails) == readers and set(edition_mails.values()) == {1}  # each reader exactly once
        assert sorted(to for to in delivered if to not in readers) == sorted(signed)  # their confirmations
    finally:
        server.terminate()
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            server.kill()
    again = subprocess.run([sys.executable, "-m", "movedesk", "--db", pg_url, "send", "--edition",
                            f"edition-{SESSION}"], env=env, capture_output=True, text=True, timeout=120)  # fmt: skip
    assert again.returncode == 0, again.stderr[-2000:]
    assert "sent 0" in again.stdout and f"already sent {READERS}" in again.stdout
    from movedesk.desk import Desk

    with Desk.open(pg_url, settings) as desk:
        pending = {sub["email"] for sub in desk.store.subscribers(status="pending")}
    assert pending == set(signed)  # every accepted sign-up was stored, once
