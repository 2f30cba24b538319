"""Regenerate the golden briefs in tests/golden/ from the shipped demo data.

Run after an intended change to extraction, explain or the templates, then review the diff:

    python scripts/regen_golden.py && git diff tests/golden
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))

from golden_brief import GOLDEN, golden_outputs  # noqa: E402


def main() -> None:
    GOLDEN.mkdir(parents=True, exist_ok=True)
    for name, text in golden_outputs().items():
        (GOLDEN / name).write_text(text, encoding="utf-8")
        print(f"wrote {GOLDEN / name}")


if __name__ == "__main__":
    main()
