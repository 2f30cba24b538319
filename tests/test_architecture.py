"""Layering rules that a reader of the code relies on: the shells go through the Desk."""

from __future__ import annotations

import ast
from pathlib import Path

import movedesk

PACKAGE = Path(movedesk.__file__).resolve().parent


def _store_reads(folder: Path) -> list[str]:
    """Every ``<something>.store`` attribute read in the modules under ``folder``."""
    found = []
    for path in sorted(folder.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Attribute) and node.attr == "store":
                found.append(f"{path.relative_to(folder)}:{node.lineno}")
    return found


def test_the_cli_and_the_web_app_never_reach_into_the_store() -> None:
    for shell in ("cli", "web"):
        assert _store_reads(PACKAGE / shell) == [], f"{shell}/ must call Desk methods, not desk.store"


def test_the_check_sees_a_store_read(tmp_path: Path) -> None:
    (tmp_path / "sample.py").write_text("def f(desk):\n    return desk.store.bars(['A'])\n", encoding="utf-8")
    assert _store_reads(tmp_path) == ["sample.py:2"]
