"""compose.yaml's services run the commands the tests run as plain processes: each movedesk command parses
with this CLI's options, the Dask ones with dask's, and every service reaches the same store."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from movedesk.cli.main import app

ROOT = Path(__file__).resolve().parents[1]
COMPOSE = yaml.safe_load((ROOT / "compose.yaml").read_text(encoding="utf-8"))


def _commands(program: str) -> dict[str, list[str]]:
    return {name: svc["command"] for name, svc in COMPOSE["services"].items()
            if svc.get("command", [None])[0] == program}  # fmt: skip


def test_compose_has_the_services_the_issue_names() -> None:
    assert {"postgres", "web", "schedule", "dask-scheduler", "dask-worker"} <= set(COMPOSE["services"])
    assert _commands("movedesk")["web"][1:] == ["serve", "--host", "0.0.0.0", "--port", "8000", "--workers", "4"]


@pytest.mark.parametrize("service", sorted(_commands("movedesk")))
def test_each_movedesk_service_command_parses(service: str) -> None:
    args = _commands("movedesk")[service][1:]
    result = CliRunner().invoke(app, [*args, "--help"])  # parsed, then help instead of running
    assert result.exit_code == 0, f"{service}: {result.output[-1500:]}"
    assert "Usage" in result.output


@pytest.mark.parametrize("service", sorted(_commands("dask")))
def test_each_dask_service_command_parses(service: str) -> None:
    pytest.importorskip("distributed", reason='the Dask services need the [dask] extra (pip install ".[dask]")')
    args = _commands("dask")[service][1:]
    done = subprocess.run([sys.executable, "-m", "dask", args[0], *args[1:], "--help"],
                          capture_output=True, text=True, timeout=120)  # fmt: skip
    assert done.returncode == 0 and "Usage" in done.stdout, done.stderr[-1000:]


def test_movedesk_services_share_the_postgresql_store() -> None:
    anchor = COMPOSE["x-movedesk"]["environment"]
    assert anchor["MOVEDESK_DB"].startswith("postgresql://") and "@postgres:5432/" in anchor["MOVEDESK_DB"]
    for name in _commands("movedesk"):
        assert COMPOSE["services"][name]["environment"] == anchor


def test_several_web_workers_need_a_postgresql_store(tmp_path: Path) -> None:
    pytest.importorskip("uvicorn", reason='the web app needs the [web] extra (pip install ".[web]")')
    result = CliRunner().invoke(app, ["--db", str(tmp_path / "one.duckdb"), "serve", "--workers", "2"])
    assert result.exit_code != 0
    assert "needs a PostgreSQL store" in str(result.exception or result.output)
    assert not (tmp_path / "one.duckdb").exists()  # refused before anything was opened
