"""Shared fixtures: the ../shared data folder (skip when absent, fail under CI) and temporary stores."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("MOVEDESK_SHARED", ROOT.parent / "shared"))


def _shared() -> Path:
    if (SHARED / "data").is_dir():
        return SHARED
    if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
        pytest.fail(f"CI=true but the shared data folder {SHARED} is missing: these tests must not skip in CI")
    pytest.skip(f"needs the shared data folder {SHARED} (absent on this machine)")


@pytest.fixture(scope="session")
def shared_dir() -> Path:
    """Path of ../shared; skips the test with a reason when it is absent (fails when CI=true)."""
    return _shared()


@pytest.fixture
def store(tmp_path: Path):  # type: ignore[no-untyped-def]
    from movedesk.store import open_store

    s = open_store(tmp_path / "test.duckdb")
    yield s
    s.close()
