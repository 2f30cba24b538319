"""A new user's first hour: `movedesk demo`, then `movedesk serve` on the same store, as two real processes;
HEAD wherever GET answers; the API spec and docs where the README says they are."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from .conftest import free_port

ROOT = Path(__file__).resolve().parents[2]


def _movedesk(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "COLUMNS": "200"}
    return subprocess.run([sys.executable, "-m", "movedesk", *args], capture_output=True, text=True, cwd=cwd,
                          env=env, timeout=600)


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, str]]:
    """The README's path: the demo in a fresh folder, then `serve` with the store the demo printed."""
    home = tmp_path_factory.mktemp("newuser")
    demo = _movedesk("demo", cwd=home)
    assert demo.returncode == 0, demo.stderr
    hint = re.search(r"movedesk --db (\S+) serve", demo.stdout)
    assert hint, demo.stdout  # the demo leads into the web app
    port = free_port()
    env = {**os.environ, "MOVEDESK_SECRET_KEY": "test-secret-key"}
    server = subprocess.Popen(
        [sys.executable, "-m", "movedesk", "--db", hint.group(1), "serve", "--port", str(port), "--log-level",
         "warning"], cwd=home, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx.get(url + "/healthz", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if server.poll() is not None or time.monotonic() > deadline:
                raise AssertionError(f"movedesk serve did not start: {server.communicate()[1][-2000:]}")
            time.sleep(0.2)
        yield url, demo.stdout
    finally:
        server.terminate()
        server.wait(timeout=20)


def test_front_page_after_the_demo_shows_the_smic_brief_and_edition(served: tuple[str, str]) -> None:
    url, demo_out = served
    front = httpx.get(url + "/")
    assert front.status_code == 200
    assert "No briefs published yet" not in front.text
    assert "Monday 23 December 2024" in front.text  # the demo's edition
    headline = next(line for line in demo_out.splitlines() if line.startswith("SMIC "))
    assert headline.strip() in front.text.replace("&#39;", "'")
    assert 'href="/briefs/SMIC-2024-12-23"' in front.text
    brief = httpx.get(url + "/briefs/SMIC-2024-12-23")
    assert brief.status_code == 200 and "<svg" in brief.text
    api = httpx.get(url + "/api/v1/editions").json()
    assert [e["slug"] for e in api["items"]] == ["edition-2024-12-23"]


@pytest.mark.parametrize(
    "path", ["/", "/briefs/SMIC-2024-12-23", "/companies/SMIC", "/search?q=SMIC", "/subscribe", "/healthz",
             "/api/v1/briefs", "/api/v1/companies/SMIC", "/api/v1/openapi.json", "/api/v1/docs"],
)
def test_head_is_answered_wherever_get_is(served: tuple[str, str], path: str) -> None:
    url, _ = served
    get = httpx.get(url + path)
    head = httpx.head(url + path)
    assert get.status_code == 200, get.text[:300]
    assert head.status_code == 200 and head.content == b""
    assert head.headers["content-type"] == get.headers["content-type"]
    assert "content-security-policy" in head.headers


def test_head_where_get_is_refused_is_refused_alike(served: tuple[str, str]) -> None:
    url, _ = served
    for path in ("/briefs/no-such-brief", "/api/v1/briefs/no-such-brief"):
        assert httpx.head(url + path).status_code == httpx.get(url + path).status_code == 404
    assert httpx.head(url + "/confirm").status_code == httpx.get(url + "/confirm").status_code


def test_the_spec_and_docs_are_where_the_readme_says(served: tuple[str, str]) -> None:
    url, _ = served
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert "`/api/v1/openapi.json`" in readme and "`/api/v1/docs`" in readme
    spec = httpx.get(url + "/api/v1/openapi.json").json()
    assert spec["openapi"].startswith("3.") and "/api/v1/briefs" in spec["paths"]
    moved = httpx.get(url + "/docs", follow_redirects=False)
    assert moved.status_code == 308 and moved.headers["location"] == "/api/v1/docs"
    docs = httpx.get(url + "/docs", follow_redirects=True)
    assert docs.status_code == 200 and str(docs.url).endswith("/api/v1/docs")
    # the CSP forbids outside scripts: the page needs none, and lists every operation of the spec
    assert "<script" not in docs.text.lower()
    assert "default-src 'none'" in docs.headers["content-security-policy"]
    for path, item in spec["paths"].items():
        for method in item:
            assert f"{method.upper()} {path}" in docs.text.replace("&#123;", "{").replace("&#125;", "}")
