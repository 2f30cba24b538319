"""The price-move claim dev set: Reuters sentences whose stated moves agree with S&P 500 prices.

The set is built by ``scripts/build_claim_set.py`` and stored as ids, offsets and labels only
(``data/claim_set.jsonl``); the Reuters text stays in ../shared and is read at evaluation time. Every
offset points into :func:`reuters_text` of the article (title + newline + whitespace-normalised body).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

CLAIM_SET = "claim_set.jsonl"


def reuters_text(title: str, body: str | None) -> tuple[str, str]:
    """(title, body) as the claim set's offsets see them: the body's whitespace collapsed to single spaces."""
    return " ".join(str(title).split()), " ".join(str(body or "").split())


@dataclass(frozen=True)
class GoldNumber:
    """A move number in a sentence: labelled (a checked claim) or unlabelled (ignored when scoring)."""

    start: int
    end: int
    company_id: str | None = None
    direction: str | None = None
    value: float | None = None
    session: dt.date | None = None
    actual_pct: float | None = None
    not_price: bool = False


@dataclass(frozen=True)
class GoldSentence:
    article_id: str
    start: int
    end: int
    numbers: tuple[GoldNumber, ...]


def claim_set_path() -> Path:
    return Path(str(resources.files("movedesk.eval") / "data" / CLAIM_SET))


def load_claim_set(path: Path | None = None) -> list[GoldSentence]:
    out: list[GoldSentence] = []
    p = path or claim_set_path()
    for line in p.read_text(encoding="utf-8").splitlines():
        if not line.strip():
            continue
        row: dict[str, Any] = json.loads(line)
        nums = tuple(
            GoldNumber(
                start=n["start"],
                end=n["end"],
                company_id=n.get("company_id"),
                direction=n.get("direction"),
                value=n.get("value"),
                actual_pct=n.get("actual_pct"),
                not_price=bool(n.get("not_price")),
                session=dt.date.fromisoformat(n["session"]) if n.get("session") else None,
            )
            for n in row["numbers"]
        )
        out.append(GoldSentence(row["article_id"], row["start"], row["end"], nums))
    return out


def file_sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()[:16]
