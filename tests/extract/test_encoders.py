"""Packaged sentence encoders: which packages each needs, and the checked assembly of the mpnet parts."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from movedesk.errors import ConfigError
from movedesk.extract import encoders

CI = os.environ.get("CI") == "true"


@pytest.fixture
def cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("MOVEDESK_CACHE", str(tmp_path))
    encoders.model_dir.cache_clear()
    yield tmp_path
    encoders.model_dir.cache_clear()


def test_an_unknown_base_is_a_config_error_naming_the_known_ones() -> None:
    with pytest.raises(ConfigError, match="minilm, mpnet"):
        encoders.spec("bert-large")


def test_missing_parts_are_named_with_the_no_deps_install_line(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(encoders, "MPNET_PARTS", ("movedesk-no-such-part-001",))
    assert "movedesk-no-such-part-001" in encoders.missing("mpnet")
    with pytest.raises(ConfigError) as err:
        encoders.require("mpnet")
    assert "--no-deps" in str(err.value) and "movedesk-no-such-part-001" in str(err.value)


def test_parts_that_do_not_join_into_the_pinned_zip_are_refused(
    cache: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A changed upload (here: five small files) is refused before anything is unpacked or loaded."""
    parts = []
    for k in range(5):
        part = tmp_path / f"part{k}"
        part.write_bytes(b"PK\x03\x04 not the model " * (k + 1))
        parts.append(part)
    monkeypatch.setattr(encoders, "missing", lambda base: [])
    monkeypatch.setattr(encoders, "_part_file", lambda dist: parts[int(dist[-3:]) - 1])
    with pytest.raises(ConfigError, match="do not join"):
        encoders.model_dir("mpnet")
    folder = cache / "encoders"
    assert not (folder / "all-mpnet-base-v2").exists()
    assert not list(folder.glob("*.partial"))  # nothing half-written is left behind


def _mpnet_installed() -> bool:
    return not encoders.missing("mpnet")


@pytest.mark.slow
@pytest.mark.skipif(not _mpnet_installed() and not CI, reason="mpnet weight packages not installed (see README)")
def test_the_installed_mpnet_parts_unpack_once_into_a_checked_folder(cache: Path) -> None:
    folder = encoders.model_dir("mpnet")
    assert folder == cache / "encoders" / "all-mpnet-base-v2"
    assert (folder / ".verified").read_text(encoding="utf-8").strip() == encoders.MPNET_WEIGHTS_SHA256
    assert {p.name for p in folder.iterdir()} >= {"config.json", "model.safetensors", "tokenizer.json"}
    stamp = (folder / "model.safetensors").stat().st_mtime_ns
    encoders.model_dir.cache_clear()
    assert encoders.model_dir("mpnet") == folder
    assert (folder / "model.safetensors").stat().st_mtime_ns == stamp  # not unpacked again
