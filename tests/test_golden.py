"""The demo brief must match the reviewed golden files byte for byte (regenerate with
`python scripts/regen_golden.py` and review the diff when a change is intended)."""

from __future__ import annotations

import pytest

from golden_brief import GOLDEN, golden_outputs


@pytest.fixture(scope="module")
def outputs() -> dict[str, str]:
    return golden_outputs()


@pytest.mark.parametrize("ext", ["md", "html", "json"])
def test_brief_matches_golden(outputs: dict[str, str], ext: str) -> None:
    name = next(n for n in outputs if n.endswith(f".{ext}"))
    expected = (GOLDEN / name).read_text(encoding="utf-8")
    assert outputs[name] == expected, f"{name} differs from tests/golden; run scripts/regen_golden.py and review"


def test_rendering_is_deterministic(outputs: dict[str, str]) -> None:
    assert golden_outputs() == outputs


def test_json_brief_is_strict_json(outputs: dict[str, str]) -> None:
    import json

    name = next(n for n in outputs if n.endswith(".json"))
    json.loads(outputs[name], parse_constant=lambda c: pytest.fail(f"{c} is not JSON"))
